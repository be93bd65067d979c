package provider

import (
	"context"
	"encoding/json"
	"errors"
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
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

func TestAccEnvironmentResource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	const addr = "warden_environment.test"
	config := func(name, cloud, prefix string) string {
		return srv.Config(fmt.Sprintf(`
resource "warden_environment" "test" {
  name            = %q
  cloud           = %q
  resource_prefix = %q
}`, name, cloud, prefix))
	}
	var firstID string

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: checkDestroyed(srv, "warden_environment", func(ctx context.Context, c *client.Client, rs *terraform.ResourceState) error {
			_, err := c.GetEnvironment(ctx, rs.Primary.ID)
			return err
		}),
		Steps: []resource.TestStep{
			{
				Config: config("production", "gcp", "aw_"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^\S+$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("production")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cloud"), knownvalue.StringExact("gcp")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("resource_prefix"), knownvalue.StringExact("aw_")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("initial_vendor_routing"), knownvalue.Null()),
				},
				Check: func(s *terraform.State) error {
					firstID = s.RootModule().Resources[addr].Primary.ID
					env, err := srv.Client.GetEnvironment(context.Background(), firstID)
					if err != nil {
						return err
					}
					if env.Name != "production" || env.Cloud != "gcp" || env.ResourcePrefix != "aw_" {
						return fmt.Errorf("API holds %+v", env)
					}
					return nil
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				Config: config("prod", "gcp", "wf_"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("prod")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("resource_prefix"), knownvalue.StringExact("wf_")),
				},
				Check: func(s *terraform.State) error {
					if id := s.RootModule().Resources[addr].Primary.ID; id != firstID {
						return fmt.Errorf("update in place changed the id from %s to %s", firstID, id)
					}
					env, err := srv.Client.GetEnvironment(context.Background(), firstID)
					if err != nil {
						return err
					}
					if env.Name != "prod" || env.ResourcePrefix != "wf_" {
						return fmt.Errorf("API holds %+v after update", env)
					}
					return nil
				},
			},
			{
				Config: config("prod", "aws", "wf_"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cloud"), knownvalue.StringExact("aws")),
				},
			},
		},
	})
}

func TestAccEnvironmentResource_defaultsAndDrift(t *testing.T) {
	srv := acctest.NewServer(t)
	const addr = "warden_environment.test"
	config := srv.Config(`
resource "warden_environment" "test" {
  name  = "staging"
  cloud = "aws"
}`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("resource_prefix"), knownvalue.StringExact("aw_")),
				},
			},
			{
				// Renamed outside Terraform: the plan puts the name back in place.
				PreConfig: func() {
					env := mustFindEnvironment(t, srv, "staging")
					name := "renamed-outside"
					if _, err := srv.Client.UpdateEnvironment(context.Background(), env.ID, api.EnvironmentUpdate{Name: &name}, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
			},
			{
				// Deleted outside Terraform: the plan re-creates it.
				PreConfig: func() {
					env := mustFindEnvironment(t, srv, "staging")
					if err := srv.Client.DeleteEnvironment(context.Background(), env.ID, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
				},
			},
		},
	})
}

