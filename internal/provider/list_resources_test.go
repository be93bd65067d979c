package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// made returns v, failing the test on err: made(srv.Client.CreateRole(ctx, body))(t).
func made[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// listCase is a test case of query steps, under Terraform 1.14 or later only.
func listCase(steps ...resource.TestStep) resource.TestCase {
	return resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{terraformOnly(version1_14, "list resources")},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	}
}

// byID picks the result whose identity is the id of one object.
func byID(id string) queryfilter.QueryFilter {
	return queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"id": knownvalue.StringExact(id)})
}

func TestAccListEnvironment_filters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := acctest.NewServer(t)
	eu := made(srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod-eu", Cloud: "gcp", ResourcePrefix: "eu_"}))(t)
	made(srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod-us", Cloud: "aws"}))(t)
	staging := made(srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "staging", Cloud: "gcp"}))(t)
	resource.Test(t, listCase(resource.TestStep{
		Query: true,
		Config: srv.ProviderBlock() + `
list "warden_environment" "gcp" {
  provider         = warden
  include_resource = true
  config {
    cloud       = "gcp"
    name_prefix = "prod-"
  }
}
list "warden_environment" "prod" {
  provider = warden
  config {
    name_prefix = "prod-"
  }
}
list "warden_environment" "staging" {
  provider = warden
  config {
    name = "staging"
  }
}
list "warden_environment" "first" {
  provider = warden
  limit    = 1
}
`,
		QueryResultChecks: []querycheck.QueryResultCheck{
			querycheck.ExpectLength("warden_environment.gcp", 1),
			querycheck.ExpectIdentity("warden_environment.gcp", map[string]knownvalue.Check{"id": knownvalue.StringExact(eu.ID)}),
			querycheck.ExpectResourceDisplayName("warden_environment.gcp", byID(eu.ID), knownvalue.StringExact("prod-eu (gcp)")),
			querycheck.ExpectResourceKnownValues("warden_environment.gcp", byID(eu.ID), []querycheck.KnownValueCheck{
				{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(eu.ID)},
				{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("prod-eu")},
				{Path: tfjsonpath.New("cloud"), KnownValue: knownvalue.StringExact("gcp")},
				{Path: tfjsonpath.New("resource_prefix"), KnownValue: knownvalue.StringExact("eu_")},
			}),
			querycheck.ExpectLength("warden_environment.prod", 2),
			querycheck.ExpectLength("warden_environment.staging", 1),
			querycheck.ExpectIdentity("warden_environment.staging", map[string]knownvalue.Check{"id": knownvalue.StringExact(staging.ID)}),
			querycheck.ExpectLength("warden_environment.first", 1),
		},
	}))
}

func TestAccListUser_filters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := acctest.NewServer(t)
	alice := made(srv.Client.CreateUser(ctx, api.UserCreate{Email: "alice@example.com", Name: "Alice Example"}))(t)
	bob := made(srv.Client.CreateUser(ctx, api.UserCreate{Email: "bob@Example.com"}))(t)
	vera := made(srv.Client.CreateUser(ctx, api.UserCreate{Email: "vera@vendor.example", Name: "Vera", Kind: "vendor"}))(t)
	resource.Test(t, listCase(
		resource.TestStep{
			Query: true,
			Config: srv.ProviderBlock() + `
list "warden_user" "vendor" {
  provider         = warden
  include_resource = true
  config {
    kind = "vendor"
  }
}
list "warden_user" "domain" {
  provider = warden
  config {
    email_domain = "EXAMPLE.com"
  }
}
list "warden_user" "alice" {
  provider = warden
  config {
    email = "alice@example.com"
    kind  = "member"
  }
}
`,
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("warden_user.vendor", 1),
				querycheck.ExpectResourceDisplayName("warden_user.vendor", byID(vera.ID), knownvalue.StringExact("Vera <vera@vendor.example> (vendor)")),
				querycheck.ExpectResourceKnownValues("warden_user.vendor", byID(vera.ID), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("email"), KnownValue: knownvalue.StringExact("vera@vendor.example")},
					{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("Vera")},
					{Path: tfjsonpath.New("kind"), KnownValue: knownvalue.StringExact("vendor")},
				}),
				// Case-insensitive, and not the bootstrap owner@warden.local nor the vendor.
				querycheck.ExpectLength("warden_user.domain", 2),
				querycheck.ExpectResourceDisplayName("warden_user.domain", byID(alice.ID), knownvalue.StringExact("Alice Example <alice@example.com>")),
				querycheck.ExpectResourceDisplayName("warden_user.domain", byID(bob.ID), knownvalue.StringExact("bob@Example.com")),
				querycheck.ExpectLength("warden_user.alice", 1),
				querycheck.ExpectIdentity("warden_user.alice", map[string]knownvalue.Check{"id": knownvalue.StringExact(alice.ID)}),
			},
		},
		resource.TestStep{
			Query:       true,
			Config:      srv.ProviderBlock() + `
list "warden_user" "bad" {
  provider = warden
  config {
    kind = "robot"
  }
}
`,
			ExpectError: wrappedRegexp(`kind must be member or vendor; got "robot"`),
		},
		resource.TestStep{
			Query:       true,
			Config:      srv.ProviderBlock() + `
list "warden_user" "bad" {
  provider = warden
  config {
    email_domain = "@vendor.example"
  }
}
`,
			ExpectError: wrappedRegexp(`must be a domain without "@"`),
		},
	))
}

