package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	tfconfig "github.com/hashicorp/terraform-plugin-testing/config"
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

func TestSupportAccessValidateConfig(t *testing.T) {
	cases := []struct {
		name  string
		attrs map[string]tftypes.Value
		sev   diag.Severity
		path  string
		text  string
	}{
		{
			name:  "port forwarding needs operator",
			attrs: map[string]tftypes.Value{"tier": tfString("support"), "port_forwarding": tfBool(true)},
			sev:   diag.SeverityError, path: "port_forwarding", text: `Set port_forwarding = false, or raise tier to "operator".`,
		},
		{
			name:  "expires_at must be RFC 3339",
			attrs: map[string]tftypes.Value{"tier": tfString("operator"), "expires_at": tfString("2026-12-31 00:00")},
			sev:   diag.SeverityError, path: "expires_at", text: "RFC 3339",
		},
		{
			name:  "a date alone is not an instant",
			attrs: map[string]tftypes.Value{"tier": tfString("operator"), "expires_at": tfString("2026-12-31")},
			sev:   diag.SeverityError, path: "expires_at", text: `got "2026-12-31"`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.attrs["environment_id"] = tfString("env_1")
			diags := validateResourceConfig(t, NewSupportAccessResource(), tc.attrs)
			if !diagAt(diags, tc.sev, tc.path, tc.text) || len(diags) != 1 {
				t.Fatalf("want one %v at %s containing %q; got %v", tc.sev, tc.path, tc.text, diags)
			}
		})
	}

	for _, ok := range []map[string]tftypes.Value{
		{"tier": tfString("operator"), "port_forwarding": tfBool(true)},
		{"tier": tfString("co_maintainer"), "port_forwarding": tfBool(true), "expires_at": tfString("2026-12-31T09:00:00+02:00")},
		// A past instant is valid here: whether it must lie in the future depends on the state.
		{"tier": tfString("support"), "expires_at": tfString("2001-01-01T00:00:00Z")},
		{"tier": unknownString, "port_forwarding": tfBool(true), "expires_at": unknownString},
	} {
		ok["environment_id"] = tfString("env_1")
		if diags := validateResourceConfig(t, NewSupportAccessResource(), ok); len(diags) != 0 {
			t.Errorf("%v: want no diagnostics, got %v", ok, diags)
		}
	}
}

func supportModel(tier string, pf bool, expiresAt string) *supportAccessResourceModel {
	m := &supportAccessResourceModel{
		ID:             types.StringUnknown(),
		EnvironmentID:  types.StringValue("env_1"),
		Tier:           types.StringValue(tier),
		PortForwarding: types.BoolValue(pf),
		ExpiresAt:      types.StringNull(),
		Status:         types.StringUnknown(),
		Capabilities:   types.SetUnknown(typesString),
	}
	if expiresAt != "" {
		m.ExpiresAt = types.StringValue(expiresAt)
	}
	return m
}

func supportState(tier string, pf bool, expiresAt, status string) *supportAccessResourceModel {
	m := supportModel(tier, pf, expiresAt)
	m.ID = types.StringValue("sup_1")
	m.Status = types.StringValue(status)
	m.Capabilities = stringSet(access.Capabilities(tier, pf))
	return m
}

var (
	testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	gcpEnv  = &api.Environment{Meta: api.Meta{ID: "env_1"}, Name: "production", Cloud: "gcp"}
	awsEnv  = &api.Environment{Meta: api.Meta{ID: "env_1"}, Name: "staging", Cloud: "aws"}
)

func TestSupportAccessPlan_coMaintainerNeedsGCP(t *testing.T) {
	var diags diag.Diagnostics
	planSupportAccess(supportModel("co_maintainer", false, ""), nil, awsEnv, testNow, &diags)
	if !diagAt(diags, diag.SeverityError, "tier", "available only on gcp environments; this environment runs on aws") || len(diags) != 1 {
		t.Fatalf("want the tier_requires_gcp finding on tier, got %v", diags)
	}

	diags = nil
	planSupportAccess(supportModel("co_maintainer", false, ""), nil, gcpEnv, testNow, &diags)
	planSupportAccess(supportModel("co_maintainer", false, ""), nil, nil, testNow, &diags) // environment not known yet
	if len(diags) != 0 {
		t.Fatalf("want no diagnostics, got %v", diags)
	}
}

