package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/compare"
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

func grantConfig(perms []string, required []string) map[string]tftypes.Value {
	attrs := map[string]tftypes.Value{
		"role_id":        tfString("rol_1"),
		"environment_id": tfString("env_1"),
		"permissions":    tfStrings(true, perms...),
	}
	if required != nil {
		attrs["require_actions"] = tfStrings(true, required...)
	}
	return attrs
}

func TestEnvironmentGrantValidateConfig(t *testing.T) {
	type want struct {
		sev  diag.Severity
		path string
		text string
	}
	cases := []struct {
		name     string
		perms    []string
		required []string
		want     []want
	}{
		{
			name:     "uncovered required action names the permissions that allow it",
			perms:    []string{"deployment"},
			required: []string{"apps.deploy", "databases.read_credentials"},
			want: []want{{diag.SeverityError, `require_actions[Value("databases.read_credentials")]`,
				`Add sensitive_access or environment_admin to allow "databases.read_credentials".`}},
		},
		{
			name:  "environment_admin beside others warns on each other permission",
			perms: []string{"environment_admin", "ops", "tunnel"},
			want: []want{
				{diag.SeverityWarning, `permissions[Value("ops")]`, "environment_admin already allows every action"},
				{diag.SeverityWarning, `permissions[Value("tunnel")]`, `Remove "tunnel".`},
			},
		},
		{
			name:  "full_visibility includes basic_visibility",
			perms: []string{"full_visibility", "basic_visibility"},
			want:  []want{{diag.SeverityWarning, `permissions[Value("basic_visibility")]`, "full_visibility includes it"}},
		},
		{
			name:  "empty permissions",
			perms: []string{},
			want:  []want{{diag.SeverityError, "permissions", "A grant needs at least one permission."}},
		},
		{
			name:     "every finding is reported, not only the first",
			perms:    []string{"environment_admin", "deployment"},
			required: []string{"apps.deploy"},
			want:     []want{{diag.SeverityWarning, `permissions[Value("deployment")]`, `Remove "deployment".`}},
		},
		{name: "tunnel alone is a documented pattern", perms: []string{"tunnel"}},
		{name: "tunnel with sensitive_access", perms: []string{"tunnel", "sensitive_access"}, required: []string{"databases.read_credentials", "databases.create_tunnels"}},
		{name: "unknown names", perms: []string{"deploymnt"}, required: []string{"apps.deplyo"}, want: []want{
			{diag.SeverityError, `permissions[Value("deploymnt")]`, `Did you mean "deployment"?`},
			{diag.SeverityError, `require_actions[Value("apps.deplyo")]`, `Did you mean "apps.deploy"?`},
		}},
		{name: "a typo and an uncovered action together", perms: []string{"deploymnt", "basic_visibility"}, required: []string{"apps.deploy"}, want: []want{
			{diag.SeverityError, `permissions[Value("deploymnt")]`, `"deploymnt" is not an environment permission. Did you mean "deployment"?`},
			{diag.SeverityError, `require_actions[Value("apps.deploy")]`,
				`The permission basic_visibility does not allow "apps.deploy". "deploymnt" is not an environment permission and was ignored.`},
		}},
		{name: "basic_visibility beside another permission", perms: []string{"basic_visibility", "ops"}, want: []want{
			{diag.SeverityWarning, `permissions[Value("basic_visibility")]`, `"basic_visibility" is redundant: ops includes it`},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			diags := planDiagnostics(t, NewEnvironmentGrantResource(), grantConfig(tc.perms, tc.required))
			for _, w := range tc.want {
				if !diagAt(diags, w.sev, w.path, w.text) {
					t.Errorf("want %v at %s containing %q; got %v", w.sev, w.path, w.text, diags)
				}
			}
			if len(diags) != len(tc.want) {
				t.Errorf("want %d diagnostics, got %d: %v", len(tc.want), len(diags), diags)
			}
		})
	}
}

func TestEnvironmentGrantValidateConfig_unknownValuesSkipped(t *testing.T) {
	attrs := grantConfig(nil, []string{"databases.read_credentials"})
	attrs["permissions"] = unknownStringSet
	if diags := validateResourceConfig(t, NewEnvironmentGrantResource(), attrs); len(diags) != 0 {
		t.Fatalf("unknown permissions must not be judged: %v", diags)
	}
	attrs = grantConfig([]string{"environment_admin", "ops"}, nil)
	attrs["require_actions"] = unknownStringSet
	diags := planDiagnostics(t, NewEnvironmentGrantResource(), attrs)
	if !diagAt(diags, diag.SeverityWarning, `permissions[Value("ops")]`, "redundant") || len(diags) != 1 {
		t.Fatalf("known permissions are judged while require_actions is unknown: %v", diags)
	}
}

