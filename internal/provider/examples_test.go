package provider

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Every example the docs show is applied, against a fresh server each, and then planned
// empty: an example that stops working fails here, not in a reader's terminal. Data source
// examples read objects a team would already have; the server is seeded with those first.
// (The quickstart is applied end to end by internal/replicas and make demo.)
func TestAccExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/resources/*/resource.tf")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := filepath.Glob("../../examples/data-sources/*/data-source.tf")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, ds...)
	if len(files) < 20 {
		t.Fatalf("found only %d examples", len(files))
	}
	// The example's own terraform and provider blocks give way to the test server's.
	ownBlocks := regexp.MustCompile(`(?ms)^terraform \{.*?^\}\n|^provider "warden" \{\}\n`)
	// Examples that look objects up by name need them to exist (true: with support access).
	seeded := map[string]bool{
		"data-sources/warden_access_requests": false, "data-sources/warden_environment": false,
		"data-sources/warden_group": false, "data-sources/warden_support_access": true,
		"data-sources/warden_user": false, "data-sources/warden_users": false,
		"resources/warden_group_member": false, "resources/warden_alert_destination": false,
		"data-sources/warden_alert_routing": false, "data-sources/warden_alert_deliveries": false,
	}
	// for_each over string keys: terraform-plugin-testing's state shim rejects their instance
	// keys; TestAccExamples_forEach runs these (and examples/teams) through the CLI instead.
	byHand := map[string]bool{"data-sources/warden_environments": true}
	for _, f := range files {
		name := filepath.Base(filepath.Dir(f))
		kind := filepath.Base(filepath.Dir(filepath.Dir(f))) + "/" + name
		if byHand[kind] {
			continue
		}
		t.Run(kind, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			srv := acctest.NewServer(t)
			vars := config.Variables{}
			if kind == "resources/warden_access_request_approval" {
				vars["access_request_id"] = config.StringVariable(pendingRequest(t, srv))
			}
			if withSupport, ok := seeded[kind]; ok {
				users := []string{"alice@example.com", "carol@example.com"}
				if kind == "resources/warden_group_member" {
					users = nil // the example creates carol
				}
				seedTeam(t, srv, withSupport, users...)
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{Config: srv.Config(ownBlocks.ReplaceAllString(string(raw), "")), ConfigVariables: vars},
					{
						Config: srv.Config(ownBlocks.ReplaceAllString(string(raw), "")), ConfigVariables: vars,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					},
				},
			})
		})
	}
}

// seedTeam creates what the examples look up: production (gcp; with support access when
// withSupport), the deployers role, the sre group (members unmanaged), and two users.
func seedTeam(t *testing.T, srv *acctest.Server, withSupport bool, users ...string) {
	t.Helper()
	ctx := context.Background()
	c := srv.Client
	env, err := c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "production", Cloud: "gcp"})
	if err != nil {
		t.Fatal(err)
	}
	if withSupport {
		if _, err := c.CreateSupportAccess(ctx, env.ID, api.SupportAccessCreate{Tier: "operator"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateRole(ctx, api.RoleCreate{Name: "deployers", Permissions: []string{"conducts.read"}}); err != nil {
		t.Fatal(err)
	}
	for _, email := range users {
		if _, err := c.CreateUser(ctx, api.UserCreate{Email: email}); err != nil {
			t.Fatal(err)
		}
	}
	// Members unmanaged: the additive examples add theirs.
	if _, err := c.CreateGroup(ctx, api.GroupCreate{Name: "sre"}); err != nil {
		t.Fatal(err)
	}
}

// pendingRequest files a vendor's access request in an environment of its own, for the
// approval example to approve.
func pendingRequest(t *testing.T, srv *acctest.Server) string {
	t.Helper()
	ctx := context.Background()
	env, err := srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "vendor-side", Cloud: "gcp"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client.CreateSupportAccess(ctx, env.ID, api.SupportAccessCreate{Tier: "operator"}); err != nil {
		t.Fatal(err)
	}
	_, vendor := newVendor(t, srv, "oncall@vendor.example")
	req, err := vendor.CreateAccessRequest(ctx, api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "operator", DurationSeconds: 3600})
	if err != nil {
		t.Fatal(err)
	}
	return req.ID
}