func TestSupportAccessPlan_expiry(t *testing.T) {
	past := testNow.Add(-time.Hour).Format(time.RFC3339)
	future := testNow.Add(time.Hour).Format(time.RFC3339)
	later := testNow.Add(48 * time.Hour).Format(time.RFC3339)

	t.Run("create in the past fails", func(t *testing.T) {
		var diags diag.Diagnostics
		planSupportAccess(supportModel("operator", false, past), nil, gcpEnv, testNow, &diags)
		if !diagAt(diags, diag.SeverityError, "expires_at", "must lie in the future") {
			t.Fatalf("got %v", diags)
		}
	})

	t.Run("changed to the past fails", func(t *testing.T) {
		var diags diag.Diagnostics
		planSupportAccess(supportModel("operator", false, past), supportState("operator", false, future, "active"), gcpEnv, testNow, &diags)
		if !diagAt(diags, diag.SeverityError, "expires_at", "has already passed") {
			t.Fatalf("got %v", diags)
		}
	})

	t.Run("unchanged past value warns and plans no change", func(t *testing.T) {
		var diags diag.Diagnostics
		prior := supportState("operator", false, past, "expired")
		plan := supportModel("operator", false, past)
		planSupportAccess(plan, prior, gcpEnv, testNow, &diags)
		if diags.HasError() {
			t.Fatalf("an unchanged past expires_at must never fail a plan: %v", diags)
		}
		for _, text := range []string{`"operator"`, `environment "production" (env_1)`, "expired at " + past,
			"move expires_at later (an in-place update)", "remove the warden_support_access block"} {
			if !diagAt(diags, diag.SeverityWarning, "expires_at", text) {
				t.Errorf("warning lacks %q: %v", text, diags)
			}
		}
		if plan.Status.ValueString() != "expired" || !plan.Capabilities.Equal(prior.Capabilities) {
			t.Errorf("plan status %v capabilities %v: want the state's, so that the plan is empty", plan.Status, plan.Capabilities)
		}
	})

	t.Run("the same instant spelt differently is no change", func(t *testing.T) {
		var diags diag.Diagnostics
		plan := supportModel("operator", false, testNow.Add(-time.Hour).In(time.FixedZone("", 2*3600)).Format(time.RFC3339))
		planSupportAccess(plan, supportState("operator", false, past, "expired"), gcpEnv, testNow, &diags)
		if diags.HasError() || plan.Status.ValueString() != "expired" {
			t.Fatalf("got %v, status %v", diags, plan.Status)
		}
	})

	t.Run("a later expiry re-activates", func(t *testing.T) {
		var diags diag.Diagnostics
		plan := supportModel("operator", false, later)
		planSupportAccess(plan, supportState("operator", false, past, "expired"), gcpEnv, testNow, &diags)
		if len(diags) != 0 || plan.Status.ValueString() != "active" {
			t.Fatalf("got %v, status %v", diags, plan.Status)
		}
	})

	t.Run("removing the expiry re-activates", func(t *testing.T) {
		var diags diag.Diagnostics
		plan := supportModel("operator", false, "")
		planSupportAccess(plan, supportState("operator", false, past, "expired"), gcpEnv, testNow, &diags)
		if len(diags) != 0 || plan.Status.ValueString() != "active" {
			t.Fatalf("got %v, status %v", diags, plan.Status)
		}
	})

	t.Run("active access passed its expiry without a refresh", func(t *testing.T) {
		var diags diag.Diagnostics
		planSupportAccess(supportModel("operator", false, past), supportState("operator", false, past, "active"), nil, testNow, &diags)
		if diags.HasError() || !diagAt(diags, diag.SeverityWarning, "expires_at", "environment env_1 expired at") {
			t.Fatalf("got %v", diags)
		}
	})
}

func TestSupportAccessPlan_capabilitiesKnownAtPlan(t *testing.T) {
	var diags diag.Diagnostics
	plan := supportModel("operator", true, "")
	planSupportAccess(plan, nil, nil, testNow, &diags)
	want := stringSet(access.Capabilities("operator", true))
	if !plan.Capabilities.Equal(want) || plan.Status.ValueString() != "active" {
		t.Fatalf("capabilities %v status %v, want %v active", plan.Capabilities, plan.Status, want)
	}
	var caps []string
	diags.Append(plan.Capabilities.ElementsAs(context.Background(), &caps, false)...)
	if !strings.Contains(strings.Join(caps, ","), access.CapabilityPortForward) {
		t.Fatalf("port forwarding capability missing: %v", caps)
	}
}

// The warning comes out of ModifyPlan itself, which terraform-plugin-testing cannot assert.
func TestSupportAccessModifyPlan_expiredWarning(t *testing.T) {
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	prior := map[string]tftypes.Value{
		"id": tfString("sup_1"), "environment_id": tfString("env_1"), "tier": tfString("support"),
		"port_forwarding": tfBool(false), "expires_at": tfString(past), "status": tfString("expired"),
		"capabilities": tfStrings(true, access.Capabilities("support", false)...),
	}
	planned := map[string]tftypes.Value{}
	for k, v := range prior {
		planned[k] = v
	}
	planned["status"] = unknownString
	resp := modifyResourcePlan(t, NewSupportAccessResource(), planned, prior)
	if resp.Diagnostics.HasError() || !diagAt(resp.Diagnostics, diag.SeverityWarning, "expires_at", `"support" support access to environment env_1 expired at `+past) {
		t.Fatalf("got %v", resp.Diagnostics)
	}
	var status types.String
	resp.Diagnostics.Append(resp.Plan.GetAttribute(context.Background(), path.Root("status"), &status)...)
	if status.ValueString() != "expired" {
		t.Fatalf("planned status %v, want expired (no change)", status)
	}
}