func TestAccListGroup_filters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := acctest.NewServer(t)
	alice := made(srv.Client.CreateUser(ctx, api.UserCreate{Email: "alice@example.com"}))(t)
	bob := made(srv.Client.CreateUser(ctx, api.UserCreate{Email: "bob@example.com"}))(t)
	whole := made(srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "team-whole", Description: "members as a set", Members: &[]string{alice.ID, bob.ID}}))(t)
	byOne := made(srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "team-by-one"}))(t)
	made(srv.Client.AddGroupMember(ctx, byOne.ID, alice.ID))(t)
	made(srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "ops"}))(t)
	resource.Test(t, listCase(resource.TestStep{
		Query: true,
		Config: srv.ProviderBlock() + `
list "warden_group" "teams" {
  provider         = warden
  include_resource = true
  config {
    name_prefix = "team-"
  }
}
list "warden_group" "bobs" {
  provider = warden
  config {
    member_id = "` + bob.ID + `"
  }
}
list "warden_group" "ops" {
  provider = warden
  config {
    name = "ops"
  }
}
`,
		QueryResultChecks: []querycheck.QueryResultCheck{
			querycheck.ExpectLength("warden_group.teams", 2),
			querycheck.ExpectResourceDisplayName("warden_group.teams", byID(whole.ID), knownvalue.StringExact("team-whole")),
			// Members as warden_group's Read after an import has them: the whole set when it is
			// owned as one, none when they were added one at a time.
			querycheck.ExpectResourceKnownValues("warden_group.teams", byID(whole.ID), []querycheck.KnownValueCheck{
				{Path: tfjsonpath.New("description"), KnownValue: knownvalue.StringExact("members as a set")},
				{Path: tfjsonpath.New("members"), KnownValue: knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(alice.ID), knownvalue.StringExact(bob.ID)})},
			}),
			querycheck.ExpectResourceKnownValues("warden_group.teams", byID(byOne.ID), []querycheck.KnownValueCheck{
				{Path: tfjsonpath.New("members"), KnownValue: knownvalue.Null()},
			}),
			querycheck.ExpectLength("warden_group.bobs", 1),
			querycheck.ExpectIdentity("warden_group.bobs", map[string]knownvalue.Check{"id": knownvalue.StringExact(whole.ID)}),
			querycheck.ExpectLength("warden_group.ops", 1),
		},
	}))
}

