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
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// credentialsMatch checks addr's credential attributes against what the API holds now, and
// remembers them in seen (when non-nil) for a later step to compare with.
func credentialsMatch(srv *acctest.Server, addr, envID string, seen *api.AlertCredentials) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		want, err := srv.Client.AlertCredentials(context.Background(), envID)
		if err != nil {
			return err
		}
		got := rs.Primary.Attributes
		if got["ingest_url"] != want.IngestURL || got["ingest_key"] != want.IngestKey || got["signing_secret"] != want.SigningSecret {
			return fmt.Errorf("%s has ingest_url %q and other credentials that differ from the API's (%q)", addr, got["ingest_url"], want.IngestURL)
		}
		if want.IngestURL != srv.URL+"/v1/environments/"+envID+"/alerts" {
			return fmt.Errorf("ingest_url %q is not this server's", want.IngestURL)
		}
		if seen != nil {
			*seen = *want
		}
		return nil
	}
}

// sameAs checks that addr's attribute still holds (changed false) or no longer holds
// (changed true) the value *old, which an earlier step remembered.
func sameAs(addr, attribute string, old *string, changed bool) resource.TestCheckFunc {
	return resource.TestCheckResourceAttrWith(addr, attribute, func(v string) error {
		if (v != *old) != changed {
			return fmt.Errorf("%s.%s: changed %v, want changed %v", addr, attribute, v != *old, changed)
		}
		return nil
	})
}

// newProduction creates the gcp environment "production" through the API.
func newProduction(t *testing.T, srv *acctest.Server) *api.Environment {
	t.Helper()
	env, err := srv.Client.CreateEnvironment(context.Background(), api.EnvironmentCreate{Name: "production", Cloud: "gcp"})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// memberServer is srv as a member user without roles sees it: its provider block and client
// carry that member's token.
func memberServer(t *testing.T, srv *acctest.Server, email string) *acctest.Server {
	t.Helper()
	ctx := context.Background()
	user, err := srv.Client.CreateUser(ctx, api.UserCreate{Email: email, Name: email})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := srv.Client.CreateToken(ctx, user.ID, api.TokenCreate{Name: "member"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(client.Config{Endpoint: srv.URL, Token: tok.Secret})
	if err != nil {
		t.Fatal(err)
	}
	return &acctest.Server{URL: srv.URL, Token: tok.Secret, Client: c, Clock: srv.Clock}
}

// alertRoutingConfig reads envID's routing as data.warden_alert_routing.prod.
func alertRoutingConfig(srv *acctest.Server, envID string) string {
	return srv.Config(fmt.Sprintf(`
data "warden_alert_routing" "prod" {
  environment_id = %q
}`, envID))
}

func TestAccAlertRoutingDataSource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	const addr = "data.warden_alert_routing.prod"
	env := newProduction(t, srv)
	// Added one at a time, as another module would: the data source reads it all the same.
	hook := api.Destination{Type: "webhook", Target: "https://hooks.example.com/x?token=s3cret", MinSeverity: "error"}
	if _, err := srv.Client.AddAlertDestination(ctx, env.ID, hook); err != nil {
		t.Fatal(err)
	}
	config := alertRoutingConfig(srv, env.ID)
	var first api.AlertCredentials
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(env.ID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("environment_id"), knownvalue.StringExact(env.ID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("vendor_routing"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("destinations"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"type":         knownvalue.StringExact(hook.Type),
							"target":       knownvalue.StringExact(hook.Target),
							"min_severity": knownvalue.StringExact("error"),
						}),
					})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("ingest_key"), knownvalue.StringRegexp(ingestKeyForm)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("signing_secret"), knownvalue.StringRegexp(signingSecretForm)),
					statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("ingest_url")),
					statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("ingest_key")),
					statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("signing_secret")),
					statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("destinations")),
				},
				Check: credentialsMatch(srv, addr, env.ID, &first),
			},
			{
				// Rotated through the API: the next read has the new credentials.
				PreConfig: func() {
					if _, err := srv.Client.RotateIngestKey(ctx, env.ID); err != nil {
						t.Fatal(err)
					}
					if _, err := srv.Client.RotateSigningSecret(ctx, env.ID); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					credentialsMatch(srv, addr, env.ID, nil),
					sameAs(addr, "ingest_key", &first.IngestKey, true),
					sameAs(addr, "signing_secret", &first.SigningSecret, true),
				),
			},
		},
	})
}