func TestSupportAccessFromAPI_keepsConfiguredSpelling(t *testing.T) {
	at := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	m := supportModel("operator", false, "2026-12-31T02:00:00+02:00")
	m.fromAPI(&api.SupportAccess{Meta: api.Meta{ID: "sup_1"}, EnvironmentID: "env_1", Tier: "operator", ExpiresAt: &at, Status: "active"})
	if m.ExpiresAt.ValueString() != "2026-12-31T02:00:00+02:00" {
		t.Fatalf("expires_at = %v", m.ExpiresAt)
	}
	m.fromAPI(&api.SupportAccess{Meta: api.Meta{ID: "sup_1"}, EnvironmentID: "env_1", Tier: "operator", ExpiresAt: nil, Status: "active"})
	if !m.ExpiresAt.IsNull() {
		t.Fatalf("expires_at = %v, want null", m.ExpiresAt)
	}
	later := at.Add(time.Hour)
	m.fromAPI(&api.SupportAccess{Meta: api.Meta{ID: "sup_1"}, EnvironmentID: "env_1", Tier: "operator", ExpiresAt: &later, Status: "active"})
	if m.ExpiresAt.ValueString() != "2026-12-31T01:00:00Z" {
		t.Fatalf("expires_at changed outside Terraform = %v", m.ExpiresAt)
	}
}

const supportAddr = "warden_support_access.test"

// importSupportAccessStep imports supportAddr by its environment's id, the import ID form, and
// verifies the imported state against the applied one.
var importSupportAccessStep = resource.TestStep{
	ResourceName: supportAddr,
	ImportState:  true,
	ImportStateIdFunc: func(s *terraform.State) (string, error) {
		return s.RootModule().Resources[supportAddr].Primary.Attributes["environment_id"], nil
	},
	ImportStateVerify:                    true,
	ImportStateVerifyIdentifierAttribute: "id",
}

// supportConfig is a gcp or aws environment "production" with support access to it; attrs
// are the support access's attributes beyond environment_id.
func supportConfig(srv *acctest.Server, cloud, attrs string) string {
	return srv.Config(fmt.Sprintf(`
resource "warden_environment" "prod" {
  name  = "production"
  cloud = %q
}
resource "warden_support_access" "test" {
  environment_id = warden_environment.prod.id
  %s
}`, cloud, attrs))
}

func checkSupportDestroyed(srv *acctest.Server) resource.TestCheckFunc {
	return checkDestroyed(srv, "warden_support_access", func(ctx context.Context, c *client.Client, rs *terraform.ResourceState) error {
		_, err := c.GetSupportAccess(ctx, rs.Primary.Attributes["environment_id"])
		return err
	})
}

