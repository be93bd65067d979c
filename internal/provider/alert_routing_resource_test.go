package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var tfDestination = tftypes.Object{AttributeTypes: map[string]tftypes.Type{
	"type": tftypes.String, "target": tftypes.String, "min_severity": tftypes.String,
}}

// tfDestinations builds a destinations set; each destination is {type, target, min_severity},
// "" for min_severity meaning "left out".
func tfDestinations(ds ...[3]string) tftypes.Value {
	vals := make([]tftypes.Value, len(ds))
	for i, d := range ds {
		sev := tftypes.NewValue(tftypes.String, nil)
		if d[2] != "" {
			sev = tftypes.NewValue(tftypes.String, d[2])
		}
		vals[i] = tftypes.NewValue(tfDestination, map[string]tftypes.Value{
			"type":         tftypes.NewValue(tftypes.String, d[0]),
			"target":       tftypes.NewValue(tftypes.String, d[1]),
			"min_severity": sev,
		})
	}
	return tftypes.NewValue(tftypes.Set{ElementType: tfDestination}, vals)
}

func TestAlertRoutingResource_validateConfig(t *testing.T) {
	good := [][3]string{
		{"webhook", "https://hooks.example.com/x", "warning"},
		{"webhook", "http://127.0.0.1:9000/alerts", ""},
		{"email", "oncall@example.com", "critical"},
	}
	diags := validateResourceConfig(t, NewAlertRoutingResource(), map[string]tftypes.Value{
		"environment_id": tftypes.NewValue(tftypes.String, "env"),
		"destinations":   tfDestinations(good...),
	})
	if len(diags) != 0 {
		t.Fatalf("valid destinations drew %v", diags)
	}

	// Every bad target is reported, each on its own element's target.
	diags = validateResourceConfig(t, NewAlertRoutingResource(), map[string]tftypes.Value{
		"environment_id": tftypes.NewValue(tftypes.String, "env"),
		"destinations": tfDestinations(
			[3]string{"webhook", "oncall@example.com", "warning"},
			[3]string{"email", "https://hooks.example.com/x", ""},
			[3]string{"email", "oncall@example.com", "info"},
		),
	})
	if len(diags) != 2 {
		t.Fatalf("want 2 diagnostics, got %v", diags)
	}
	wantAt := []struct{ path, text string }{
		{`destinations[Value({"min_severity":"warning","target":"oncall@example.com","type":"webhook"})].target`, "http:// or https:// URL"},
		{`destinations[Value({"min_severity":<null>,"target":"https://hooks.example.com/x","type":"email"})].target`, "bare address"},
	}
	for _, w := range wantAt {
		if !diagAt(diags, diag.SeverityError, w.path, w.text) {
			t.Errorf("no error at %s mentioning %q in %v", w.path, w.text, describe(diags))
		}
	}

	// The same target twice, once with the default severity: ambiguous, so the API refuses it
	// and the plan must too, on the repeating element.
	diags = validateResourceConfig(t, NewAlertRoutingResource(), map[string]tftypes.Value{
		"destinations": tfDestinations(
			[3]string{"email", "oncall@example.com", ""},
			[3]string{"email", "oncall@example.com", "critical"},
		),
	})
	// Which of the two repeats the other follows the set's order.
	repeated := func(sev string) string {
		return `destinations[Value({"min_severity":` + sev + `,"target":"oncall@example.com","type":"email"})].target`
	}
	onRepeat := diagAt(diags, diag.SeverityError, repeated(`<null>`), "repeats destination") ||
		diagAt(diags, diag.SeverityError, repeated(`"critical"`), "repeats destination")
	if len(diags) != 1 || !onRepeat {
		t.Errorf("want one error on a repeated target, got %v", describe(diags))
	}

	// Unknown values (e.g. a target computed from another resource) are skipped, not guessed.
	diags = validateResourceConfig(t, NewAlertRoutingResource(), map[string]tftypes.Value{
		"destinations": tftypes.NewValue(tftypes.Set{ElementType: tfDestination}, []tftypes.Value{
			tftypes.NewValue(tfDestination, map[string]tftypes.Value{
				"type":         tftypes.NewValue(tftypes.String, "webhook"),
				"target":       tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
				"min_severity": tftypes.NewValue(tftypes.String, nil),
			}),
		}),
	})
	if len(diags) != 0 {
		t.Errorf("unknown target drew %v", diags)
	}
}

