package provider

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// effectiveAccessFixture is what PreConfig builds through the API: a user in a group that
// holds a role with a [deployment, ops] grant in one environment.
type effectiveAccessFixture struct {
	env   *api.Environment
	user  *api.User
	group *api.Group
	role  *api.Role
	grant *api.Grant
}

func (f *effectiveAccessFixture) build(t *testing.T, srv *acctest.Server, vars config.Variables) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	f.env, err = srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "production", Cloud: "gcp"})
	must(err)
	f.user, err = srv.Client.CreateUser(ctx, api.UserCreate{Email: "alice@example.com", Name: "Alice"})
	must(err)
	f.group, err = srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "sre", Members: &[]string{f.user.ID}})
	must(err)
	f.role, err = srv.Client.CreateRole(ctx, api.RoleCreate{Name: "deployers", Description: "Ships apps"})
	must(err)
	_, err = srv.Client.CreateRoleAssignment(ctx, f.role.ID, api.RoleAssignmentCreate{GroupID: f.group.ID})
	must(err)
	f.grant, err = srv.Client.CreateGrant(ctx, f.env.ID, api.GrantCreate{RoleID: f.role.ID, Permissions: []string{"deployment", "ops"}})
	must(err)
	// The step's configuration is fixed before PreConfig runs, but its variables are read
	// after: the ids reach the HCL through them.
	vars["environment_id"] = config.StringVariable(f.env.ID)
	vars["user_id"] = config.StringVariable(f.user.ID)
	vars["group_id"] = config.StringVariable(f.group.ID)
}

func TestAccEffectiveAccessDataSource_throughGroup(t *testing.T) {
	srv := acctest.NewServer(t)
	var fx effectiveAccessFixture
	vars := config.Variables{}
	const hcl = `
variable "environment_id" { type = string }
variable "user_id" { type = string }
variable "group_id" { type = string }
`
	wantActions := access.AllowedActions([]string{"deployment", "ops"})

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig:       func() { fx.build(t, srv, vars) },
				ConfigVariables: vars,
				Config: srv.Config(hcl + `
data "warden_effective_access" "alice" {
  user_id        = var.user_id
  environment_id = var.environment_id
}
data "warden_effective_access" "sre" {
  group_id       = var.group_id
  environment_id = var.environment_id
}`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.warden_effective_access.alice", tfjsonpath.New("actions"), knownList(wantActions)),
					statecheck.ExpectKnownValue("data.warden_effective_access.alice", tfjsonpath.New("support"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue("data.warden_effective_access.alice", tfjsonpath.New("group_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue("data.warden_effective_access.sre", tfjsonpath.New("actions"), knownList(wantActions)),
					statecheck.ExpectKnownValue("data.warden_effective_access.sre", tfjsonpath.New("user_id"), knownvalue.Null()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error {
						return checkSources(s, "data.warden_effective_access.alice", &fx, wantActions)
					},
					func(s *terraform.State) error {
						return checkSources(s, "data.warden_effective_access.sre", &fx, wantActions)
					},
					func(s *terraform.State) error {
						return resource.TestCheckResourceAttr("data.warden_effective_access.alice", "user_id", fx.user.ID)(s)
					},
				),
			},
			{
				ConfigVariables: vars,
				Config: srv.Config(hcl + `
data "warden_effective_access" "both" {
  user_id        = var.user_id
  group_id       = var.group_id
  environment_id = var.environment_id
}`),
				PlanOnly:    true,
				ExpectError: wrappedRegexp(`Invalid Attribute Combination`, `Exactly one of these attributes must be configured: [user_id,group_id]`),
			},
		},
	})
}

// checkSources requires every allowed action to be explained, and every explanation to name
// the fixture's grant, role and group with a permission that really allows the action.
func checkSources(s *terraform.State, addr string, fx *effectiveAccessFixture, wantActions []string) error {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return fmt.Errorf("%s not in state", addr)
	}
	attrs := rs.Primary.Attributes
	n, err := strconv.Atoi(attrs["grants.#"])
	if err != nil {
		return fmt.Errorf("%s grants.#: %w", addr, err)
	}
	explained := map[string]bool{}
	for i := range n {
		at := func(name string) string { return attrs[fmt.Sprintf("grants.%d.%s", i, name)] }
		action, perm := at("action"), at("permission")
		if at("grant_id") != fx.grant.ID || at("role_id") != fx.role.ID || at("role_name") != fx.role.Name || at("group_id") != fx.group.ID ||
			at("group_name") != fx.group.Name {
			return fmt.Errorf("%s grants.%d names grant %q role %q (%q) group %q (%q); want grant %q role %q (%q) group %q (%q)", addr, i,
				at("grant_id"), at("role_id"), at("role_name"), at("group_id"), at("group_name"), fx.grant.ID, fx.role.ID, fx.role.Name, fx.group.ID, fx.group.Name)
		}
		if perm != "deployment" && perm != "ops" {
			return fmt.Errorf("%s grants.%d: permission %q is not in the grant", addr, i, perm)
		}
		if allowing, _ := access.PermissionsFor(action); !slices.Contains(allowing, perm) {
			return fmt.Errorf("%s grants.%d: %q does not allow %q", addr, i, perm, action)
		}
		explained[action] = true
	}
	for _, a := range wantActions {
		if !explained[a] {
			return fmt.Errorf("%s: action %q is allowed but no grant explains it", addr, a)
		}
	}
	if len(explained) != len(wantActions) {
		return fmt.Errorf("%s explains %d actions, want %d", addr, len(explained), len(wantActions))
	}
	return nil
}

