package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

func TestAccSupportAccessDataSource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	prod, err := srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "production", Cloud: "gcp"})
	if err != nil {
		t.Fatal(err)
	}
	bare, err := srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "bare", Cloud: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	sa, err := srv.Client.CreateSupportAccess(ctx, prod.ID, api.SupportAccessCreate{Tier: "operator", PortForwarding: true, ExpiresAt: &until})
	if err != nil {
		t.Fatal(err)
	}
	const addr = "data.warden_support_access.prod"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(fmt.Sprintf(`
data "warden_support_access" "prod" {
  environment_id = %q
}`, prod.ID)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(sa.ID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("environment_id"), knownvalue.StringExact(prod.ID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("tier"), knownvalue.StringExact("operator")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("port_forwarding"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("expires_at"), knownvalue.StringExact(until.Format(time.RFC3339Nano))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("capabilities"), knownStrings(access.Capabilities("operator", true))),
				},
			},
			{
				Config: srv.Config(fmt.Sprintf(`
data "warden_support_access" "bare" {
  environment_id = %q
}`, bare.ID)),
				ExpectError: regexp.MustCompile(`Unable to Read Support Access`),
			},
		},
	})
}