func TestAccListRole_filters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := acctest.NewServer(t)
	deployers := made(srv.Client.CreateRole(ctx, api.RoleCreate{Name: "team-deployers", Permissions: []string{"users.read"}}))(t)
	made(srv.Client.CreateRole(ctx, api.RoleCreate{Name: "auditors", Description: "read-only", Permissions: []string{"users.admin"}}))(t)
	resource.Test(t, listCase(
		resource.TestStep{
			Query: true,
			Config: srv.ProviderBlock() + `
list "warden_role" "custom" {
  provider = warden
}
list "warden_role" "all" {
  provider = warden
  config {
    include_builtin = true
  }
}
list "warden_role" "readers" {
  provider         = warden
  include_resource = true
  config {
    permission  = "users.read"
    name_prefix = "team-"
  }
}
list "warden_role" "owner" {
  provider = warden
  config {
    name            = "account_owner"
    include_builtin = true
  }
}
`,
			QueryResultChecks: []querycheck.QueryResultCheck{
				// The built-in roles cannot be imported: only asked for.
				querycheck.ExpectLength("warden_role.custom", 2),
				querycheck.ExpectLength("warden_role.all", 4),
				querycheck.ExpectLength("warden_role.readers", 1),
				querycheck.ExpectResourceDisplayName("warden_role.readers", byID(deployers.ID), knownvalue.StringExact("team-deployers")),
				querycheck.ExpectResourceKnownValues("warden_role.readers", byID(deployers.ID), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("team-deployers")},
					{Path: tfjsonpath.New("description"), KnownValue: knownvalue.StringExact("")},
					{Path: tfjsonpath.New("permissions"), KnownValue: knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("users.read")})},
				}),
				querycheck.ExpectIdentity("warden_role.owner", map[string]knownvalue.Check{"id": knownvalue.StringExact("role_account_owner")}),
			},
		},
		resource.TestStep{
			Query:       true,
			Config:      srv.ProviderBlock() + `
list "warden_role" "bad" {
  provider = warden
  config {
    permission = "users.reed"
  }
}
`,
			ExpectError: wrappedRegexp(`"users.reed" is not a platform permission`, `Did you mean "users.read"?`),
		},
		resource.TestStep{
			Query:       true,
			Config:      srv.ProviderBlock() + `
list "warden_role" "bad" {
  provider = warden
  config {
    permission = "apps.deploy"
  }
}
`,
			ExpectError: wrappedRegexp(`"apps.deploy" is an environment action, not a platform permission`),
		},
	))
}

func TestAccListRoleAssignment_filters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := acctest.NewServer(t)
	alice := made(srv.Client.CreateUser(ctx, api.UserCreate{Email: "alice@example.com"}))(t)
	ops := made(srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "ops"}))(t)
	deployers := made(srv.Client.CreateRole(ctx, api.RoleCreate{Name: "deployers"}))(t)
	auditors := made(srv.Client.CreateRole(ctx, api.RoleCreate{Name: "auditors"}))(t)
	toAlice := made(srv.Client.CreateRoleAssignment(ctx, deployers.ID, api.RoleAssignmentCreate{UserID: alice.ID}))(t)
	toOps := made(srv.Client.CreateRoleAssignment(ctx, deployers.ID, api.RoleAssignmentCreate{GroupID: ops.ID}))(t)
	made(srv.Client.CreateRoleAssignment(ctx, auditors.ID, api.RoleAssignmentCreate{UserID: alice.ID}))(t)
	resource.Test(t, listCase(
		resource.TestStep{
			Query: true,
			Config: srv.ProviderBlock() + `
list "warden_role_assignment" "all" {
  provider = warden
}
list "warden_role_assignment" "alice" {
  provider = warden
  config {
    user_id = "` + alice.ID + `"
  }
}
list "warden_role_assignment" "deployers" {
  provider         = warden
  include_resource = true
  config {
    role_id = "` + deployers.ID + `"
  }
}
list "warden_role_assignment" "ops" {
  provider = warden
  config {
    group_id = "` + ops.ID + `"
  }
}
`,
			QueryResultChecks: []querycheck.QueryResultCheck{
				// The bootstrap owner's account_owner assignment is one too.
				querycheck.ExpectLength("warden_role_assignment.all", 4),
				querycheck.ExpectLength("warden_role_assignment.alice", 2),
				querycheck.ExpectLength("warden_role_assignment.deployers", 2),
				querycheck.ExpectResourceDisplayName("warden_role_assignment.deployers", assignedTo(deployers.ID, alice.ID, ""),
					knownvalue.StringExact("deployers assigned to user alice@example.com")),
				querycheck.ExpectResourceDisplayName("warden_role_assignment.deployers", assignedTo(deployers.ID, "", ops.ID),
					knownvalue.StringExact("deployers assigned to group ops")),
				querycheck.ExpectResourceKnownValues("warden_role_assignment.deployers", assignedTo(deployers.ID, alice.ID, ""), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(toAlice.ID)},
					{Path: tfjsonpath.New("role_id"), KnownValue: knownvalue.StringExact(deployers.ID)},
					{Path: tfjsonpath.New("user_id"), KnownValue: knownvalue.StringExact(alice.ID)},
					{Path: tfjsonpath.New("group_id"), KnownValue: knownvalue.Null()},
				}),
				querycheck.ExpectResourceKnownValues("warden_role_assignment.deployers", assignedTo(deployers.ID, "", ops.ID), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(toOps.ID)},
					{Path: tfjsonpath.New("user_id"), KnownValue: knownvalue.Null()},
				}),
				querycheck.ExpectLength("warden_role_assignment.ops", 1),
				querycheck.ExpectIdentity("warden_role_assignment.ops", map[string]knownvalue.Check{
					"role_id": knownvalue.StringExact(deployers.ID), "user_id": knownvalue.Null(), "group_id": knownvalue.StringExact(ops.ID),
				}),
			},
		},
		resource.TestStep{
			Query: true,
			Config: srv.ProviderBlock() + `
list "warden_role_assignment" "bad" {
  provider = warden
  config {
    user_id  = "` + alice.ID + `"
    group_id = "` + ops.ID + `"
  }
}
`,
			ExpectError: wrappedRegexp(`Invalid Attribute Combination`),
		},
		resource.TestStep{
			Query: true,
			Config: srv.ProviderBlock() + `
list "warden_role_assignment" "bad" {
  provider = warden
  config {
    role_id = "role_missing"
  }
}
`,
			ExpectError: wrappedRegexp(`Unable to List Role Assignments`),
		},
	))
}

