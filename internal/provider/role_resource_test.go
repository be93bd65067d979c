package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

func validateRole(t *testing.T, perms ...string) diag.Diagnostics {
	t.Helper()
	return validateResourceConfig(t, NewRoleResource(), roleAttrs(perms...))
}

// planRole is what one plan of a role holding perms shows of the role's own checks.
func planRole(t *testing.T, perms ...string) diag.Diagnostics {
	t.Helper()
	return planDiagnostics(t, NewRoleResource(), roleAttrs(perms...))
}

func roleAttrs(perms ...string) map[string]tftypes.Value {
	return map[string]tftypes.Value{
		"name":        tftypes.NewValue(tftypes.String, "r"),
		"permissions": tfStrings(true, perms...),
	}
}

// modifyRolePlan runs the role's ModifyPlan for a create of a role holding perms, as the
// provider configured with matrix_validation = matrixValidation would.
func modifyRolePlan(t *testing.T, matrixValidation bool, perms ...string) diag.Diagnostics {
	t.Helper()
	ctx := context.Background()
	r := &roleResource{matrixValidation: matrixValidation}
	var sresp fwresource.SchemaResponse
	r.Schema(ctx, fwresource.SchemaRequest{}, &sresp)
	typ := sresp.Schema.Type().TerraformType(ctx)
	raw := tftypes.NewValue(typ, map[string]tftypes.Value{
		"id":                     tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		"name":                   tftypes.NewValue(tftypes.String, "r"),
		"description":            tftypes.NewValue(tftypes.String, ""),
		"acknowledge_new_access": tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, nil),
		"permissions":            tfStrings(true, perms...),
	})
	req := fwresource.ModifyPlanRequest{
		Config: tfsdk.Config{Schema: sresp.Schema, Raw: raw},
		Plan:   tfsdk.Plan{Schema: sresp.Schema, Raw: raw},
		State:  tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, nil)},
	}
	resp := fwresource.ModifyPlanResponse{Plan: req.Plan}
	r.ModifyPlan(ctx, req, &resp)
	return resp.Diagnostics
}

func TestRoleResource_typoFailsAtPlanWithSuggestion(t *testing.T) {
	// ValidateConfig leaves unknown names to ModifyPlan, which knows matrix_validation.
	if diags := validateRole(t, "users.reed"); len(diags) != 0 {
		t.Errorf("ValidateConfig reported %v; unknown names belong to ModifyPlan", diags)
	}
	diags := modifyRolePlan(t, true, "users.reed", "cluster.read")
	if !diagAt(diags, diag.SeverityError, `permissions[Value("users.reed")]`, `Did you mean "users.read"?`) {
		t.Errorf("want an error on the typo with a suggestion, got %v", diags)
	}
	if len(diags) != 1 {
		t.Errorf("want exactly one diagnostic, got %v", diags)
	}
}

func TestRoleResource_typoWarnsWithoutMatrixValidation(t *testing.T) {
	diags := modifyRolePlan(t, false, "users.reed")
	if diags.HasError() {
		t.Errorf("matrix_validation = false must not fail the plan, got %v", diags)
	}
	if !diagAt(diags, diag.SeverityWarning, `permissions[Value("users.reed")]`, "matrix_validation is false") {
		t.Errorf("want a warning on the typo, got %v", diags)
	}
}

func TestRoleResource_orgRoleNameIsNotAPermission(t *testing.T) {
	diags := validateRole(t, "account_owner", "users.read")
	if !diagAt(diags, diag.SeverityError, `permissions[Value("account_owner")]`, "warden_role_assignment") {
		t.Errorf("want an error on account_owner pointing at warden_role_assignment, got %v", diags)
	}
	// Not reported twice, and not softened by matrix_validation = false.
	if diags := modifyRolePlan(t, false, "account_owner"); len(diags) != 0 {
		t.Errorf("ModifyPlan repeated the org role finding: %v", diags)
	}
}

func TestRoleResource_adminBesideReadWarns(t *testing.T) {
	diags := planRole(t, "users.admin", "users.read", "groups.admin", "groups.read")
	if diags.HasError() {
		t.Fatalf("redundancy is a warning, got %v", diags)
	}
	for _, p := range []string{"users.read", "groups.read"} {
		if !diagAt(diags, diag.SeverityWarning, fmt.Sprintf(`permissions[Value(%q)]`, p), fmt.Sprintf("Remove %q.", p)) {
			t.Errorf("want a redundancy warning on %s, got %v", p, diags)
		}
	}
}

func TestRoleResource_integrationsWithoutClusterAdminWarns(t *testing.T) {
	diags := planRole(t, "integrations.admin")
	if !diagAt(diags, diag.SeverityWarning, `permissions[Value("integrations.admin")]`, `Add "cluster.admin"`) || len(diags) != 1 {
		t.Errorf("want one ineffective-permission warning, got %v", diags)
	}
	if diags := planRole(t, "integrations.admin", "cluster.admin"); len(diags) != 0 {
		t.Errorf("integrations.admin with cluster.admin is fine, got %v", diags)
	}
}

