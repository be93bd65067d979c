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

func TestAccUsersDataSource_filters(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	var created []*api.User
	for _, u := range []api.UserCreate{
		{Email: "alice@example.com", Name: "Alice", Kind: "member"},
		{Email: "vic@vendor.example", Name: "Vic", Kind: "vendor"},
		{Email: "val@vendor.example", Name: "Val", Kind: "vendor"},
	} {
		got, err := srv.Client.CreateUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		created = append(created, got)
	}
	user := func(u *api.User) knownvalue.Check {
		return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"id":    knownvalue.StringExact(u.ID),
			"email": knownvalue.StringExact(u.Email),
			"name":  knownvalue.StringExact(u.Name),
			"kind":  knownvalue.StringExact(u.Kind),
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(`
data "warden_users" "bad" {
  kind = "admin"
}`),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("Invalid kind", "kind must be member or vendor"),
			},
			{
				Config: srv.Config(`
data "warden_users" "all" {}
data "warden_users" "vendors" {
  kind = "vendor"
}
data "warden_users" "alice" {
  email = "alice@example.com"
}
data "warden_users" "vendor_alice" {
  kind  = "vendor"
  email = "alice@example.com"
}`),
				ConfigStateChecks: []statecheck.StateCheck{
					// The bootstrap owner, then the three created here, in creation order.
					statecheck.ExpectKnownValue("data.warden_users.all", tfjsonpath.New("users"), knownvalue.ListSizeExact(4)),
					statecheck.ExpectKnownValue("data.warden_users.all", tfjsonpath.New("users").AtSliceIndex(1), user(created[0])),
					statecheck.ExpectKnownValue("data.warden_users.vendors", tfjsonpath.New("users"),
						knownvalue.ListExact([]knownvalue.Check{user(created[1]), user(created[2])})),
					statecheck.ExpectKnownValue("data.warden_users.alice", tfjsonpath.New("users"),
						knownvalue.ListExact([]knownvalue.Check{user(created[0])})),
					statecheck.ExpectKnownValue("data.warden_users.vendor_alice", tfjsonpath.New("users"), knownvalue.ListExact([]knownvalue.Check{})),
				},
			},
		},
	})
}