// assignedTo picks the result identifying the assignment of roleID to userID or groupID.
func assignedTo(roleID, userID, groupID string) queryfilter.QueryFilter {
	optional := func(id string) knownvalue.Check {
		if id == "" {
			return knownvalue.Null()
		}
		return knownvalue.StringExact(id)
	}
	return queryfilter.ByResourceIdentity(map[string]knownvalue.Check{
		"role_id": knownvalue.StringExact(roleID), "user_id": optional(userID), "group_id": optional(groupID),
	})
}

func TestAccListEnvironmentGrant_filters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := acctest.NewServer(t)
	prod := made(srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "production", Cloud: "gcp"}))(t)
	staging := made(srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "staging", Cloud: "aws"}))(t)
	deployers := made(srv.Client.CreateRole(ctx, api.RoleCreate{Name: "deployers"}))(t)
	viewers := made(srv.Client.CreateRole(ctx, api.RoleCreate{Name: "viewers"}))(t)
	made(srv.Client.CreateGrant(ctx, prod.ID, api.GrantCreate{RoleID: deployers.ID, Permissions: []string{"deployment", "basic_visibility"}}))(t)
	made(srv.Client.CreateGrant(ctx, prod.ID, api.GrantCreate{RoleID: viewers.ID, Permissions: []string{"basic_visibility"}}))(t)
	made(srv.Client.CreateGrant(ctx, staging.ID, api.GrantCreate{RoleID: deployers.ID, Permissions: []string{"environment_admin"}}))(t)
	grant := func(roleID, envID string) queryfilter.QueryFilter {
		return queryfilter.ByResourceIdentity(map[string]knownvalue.Check{
			"role_id": knownvalue.StringExact(roleID), "environment_id": knownvalue.StringExact(envID),
		})
	}
	resource.Test(t, listCase(
		resource.TestStep{
			Query: true,
			Config: srv.ProviderBlock() + `
list "warden_environment_grant" "prod" {
  provider         = warden
  include_resource = true
  config {
    environment_id = "` + prod.ID + `"
  }
}
list "warden_environment_grant" "deployers" {
  provider = warden
  config {
    role_id = "` + deployers.ID + `"
  }
}
list "warden_environment_grant" "can_deploy" {
  provider = warden
  config {
    action = "apps.deploy"
  }
}
list "warden_environment_grant" "visible" {
  provider = warden
  config {
    permission = "basic_visibility"
  }
}
list "warden_environment_grant" "deploy_in_prod" {
  provider = warden
  config {
    environment_id = "` + prod.ID + `"
    action         = "apps.deploy"
  }
}
`,
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("warden_environment_grant.prod", 2),
				querycheck.ExpectResourceDisplayName("warden_environment_grant.prod", grant(viewers.ID, prod.ID),
					knownvalue.StringExact("role viewers in environment production")),
				// require_actions exists only in configuration: null, as after an import.
				querycheck.ExpectResourceKnownValues("warden_environment_grant.prod", grant(deployers.ID, prod.ID), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("role_id"), KnownValue: knownvalue.StringExact(deployers.ID)},
					{Path: tfjsonpath.New("environment_id"), KnownValue: knownvalue.StringExact(prod.ID)},
					{Path: tfjsonpath.New("permissions"), KnownValue: knownStrings([]string{"basic_visibility", "deployment"})},
					{Path: tfjsonpath.New("require_actions"), KnownValue: knownvalue.Null()},
					{Path: tfjsonpath.New("allowed_actions"), KnownValue: knownvalue.ListPartial(map[int]knownvalue.Check{0: knownvalue.StringExact("apps.configure")})},
				}),
				querycheck.ExpectLength("warden_environment_grant.deployers", 2),
				// deployment in production, environment_admin in staging.
				querycheck.ExpectLength("warden_environment_grant.can_deploy", 2),
				querycheck.ExpectLength("warden_environment_grant.visible", 2),
				querycheck.ExpectLength("warden_environment_grant.deploy_in_prod", 1),
				querycheck.ExpectIdentity("warden_environment_grant.deploy_in_prod", map[string]knownvalue.Check{
					"role_id": knownvalue.StringExact(deployers.ID), "environment_id": knownvalue.StringExact(prod.ID),
				}),
			},
		},
		resource.TestStep{
			Query: true,
			Config: srv.ProviderBlock() + `
list "warden_environment_grant" "bad" {
  provider = warden
  config {
    permission = "deploy"
  }
}
`,
			ExpectError: wrappedRegexp(`"deploy" is not an environment permission`),
		},
		resource.TestStep{
			Query: true,
			Config: srv.ProviderBlock() + `
list "warden_environment_grant" "bad" {
  provider = warden
  config {
    action = "apps.deplyo"
  }
}
`,
			ExpectError: wrappedRegexp(`"apps.deplyo" is not an action of the permissions matrix`, `Did you mean "apps.deploy"?`),
		},
	))
}