func describe(diags diag.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		p := ""
		if wp, ok := d.(diag.DiagnosticWithPath); ok {
			p = wp.Path().String()
		}
		out = append(out, fmt.Sprintf("%s at %s: %s: %s", d.Severity(), p, d.Summary(), d.Detail()))
	}
	return out
}

func TestAlertRoutingResource_fromAPIToAPI(t *testing.T) {
	ctx := context.Background()
	in := &api.AlertRouting{
		Meta:          api.Meta{ID: "routing-1", Version: 3},
		EnvironmentID: "env-1",
		VendorRouting: false,
		Destinations: []api.Destination{
			{Type: "webhook", Target: "https://b.example.com", MinSeverity: "info"},
			{Type: "email", Target: "oncall@example.com", MinSeverity: "critical"},
			{Type: "webhook", Target: "https://a.example.com", MinSeverity: "warning"},
		},
	}
	var m alertRoutingResourceModel
	creds := &api.AlertCredentials{EnvironmentID: "env-1", IngestURL: "http://w/v1/environments/env-1/alerts", IngestKey: "wik_k", SigningSecret: "whsec_s"}
	if d := m.fromAPI(ctx, in, creds, true); d.HasError() {
		t.Fatal(d)
	}
	if m.ID.ValueString() != "env-1" || m.EnvironmentID.ValueString() != "env-1" || m.VendorRouting.ValueBool() ||
		m.IngestURL.ValueString() != creds.IngestURL || m.IngestKey.ValueString() != "wik_k" || m.SigningSecret.ValueString() != "whsec_s" {
		t.Errorf("fromAPI: %+v", m)
	}
	body, d := m.toAPI(ctx)
	if d.HasError() {
		t.Fatal(d)
	}
	want := []api.Destination{
		{Type: "email", Target: "oncall@example.com", MinSeverity: "critical"},
		{Type: "webhook", Target: "https://a.example.com", MinSeverity: "warning"},
		{Type: "webhook", Target: "https://b.example.com", MinSeverity: "info"},
	}
	if body.VendorRouting || body.Destinations == nil || !slices.Equal(*body.Destinations, want) {
		t.Errorf("toAPI: %+v, want sorted %+v", body, want)
	}

	// Managed but empty is an empty list on the wire (a PUT replaces the set), never absent.
	m.fromAPI(ctx, &api.AlertRouting{EnvironmentID: "env-1", VendorRouting: true}, creds, true)
	body, _ = m.toAPI(ctx)
	if body.Destinations == nil || len(*body.Destinations) != 0 || !body.VendorRouting {
		t.Errorf("empty routing toAPI: %#v", body)
	}
	// Not managed: null in the model, and absent on the wire, so the destinations stay.
	m.fromAPI(ctx, in, nil, false)
	body, _ = m.toAPI(ctx)
	if !m.Destinations.IsNull() || body.Destinations != nil {
		t.Errorf("unmanaged destinations: model %v, body %#v", m.Destinations, body)
	}
	// Without credentials (a list), their attributes are null.
	if !m.IngestURL.IsNull() || !m.IngestKey.IsNull() || !m.SigningSecret.IsNull() {
		t.Errorf("credentials without credentials: %+v", m)
	}
}

// checkRouting compares the API's routing of the environment in the state with want,
// destinations in any order.
func checkRouting(srv *acctest.Server, envAddr string, vendor bool, want ...api.Destination) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[envAddr]
		if !ok {
			return fmt.Errorf("%s not in state", envAddr)
		}
		return routingIs(srv, rs.Primary.ID, vendor, want...)
	}
}