func TestAccSupportAccessResource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	expiry := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	expiresAt := expiry.Format(time.RFC3339)
	sameID := statecheck.CompareValue(compare.ValuesSame())
	apiHolds := func(want func(a *api.SupportAccess) bool) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			rs := s.RootModule().Resources[supportAddr].Primary
			a, err := srv.Client.GetSupportAccess(ctx, rs.Attributes["environment_id"])
			if err != nil {
				return err
			}
			if a.ID != rs.ID || !want(a) {
				return fmt.Errorf("API holds %+v (expires %v), state id %s", a, a.ExpiresAt, rs.ID)
			}
			return nil
		}
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkSupportDestroyed(srv),
		Steps: []resource.TestStep{
			{
				Config: supportConfig(srv, "gcp", fmt.Sprintf(`
  tier            = "operator"
  port_forwarding = true
  expires_at      = %q`, expiresAt)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(supportAddr, tfjsonpath.New("capabilities"), knownStrings(access.Capabilities("operator", true))),
						plancheck.ExpectKnownValue(supportAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(supportAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(supportAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^\S+$`))),
					statecheck.CompareValuePairs(supportAddr, tfjsonpath.New("environment_id"), "warden_environment.prod", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(supportAddr, tfjsonpath.New("tier"), knownvalue.StringExact("operator")),
					statecheck.ExpectKnownValue(supportAddr, tfjsonpath.New("port_forwarding"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(supportAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(expiresAt)),
					statecheck.ExpectKnownValue(supportAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
					statecheck.ExpectKnownValue(supportAddr, tfjsonpath.New("capabilities"), knownStrings(access.Capabilities("operator", true))),
				},
				Check: apiHolds(func(a *api.SupportAccess) bool {
					return a.Tier == "operator" && a.PortForwarding && a.ExpiresAt != nil && a.ExpiresAt.Equal(expiry) && a.Status == "active"
				}),
			},
			importSupportAccessStep,
			{
				Config: supportConfig(srv, "gcp", fmt.Sprintf(`
  tier       = "co_maintainer"
  expires_at = %q`, expiresAt)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(supportAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(supportAddr, tfjsonpath.New("capabilities"), knownStrings(access.Capabilities("co_maintainer", false))),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(supportAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(supportAddr, tfjsonpath.New("tier"), knownvalue.StringExact("co_maintainer")),
					statecheck.ExpectKnownValue(supportAddr, tfjsonpath.New("port_forwarding"), knownvalue.Bool(false)),
				},
				Check: apiHolds(func(a *api.SupportAccess) bool { return a.Tier == "co_maintainer" && !a.PortForwarding }),
			},
			{
				// Removing expires_at clears the expiry in place.
				Config: supportConfig(srv, "gcp", `tier = "co_maintainer"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(supportAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(supportAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(supportAddr, tfjsonpath.New("expires_at"), knownvalue.Null()),
				},
				Check: apiHolds(func(a *api.SupportAccess) bool { return a.ExpiresAt == nil && a.Status == "active" }),
			},
			{
				// Deleted outside Terraform: drift, which the plan re-creates.
				PreConfig: func() {
					env := mustFindEnvironment(t, srv, "production")
					if err := srv.Client.DeleteSupportAccess(ctx, env.ID, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: supportConfig(srv, "gcp", `tier = "co_maintainer"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(supportAddr, plancheck.ResourceActionCreate)},
				},
				Check: apiHolds(func(a *api.SupportAccess) bool { return a.Tier == "co_maintainer" }),
			},
		},
	})
}

// TestAccSupportAccessResource_expiry follows PRODUCT.md's "Expiry": expired access stays in
// state with status "expired" and an empty plan; a later expires_at re-activates it in place.
func TestAccSupportAccessResource_expiry(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	// Fixed when the first step writes its variables, not while the test waits for its turn.
	soon := onceTime(func() time.Time { return time.Now().Add(15 * time.Second).UTC().Truncate(time.Second) })
	later := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	config := supportConfig(srv, "aws", `
  tier       = "support"
  expires_at = var.expires_at
}
variable "expires_at" {
  type = string`)
	vars := func(at func() time.Time) tfconfig.Variables {
		return tfconfig.Variables{"expires_at": lazyVariable(func() string { return at().Format(time.RFC3339) })}
	}
	sameID := statecheck.CompareValue(compare.ValuesSame())

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkSupportDestroyed(srv),
		Steps: []resource.TestStep{
			{
				Config:          config,
				ConfigVariables: vars(soon),
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(supportAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(supportAddr, tfjsonpath.New("status"), statusUntil{"active", soon}),
				},
			},
			{
				// The server's clock passes expires_at; the provider, on real time, learns of the
				// expiry from the server. The same configuration, with its now past expires_at,
				// plans no change.
				PreConfig:       func() { srv.Clock.AdvanceTo(soon().Add(time.Second)) },
				Config:          config,
				ConfigVariables: vars(soon),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(supportAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(supportAddr, tfjsonpath.New("status"), knownvalue.StringExact("expired")),
					statecheck.ExpectKnownValue(supportAddr, tfjsonpath.New("expires_at"), lazyStringExact(func() string { return soon().Format(time.RFC3339) })),
				},
				Check: func(s *terraform.State) error {
					a, err := srv.Client.GetSupportAccess(ctx, s.RootModule().Resources[supportAddr].Primary.Attributes["environment_id"])
					if err != nil {
						return err
					}
					if a.Status != "expired" {
						return fmt.Errorf("API status %q, want expired", a.Status)
					}
					return nil
				},
			},
			{
				Config:          config,
				ConfigVariables: vars(func() time.Time { return later }),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(supportAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(supportAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(supportAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(supportAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
					statecheck.ExpectKnownValue(supportAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(later.Format(time.RFC3339))),
				},
				Check: func(s *terraform.State) error {
					a, err := srv.Client.GetSupportAccess(ctx, s.RootModule().Resources[supportAddr].Primary.Attributes["environment_id"])
					if err != nil {
						return err
					}
					if a.Status != "active" || a.ExpiresAt == nil || !a.ExpiresAt.Equal(later) {
						return fmt.Errorf("API holds %+v, want active until %s", a, later)
					}
					return nil
				},
			},
		},
	})
}

func TestAccSupportAccessResource_validation(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// The environment exists before the support access is planned, so its cloud is known.
				Config: srv.Config(`
resource "warden_environment" "prod" {
  name  = "production"
  cloud = "aws"
}`),
			},
			{
				Config:      supportConfig(srv, "aws", `tier = "co_maintainer"`),
				PlanOnly:    true,
				ExpectError: expectDiag("Tier requires GCP", "The co_maintainer tier is available only on gcp environments; this environment runs on aws."),
			},
			{
				Config: supportConfig(srv, "aws", `
  tier            = "support"
  port_forwarding = true`),
				PlanOnly:    true,
				ExpectError: expectDiag("Port Forwarding Requires Operator", `Set port_forwarding = false, or raise tier to "operator".`),
			},
			{
				Config: supportConfig(srv, "aws", `
  tier       = "support"
  expires_at = "2020-01-01T00:00:00Z"`),
				PlanOnly:    true,
				ExpectError: expectDiag("Expiry in the Past", "expires_at 2020-01-01T00:00:00Z has already passed"),
			},
			{
				Config: supportConfig(srv, "aws", `
  tier       = "support"
  expires_at = "31/12/2026"`),
				PlanOnly:    true,
				ExpectError: expectDiag("Invalid Expiry", "expires_at must be an RFC 3339 instant"),
			},
			{
				Config:      supportConfig(srv, "aws", `tier = "admin"`),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("Invalid tier", `tier must be support, operator or co_maintainer; got "admin".`),
			},
			{
				// A valid last configuration, for the destroy at the end of the test.
				Config: srv.Config(`
resource "warden_environment" "prod" {
  name  = "production"
  cloud = "aws"
}`),
			},
		},
	})
}

// Standing vendor access in one apply: require_approval = false gives every vendor user the
// tier (authorize says so, through the support access), and setting it back to true, in
// place, takes it away.
func TestAccSupportAccessResource_standing(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	vendor, err := srv.Client.CreateUser(ctx, api.UserCreate{Email: "oncall@vendor.example", Kind: "vendor"})
	if err != nil {
		t.Fatal(err)
	}
	authorized := func(want bool) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			rs := s.RootModule().Resources[supportAddr].Primary
			a, err := srv.Client.Authorize(ctx, api.AuthorizeRequest{PrincipalID: vendor.ID, EnvironmentID: rs.Attributes["environment_id"],
				Action: "operator.reboot_host", Resource: "aw_host"})
			if err != nil {
				return err
			}
			if a.Allowed != want || (want && (a.Via == nil || a.Via.SupportAccessID != rs.ID)) {
				return fmt.Errorf("authorize %+v, want allowed=%v through %s", a, want, rs.ID)
			}
			return nil
		}
	}
	sameID := statecheck.CompareValue(compare.ValuesSame())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkSupportDestroyed(srv),
		Steps: []resource.TestStep{
			{
				Config: supportConfig(srv, "aws", `
  tier             = "operator"
  require_approval = false`),
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(supportAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(supportAddr, tfjsonpath.New("require_approval"), knownvalue.Bool(false)),
				},
				Check: authorized(true),
			},
			importSupportAccessStep,
			{
				// By its own id, the state's id.
				ResourceName:                         supportAddr,
				ImportState:                          true,
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
			},
			{
				Config: supportConfig(srv, "aws", `
  tier = "operator"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(supportAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(supportAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(supportAddr, tfjsonpath.New("require_approval"), knownvalue.Bool(true)),
				},
				Check: authorized(false),
			},
		},
	})
}

// The summaries of the warnings about changes that widen vendor access.
var wideningSummaries = []string{"Vendor Support Tier Raised", "Vendor Port Forwarding Turned On", "Standing Vendor Access Turned On",
	"Vendor Access No Longer Expires", "Vendor Access Extended"}

// TestAccSupportAccessResource_widening: every change that widens the vendor's access plans
// with a warning on its attribute naming the environment and the values before and after;
// narrowing it, or renewing it for no longer than it was granted for, plans without one.
func TestAccSupportAccessResource_widening(t *testing.T) {
	// Parallel before the clock is read: the test may wait its turn here, and the windows
	// the warnings quote count from its first step.
	t.Parallel()
	srv := acctest.NewServer(t)
	warnings := &warningLog{}
	now := time.Now().UTC().Truncate(time.Second)
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	const day = 24 * time.Hour
	config := func(attrs string) string { return supportConfig(srv, "gcp", attrs) }
	const typ = "warden_support_access"
	intro := `This plan widens the vendor's support access to environment "production" (`

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: warnings.factories(),
		CheckDestroy:             checkSupportDestroyed(srv),
		Steps: []resource.TestStep{
			{
				PreConfig: warnings.reset,
				Config: config(fmt.Sprintf(`
  tier       = "support"
  expires_at = %q`, at(10*day))),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{warnings.expectNoWarning(typ, wideningSummaries...)},
				},
			},
			{
				// The variable left unset, tier raised, port forwarding and standing access on.
				PreConfig: warnings.reset,
				Config: config(`
  tier             = "operator"
  port_forwarding  = true
  require_approval = false`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(supportAddr, plancheck.ResourceActionUpdate),
						warnings.expectWarning(typ, atAttr("tier"), "Vendor Support Tier Raised", intro, `tier "support" -> "operator"`,
							"every vendor user holds it without a request", "operator.reboot_host", "operator.port_forward_metrics"),
						warnings.expectWarning(typ, atAttr("port_forwarding"), "Vendor Port Forwarding Turned On", intro, "port_forwarding false -> true"),
						warnings.expectWarning(typ, atAttr("require_approval"), "Standing Vendor Access Turned On", intro,
							`require_approval true -> false: from the apply on, every vendor user holds the "operator" tier there`, "with no expiry"),
						warnings.expectWarning(typ, atAttr("expires_at"), "Vendor Access No Longer Expires", intro,
							fmt.Sprintf(`expires_at %q -> null`, at(10*day)), "check that it is set"),
					},
				},
			},
			{
				// Bounded again: narrowing draws no warning.
				PreConfig: warnings.reset,
				Config: config(fmt.Sprintf(`
  tier             = "operator"
  port_forwarding  = true
  require_approval = false
  expires_at       = %q`, at(10*day))),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(supportAddr, plancheck.ResourceActionUpdate),
						warnings.expectNoWarning(typ, wideningSummaries...),
					},
				},
			},
			{
				// 90 days later than an expiry set for 10 days.
				PreConfig: warnings.reset,
				Config: config(fmt.Sprintf(`
  tier             = "operator"
  port_forwarding  = true
  require_approval = false
  expires_at       = %q`, at(100*day))),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						warnings.expectWarning(typ, atAttr("expires_at"), "Vendor Access Extended", intro,
							fmt.Sprintf(`expires_at %q -> %q, 90 days later`, at(10*day), at(100*day)), "more than the 9 days 23 hours it was granted for"),
					},
				},
			},
			{
				// A day later than an expiry set for 100 days: a renewal, no warning.
				PreConfig: warnings.reset,
				Config: config(fmt.Sprintf(`
  tier             = "operator"
  port_forwarding  = true
  require_approval = false
  expires_at       = %q`, at(101*day))),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(supportAddr, plancheck.ResourceActionUpdate),
						warnings.expectNoWarning(typ, wideningSummaries...),
					},
				},
			},
			{
				// Everything narrowed at once: no warning.
				PreConfig: warnings.reset,
				Config: config(fmt.Sprintf(`
  tier       = "support"
  expires_at = %q`, at(20*day))),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(supportAddr, plancheck.ResourceActionUpdate),
						warnings.expectNoWarning(typ, wideningSummaries...),
					},
				},
			},
		},
	})
}