func TestAccListSupportAccess_filters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := acctest.NewServer(t)
	prod := made(srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "production", Cloud: "gcp"}))(t)
	staging := made(srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "staging", Cloud: "aws"}))(t)
	made(srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "dev", Cloud: "aws"}))(t)
	expiry := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	made(srv.Client.CreateSupportAccess(ctx, prod.ID, api.SupportAccessCreate{Tier: "operator", PortForwarding: true, ExpiresAt: &expiry}))(t)
	standing := false
	made(srv.Client.CreateSupportAccess(ctx, staging.ID, api.SupportAccessCreate{Tier: "support", RequireApproval: &standing}))(t)
	inEnv := func(envID string) queryfilter.QueryFilter {
		return queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"environment_id": knownvalue.StringExact(envID)})
	}
	resource.Test(t, listCase(
		resource.TestStep{
			Query: true,
			Config: srv.ProviderBlock() + `
list "warden_support_access" "all" {
  provider         = warden
  include_resource = true
}
list "warden_support_access" "operator" {
  provider = warden
  config {
    tier = "operator"
  }
}
list "warden_support_access" "expired" {
  provider = warden
  config {
    status = "expired"
  }
}
list "warden_support_access" "staging" {
  provider = warden
  config {
    environment_id = "` + staging.ID + `"
    status         = "active"
  }
}
`,
			QueryResultChecks: []querycheck.QueryResultCheck{
				// dev has none.
				querycheck.ExpectLength("warden_support_access.all", 2),
				querycheck.ExpectResourceDisplayName("warden_support_access.all", inEnv(prod.ID), knownvalue.StringExact("operator support access to production")),
				querycheck.ExpectResourceKnownValues("warden_support_access.all", inEnv(prod.ID), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("environment_id"), KnownValue: knownvalue.StringExact(prod.ID)},
					{Path: tfjsonpath.New("tier"), KnownValue: knownvalue.StringExact("operator")},
					{Path: tfjsonpath.New("port_forwarding"), KnownValue: knownvalue.Bool(true)},
					{Path: tfjsonpath.New("require_approval"), KnownValue: knownvalue.Bool(true)},
					{Path: tfjsonpath.New("expires_at"), KnownValue: knownvalue.StringExact(expiry.Format(time.RFC3339Nano))},
					{Path: tfjsonpath.New("status"), KnownValue: knownvalue.StringExact("active")},
				}),
				querycheck.ExpectResourceKnownValues("warden_support_access.all", inEnv(staging.ID), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("require_approval"), KnownValue: knownvalue.Bool(false)},
					{Path: tfjsonpath.New("expires_at"), KnownValue: knownvalue.Null()},
				}),
				querycheck.ExpectLength("warden_support_access.operator", 1),
				querycheck.ExpectLength("warden_support_access.expired", 0),
				querycheck.ExpectLength("warden_support_access.staging", 1),
				querycheck.ExpectIdentity("warden_support_access.staging", map[string]knownvalue.Check{"environment_id": knownvalue.StringExact(staging.ID)}),
			},
		},
		resource.TestStep{
			Query: true,
			Config: srv.ProviderBlock() + `
list "warden_support_access" "bad" {
  provider = warden
  config {
    tier = "admin"
  }
}
`,
			ExpectError: wrappedRegexp(`tier must be support, operator or co_maintainer; got "admin"`),
		},
	))
}

