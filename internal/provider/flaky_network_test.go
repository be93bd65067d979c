package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// flakyPerType is how many objects of each type (users, environments, roles) the test declares.
const flakyPerType = 50

// TestAccProvider_flakyNetwork applies 150 resources through a proxy that fails one request
// in five (503, 429, or a connection dropped after the server committed the change), then
// requires the API to hold exactly the declared objects: every retried POST carried its
// idempotency key, so none was created twice. The framework then requires an empty re-plan,
// and the destroy runs through the proxy too.
func TestAccProvider_flakyNetwork(t *testing.T) {
	srv := acctest.NewServer(t)
	proxy := acctest.NewFlakyProxy(t, srv.URL, 5)
	config := fmt.Sprintf(`
provider "warden" {
  endpoint          = %[1]q
  token             = %[2]q
  retry_max         = 10
  retry_wait_min_ms = 10
  retry_wait_max_ms = 200
}

resource "warden_user" "flaky" {
  count = %[3]d
  email = format("user-%%02d@flaky.example.com", count.index)
  name  = format("User %%02d", count.index)
}

resource "warden_environment" "flaky" {
  count = %[3]d
  name  = format("env-%%02d", count.index)
  cloud = count.index %% 2 == 0 ? "aws" : "gcp"
}

resource "warden_role" "flaky" {
  count       = %[3]d
  name        = format("role-%%02d", count.index)
  permissions = ["conducts.read"]
}
`, proxy.URL, srv.Token, flakyPerType)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			got, err := declaredObjects(srv)
			if err != nil {
				return err
			}
			for typ, ids := range got {
				if len(ids) != 0 {
					return fmt.Errorf("%d %s objects remain after destroy through the flaky proxy", len(ids), typ)
				}
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: config,
			Check: func(s *terraform.State) error {
				t.Logf("flaky proxy after apply: %s", proxy)
				got, err := declaredObjects(srv)
				if err != nil {
					return err
				}
				for _, typ := range []string{"warden_user", "warden_environment", "warden_role"} {
					if n := len(got[typ]); n != flakyPerType {
						return fmt.Errorf("the API holds %d %s objects, want exactly %d", n, typ, flakyPerType)
					}
					for i := range flakyPerType {
						addr := fmt.Sprintf("%s.flaky.%d", typ, i)
						rs, ok := s.RootModule().Resources[addr]
						if !ok {
							return fmt.Errorf("%s missing from state", addr)
						}
						key := flakyKey(typ, i)
						if got[typ][key] != rs.Primary.ID {
							return fmt.Errorf("%s has id %s in state; the API's %q has %q", addr, rs.Primary.ID, key, got[typ][key])
						}
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

func flakyKey(typ string, i int) string {
	switch typ {
	case "warden_user":
		return fmt.Sprintf("user-%02d@flaky.example.com", i)
	case "warden_environment":
		return fmt.Sprintf("env-%02d", i)
	}
	return fmt.Sprintf("role-%02d", i)
}

// declaredObjects reads, straight from the API, the objects of the kinds the test declares
// (leaving out the bootstrap owner and the built-in roles), keyed by type and then by unique
// name, and fails on any name held twice.
func declaredObjects(srv *acctest.Server) (map[string]map[string]string, error) {
	ctx := context.Background()
	out := map[string]map[string]string{"warden_user": {}, "warden_environment": {}, "warden_role": {}}
	add := func(typ, key, id string) error {
		if other, dup := out[typ][key]; dup {
			return fmt.Errorf("%s %q exists twice (%s and %s): a retried POST created a duplicate", typ, key, other, id)
		}
		out[typ][key] = id
		return nil
	}
	users, err := srv.Client.ListUsers(ctx, client.ListUsersOptions{})
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if strings.HasSuffix(u.Email, "@flaky.example.com") {
			if err := add("warden_user", u.Email, u.ID); err != nil {
				return nil, err
			}
		}
	}
	envs, err := srv.Client.ListEnvironments(ctx, client.ListEnvironmentsOptions{})
	if err != nil {
		return nil, err
	}
	for _, e := range envs {
		if err := add("warden_environment", e.Name, e.ID); err != nil {
			return nil, err
		}
	}
	roles, err := srv.Client.ListRoles(ctx, client.ListRolesOptions{})
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		if !r.Builtin {
			if err := add("warden_role", r.Name, r.ID); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