func TestEnvironmentGrantModifyPlan_unknownNames(t *testing.T) {
	cfg := grantConfig([]string{"deploymnt", "ops"}, []string{"apps.deplyo"})

	strict := modifyResourcePlan(t, NewEnvironmentGrantResource(), cfg, nil)
	if !diagAt(strict.Diagnostics, diag.SeverityError, `permissions[Value("deploymnt")]`, `Did you mean "deployment"?`) {
		t.Errorf("want an error on the misspelt permission: %v", strict.Diagnostics)
	}
	if !diagAt(strict.Diagnostics, diag.SeverityError, `require_actions[Value("apps.deplyo")]`, `Did you mean "apps.deploy"?`) {
		t.Errorf("want an error on the misspelt action: %v", strict.Diagnostics)
	}
	if n := len(strict.Diagnostics); n != 2 {
		t.Errorf("want 2 diagnostics, got %d: %v", n, strict.Diagnostics)
	}
	if diags := validateResourceConfig(t, NewEnvironmentGrantResource(), cfg); len(diags) != 0 {
		t.Errorf("ValidateConfig leaves findings beside unknown names to ModifyPlan, got %v", diags)
	}

	lenient := modifyResourcePlan(t, &environmentGrantResource{matrixValidation: false}, cfg, nil)
	if lenient.Diagnostics.HasError() {
		t.Errorf("matrix_validation = false must downgrade unknown names: %v", lenient.Diagnostics)
	}
	if !diagAt(lenient.Diagnostics, diag.SeverityWarning, `permissions[Value("deploymnt")]`, "the Warden server will judge this name") {
		t.Errorf("want a warning on the unknown permission: %v", lenient.Diagnostics)
	}
	// Only the newer server knows what an unknown permission allows.
	var allowed types.List
	lenient.Diagnostics.Append(lenient.Plan.GetAttribute(context.Background(), path.Root("allowed_actions"), &allowed)...)
	if !allowed.IsUnknown() {
		t.Errorf("allowed_actions with an unknown permission: want unknown, got %v", allowed)
	}
}

func TestEnvironmentGrantModifyPlan_allowedActionsKnownAtPlan(t *testing.T) {
	ctx := context.Background()
	resp := modifyResourcePlan(t, NewEnvironmentGrantResource(), grantConfig([]string{"deployment", "ops"}, nil), nil)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	var allowed types.List
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("allowed_actions"), &allowed)...)
	if want := stringList(access.AllowedActions([]string{"deployment", "ops"})); !allowed.Equal(want) {
		t.Fatalf("allowed_actions = %v, want %v", allowed, want)
	}

	// With permissions unchanged, the plan keeps what the API computed.
	prior := grantConfig([]string{"deployment", "ops"}, nil)
	prior["id"] = tfString("grt_1")
	prior["allowed_actions"] = tfStrings(false, "apps.deploy")
	resp = modifyResourcePlan(t, NewEnvironmentGrantResource(), grantConfig([]string{"deployment", "ops"}, []string{"apps.deploy"}), prior)
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("allowed_actions"), &allowed)...)
	if want := stringList([]string{"apps.deploy"}); !allowed.Equal(want) {
		t.Fatalf("allowed_actions with unchanged permissions = %v, want the state's %v", allowed, want)
	}

	// The framework plans a computed attribute as unknown; ModifyPlan must leave it so.
	attrs := grantConfig(nil, nil)
	attrs["permissions"] = unknownStringSet
	attrs["allowed_actions"] = tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, tftypes.UnknownValue)
	resp = modifyResourcePlan(t, NewEnvironmentGrantResource(), attrs, nil)
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("allowed_actions"), &allowed)...)
	if !allowed.IsUnknown() {
		t.Fatalf("allowed_actions with unknown permissions = %v, want unknown", allowed)
	}
}