func TestAccListAlertRouting_filters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := acctest.NewServer(t)
	prod := made(srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "production", Cloud: "gcp"}))(t)
	staging := made(srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "staging", Cloud: "aws"}))(t)
	made(srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "dev", Cloud: "aws"}))(t)
	made(srv.Client.PutAlertRouting(ctx, prod.ID, api.AlertRoutingUpdate{VendorRouting: false, Destinations: &[]api.Destination{
		{Type: "email", Target: "oncall@example.com", MinSeverity: "warning"},
	}}, 0))(t)
	made(srv.Client.AddAlertDestination(ctx, staging.ID, api.Destination{Type: "email", Target: "staging@example.com", MinSeverity: "critical"}))(t)
	made(srv.Client.AddAlertDestination(ctx, staging.ID, api.Destination{Type: "email", Target: "dev@example.com", MinSeverity: "critical"}))(t)
	ofEnv := func(envID string) queryfilter.QueryFilter {
		return queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"environment_id": knownvalue.StringExact(envID)})
	}
	resource.Test(t, listCase(resource.TestStep{
		Query: true,
		Config: srv.ProviderBlock() + `
list "warden_alert_routing" "all" {
  provider         = warden
  include_resource = true
}
list "warden_alert_routing" "opted_out" {
  provider = warden
  config {
    vendor_routing = false
  }
}
list "warden_alert_routing" "staging" {
  provider = warden
  config {
    environment_id = "` + staging.ID + `"
    vendor_routing = true
  }
}
`,
		QueryResultChecks: []querycheck.QueryResultCheck{
			// Every environment has one.
			querycheck.ExpectLength("warden_alert_routing.all", 3),
			querycheck.ExpectResourceDisplayName("warden_alert_routing.all", ofEnv(prod.ID),
				knownvalue.StringExact("alert routing of production (vendor routing off, 1 destination)")),
			querycheck.ExpectResourceDisplayName("warden_alert_routing.all", ofEnv(staging.ID),
				knownvalue.StringExact("alert routing of staging (vendor routing on, 2 destinations)")),
			// Destinations as warden_alert_routing's Read after an import has them: the set when
			// it is owned as a whole, none when warden_alert_destination added them.
			querycheck.ExpectResourceKnownValues("warden_alert_routing.all", ofEnv(prod.ID), []querycheck.KnownValueCheck{
				{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(prod.ID)},
				{Path: tfjsonpath.New("vendor_routing"), KnownValue: knownvalue.Bool(false)},
				{Path: tfjsonpath.New("destinations"), KnownValue: knownvalue.SetExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
					"type": knownvalue.StringExact("email"), "target": knownvalue.StringExact("oncall@example.com"), "min_severity": knownvalue.StringExact("warning"),
				})})},
			}),
			querycheck.ExpectResourceKnownValues("warden_alert_routing.all", ofEnv(staging.ID), []querycheck.KnownValueCheck{
				{Path: tfjsonpath.New("vendor_routing"), KnownValue: knownvalue.Bool(true)},
				{Path: tfjsonpath.New("destinations"), KnownValue: knownvalue.Null()},
			}),
			querycheck.ExpectLength("warden_alert_routing.opted_out", 1),
			querycheck.ExpectIdentity("warden_alert_routing.opted_out", map[string]knownvalue.Check{"environment_id": knownvalue.StringExact(prod.ID)}),
			querycheck.ExpectLength("warden_alert_routing.staging", 1),
		},
	}))
}

