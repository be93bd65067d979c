package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

func TestAccListGroup_filters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := acctest.NewServer(t)
	alice := made(srv.Client.CreateUser(ctx, api.UserCreate{Email: "alice@example.com"}))(t)
	bob := made(srv.Client.CreateUser(ctx, api.UserCreate{Email: "bob@example.com"}))(t)
	whole := made(srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "team-whole", Description: "members as a set", Members: &[]string{alice.ID, bob.ID}}))(t)
	byOne := made(srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "team-by-one"}))(t)
	made(srv.Client.AddGroupMember(ctx, byOne.ID, alice.ID))(t)
	made(srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "ops"}))(t)
	resource.Test(t, listCase(resource.TestStep{
		Query: true,
		Config: srv.ProviderBlock() + `
list "warden_group" "teams" {
  provider         = warden
  include_resource = true
  config {
    name_prefix = "team-"
  }
}
list "warden_group" "bobs" {
  provider = warden
  config {
    member_id = "` + bob.ID + `"
  }
}
list "warden_group" "ops" {
  provider = warden
  config {
    name = "ops"
  }
}
`,
		QueryResultChecks: []querycheck.QueryResultCheck{
			querycheck.ExpectLength("warden_group.teams", 2),
			querycheck.ExpectResourceDisplayName("warden_group.teams", byID(whole.ID), knownvalue.StringExact("team-whole")),
			// Members as warden_group's Read after an import has them: the whole set when it is
			// owned as one, none when they were added one at a time.
			querycheck.ExpectResourceKnownValues("warden_group.teams", byID(whole.ID), []querycheck.KnownValueCheck{
				{Path: tfjsonpath.New("description"), KnownValue: knownvalue.StringExact("members as a set")},
				{Path: tfjsonpath.New("members"), KnownValue: knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(alice.ID), knownvalue.StringExact(bob.ID)})},
			}),
			querycheck.ExpectResourceKnownValues("warden_group.teams", byID(byOne.ID), []querycheck.KnownValueCheck{
				{Path: tfjsonpath.New("members"), KnownValue: knownvalue.Null()},
			}),
			querycheck.ExpectLength("warden_group.bobs", 1),
			querycheck.ExpectIdentity("warden_group.bobs", map[string]knownvalue.Check{"id": knownvalue.StringExact(whole.ID)}),
			querycheck.ExpectLength("warden_group.ops", 1),
		},
	}))
}
