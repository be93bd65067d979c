package provider

import (
	"context"
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
