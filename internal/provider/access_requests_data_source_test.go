package provider

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

func TestAccAccessRequestsDataSource_filters(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	var (
		approved, pending *api.AccessRequest
		vendorB           *api.User
	)
	base := `
resource "warden_environment" "prod" {
  name  = "production"
  cloud = "gcp"
}
resource "warden_support_access" "vendor" {
  environment_id = warden_environment.prod.id
  tier           = "operator"
}`
	first := func(name string) tfjsonpath.Path {
		return tfjsonpath.New("access_requests").AtSliceIndex(0).AtMapKey(name)
	}
	lazy := func(f func() string) knownvalue.Check { return lazyStringExact(f) }

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: srv.Config(base)},
			{
				Config: srv.Config(base + `
data "warden_access_requests" "bad" {
  status = "open"
}`),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("Invalid status", `status must be pending, approved, denied, revoked or expired; got "open".`),
			},
			{
				PreConfig: func() {
					_, vendorA := newVendor(t, srv, "a@vendor.example")
					var clientB *client.Client
					vendorB, clientB = newVendor(t, srv, "b@vendor.example")
					approved = fileRequest(t, srv, vendorA, "operator", 3600, "incident-1")
					pending = fileRequest(t, srv, clientB, "support", 600, "incident-2")
					var err error
					if approved, err = srv.Client.ApproveAccessRequest(ctx, approved.ID); err != nil {
						t.Fatal(err)
					}
				},
				Config: srv.Config(base + `
data "warden_access_requests" "all" {
  environment_id = warden_environment.prod.id
}
data "warden_access_requests" "pending" {
  environment_id = warden_environment.prod.id
  status         = "pending"
}
data "warden_access_requests" "approved" {
  status = "approved"
}
data "warden_access_requests" "by_requester" {
  requester_id = one([for r in data.warden_access_requests.all.access_requests : r.requester_id if r.reason == "incident-2"])
}
data "warden_access_requests" "none" {
  status = "revoked"
}`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.warden_access_requests.all", tfjsonpath.New("access_requests"), knownvalue.ListSizeExact(2)),
					statecheck.ExpectKnownValue("data.warden_access_requests.none", tfjsonpath.New("access_requests"), knownvalue.ListSizeExact(0)),

					statecheck.ExpectKnownValue("data.warden_access_requests.pending", tfjsonpath.New("access_requests"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.warden_access_requests.pending", first("id"), lazy(func() string { return pending.ID })),
					statecheck.ExpectKnownValue("data.warden_access_requests.pending", first("environment_id"), lazy(func() string { return pending.EnvironmentID })),
					statecheck.ExpectKnownValue("data.warden_access_requests.pending", first("requester_id"), lazy(func() string { return vendorB.ID })),
					statecheck.ExpectKnownValue("data.warden_access_requests.pending", first("tier"), knownvalue.StringExact("support")),
					statecheck.ExpectKnownValue("data.warden_access_requests.pending", first("duration_seconds"), knownvalue.Int64Exact(600)),
					statecheck.ExpectKnownValue("data.warden_access_requests.pending", first("reason"), knownvalue.StringExact("incident-2")),
					statecheck.ExpectKnownValue("data.warden_access_requests.pending", first("status"), knownvalue.StringExact("pending")),
					statecheck.ExpectKnownValue("data.warden_access_requests.pending", first("decided_at"), knownvalue.Null()),
					statecheck.ExpectKnownValue("data.warden_access_requests.pending", first("expires_at"), knownvalue.Null()),

					statecheck.ExpectKnownValue("data.warden_access_requests.approved", tfjsonpath.New("access_requests"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.warden_access_requests.approved", first("id"), lazy(func() string { return approved.ID })),
					statecheck.ExpectKnownValue("data.warden_access_requests.approved", first("status"), knownvalue.StringExact("approved")),
					statecheck.ExpectKnownValue("data.warden_access_requests.approved", first("decided_at"),
						lazy(func() string { return approved.DecidedAt.UTC().Format(time.RFC3339Nano) })),
					statecheck.ExpectKnownValue("data.warden_access_requests.approved", first("expires_at"),
						lazy(func() string { return approved.ExpiresAt.UTC().Format(time.RFC3339Nano) })),

					statecheck.ExpectKnownValue("data.warden_access_requests.by_requester", tfjsonpath.New("access_requests"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.warden_access_requests.by_requester", first("id"), lazy(func() string { return pending.ID })),
				},
				Check: func(s *terraform.State) error {
					// The filters are the API's: the same query through the client agrees.
					all, err := srv.Client.ListAccessRequests(ctx, client.ListAccessRequestsOptions{EnvironmentID: pending.EnvironmentID})
					if err != nil {
						return err
					}
					if got := s.RootModule().Resources["data.warden_access_requests.all"].Primary.Attributes["access_requests.#"]; got != fmt.Sprint(len(all)) {
						return fmt.Errorf("data source lists %s requests, the API %d", got, len(all))
					}
					return nil
				},
			},
		},
	})
}
