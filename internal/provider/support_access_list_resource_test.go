package provider

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

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
				querycheck.ExpectResourceDisplayName("warden_support_access.all", inEnv(prod.ID), knownvalue.StringExact("support access to production (tier operator)")),
				// The tier named "support" no longer reads "support support access".
				querycheck.ExpectResourceDisplayName("warden_support_access.all", inEnv(staging.ID), knownvalue.StringExact("support access to staging (tier support)")),
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
		badListQuery(srv, "warden_support_access", `tier = "admin"`,
			wrappedRegexp(`tier must be support, operator or co_maintainer; got "admin"`)),
	))
}