func TestRoleResource_environmentActionFailsOnItsElement(t *testing.T) {
	diags := validateRole(t, "conducts.read", "apps.create", "apps.deploy")
	if !diagAt(diags, diag.SeverityError, `permissions[Value("apps.create")]`,
		`Grant it with warden_environment_grant using permissions deployment, sensitive_access or environment_admin.`) {
		t.Errorf("want an environment-action error on apps.create, got %v", diags)
	}
	if !diagAt(diags, diag.SeverityError, `permissions[Value("apps.deploy")]`, `"apps.deploy" is an environment action`) {
		t.Errorf("want an environment-action error on apps.deploy, got %v", diags)
	}
	if diags.ErrorsCount() != 2 {
		t.Errorf("want exactly two errors, got %v", diags)
	}
}

func TestRoleResource_patternsAndUnknownValuesPass(t *testing.T) {
	if diags := validateRole(t, "conduct.abc123.admin", "incident.create", "conducts.read"); len(diags) != 0 {
		t.Errorf("pattern names are valid, got %v", diags)
	}
	unknown := tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, []tftypes.Value{
		tftypes.NewValue(tftypes.String, "users.reed"),
		tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
	})
	diags := validateResourceConfig(t, NewRoleResource(), map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "r"), "permissions": unknown})
	if len(diags) != 0 {
		t.Errorf("a set with unknown elements is judged once known, got %v", diags)
	}
}

