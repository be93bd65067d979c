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
