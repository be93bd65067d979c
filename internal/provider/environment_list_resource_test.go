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