// TestAccSupportAccessResource_expiresSoon: active access that expires within the provider's
// vendor_access_expiry_warning (default 7 days) warns at every plan before it expires.
func TestAccSupportAccessResource_expiresSoon(t *testing.T) {
	t.Parallel() // before the clock is read, as in TestAccSupportAccessResource_widening
	srv := acctest.NewServer(t)
	warnings := &warningLog{}
	expiresAt := time.Now().Add(3 * 24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	resources := fmt.Sprintf(`
resource "warden_environment" "prod" {
  name  = "production"
  cloud = "aws"
}
resource "warden_support_access" "test" {
  environment_id = warden_environment.prod.id
  tier           = "operator"
  expires_at     = %q
}`, expiresAt)
	withSetting := func(v string) string {
		return fmt.Sprintf(`
provider "warden" {
  endpoint                     = %q
  token                        = %q
  vendor_access_expiry_warning = %q
}
`, srv.URL, srv.Token, v) + resources
	}
	const typ, summary = "warden_support_access", "Vendor Access Expires Soon"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: warnings.factories(),
		CheckDestroy:             checkSupportDestroyed(srv),
		Steps: []resource.TestStep{
			{
				// Created with a short expiry on purpose: no warning yet.
				PreConfig: warnings.reset,
				Config:    srv.Config(resources),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{warnings.expectNoWarning(typ, summary)},
				},
			},
			{
				PreConfig: warnings.reset,
				Config:    srv.Config(resources),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
						warnings.expectWarning(typ, atAttr("expires_at"), summary,
							`The vendor's "operator" support access to environment "production" (`, "expires in 2 days 23 hours, at "+expiresAt,
							"move expires_at later", "from 7 days before the expiry"),
					},
				},
			},
			{
				PreConfig: warnings.reset,
				Config:    withSetting("48h"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), warnings.expectNoWarning(typ, summary)},
				},
			},
			{
				PreConfig: warnings.reset,
				Config:    withSetting("0s"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), warnings.expectNoWarning(typ, summary)},
				},
			},
			{
				Config:      withSetting("7d"),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("Invalid vendor_access_expiry_warning", `vendor_access_expiry_warning must be a duration from 0s to 8760h`, `got "7d"`),
			},
			{Config: srv.Config(resources)},
		},
	})
}

