package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

func TestAccAlertDestinationResource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	// The environment and one destination come from elsewhere: this configuration only adds
	// its webhook, and must leave the e-mail destination alone.
	env, err := srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "production", Cloud: "gcp"})
	if err != nil {
		t.Fatal(err)
	}
	other := api.Destination{Type: "email", Target: "oncall@example.com", MinSeverity: "critical"}
	if _, err := srv.Client.AddAlertDestination(ctx, env.ID, other); err != nil {
		t.Fatal(err)
	}
	const addr = "warden_alert_destination.hook"
	const target = "https://hooks.example.com/team/a"
	configFor := func(target, severity string) string {
		return srv.Config(fmt.Sprintf(`
resource "warden_alert_destination" "hook" {
  environment_id = %q
  type           = "webhook"
  target         = %q
%s}`, env.ID, target, severity))
	}
	config := func(severity string) string { return configFor(target, severity) }
	hook := func(sev string) api.Destination {
		return api.Destination{Type: "webhook", Target: target, MinSeverity: sev}
	}
	var firstID string

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// Destroy removes only the webhook: the e-mail destination, added elsewhere, stays.
		CheckDestroy: func(*terraform.State) error { return routingIs(srv, env.ID, true, other) },
		Steps: []resource.TestStep{
			{
				// The target is checked at plan, with the API's words, on the target attribute.
				Config:      configFor("hooks.example.com/x", ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Destination.*target.*The webhook target must use http or https\.`),
			},
			{
				Config: config(""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(env.ID+"/webhook/"+targetDigest(target))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("environment_id"), knownvalue.StringExact(env.ID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("type"), knownvalue.StringExact("webhook")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("target"), knownvalue.StringExact(target)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("min_severity"), knownvalue.StringExact("warning")),
				},
				Check: func(s *terraform.State) error {
					firstID = s.RootModule().Resources[addr].Primary.ID
					return routingIs(srv, env.ID, true, other, hook("warning"))
				},
			},
			{
				// By the state id (the target's digest).
				ResourceName:      addr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				// By the target itself, as a user writes it.
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     env.ID + "/webhook/" + target,
				ImportStateVerify: true,
			},
			{
				// min_severity changes in place.
				Config: config("  min_severity = \"info\"\n"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("min_severity"), knownvalue.StringExact("info")),
				},
				Check: func(s *terraform.State) error {
					if id := s.RootModule().Resources[addr].Primary.ID; id != firstID {
						return fmt.Errorf("update in place changed the id from %s to %s", firstID, id)
					}
					return routingIs(srv, env.ID, true, other, hook("info"))
				},
			},
			{
				// Removed outside Terraform: the plan adds it again.
				PreConfig: func() {
					if err := srv.Client.RemoveAlertDestination(ctx, env.ID, "webhook", target); err != nil {
						t.Fatal(err)
					}
				},
				Config: config("  min_severity = \"info\"\n"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
				},
				Check: func(*terraform.State) error { return routingIs(srv, env.ID, true, other, hook("info")) },
			},
		},
	})
}

// warden_alert_routing without destinations leaves the environment's destinations alone, and
// a configuration that would own them fails at plan while others' are there.
func TestAccAlertRoutingResource_destinationsNotManaged(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	env, err := srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "staging", Cloud: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	other := api.Destination{Type: "email", Target: "oncall@example.com", MinSeverity: "warning"}
	if _, err := srv.Client.AddAlertDestination(ctx, env.ID, other); err != nil {
		t.Fatal(err)
	}
	const addr = "warden_alert_routing.test"
	config := srv.Config(fmt.Sprintf(`
resource "warden_alert_routing" "test" {
  environment_id = %q
  vendor_routing = false
}`, env.ID))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// Destroy restores vendor routing only: the destination is not this resource's.
		CheckDestroy: func(*terraform.State) error { return routingIs(srv, env.ID, true, other) },
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("destinations"), knownvalue.Null()),
				},
				Check: func(*terraform.State) error { return routingIs(srv, env.ID, false, other) },
			},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: srv.Config(fmt.Sprintf(`
resource "warden_alert_routing" "test" {
  environment_id = %q
  vendor_routing = false
  destinations   = []
}`, env.ID)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Destinations Managed Two Ways.*"staging".*warden_alert_destination.*not both`),
			},
		},
	})
}

// A warden_alert_destination on an environment whose destinations warden_alert_routing owns
// fails at plan.
func TestAccAlertDestinationResource_authoritativeConflict(t *testing.T) {
	srv := acctest.NewServer(t)
	env, err := srv.Client.CreateEnvironment(context.Background(), api.EnvironmentCreate{Name: "prod", Cloud: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	routing := fmt.Sprintf(`
resource "warden_alert_routing" "test" {
  environment_id = %q
  destinations   = [{ type = "email", target = "oncall@example.com" }]
}`, env.ID)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: srv.Config(routing)},
			{
				Config: srv.Config(routing + fmt.Sprintf(`
resource "warden_alert_destination" "hook" {
  environment_id = %q
  type           = "webhook"
  target         = "https://hooks.example.com/x"
}`, env.ID)),
				ExpectError: regexp.MustCompile(`(?s)Destinations Managed Two Ways.*"prod".*warden_alert_routing.destinations.*warden_alert_destination.*not both`),
			},
		},
	})
}
