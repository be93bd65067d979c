package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

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
		badListQuery(srv, "warden_role", `permission = "users.reed"`,
			wrappedRegexp(`"users.reed" is not a platform permission`, `Did you mean "users.read"?`)),
		badListQuery(srv, "warden_role", `permission = "apps.deploy"`,
			wrappedRegexp(`"apps.deploy" is an environment action, not a platform permission`)),
	))
}