// TestAccSupportAccessResource_cloudUnknownAtPlan: co_maintainer on an environment created in
// the same plan cannot be checked against its cloud: the plan says so. On gcp the apply
// succeeds; on aws it fails after the environment was created, as the warning said.
func TestAccSupportAccessResource_cloudUnknownAtPlan(t *testing.T) {
	srv := acctest.NewServer(t)
	warnings := &warningLog{}
	const typ, summary = "warden_support_access", "Environment's Cloud Unknown at Plan"
	config := func(cloud string) string { return supportConfig(srv, cloud, `tier = "co_maintainer"`) }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: warnings.factories(),
		CheckDestroy:             checkSupportDestroyed(srv),
		Steps: []resource.TestStep{
			{
				PreConfig: warnings.reset,
				Config:    config("gcp"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						warnings.expectWarning(typ, atAttr("tier"), summary, `The "co_maintainer" tier is available only on gcp environments`,
							"the environment's id is known only after apply", "whose alerts then route to the vendor", "terraform apply -target"),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(supportAddr, tfjsonpath.New("tier"), knownvalue.StringExact("co_maintainer")),
				},
			},
			{
				// The environment exists now: its cloud is checked, and no warning is needed.
				PreConfig: warnings.reset,
				Config:    config("gcp"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), warnings.expectNoWarning(typ, summary)},
				},
			},
			{
				// Replacing the environment with an aws one: the cloud is unknown again and the plan
				// warns; the apply fails once it has created the environment (when the support
				// access, planned again with the environment's id, meets its cloud).
				PreConfig: warnings.reset,
				Config:    config("aws"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{warnings.expectWarning(typ, atAttr("tier"), summary, "known only after apply")},
				},
				ExpectError: expectDiag("Tier requires GCP", "available only on gcp environments; this environment runs on aws"),
			},
			{
				// Planned against the aws environment that now exists: the plan fails.
				Config:      config("aws"),
				PlanOnly:    true,
				ExpectError: expectDiag("Tier requires GCP", "this environment runs on aws"),
			},
			{Config: supportConfig(srv, "aws", `tier = "operator"`)},
		},
	})
}

