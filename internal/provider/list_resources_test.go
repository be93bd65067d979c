package provider

import (
	"context"
	"testing"

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
