package provider

import (
	"context"
	"fmt"
	"regexp"
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