func TestSupportAccessPlan_wideningWarnings(t *testing.T) {
	const day = 24 * time.Hour
	exp := func(d time.Duration) string { return testNow.Add(d).Format(time.RFC3339) }
	setAt := testNow.Add(-day) // the prior expiry, 10 days out, was set a day ago: an 11-day window
	prior := func() *supportAccessResourceModel {
		m := supportState("support", false, exp(10*day), "active")
		m.RequireApproval = types.BoolValue(true)
		return m
	}
	planned := func(edit func(m *supportAccessResourceModel)) *supportAccessResourceModel {
		m := prior()
		m.Status, m.Capabilities = types.StringUnknown(), types.SetUnknown(typesString)
		edit(m)
		return m
	}
	type want struct{ path, summary, text string }
	cases := []struct {
		name  string
		plan  *supportAccessResourceModel
		env   *api.Environment
		setAt *time.Time
		want  []want
	}{
		{name: "no change", plan: planned(func(*supportAccessResourceModel) {})},
		{
			name: "tier raised", env: gcpEnv,
			plan: planned(func(m *supportAccessResourceModel) { m.Tier = types.StringValue("co_maintainer") }),
			want: []want{{"tier", "Vendor Support Tier Raised", `This plan widens the vendor's support access to environment "production" (env_1): ` +
				`tier "support" -> "co_maintainer". Vendor engineers may then request it, and hold it once approved. It adds operator.reboot_host`}},
		},
		{name: "tier lowered", plan: planned(func(m *supportAccessResourceModel) { m.Tier = types.StringValue("support") })},
		{name: "tier unknown", plan: planned(func(m *supportAccessResourceModel) { m.Tier = types.StringUnknown() })},
		{
			name: "standing access on, named by id without the environment",
			plan: planned(func(m *supportAccessResourceModel) { m.RequireApproval = types.BoolValue(false) }),
			want: []want{{"require_approval", "Standing Vendor Access Turned On", `to environment env_1: require_approval true -> false`}},
		},
		{
			name: "tier raised with standing access",
			plan: planned(func(m *supportAccessResourceModel) {
				m.Tier, m.RequireApproval = types.StringValue("operator"), types.BoolValue(false)
			}),
			want: []want{
				{"tier", "Vendor Support Tier Raised", "every vendor user holds it without a request"},
				{"require_approval", "Standing Vendor Access Turned On", `holds the "operator" tier there`},
			},
		},
		{
			name: "port forwarding on",
			plan: planned(func(m *supportAccessResourceModel) {
				m.Tier, m.PortForwarding = types.StringValue("operator"), types.BoolValue(true)
			}),
			want: []want{
				{"tier", "Vendor Support Tier Raised", access.CapabilityPortForward},
				{"port_forwarding", "Vendor Port Forwarding Turned On", "port_forwarding false -> true"},
			},
		},
		{
			name: "expiry removed",
			plan: planned(func(m *supportAccessResourceModel) { m.ExpiresAt = types.StringNull() }),
			want: []want{{"expires_at", "Vendor Access No Longer Expires", fmt.Sprintf(`expires_at %q -> null`, exp(10*day))}},
		},
		{name: "expiry unknown", plan: planned(func(m *supportAccessResourceModel) { m.ExpiresAt = types.StringUnknown() })},
		{name: "expiry earlier", setAt: &setAt, plan: planned(func(m *supportAccessResourceModel) { m.ExpiresAt = types.StringValue(exp(day)) })},
		{name: "renewed within the window", setAt: &setAt, plan: planned(func(m *supportAccessResourceModel) { m.ExpiresAt = types.StringValue(exp(21 * day)) })},
		{
			name: "extended past the window", setAt: &setAt,
			plan: planned(func(m *supportAccessResourceModel) { m.ExpiresAt = types.StringValue(exp(22 * day)) }),
			want: []want{{"expires_at", "Vendor Access Extended",
				fmt.Sprintf(`expires_at %q -> %q, 12 days later: more than the 11 days it was granted for`, exp(10*day), exp(22*day))}},
		},
		{
			name: "extended with no window known",
			plan: planned(func(m *supportAccessResourceModel) { m.ExpiresAt = types.StringValue(exp(11 * day)) }),
			want: []want{{"expires_at", "Vendor Access Extended", "1 day later: the plan does not know the window it was set for"}},
		},
		{
			name: "a replacement is a create elsewhere",
			plan: planned(func(m *supportAccessResourceModel) {
				m.EnvironmentID, m.Tier, m.ExpiresAt = types.StringUnknown(), types.StringValue("operator"), types.StringNull()
			}),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var diags diag.Diagnostics
			warnSupportAccessChange(tc.plan, prior(), tc.env, supportNotice{now: testNow, warnBefore: 7 * day, expirySetAt: tc.setAt}, &diags)
			if len(diags) != len(tc.want) {
				t.Fatalf("want %d warnings, got %v", len(tc.want), diags)
			}
			for _, w := range tc.want {
				if !diagAt(diags, diag.SeverityWarning, w.path, w.text) || !slices.ContainsFunc(diags, func(d diag.Diagnostic) bool { return d.Summary() == w.summary }) {
					t.Errorf("no %q warning at %s containing %q: %v", w.summary, w.path, w.text, diags)
				}
			}
		})
	}
}

