package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// flakyCount is how many objects the test declares.
const flakyCount = 150

// TestAccProvider_flakyNetwork applies many resources through a proxy that fails one request
// in five (503, 429, or a connection dropped after the server committed the change), then
// requires the API to hold exactly the declared objects: every retried POST carried its
// idempotency key, so none was created twice, and the next plan is empty.
func TestAccProvider_flakyNetwork(t *testing.T) {
	srv := acctest.NewServer(t)
	proxy := acctest.NewFlakyProxy(t, srv.URL, 5)
	config := fmt.Sprintf(`
provider "warden" {
  endpoint          = %q
  token             = %q
  retry_max         = 10
  retry_wait_min_ms = 10
  retry_wait_max_ms = 200
}

resource "warden_environment" "flaky" {
  count = %d
  name  = format("flaky-%%03d", count.index)
  cloud = count.index %% 2 == 0 ? "aws" : "gcp"
}
`, proxy.URL, srv.Token, flakyCount)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			envs, err := srv.Client.ListEnvironments(context.Background(), client.ListEnvironmentsOptions{})
			if err != nil {
				return err
			}
			if len(envs) != 0 {
				return fmt.Errorf("%d environments remain after destroy through the flaky proxy", len(envs))
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: config,
			Check: func(s *terraform.State) error {
				t.Logf("flaky proxy: %s", proxy)
				envs, err := srv.Client.ListEnvironments(context.Background(), client.ListEnvironmentsOptions{})
				if err != nil {
					return err
				}
				byName := map[string]string{}
				for _, e := range envs {
					if other, dup := byName[e.Name]; dup {
						return fmt.Errorf("environment %q exists twice (%s and %s): a retried POST created a duplicate", e.Name, other, e.ID)
					}
					byName[e.Name] = e.ID
				}
				if len(envs) != flakyCount {
					return fmt.Errorf("the API holds %d environments, want exactly %d", len(envs), flakyCount)
				}
				for i := range flakyCount {
					addr := fmt.Sprintf("warden_environment.flaky.%d", i)
					name := fmt.Sprintf("flaky-%03d", i)
					rs, ok := s.RootModule().Resources[addr]
					if !ok {
						return fmt.Errorf("%s missing from state", addr)
					}
					if byName[name] != rs.Primary.ID {
						return fmt.Errorf("%s has id %s in state, the API's %q has %q", addr, rs.Primary.ID, name, byName[name])
					}
				}
				// Without these the test would prove nothing.
				for _, f := range []acctest.Fault{acctest.FaultUnavailable, acctest.FaultRateLimited, acctest.FaultDroppedAfterCommit} {
					if proxy.Injected(f) == 0 {
						return fmt.Errorf("the proxy never injected %s: %s", f, proxy)
					}
				}
				if proxy.DroppedPosts() == 0 {
					return fmt.Errorf("no committed POST was dropped, so idempotency keys went untested: %s", proxy)
				}
				return nil
			},
		}},
	})
}
