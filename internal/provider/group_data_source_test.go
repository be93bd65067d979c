package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

func TestAccGroupDataSource_byNameAndID(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	alice, err := srv.Client.CreateUser(ctx, api.UserCreate{Email: "alice@example.com", Name: "Alice", Kind: "member"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "sre", Description: "On call", Members: &[]string{alice.ID}})
	if err != nil {
		t.Fatal(err)
	}
	checks := func(addr string) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(g.ID)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("sre")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("On call")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("members"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(alice.ID)})),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("member_emails"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("alice@example.com")})),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(`
data "warden_group" "missing" {
  name = "nobody"
}`),
				ExpectError: regexp.MustCompile(`(?s)Unable to Read Group.*no group is named "nobody"`),
			},
			{
				Config: srv.Config(`
data "warden_group" "both" {
  id   = "grp_1"
  name = "sre"
}`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination.*\[id,name\]`),
			},
			{
				Config: srv.Config(fmt.Sprintf(`
data "warden_group" "by_name" {
  name = "sre"
}
data "warden_group" "by_id" {
  id = %q
}`, g.ID)),
				ConfigStateChecks: append(checks("data.warden_group.by_name"), checks("data.warden_group.by_id")...),
			},
		},
	})
}
