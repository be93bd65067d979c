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

func TestAccGroupsDataSource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	alice, err := srv.Client.CreateUser(ctx, api.UserCreate{Email: "alice@example.com", Name: "Alice", Kind: "member"})
	if err != nil {
		t.Fatal(err)
	}
	sre, err := srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "sre", Description: "On call", Members: &[]string{alice.ID}})
	if err != nil {
		t.Fatal(err)
	}
	devs, err := srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "devs"})
	if err != nil {
		t.Fatal(err)
	}
	group := func(g *api.Group, members ...*api.User) knownvalue.Check {
		ids, emails := []string{}, []string{}
		for _, u := range members {
			ids, emails = append(ids, u.ID), append(emails, u.Email)
		}
		return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"id":            knownvalue.StringExact(g.ID),
			"name":          knownvalue.StringExact(g.Name),
			"description":   knownvalue.StringExact(g.Description),
			"members":       knownStrings(ids),
			"member_emails": knownvalue.ListExact(stringChecks(emails)),
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(`
data "warden_groups" "all" {}
data "warden_groups" "sre" {
  name = "sre"
}
data "warden_groups" "none" {
  name = "nobody"
}`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.warden_groups.all", tfjsonpath.New("groups"),
						knownvalue.ListExact([]knownvalue.Check{group(sre, alice), group(devs)})),
					statecheck.ExpectKnownValue("data.warden_groups.sre", tfjsonpath.New("groups"),
						knownvalue.ListExact([]knownvalue.Check{group(sre, alice)})),
					statecheck.ExpectKnownValue("data.warden_groups.none", tfjsonpath.New("groups"), knownvalue.ListExact([]knownvalue.Check{})),
				},
			},
		},
	})
}