func TestEnvironmentGrantImportState_badID(t *testing.T) {
	ctx := context.Background()
	r := NewEnvironmentGrantResource()
	var sresp fwresource.SchemaResponse
	r.Schema(ctx, fwresource.SchemaRequest{}, &sresp)
	resp := fwresource.ImportStateResponse{State: tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil)}}
	imp, ok := r.(fwresource.ResourceWithImportState)
	if !ok {
		t.Fatal("no ImportState")
	}
	imp.ImportState(ctx, fwresource.ImportStateRequest{ID: "rol_1/env_1/x"}, &resp)
	if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics[0].Detail(), `"<role_id>/<environment_id>"`) ||
		!strings.Contains(resp.Diagnostics[0].Detail(), `"<grant_id>"`) {
		t.Fatalf("want the expected form in the error, got %v", resp.Diagnostics)
	}
}

func TestAccEnvironmentGrantResource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	deployers := mustCreateRole(t, srv, "deployers")
	auditors := mustCreateRole(t, srv, "auditors")
	const addr = "warden_environment_grant.test"
	config := func(roleID, perms, extra string) string {
		return srv.Config(fmt.Sprintf(`
resource "warden_environment" "prod" {
  name  = "production"
  cloud = "gcp"
}
resource "warden_environment_grant" "test" {
  role_id        = %q
  environment_id = warden_environment.prod.id
  permissions    = %s
  %s
}`, roleID, perms, extra))
	}
	sameID := statecheck.CompareValue(compare.ValuesSame())
	var version int64
	importID := func(s *terraform.State) (string, error) {
		rs := s.RootModule().Resources[addr]
		return rs.Primary.Attributes["role_id"] + "/" + rs.Primary.Attributes["environment_id"], nil
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: checkDestroyed(srv, "warden_environment_grant", func(ctx context.Context, c *client.Client, rs *terraform.ResourceState) error {
			_, err := c.GetGrant(ctx, rs.Primary.Attributes["environment_id"], rs.Primary.Attributes["role_id"])
			return err
		}),
		Steps: []resource.TestStep{
			{
				Config: config(deployers.ID, `["deployment", "ops"]`, `require_actions = ["apps.deploy", "apps.scale"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("allowed_actions"), knownList(access.AllowedActions([]string{"deployment", "ops"}))),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^\S+$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("role_id"), knownvalue.StringExact(deployers.ID)),
					statecheck.CompareValuePairs(addr, tfjsonpath.New("environment_id"), "warden_environment.prod", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("permissions"), knownStrings([]string{"deployment", "ops"})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("require_actions"), knownStrings([]string{"apps.deploy", "apps.scale"})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("allowed_actions"), knownList(access.AllowedActions([]string{"deployment", "ops"}))),
				},
				Check: func(s *terraform.State) error {
					rs := s.RootModule().Resources[addr].Primary
					g, err := srv.Client.GetGrant(ctx, rs.Attributes["environment_id"], deployers.ID)
					if err != nil {
						return err
					}
					if g.ID != rs.ID || strings.Join(g.Permissions, ",") != "deployment,ops" {
						return fmt.Errorf("API holds %+v, state id %s", g, rs.ID)
					}
					version = g.Version
					return nil
				},
			},
			{
				// require_actions is the provider's alone: changing it never touches the API.
				Config: config(deployers.ID, `["deployment", "ops"]`, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("require_actions"), knownvalue.Null()),
				},
				Check: func(s *terraform.State) error {
					g, err := srv.Client.GetGrant(ctx, s.RootModule().Resources[addr].Primary.Attributes["environment_id"], deployers.ID)
					if err != nil {
						return err
					}
					if g.Version != version {
						return fmt.Errorf("changing require_actions changed the grant in the API: version %d → %d", version, g.Version)
					}
					return nil
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateIdFunc: importID,
				ImportStateVerify: true,
			},
			{
				// By the grant's own id, e.g. the grant_id that /v1/authorize answers with.
				ResourceName:      addr,
				ImportState:       true,
				ImportStateIdFunc: grantOwnID(addr),
				ImportStateVerify: true,
			},
			{
				Config:            config(deployers.ID, `["deployment", "ops"]`, ""),
				ResourceName:      addr,
				ImportState:       true,
				ImportStateKind:   resource.ImportBlockWithID,
				ImportStateIdFunc: importID,
			},
			{
				Config:            config(deployers.ID, `["deployment", "ops"]`, ""),
				ResourceName:      addr,
				ImportState:       true,
				ImportStateKind:   resource.ImportBlockWithID,
				ImportStateIdFunc: grantOwnID(addr),
			},
			{
				Config: config(deployers.ID, `["deployment", "ops", "sensitive_access"]`, `require_actions = ["databases.read_credentials"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("allowed_actions"),
							knownList(access.AllowedActions([]string{"deployment", "ops", "sensitive_access"}))),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("permissions"), knownStrings([]string{"deployment", "ops", "sensitive_access"})),
				},
				Check: func(s *terraform.State) error {
					g, err := srv.Client.GetGrant(ctx, s.RootModule().Resources[addr].Primary.Attributes["environment_id"], deployers.ID)
					if err != nil {
						return err
					}
					if strings.Join(g.Permissions, ",") != "deployment,ops,sensitive_access" || !slices.Contains(g.AllowedActions, "databases.read_credentials") {
						return fmt.Errorf("API holds %+v after update", g)
					}
					return nil
				},
			},
			{
				Config: config(auditors.ID, `["deployment", "ops", "sensitive_access"]`, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("role_id"), knownvalue.StringExact(auditors.ID)),
				},
				Check: func(s *terraform.State) error {
					envID := s.RootModule().Resources[addr].Primary.Attributes["environment_id"]
					if _, err := srv.Client.GetGrant(ctx, envID, deployers.ID); !errors.Is(err, client.ErrNotFound) {
						return fmt.Errorf("the replaced grant of the old role: want not found, got %w", err)
					}
					_, err := srv.Client.GetGrant(ctx, envID, auditors.ID)
					return err
				},
			},
		},
	})
}