// TestAccEffectiveAccessDataSource_platform answers "what can alice do on the platform": her
// cluster.admin through the group sre (by name), the users.read her direct role lists, and,
// for the owner, every permission of the catalogue through account_owner.
func TestAccEffectiveAccessDataSource_platform(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	env := made(srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "production", Cloud: "gcp"}))(t)
	alice := made(srv.Client.CreateUser(ctx, api.UserCreate{Email: "alice@example.com", Name: "Alice"}))(t)
	sre := made(srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "sre", Members: &[]string{alice.ID}}))(t)
	ops := made(srv.Client.CreateRole(ctx, api.RoleCreate{Name: "ops", Permissions: []string{"cluster.admin"}}))(t)
	readers := made(srv.Client.CreateRole(ctx, api.RoleCreate{Name: "readers", Permissions: []string{"users.read"}}))(t)
	made(srv.Client.CreateRoleAssignment(ctx, ops.ID, api.RoleAssignmentCreate{GroupID: sre.ID}))(t)
	made(srv.Client.CreateRoleAssignment(ctx, readers.ID, api.RoleAssignmentCreate{UserID: alice.ID}))(t)
	owner := made(srv.Client.FindUserByEmail(ctx, "owner@warden.local"))(t) // the bootstrap owner
	source := func(perm, impliedBy string, role *api.Role, group *api.Group) knownvalue.Check {
		v := map[string]knownvalue.Check{
			"permission": knownvalue.StringExact(perm), "implied_by": knownvalue.Null(),
			"role_id": knownvalue.StringExact(role.ID), "role_name": knownvalue.StringExact(role.Name),
			"group_id": knownvalue.Null(), "group_name": knownvalue.Null(), "owner": knownvalue.Bool(false),
		}
		if impliedBy != "" {
			v["implied_by"] = knownvalue.StringExact(impliedBy)
		}
		if group != nil {
			v["group_id"], v["group_name"] = knownvalue.StringExact(group.ID), knownvalue.StringExact(group.Name)
		}
		return knownvalue.ObjectExact(v)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: srv.Config(fmt.Sprintf(`
data "warden_effective_access" "alice" {
  user_id        = %[1]q
  environment_id = %[2]q
}
data "warden_effective_access" "owner" {
  user_id        = %[3]q
  environment_id = %[2]q
}
output "alice_cluster_admin_via" {
  value = [for p in data.warden_effective_access.alice.platform : p.group_name if p.permission == "cluster.admin"]
}`, alice.ID, env.ID, owner.ID)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.warden_effective_access.alice", tfjsonpath.New("platform"), knownvalue.ListExact([]knownvalue.Check{
					source("cluster.admin", "", ops, sre),
					source("cluster.read", "cluster.admin", ops, sre),
					source("users.read", "", readers, nil),
				})),
				statecheck.ExpectKnownOutputValue("alice_cluster_admin_via", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("sre")})),
				statecheck.ExpectKnownValue("data.warden_effective_access.owner", tfjsonpath.New("platform"), knownvalue.ListSizeExact(len(access.Catalogue()))),
				statecheck.ExpectKnownValue("data.warden_effective_access.owner", tfjsonpath.New("platform").AtSliceIndex(0).AtMapKey("owner"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.warden_effective_access.owner", tfjsonpath.New("platform").AtSliceIndex(0).AtMapKey("role_name"), knownvalue.StringExact("account_owner")),
			},
		}},
	})
}