// TestAccListAdoption_generateConfig is the adoption flow of the guide "Adopting Existing
// Access", through the terraform CLI with this provider built and chosen by dev_overrides
// (terraform-plugin-testing's query steps cannot generate configuration): objects made
// outside Terraform, through the API; `terraform query -generate-config-out`; a plan that
// only imports; apply; and then a plan that is empty.
func TestAccListAdoption_generateConfig(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		t.Skip("TF_ACC_TERRAFORM_PATH names no terraform")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	skipUnlessTerraform(ctx, t, tf, terraformOnly(version1_14, "list resources"))

	srv := acctest.NewServer(t)
	c := srv.Client
	prod := made(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "production", Cloud: "gcp", ResourcePrefix: "prod_"}))(t)
	staging := made(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "staging", Cloud: "aws"}))(t)
	alice := made(c.CreateUser(ctx, api.UserCreate{Email: "alice@example.com", Name: "Alice"}))(t)
	bob := made(c.CreateUser(ctx, api.UserCreate{Email: "bob@example.com"}))(t)
	made(c.CreateUser(ctx, api.UserCreate{Email: "vera@vendor.example", Kind: "vendor"}))(t)
	sre := made(c.CreateGroup(ctx, api.GroupCreate{Name: "sre", Members: &[]string{alice.ID, bob.ID}}))(t)
	oncall := made(c.CreateGroup(ctx, api.GroupCreate{Name: "oncall", Description: "members added one at a time"}))(t)
	made(c.AddGroupMember(ctx, oncall.ID, bob.ID))(t)
	deployers := made(c.CreateRole(ctx, api.RoleCreate{Name: "deployers", Description: "ship code", Permissions: []string{"users.read"}}))(t)
	viewers := made(c.CreateRole(ctx, api.RoleCreate{Name: "viewers"}))(t)
	made(c.CreateRoleAssignment(ctx, deployers.ID, api.RoleAssignmentCreate{GroupID: sre.ID}))(t)
	made(c.CreateRoleAssignment(ctx, viewers.ID, api.RoleAssignmentCreate{UserID: bob.ID}))(t)
	made(c.CreateGrant(ctx, prod.ID, api.GrantCreate{RoleID: deployers.ID, Permissions: []string{"deployment", "basic_visibility"}}))(t)
	made(c.CreateGrant(ctx, staging.ID, api.GrantCreate{RoleID: viewers.ID, Permissions: []string{"full_visibility"}}))(t)
	expiry := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	made(c.CreateSupportAccess(ctx, prod.ID, api.SupportAccessCreate{Tier: "operator", PortForwarding: true, ExpiresAt: &expiry}))(t)
	standing := false
	made(c.CreateSupportAccess(ctx, staging.ID, api.SupportAccessCreate{Tier: "support", RequireApproval: &standing}))(t)
	made(c.PutAlertRouting(ctx, prod.ID, api.AlertRoutingUpdate{VendorRouting: false, Destinations: &[]api.Destination{
		{Type: "email", Target: "oncall@example.com", MinSeverity: "warning"},
		{Type: "webhook", Target: "https://hooks.example.com/warden", MinSeverity: "critical"},
	}}, 0))(t)
	made(c.AddAlertDestination(ctx, staging.ID, api.Destination{Type: "email", Target: "staging@example.com", MinSeverity: "info"}))(t)

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "main.tf"), "terraform {\n  required_providers {\n    warden = { source = \"wardenhq/warden\" }\n  }\n}\n"+srv.ProviderBlock())
	query, err := os.ReadFile("../../examples/adopting/adopt.tfquery.hcl")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "adopt.tfquery.hcl"), string(query))
	run := cliRunner(ctx, t, tf, dir, buildProviderOverrides(ctx, t))

	if code, out := run("query", "-no-color", "-generate-config-out=adopted.tf"); code != 0 {
		t.Fatalf("query: exit %d\n%s", code, out)
	}
	generated, err := os.ReadFile(filepath.Join(dir, "adopted.tf"))
	if err != nil {
		t.Fatal(err)
	}
	// Every object found, each with an import block by identity: 2 environments; the bootstrap
	// owner and 3 users; 2 groups; the 2 custom roles (built-in ones are not importable); the
	// 2 assignments and the owner's account_owner; 2 grants; 2 support accesses; 2 routings.
	const objects = 19
	if n := strings.Count(string(generated), "\nimport {"); n != objects {
		t.Errorf("adopted.tf has %d import blocks, want %d:\n%s", n, objects, generated)
	}
	if n := strings.Count(string(generated), "  identity = {"); n != objects {
		t.Errorf("adopted.tf has %d identities, want %d:\n%s", n, objects, generated)
	}

	code, out := run("plan", "-no-color", "-input=false", "-detailed-exitcode")
	if code != 2 || !strings.Contains(out, fmt.Sprintf("Plan: %d to import, 0 to add, 0 to change, 0 to destroy.", objects)) {
		t.Fatalf("the plan of the generated configuration does more than import: exit %d\n%s\n\nadopted.tf:\n%s", code, out, generated)
	}
	if code, out := run("apply", "-no-color", "-input=false", "-auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	if code, out := run("plan", "-no-color", "-input=false", "-detailed-exitcode"); code != 0 {
		t.Fatalf("the plan after adopting is not empty: exit %d\n%s", code, out)
	}
}

