package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

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
		badListQuery(srv, "warden_environment_grant", `permission = "deploy"`,
			wrappedRegexp(`"deploy" is not an environment permission`)),
		badListQuery(srv, "warden_environment_grant", `action = "apps.deplyo"`,
			wrappedRegexp(`"apps.deplyo" is not an action of the permissions matrix`, `Did you mean "apps.deploy"?`)),
	))
}