func TestAccEnvironmentGrantResource_drift(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	role := mustCreateRole(t, srv, "operators")
	const addr = "warden_environment_grant.test"
	config := srv.Config(fmt.Sprintf(`
resource "warden_environment" "prod" {
  name  = "production"
  cloud = "aws"
}
resource "warden_environment_grant" "test" {
  role_id        = %q
  environment_id = warden_environment.prod.id
  permissions    = ["ops"]
}`, role.ID))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				// Changed outside Terraform: the plan puts the permissions back in place.
				PreConfig: func() {
					env := mustFindEnvironment(t, srv, "production")
					if _, err := srv.Client.UpdateGrant(ctx, env.ID, role.ID, api.GrantUpdate{Permissions: []string{"ops", "destruction"}}, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("permissions"), knownStrings([]string{"ops"})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("allowed_actions"), knownList(access.AllowedActions([]string{"ops"}))),
				},
			},
			{
				// Deleted outside Terraform: the plan re-creates it.
				PreConfig: func() {
					env := mustFindEnvironment(t, srv, "production")
					if err := srv.Client.DeleteGrant(ctx, env.ID, role.ID, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
				},
			},
		},
	})
}

func TestAccEnvironmentGrantResource_validation(t *testing.T) {
	srv := acctest.NewServer(t)
	config := func(perms, extra string) string {
		return srv.Config(fmt.Sprintf(`
resource "warden_environment_grant" "test" {
  role_id        = "rol_any"
  environment_id = "env_any"
  permissions    = %s
  %s
}`, perms, extra))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(`["deploymnt"]`, ""),
				PlanOnly:    true,
				ExpectError: expectDiag("Unknown Permission", `"deploymnt" is not an environment permission. Did you mean "deployment"?`),
			},
			{
				Config:      config(`["deployment"]`, `require_actions = ["databases.read_credentials"]`),
				PlanOnly:    true,
				ExpectError: expectDiag("Uncovered Action", `Add sensitive_access or environment_admin to allow "databases.read_credentials".`),
			},
			{
				Config:      config(`[]`, ""),
				PlanOnly:    true,
				ExpectError: expectDiag("Empty Permissions", "A grant needs at least one permission."),
			},
		},
	})
}