func routingIs(srv *acctest.Server, envID string, vendor bool, want ...api.Destination) error {
	got, err := srv.Client.GetAlertRouting(context.Background(), envID)
	if err != nil {
		return err
	}
	sortDest := func(a, b api.Destination) int { return strings.Compare(a.Type+a.Target, b.Type+b.Target) }
	dests := slices.Clone(got.Destinations)
	slices.SortFunc(dests, sortDest)
	want = slices.Clone(want)
	slices.SortFunc(want, sortDest)
	if got.VendorRouting != vendor || !slices.Equal(dests, want) {
		return fmt.Errorf("API routing of %s is vendor_routing=%v %+v; want vendor_routing=%v %+v", envID, got.VendorRouting, dests, vendor, want)
	}
	return nil
}

// checkRoutingRestored is this resource's CheckDestroy. An environment's routing cannot be
// deleted, so for this resource "destroyed" means "restored to the default": vendor routing
// on and no destinations, which the API must show for each environment that outlived it.
func checkRoutingRestored(srv *acctest.Server, envIDs ...*string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, id := range envIDs {
			if err := routingIs(srv, *id, true); err != nil {
				return fmt.Errorf("after destroy: %w", err)
			}
		}
		return nil
	}
}

func TestAccAlertRoutingResource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	const addr = "warden_alert_routing.test"
	// The environment is created out of band so that it outlives the routing: destroying the
	// routing must leave it with the default routing, which CheckDestroy reads back.
	env, err := srv.Client.CreateEnvironment(context.Background(), api.EnvironmentCreate{Name: "production", Cloud: "gcp"})
	if err != nil {
		t.Fatal(err)
	}
	config := func(body string) string {
		return srv.Config(fmt.Sprintf(`
resource "warden_alert_routing" "test" {
  environment_id = %q
%s
}`, env.ID, body))
	}
	hook := api.Destination{Type: "webhook", Target: "https://hooks.example.com/x", MinSeverity: "critical"}
	mail := api.Destination{Type: "email", Target: "oncall@example.com", MinSeverity: "warning"}
	info := api.Destination{Type: "webhook", Target: "http://127.0.0.1:9000/alerts", MinSeverity: "info"}
	destinations := func(ds ...api.Destination) knownvalue.Check {
		checks := make([]knownvalue.Check, len(ds))
		for i, d := range ds {
			checks[i] = knownvalue.ObjectExact(map[string]knownvalue.Check{
				"type":         knownvalue.StringExact(d.Type),
				"target":       knownvalue.StringExact(d.Target),
				"min_severity": knownvalue.StringExact(d.MinSeverity),
			})
		}
		return knownvalue.SetExact(checks)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkRoutingRestored(srv, &env.ID),
		Steps: []resource.TestStep{
			{
				// Every attribute; min_severity left out on the email destination takes the default.
				Config: config(`
  vendor_routing = false
  destinations = [
    { type = "webhook", target = "https://hooks.example.com/x", min_severity = "critical" },
    { type = "email", target = "oncall@example.com" },
  ]`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(env.ID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("environment_id"), knownvalue.StringExact(env.ID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("vendor_routing"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("destinations"), destinations(hook, mail)),
				},
				Check: func(*terraform.State) error { return routingIs(srv, env.ID, false, hook, mail) },
			},
			{
				// Reordered in HCL: a set, so nothing to do.
				Config: config(`
  vendor_routing = false
  destinations = [
    { type = "email", target = "oncall@example.com", min_severity = "warning" },
    { type = "webhook", target = "https://hooks.example.com/x", min_severity = "critical" },
  ]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     env.ID,
				ImportStateVerify: true,
			},
			{
				// In place: opt back in to vendor routing, drop one destination, add another.
				Config: config(`
  destinations = [
    { type = "email", target = "oncall@example.com" },
    { type = "webhook", target = "http://127.0.0.1:9000/alerts", min_severity = "info" },
  ]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(env.ID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("vendor_routing"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("destinations"), destinations(mail, info)),
				},
				Check: func(*terraform.State) error { return routingIs(srv, env.ID, true, mail, info) },
			},
			{
				// Changed outside Terraform: the plan puts the configuration back in place.
				PreConfig: func() {
					if _, err := srv.Client.PutAlertRouting(context.Background(), env.ID, api.AlertRoutingUpdate{
						VendorRouting: false,
						Destinations:  &[]api.Destination{{Type: "email", Target: "intruder@example.com", MinSeverity: "info"}},
					}, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: config(`
  destinations = [
    { type = "email", target = "oncall@example.com" },
    { type = "webhook", target = "http://127.0.0.1:9000/alerts", min_severity = "info" },
  ]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				Check: func(*terraform.State) error { return routingIs(srv, env.ID, true, mail, info) },
			},
		},
	})
}

func TestAccAlertRoutingResource_defaultsReplaceAndDrift(t *testing.T) {
	srv := acctest.NewServer(t)
	const addr = "warden_alert_routing.test"
	config := func(envName string) string {
		return srv.Config(fmt.Sprintf(`
resource "warden_environment" "a" {
  name  = "a"
  cloud = "aws"
}
resource "warden_environment" "b" {
  name  = "b"
  cloud = "aws"
}
resource "warden_alert_routing" "test" {
  environment_id = warden_environment.%s.id
  destinations   = [{ type = "webhook", target = "https://hooks.example.com/%s" }]
}`, envName, envName))
	}
	webhook := func(name string) api.Destination {
		return api.Destination{Type: "webhook", Target: "https://hooks.example.com/" + name, MinSeverity: "warning"}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config("a"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("vendor_routing"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("destinations").AtSliceIndex(0).AtMapKey("min_severity"), knownvalue.StringExact("warning")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkRouting(srv, "warden_environment.a", true, webhook("a")),
					checkRouting(srv, "warden_environment.b", true),
				),
			},
			{
				// Another environment: the old one gets its default back, the new one is adopted.
				Config: config("b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkRouting(srv, "warden_environment.a", true),
					checkRouting(srv, "warden_environment.b", true, webhook("b")),
				),
			},
			{
				// The environment deleted outside Terraform takes its routing along: both are re-created.
				PreConfig: func() {
					env := mustFindEnvironment(t, srv, "b")
					if err := srv.Client.DeleteEnvironment(context.Background(), env.ID, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: config("b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("warden_environment.b", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
					},
				},
				Check: checkRouting(srv, "warden_environment.b", true, webhook("b")),
			},
		},
	})
}

func TestAccAlertRoutingResource_validation(t *testing.T) {
	srv := acctest.NewServer(t)
	config := func(dest string) string {
		return srv.Config(fmt.Sprintf(`
resource "warden_alert_routing" "test" {
  environment_id = "env-never-created"
  destinations   = [%s]
}`, dest))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(`{ type = "slack", target = "#ops" }`),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("Invalid type", `type must be webhook or email; got "slack".`),
			},
			{
				Config:      config(`{ type = "webhook", target = "hooks.example.com/x" }`),
				PlanOnly:    true,
				ExpectError: wrappedRegexp(`Invalid Destination`, `The webhook target must use http or https.`),
			},
			{
				Config:      config(`{ type = "email", target = "On Call <oncall@example.com>" }`),
				PlanOnly:    true,
				ExpectError: wrappedRegexp(`Invalid Destination`, `The email target must be a bare address.`),
			},
			{
				Config: config(`{ type = "email", target = "oncall@example.com" },
    { type = "email", target = "oncall@example.com", min_severity = "critical" }`),
				PlanOnly:    true,
				ExpectError: wrappedRegexp(`Invalid Destination`, `repeats destination 0 (the same email target).`),
			},
			{
				Config:      config(`{ type = "email", target = "oncall@example.com", min_severity = "urgent" }`),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("Invalid min_severity", `min_severity must be info, warning, error or critical; got "urgent".`),
			},
		},
	})
}

// One warden_alert_routing per environment. Two in one configuration fail the plan (or, for an
// environment created in the same plan, the apply, before either writes); a second one beside
// a routing another resource already claims fails the plan, whose claim the API reports; and
// a routing whose claim another resource took over fails the plan that would write to it.
// Destroying the holder ends its claim. (The API's own refusal: TestAlertRouting_claim.)
func TestAccAlertRoutingResource_onePerEnvironment(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	env, err := srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "production", Cloud: "gcp"})
	if err != nil {
		t.Fatal(err)
	}
	routing := func(name, envID, body string) string {
		return fmt.Sprintf(`
resource "warden_alert_routing" %q {
  environment_id = %q
%s
}`, name, envID, body)
	}
	var claim string
	claimed := func(*terraform.State) error {
		r, err := srv.Client.GetAlertRouting(ctx, env.ID)
		switch {
		case err != nil:
			return err
		case !strings.HasPrefix(r.ClaimID, "rcl_") || r.ClaimedAt == nil:
			return fmt.Errorf("routing not claimed: %+v", r)
		case claim != "" && r.ClaimID != claim:
			return fmt.Errorf("claim %s, want %s still", r.ClaimID, claim)
		}
		claim = r.ClaimID
		return nil
	}
	managedTwice := "Alert Routing Managed Twice"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			for _, id := range []string{env.ID} {
				r, err := srv.Client.GetAlertRouting(ctx, id)
				if err != nil {
					return err
				}
				if r.ClaimID != "" || !r.VendorRouting {
					return fmt.Errorf("after destroy, routing of %s is %+v; want the default, unclaimed", id, r)
				}
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				// Both in one configuration: the plan sees both creates.
				Config:   srv.Config(routing("a", env.ID, "  vendor_routing = false") + routing("b", env.ID, "")),
				PlanOnly: true,
				ExpectError: wrappedRegexp(managedTwice, `Another warden_alert_routing in this configuration also manages environment "production"'s alert routing.`,
					"overwrite each other's vendor_routing and destinations on every apply", "Keep one warden_alert_routing per environment"),
			},
			{
				Config: srv.Config(routing("a", env.ID, "  vendor_routing = false")),
				Check:  resource.ComposeAggregateTestCheckFunc(claimed, func(*terraform.State) error { return routingIs(srv, env.ID, false) }),
			},
			{
				// Added later beside it: the API knows the claim, so the plan fails.
				Config:   srv.Config(routing("a", env.ID, "  vendor_routing = false") + routing("b", env.ID, "")),
				PlanOnly: true,
				ExpectError: wrappedRegexp(managedTwice, `Environment "production"'s alert routing is already managed by another warden_alert_routing`,
					"Keep one warden_alert_routing per environment", "adopt the routing with an import block"),
			},
			{
				// Another resource took the routing over (after a reset through the API): this one's
				// plan to put its setting back fails instead of undoing the other's.
				PreConfig: func() {
					if err := srv.Client.ResetAlertRouting(ctx, env.ID, "", 0); err != nil {
						t.Fatal(err)
					}
					if _, err := srv.Client.PutAlertRouting(ctx, env.ID, api.AlertRoutingUpdate{VendorRouting: true, Claim: access.RoutingClaimNew}, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config:      srv.Config(routing("a", env.ID, "  vendor_routing = false")),
				ExpectError: wrappedRegexp(managedTwice, `Environment "production"'s alert routing is already managed by another warden_alert_routing`),
			},
			{
				// That one gone (its claim ended), this one puts its setting back under its own claim.
				PreConfig: func() {
					if err := srv.Client.ResetAlertRouting(ctx, env.ID, "", 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: srv.Config(routing("a", env.ID, "  vendor_routing = false")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("warden_alert_routing.a", plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(claimed, func(*terraform.State) error { return routingIs(srv, env.ID, false) }),
			},
			{
				// Both for an environment this plan creates: its id is unknown until the apply, which
				// refuses the second before it writes anything.
				Config: srv.Config(routing("a", env.ID, "  vendor_routing = false")+`
resource "warden_environment" "fresh" {
  name  = "fresh"
  cloud = "aws"
}`) + strings.ReplaceAll(routing("c", "ENV", "")+routing("d", "ENV", ""), `"ENV"`, "warden_environment.fresh.id"),
				ExpectError: wrappedRegexp(managedTwice, `Another warden_alert_routing in this configuration also manages environment "fresh"'s alert routing.`),
			},
		},
	})
}

// The notes one plan's ModifyPlan calls leave for one another: an opt-out for an environment
// not yet known fails only when every environment the plan creates routes to the vendor, and
// a routing is created once per environment and plan.
func TestAlertRoutingResource_planNotes(t *testing.T) {
	envPlan := func(notes *planNotes, initial tftypes.Value) {
		t.Helper()
		env := &environmentResource{plan: notes}
		resp := modifyResourcePlan(t, env, map[string]tftypes.Value{
			"id": unknownString, "name": tfString("e"), "cloud": tfString("aws"), "resource_prefix": tfString("aw_"), "initial_vendor_routing": initial,
		}, nil)
		if resp.Diagnostics.HasError() {
			t.Fatal(resp.Diagnostics)
		}
	}
	optOut := func(notes *planNotes) diag.Diagnostics {
		r := &alertRoutingResource{client: &client.Client{}, plan: notes}
		return modifyResourcePlan(t, r, map[string]tftypes.Value{
			"id": unknownString, "environment_id": unknownString, "vendor_routing": tfBool(false),
			"ingest_url": unknownString, "ingest_key": unknownString, "signing_secret": unknownString,
		}, nil).Diagnostics
	}
	null := tftypes.NewValue(tftypes.Bool, nil)

	notes := newPlanNotes()
	if d := optOut(notes); d.HasError() {
		t.Errorf("no environment created in this plan, yet: %v", d)
	}
	envPlan(notes, null)
	envPlan(notes, tfBool(true))
	if d := optOut(notes); !diagAt(d, diag.SeverityError, "vendor_routing", "Set initial_vendor_routing = false on the warden_environment") {
		t.Errorf("every new environment routes to the vendor: %v", d)
	}
	envPlan(notes, tfBool(false))
	if d := optOut(notes); d.HasError() {
		t.Errorf("one new environment is created opted out, maybe this routing's: %v", d)
	}
	unknownNotes := newPlanNotes()
	envPlan(unknownNotes, tftypes.NewValue(tftypes.Bool, tftypes.UnknownValue))
	if d := optOut(unknownNotes); d.HasError() {
		t.Errorf("an initial_vendor_routing not yet known may be false: %v", d)
	}

	if !notes.claimRouting("env_1") || notes.claimRouting("env_1") || !notes.claimRouting("env_2") {
		t.Error("claimRouting grants each environment once")
	}
	var none *planNotes // an unconfigured provider: no notes, no findings
	if !none.claimRouting("env_1") || none.everyNewEnvironmentRoutes() {
		t.Error("nil notes refuse nothing")
	}
}

// initial_vendor_routing changed on an existing environment: the plan says it changes nothing.
func TestEnvironmentResource_initialVendorRoutingChangeWarns(t *testing.T) {
	attrs := func(initial tftypes.Value) map[string]tftypes.Value {
		return map[string]tftypes.Value{"id": tfString("env_1"), "name": tfString("prod"), "cloud": tfString("aws"),
			"resource_prefix": tfString("aw_"), "initial_vendor_routing": initial}
	}
	resp := modifyResourcePlan(t, &environmentResource{}, attrs(tfBool(true)), attrs(tfBool(false)))
	if resp.Diagnostics.HasError() || !diagAt(resp.Diagnostics, diag.SeverityWarning, "initial_vendor_routing", `Environment "prod" exists already`) ||
		!strings.Contains(resp.Diagnostics[0].Detail(), "warden_alert_routing") {
		t.Errorf("diagnostics %v", resp.Diagnostics)
	}
	if resp := modifyResourcePlan(t, &environmentResource{}, attrs(tfBool(false)), attrs(tfBool(false))); len(resp.Diagnostics) != 0 {
		t.Errorf("unchanged: %v", resp.Diagnostics)
	}
}