func TestAccRoleResource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	const addr = "warden_role.test"
	config := func(name, desc, perms string) string {
		return srv.Config(fmt.Sprintf(`
resource "warden_role" "test" {
  name        = %q
  description = %q
  permissions = %s
}`, name, desc, perms))
	}
	var firstID string

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkRoleDestroyed(srv),
		Steps: []resource.TestStep{
			{
				Config: config("deployers", "Ships apps", `["conducts.read", "conduct.abc123.admin"]`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), anyID),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("deployers")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("Ships apps")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("permissions"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("conducts.read"), knownvalue.StringExact("conduct.abc123.admin"),
					})),
				},
				Check: func(s *terraform.State) error {
					firstID = s.RootModule().Resources[addr].Primary.ID
					return checkAPIRole(srv, firstID, "deployers", "Ships apps", "conduct.abc123.admin", "conducts.read")
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				Config: config("releasers", "", `["conducts.admin", "users.read"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("releasers")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("permissions"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("conducts.admin"), knownvalue.StringExact("users.read"),
					})),
				},
				Check: func(s *terraform.State) error {
					if id := s.RootModule().Resources[addr].Primary.ID; id != firstID {
						return fmt.Errorf("update in place changed the id from %s to %s", firstID, id)
					}
					return checkAPIRole(srv, firstID, "releasers", "", "conducts.admin", "users.read")
				},
			},
			{
				// Permissions changed outside Terraform: the plan puts them back in place.
				PreConfig: func() {
					perms := []string{"users.admin"}
					if _, err := srv.Client.UpdateRole(context.Background(), firstID, api.RoleUpdate{Permissions: &perms}, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: config("releasers", "", `["conducts.admin", "users.read"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				Check: func(*terraform.State) error {
					return checkAPIRole(srv, firstID, "releasers", "", "conducts.admin", "users.read")
				},
			},
			{
				// Deleted outside Terraform: the plan re-creates it.
				PreConfig: func() {
					if err := srv.Client.DeleteRole(context.Background(), firstID, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: config("releasers", "", `["conducts.admin", "users.read"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
				},
			},
			{
				// No permissions at all is a role that holds only environment grants.
				Config: srv.Config(`
resource "warden_role" "test" {
  name = "releasers"
}`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("permissions"), knownvalue.SetSizeExact(0)),
				},
			},
		},
	})
}

func TestAccRoleResource_validation(t *testing.T) {
	srv := acctest.NewServer(t)
	role := func(perms string) string {
		return fmt.Sprintf(`
resource "warden_role" "test" {
  name        = "r"
  permissions = %s
}`, perms)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      srv.Config(role(`["users.reed", "cluster.read"]`)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Unknown Platform Permission.*"users.reed" is not a platform permission.*Did you mean "users.read"\?`),
			},
			{
				Config:      srv.Config(role(`["account_owner"]`)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)"account_owner" is a built-in organization role.*warden_role_assignment`),
			},
			{
				Config: srv.Config(`
resource "warden_role" "test" {
  name = "deploy_owner"
}`),
				PlanOnly: true,
				ExpectError: wrappedRegexp("Reserved Role Name", `"deploy_owner" is the name of a built-in organization role; a role you define cannot take it.`,
					`Choose another name. To give someone "deploy_owner", assign the built-in role with warden_role_assignment`),
			},
			{
				// A look-alike of the built-in role fails the plan with the API's own rule.
				Config: srv.Config(`
resource "warden_role" "test" {
  name        = "account_owner\u200b"
  description = "ok"
}`),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("Invalid Text", "name contains the invisible character U+200B"),
			},
			{
				Config: srv.Config(`
resource "warden_role" "test" {
  name        = "prod  eu"
  description = "joined\u2060words"
}`),
				PlanOnly: true,
				// (HCL itself writes string literals in NFC, so an NFD name cannot reach plan.)
				ExpectError: wrappedRegexp("Non Canonical Text", `Write it as "prod eu".`, "description contains the invisible character U+2060"),
			},
			{
				// With matrix_validation = false the unknown name plans (with a warning) and the
				// server judges it at apply.
				Config: fmt.Sprintf(`
provider "warden" {
  endpoint          = %q
  token             = %q
  matrix_validation = false
}
`, srv.URL, srv.Token) + role(`["users.reed"]`),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPreRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("warden_role.test", plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue("warden_role.test", tfjsonpath.New("permissions"),
							knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("users.reed")})),
					},
				},
			},
		},
	})
}

func TestAccRoleDataSource_builtin(t *testing.T) {
	srv := acctest.NewServer(t)
	owner, err := srv.Client.FindRoleByName(context.Background(), "account_owner")
	if err != nil {
		t.Fatalf("the API has no account_owner role: %v", err)
	}
	config := srv.Config(`
data "warden_role" "owner" {
  name = "account_owner"
}
resource "warden_role" "auditors" {
  name        = "auditors"
  description = "Reads the audit log"
  permissions = ["audit.read"]
}
data "warden_role" "auditors" {
  id = warden_role.auditors.id
}`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.warden_role.owner", tfjsonpath.New("id"), knownvalue.StringExact(owner.ID)),
					statecheck.ExpectKnownValue("data.warden_role.owner", tfjsonpath.New("builtin"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("data.warden_role.owner", tfjsonpath.New("description"), knownvalue.StringExact(owner.Description)),
					statecheck.ExpectKnownValue("data.warden_role.owner", tfjsonpath.New("permissions"), knownvalue.SetSizeExact(len(owner.Permissions))),
					statecheck.ExpectKnownValue("data.warden_role.auditors", tfjsonpath.New("name"), knownvalue.StringExact("auditors")),
					statecheck.ExpectKnownValue("data.warden_role.auditors", tfjsonpath.New("description"), knownvalue.StringExact("Reads the audit log")),
					statecheck.ExpectKnownValue("data.warden_role.auditors", tfjsonpath.New("permissions"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("audit.read")})),
					statecheck.ExpectKnownValue("data.warden_role.auditors", tfjsonpath.New("builtin"), knownvalue.Bool(false)),
				},
			},
			{
				// A built-in role cannot be adopted: import says so and points at the data source.
				Config: config + `
resource "warden_role" "owner" {
  name = "owners"
}`,
				ResourceName:  "warden_role.owner",
				ImportState:   true,
				ImportStateId: owner.ID,
				ExpectError:   regexp.MustCompile(`(?s)built-in role "account_owner".*cannot\s+be\s+managed;\s+read\s+it\s+with\s+the\s+warden_role\s+data\s+source`),
			},
		},
	})
}

func checkAPIRole(srv *acctest.Server, id, name, desc string, perms ...string) error {
	r, err := srv.Client.GetRole(context.Background(), id)
	if err != nil {
		return err
	}
	got := slices.Sorted(slices.Values(r.Permissions))
	if r.Name != name || r.Description != desc || r.Builtin || !slices.Equal(got, perms) {
		return fmt.Errorf("API holds role %+v, want name=%q description=%q permissions=%v", r, name, desc, perms)
	}
	return nil
}

func checkRoleDestroyed(srv *acctest.Server) resource.TestCheckFunc {
	return checkDestroyed(srv, "warden_role", func(ctx context.Context, c *client.Client, rs *terraform.ResourceState) error {
		_, err := c.GetRole(ctx, rs.Primary.ID)
		return err
	})
}

func TestAccRoleResource_nameTakenNamesTheImportBlock(t *testing.T) {
	srv := acctest.NewServer(t)
	existing := mustCreateRole(t, srv, "deployers")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(`
resource "warden_role" "test" {
  name        = "deployers"
  permissions = ["conducts.read"]
}`),
				ExpectError: wrappedRegexp(fmt.Sprintf(`A role named "deployers" already exists (id %s). Adopt it with:`, existing.ID),
					"import {", "to = warden_role.<name>", fmt.Sprintf(`id = %q`, existing.ID), "}", "or choose another name."),
			},
		},
	})
}

func TestAccRoleResource_environmentActionFailsThePlan(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(`
resource "warden_role" "test" {
  name        = "deployers"
  permissions = ["conducts.read", "apps.create"]
}`),
				PlanOnly: true,
				ExpectError: wrappedRegexp("Environment Action", `"apps.create" is an environment action, not a platform permission.`,
					"Grant it with warden_environment_grant using permissions deployment, sensitive_access or environment_admin."),
			},
		},
	})
}