// A token without cluster.admin may read the routing but not its credentials: the data
// source fails, saying which permission it needs.
func TestAccAlertRoutingDataSource_needsClusterAdmin(t *testing.T) {
	srv := acctest.NewServer(t)
	env := newProduction(t, srv)
	reader := memberServer(t, srv, "reader@example.com")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      alertRoutingConfig(reader, env.ID),
				ExpectError: wrappedRegexp("Unable to Read Alert Routing", "alert credentials", `"cluster.admin"`, "Configure the provider with the token of a user holding cluster.admin"),
			},
		},
	})
}

// The resource's credentials: known after the first apply and equal to the API's, sensitive
// in every plan, kept through an update, and a rotation outside Terraform shows at refresh.
func TestAccAlertRoutingResource_credentials(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	const addr = "warden_alert_routing.prod"
	env := newProduction(t, srv)
	config := func(vendor bool) string {
		return srv.Config(fmt.Sprintf(`
resource "warden_alert_routing" "prod" {
  environment_id = %q
  vendor_routing = %v
}`, env.ID, vendor))
	}
	var first api.AlertCredentials
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkRoutingRestored(srv, &env.ID),
		Steps: []resource.TestStep{
			{
				Config: config(true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectUnknownValue(addr, tfjsonpath.New("ingest_key")),
						plancheck.ExpectSensitiveValue(addr, tfjsonpath.New("ingest_key")),
						plancheck.ExpectSensitiveValue(addr, tfjsonpath.New("signing_secret")),
						plancheck.ExpectSensitiveValue(addr, tfjsonpath.New("ingest_url")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("ingest_key"), knownvalue.StringRegexp(ingestKeyForm)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("signing_secret"), knownvalue.StringRegexp(signingSecretForm)),
					statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("ingest_key")),
				},
				Check: credentialsMatch(srv, addr, env.ID, &first),
			},
			{
				// An update in place keeps them (UseStateForUnknown), hidden in the plan.
				Config: config(false),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("ingest_key"), knownvalue.StringRegexp(ingestKeyForm)),
						plancheck.ExpectSensitiveValue(addr, tfjsonpath.New("ingest_key")),
						plancheck.ExpectSensitiveValue(addr, tfjsonpath.New("signing_secret")),
						plancheck.ExpectSensitiveValue(addr, tfjsonpath.New("ingest_url")),
					},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					credentialsMatch(srv, addr, env.ID, nil),
					sameAs(addr, "ingest_key", &first.IngestKey, false),
				),
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     env.ID,
				ImportStateVerify: true,
			},
			{
				// Rotated outside Terraform: the refresh reads the new key; nothing to apply.
				PreConfig: func() {
					if _, err := srv.Client.RotateIngestKey(ctx, env.ID); err != nil {
						t.Fatal(err)
					}
				},
				Config: config(false),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					credentialsMatch(srv, addr, env.ID, nil),
					sameAs(addr, "ingest_key", &first.IngestKey, true),
				),
			},
		},
	})
}

// The forms of the credentials: 52 base32 characters (256 bits) after wik_, base64 of 32
// bytes after whsec_.
var (
	ingestKeyForm     = regexp.MustCompile(`^wik_[A-Z2-7]{52}$`)
	signingSecretForm = regexp.MustCompile(`^whsec_[A-Za-z0-9+/]{43}=$`)
)