func TestAccEnvironmentResource_validation(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(`
resource "warden_environment" "test" {
  name  = "x"
  cloud = "azure"
}`),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("Invalid cloud", `cloud must be aws or gcp; got "azure".`),
			},
			{
				Config: srv.Config(`
resource "warden_environment" "test" {
  name  = ""
  cloud = "aws"
}`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Attribute name string length must be between 1 and 128`),
			},
		},
	})
}

// checkDestroyed returns a CheckDestroy that requires every resource of type typ in the state
// to be gone from the API with a typed not-found.
func checkDestroyed(srv *acctest.Server, typ string, get func(context.Context, *client.Client, *terraform.ResourceState) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != typ {
				continue
			}
			err := get(context.Background(), srv.Client, rs)
			if err == nil {
				return fmt.Errorf("%s %s still exists after destroy", typ, rs.Primary.ID)
			}
			if !errors.Is(err, client.ErrNotFound) {
				return fmt.Errorf("%s %s: want a typed not-found after destroy, got %w", typ, rs.Primary.ID, err)
			}
		}
		return nil
	}
}

func mustFindEnvironment(t *testing.T, srv *acctest.Server, name string) *api.Environment {
	t.Helper()
	env, err := srv.Client.FindEnvironmentByName(context.Background(), name)
	if err != nil {
		t.Fatalf("find environment %q: %v", name, err)
	}
	return env
}

// An environment created opted out, with a warden_alert_routing opting out in the same plan,
// never routes to the vendor: the audit log of its routing never shows vendor_routing on. The
// same opt-out for an environment created with vendor routing on fails the plan, and a later
// change of initial_vendor_routing changes nothing in Warden.
func TestAccEnvironmentResource_createdOptedOut(t *testing.T) {
	srv := acctest.NewServer(t)
	const addr = "warden_environment.quiet"
	config := func(initial, extra string) string {
		return srv.Config(fmt.Sprintf(`
resource "warden_environment" "quiet" {
  name                   = "quiet"
  cloud                  = "aws"
  initial_vendor_routing = %s
}
resource "warden_alert_routing" "quiet" {
  environment_id = warden_environment.quiet.id
  vendor_routing = false
}
%s`, initial, extra))
	}
	var envID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: checkDestroyed(srv, "warden_environment", func(ctx context.Context, c *client.Client, rs *terraform.ResourceState) error {
			_, err := c.GetEnvironment(ctx, rs.Primary.ID)
			return err
		}),
		Steps: []resource.TestStep{
			{
				Config: config("false", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("initial_vendor_routing"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("warden_alert_routing.quiet", tfjsonpath.New("vendor_routing"), knownvalue.Bool(false)),
				},
				Check: func(s *terraform.State) error {
					envID = s.RootModule().Resources[addr].Primary.ID
					if err := routingIs(srv, envID, false); err != nil {
						return err
					}
					return neverRoutedToVendor(srv, envID)
				},
			},
			{
				// The opt-out of an environment created with vendor routing on comes too late.
				Config: config("false", `
resource "warden_environment" "loud" {
  name  = "loud"
  cloud = "aws"
}
resource "warden_alert_routing" "loud" {
  environment_id = warden_environment.loud.id
  vendor_routing = false
}`),
				PlanOnly: true,
				ExpectError: wrappedRegexp("Vendor Routing Opt-Out Comes After the Environment's Creation", "page the vendor's on-call",
					"Set initial_vendor_routing = false on the warden_environment"),
			},
			{
				// Only the creation uses it: a change is recorded, and vendor routing stays as it is.
				Config: config("true", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("initial_vendor_routing"), knownvalue.Bool(true)),
				},
				Check: func(s *terraform.State) error {
					if id := s.RootModule().Resources[addr].Primary.ID; id != envID {
						return fmt.Errorf("the update replaced the environment: %s, was %s", id, envID)
					}
					if err := routingIs(srv, envID, false); err != nil {
						return err
					}
					return neverRoutedToVendor(srv, envID)
				},
			},
			{
				// Not read back: an import has it unset, and everything else as created.
				ResourceName: addr,
				ImportState:  true,
				ImportStateCheck: func(is []*terraform.InstanceState) error {
					if len(is) != 1 {
						return fmt.Errorf("imported %d instances", len(is))
					}
					a := is[0].Attributes
					if a["id"] != envID || a["name"] != "quiet" || a["cloud"] != "aws" || a["resource_prefix"] != "aw_" || a["initial_vendor_routing"] != "" {
						return fmt.Errorf("imported %v", a)
					}
					return nil
				},
			},
		},
	})
}

// neverRoutedToVendor requires that no audit event of envID's alert routing, from its
// creation on, shows vendor_routing on.
func neverRoutedToVendor(srv *acctest.Server, envID string) error {
	ctx := context.Background()
	r, err := srv.Client.GetAlertRouting(ctx, envID)
	if err != nil {
		return err
	}
	events, err := srv.Client.ListAuditEvents(ctx, client.AuditFilter{ObjectID: r.ID})
	if err != nil {
		return err
	}
	created := false
	for _, e := range events {
		created = created || e.Action == "alert_routing.create"
		for _, raw := range []json.RawMessage{e.Before, e.After} {
			var v struct {
				VendorRouting *bool `json:"vendor_routing"`
			}
			if len(raw) > 0 && json.Unmarshal(raw, &v) == nil && v.VendorRouting != nil && *v.VendorRouting {
				return fmt.Errorf("audit event %s (%s) shows vendor_routing on: %s", e.ID, e.Action, raw)
			}
		}
	}
	if !created {
		return fmt.Errorf("no alert_routing.create among the routing's %d audit events", len(events))
	}
	return nil
}