func TestSupportAccessPlan_expiresSoon(t *testing.T) {
	const day = 24 * time.Hour
	soon := testNow.Add(2*day + 3*time.Hour).Format(time.RFC3339)
	prior := supportState("operator", false, soon, "active")
	warn := func(plan *supportAccessResourceModel, before time.Duration) diag.Diagnostics {
		var diags diag.Diagnostics
		warnSupportAccessChange(plan, prior, awsEnv, supportNotice{now: testNow, warnBefore: before}, &diags)
		return diags
	}
	diags := warn(supportModel("operator", false, soon), 7*day)
	if len(diags) != 1 || !diagAt(diags, diag.SeverityWarning, "expires_at",
		`The vendor's "operator" support access to environment "staging" (env_1) expires in 2 days 3 hours, at `+soon) {
		t.Fatalf("got %v", diags)
	}
	// The same instant spelt in another zone is no change.
	other := testNow.Add(2*day + 3*time.Hour).In(time.FixedZone("", -5*3600)).Format(time.RFC3339)
	if diags := warn(supportModel("operator", false, other), 7*day); len(diags) != 1 {
		t.Fatalf("got %v", diags)
	}
	for name, diags := range map[string]diag.Diagnostics{
		"more than the setting away": warn(supportModel("operator", false, soon), 2*day),
		"the setting off":            warn(supportModel("operator", false, soon), 0),
		"moved in this plan":         warn(supportModel("operator", false, testNow.Add(day).Format(time.RFC3339)), 7*day),
	} {
		if len(diags) != 0 {
			t.Errorf("%s: want no warning, got %v", name, diags)
		}
	}
}

func TestSupportAccessPlan_coMaintainerCloudUnknown(t *testing.T) {
	plan := supportModel("co_maintainer", false, "")
	plan.EnvironmentID = types.StringUnknown()
	var diags diag.Diagnostics
	planSupportAccess(plan, nil, nil, testNow, &diags)
	if diags.HasError() || len(diags) != 1 || !diagAt(diags, diag.SeverityWarning, "tier", "this plan cannot check its cloud") {
		t.Fatalf("got %v", diags)
	}
	diags = nil
	plan.Tier = types.StringValue("operator")
	planSupportAccess(plan, nil, nil, testNow, &diags)
	if len(diags) != 0 {
		t.Fatalf("operator needs no cloud: %v", diags)
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second:                  "less than a minute",
		45 * time.Minute:                  "45 minutes",
		time.Hour + time.Minute:           "1 hour 1 minute",
		3*time.Hour + 5*time.Minute + 7e9: "3 hours 5 minutes",
		6*24*time.Hour + 23*time.Hour:     "6 days 23 hours",
		2*24*time.Hour + 5*time.Minute:    "2 days",
		7 * 24 * time.Hour:                "7 days",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