// skipUnlessTerraform applies a version check to the CLI at tf, for tests that drive the
// CLI themselves rather than through a test case's TerraformVersionChecks.
func skipUnlessTerraform(ctx context.Context, t *testing.T, tf string, check tfversion.TerraformVersionCheck) {
	t.Helper()
	out, err := exec.CommandContext(ctx, tf, "version", "-json").Output()
	if err != nil {
		t.Fatalf("%s version: %v", tf, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s version -json: %v", tf, err)
	}
	var resp tfversion.CheckTerraformVersionResponse
	check.CheckTerraformVersion(ctx, tfversion.CheckTerraformVersionRequest{TerraformVersion: version.Must(version.NewVersion(v.Version))}, &resp)
	if resp.Error != nil {
		t.Fatal(resp.Error)
	}
	if resp.Skip != "" {
		t.Skip(resp.Skip)
	}
}

// buildProviderOverrides builds this provider and returns a CLI configuration file whose
// dev_overrides make Terraform use it: no terraform init, no registry.
func buildProviderOverrides(ctx context.Context, t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(bin, "terraform-provider-warden"), "../..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the provider: %v\n%s", err, out)
	}
	rc := filepath.Join(t.TempDir(), "terraformrc")
	writeFile(t, rc, fmt.Sprintf("provider_installation {\n  dev_overrides { \"wardenhq/warden\" = %q }\n  direct {}\n}\n", bin))
	return rc
}

// cliRunner runs the terraform at tf in dir with the CLI configuration rc, returning the
// exit code and the combined output.
func cliRunner(ctx context.Context, t *testing.T, tf, dir, rc string) func(args ...string) (int, string) {
	return func(args ...string) (int, string) {
		t.Helper()
		cmd := exec.CommandContext(ctx, tf, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			return ee.ExitCode(), string(out)
		case err != nil:
			t.Fatalf("terraform %v: %v", args, err)
		}
		return 0, string(out)
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Every list resource example the docs show runs as a query against a server holding what
// it looks for, and finds it.
func TestAccListExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/list-resources/*/list-resource.tfquery.hcl")
	if err != nil {
		t.Fatal(err)
	}
	// The list block of each example that must find something.
	finds := map[string]string{
		"warden_environment":       "warden_environment.production",
		"warden_user":              "warden_user.staff",
		"warden_group":             "warden_group.alices",
		"warden_role":              "warden_role.custom",
		"warden_role_assignment":   "warden_role_assignment.deployers",
		"warden_environment_grant": "warden_environment_grant.deploy_in_production",
		"warden_support_access":    "warden_support_access.operator",
		"warden_alert_routing":     "warden_alert_routing.production",
	}
	if len(files) != len(finds) {
		t.Fatalf("found %d list resource examples, want %d: %v", len(files), len(finds), files)
	}
	for _, f := range files {
		name := filepath.Base(filepath.Dir(f))
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			srv := acctest.NewServer(t)
			seedListExamples(t, srv)
			resource.Test(t, listCase(resource.TestStep{
				Query:             true,
				Config:            srv.ProviderBlock() + string(raw),
				QueryResultChecks: []querycheck.QueryResultCheck{querycheck.ExpectLengthAtLeast(finds[name], 1)},
			}))
		})
	}
}

// seedListExamples creates what the list resource examples look for: seedTeam's team, with
// alice in sre, sre holding deployers, and deployers allowed to deploy in production.
func seedListExamples(t *testing.T, srv *acctest.Server) {
	t.Helper()
	ctx := context.Background()
	c := srv.Client
	seedTeam(t, srv, true, "alice@example.com")
	alice := made(c.FindUserByEmail(ctx, "alice@example.com"))(t)
	sre := made(c.FindGroupByName(ctx, "sre"))(t)
	deployers := made(c.FindRoleByName(ctx, "deployers"))(t)
	production := made(c.FindEnvironmentByName(ctx, "production"))(t)
	made(c.AddGroupMember(ctx, sre.ID, alice.ID))(t)
	made(c.CreateRoleAssignment(ctx, deployers.ID, api.RoleAssignmentCreate{GroupID: sre.ID}))(t)
	made(c.CreateGrant(ctx, production.ID, api.GrantCreate{RoleID: deployers.ID, Permissions: []string{"deployment", "tunnel"}}))(t)
}