// TestAccEnvironmentGrant_authorizeEndToEnd proves that a grant applied through Terraform takes
// effect: a member of a group holding the role may deploy, through that grant, until the
// grant is removed.
// TestAccEnvironmentGrant_authorizeEndToEnd declares the whole chain in Terraform — a user in
// a group, the group holding a role, the role granted deployment in an environment — and proves
// with POST /v1/authorize that the grant took effect for the member, and that destroying the
// grant denies again.
func TestAccEnvironmentGrant_authorizeEndToEnd(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	chain := `
resource "warden_environment" "prod" {
  name  = "production"
  cloud = "gcp"
}
resource "warden_user" "alice" {
  email = "alice@example.com"
  name  = "Alice"
}
resource "warden_group" "sre" {
  name    = "sre"
  members = [warden_user.alice.id]
}
resource "warden_role" "deployers" {
  name = "deployers"
}
resource "warden_role_assignment" "sre_deployers" {
  role_id  = warden_role.deployers.id
  group_id = warden_group.sre.id
}`
	authorize := func(s *terraform.State) (*api.AuthorizeResponse, map[string]string, error) {
		ids := map[string]string{}
		for _, addr := range []string{"warden_environment.prod", "warden_user.alice", "warden_group.sre", "warden_role.deployers"} {
			ids[addr] = s.RootModule().Resources[addr].Primary.ID
		}
		a, err := srv.Client.Authorize(ctx, api.AuthorizeRequest{
			PrincipalID: ids["warden_user.alice"], EnvironmentID: ids["warden_environment.prod"], Action: "apps.deploy"})
		return a, ids, err
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(chain + `
resource "warden_environment_grant" "deployers_prod" {
  role_id         = warden_role.deployers.id
  environment_id  = warden_environment.prod.id
  permissions     = ["deployment"]
  require_actions = ["apps.deploy"]
}`),
				Check: func(s *terraform.State) error {
					a, ids, err := authorize(s)
					if err != nil {
						return err
					}
					grantID := s.RootModule().Resources["warden_environment_grant.deployers_prod"].Primary.ID
					if !a.Allowed || a.Via == nil || a.Via.GrantID != grantID || a.Via.GroupID != ids["warden_group.sre"] ||
						a.Via.RoleID != ids["warden_role.deployers"] || a.Via.Permission != "deployment" {
						return fmt.Errorf("want apps.deploy allowed through grant %s (group %s, role %s, deployment), got %+v via %+v",
							grantID, ids["warden_group.sre"], ids["warden_role.deployers"], a, a.Via)
					}
					return nil
				},
			},
			{
				Config: srv.Config(chain),
				Check: func(s *terraform.State) error {
					a, _, err := authorize(s)
					if err != nil {
						return err
					}
					if a.Allowed {
						return fmt.Errorf("apps.deploy still allowed after the grant was destroyed: %+v via %+v", a, a.Via)
					}
					return nil
				},
			},
		},
	})
}

func mustCreateRole(t *testing.T, srv *acctest.Server, name string) *api.Role {
	t.Helper()
	r, err := srv.Client.CreateRole(context.Background(), api.RoleCreate{Name: name})
	if err != nil {
		t.Fatalf("create role %q: %v", name, err)
	}
	return r
}

// knownList checks an ordered list of strings.
func knownList(xs []string) knownvalue.Check { return knownvalue.ListExact(stringChecks(xs)) }

// knownStrings checks a set of strings, in any order.
func knownStrings(xs []string) knownvalue.Check { return knownvalue.SetExact(stringChecks(xs)) }

// stringChecks is an exact check for each of xs, in order.
func stringChecks(xs []string) []knownvalue.Check {
	checks := make([]knownvalue.Check, len(xs))
	for i, x := range xs {
		checks[i] = knownvalue.StringExact(x)
	}
	return checks
}

// expectDiag matches a diagnostic's summary followed by its detail text, however Terraform
// wraps the lines.
func expectDiag(summary, text string) *regexp.Regexp { return wrappedRegexp(summary, text) }

// grantOwnID renders the grant's own id ("grt_…") as its import id.
func grantOwnID(addr string) resource.ImportStateIdFunc {
	return func(s *terraform.State) (string, error) {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return "", fmt.Errorf("%s not in state", addr)
		}
		if !strings.HasPrefix(rs.Primary.ID, "grt_") {
			return "", fmt.Errorf("grant id %q does not look like a grant's id", rs.Primary.ID)
		}
		return rs.Primary.ID, nil
	}
}

func TestAccEnvironmentGrantResource_existingGrantNamesTheImportBlock(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	role := mustCreateRole(t, srv, "deployers")
	env, err := srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "production", Cloud: "gcp"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client.CreateGrant(ctx, env.ID, api.GrantCreate{RoleID: role.ID, Permissions: []string{"ops"}}); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(fmt.Sprintf(`
resource "warden_environment_grant" "test" {
  role_id        = %q
  environment_id = %q
  permissions    = ["deployment"]
}`, role.ID, env.ID)),
				ExpectError: wrappedRegexp("This role already has a grant in this environment", "Adopt it with:",
					"to = warden_environment_grant.<name>", fmt.Sprintf(`id = "%s/%s"`, role.ID, env.ID)),
			},
		},
	})
}
