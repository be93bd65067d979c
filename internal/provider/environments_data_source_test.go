package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

func TestAccEnvironmentsDataSource_cloudFilter(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	var envs []*api.Environment
	for _, e := range []api.EnvironmentCreate{
		{Name: "production", Cloud: "gcp", ResourcePrefix: "prod_"},
		{Name: "staging", Cloud: "aws"},
		{Name: "sandbox", Cloud: "gcp"},
	} {
		got, err := srv.Client.CreateEnvironment(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		envs = append(envs, got)
	}
	env := func(e *api.Environment) knownvalue.Check {
		return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"id":              knownvalue.StringExact(e.ID),
			"name":            knownvalue.StringExact(e.Name),
			"cloud":           knownvalue.StringExact(e.Cloud),
			"resource_prefix": knownvalue.StringExact(e.ResourcePrefix),
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(`
data "warden_environments" "bad" {
  cloud = "azure"
}`),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("Invalid cloud", "cloud must be aws or gcp"),
			},
			{
				Config: srv.Config(`
data "warden_environments" "all" {}
data "warden_environments" "gcp" {
  cloud = "gcp"
}
data "warden_environments" "aws" {
  cloud = "aws"
}`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.warden_environments.all", tfjsonpath.New("environments"),
						knownvalue.ListExact([]knownvalue.Check{env(envs[0]), env(envs[1]), env(envs[2])})),
					statecheck.ExpectKnownValue("data.warden_environments.gcp", tfjsonpath.New("environments"),
						knownvalue.ListExact([]knownvalue.Check{env(envs[0]), env(envs[2])})),
					statecheck.ExpectKnownValue("data.warden_environments.aws", tfjsonpath.New("environments"),
						knownvalue.ListExact([]knownvalue.Check{env(envs[1])})),
					statecheck.ExpectKnownValue("data.warden_environments.aws", tfjsonpath.New("environments").AtSliceIndex(0).AtMapKey("resource_prefix"),
						knownvalue.StringExact("aw_")),
				},
			},
		},
	})
}
