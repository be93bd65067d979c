package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

func TestAccListRoleAssignment_filters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := acctest.NewServer(t)
	alice := made(srv.Client.CreateUser(ctx, api.UserCreate{Email: "alice@example.com"}))(t)
	ops := made(srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "ops"}))(t)
	deployers := made(srv.Client.CreateRole(ctx, api.RoleCreate{Name: "deployers"}))(t)
	auditors := made(srv.Client.CreateRole(ctx, api.RoleCreate{Name: "auditors"}))(t)
	toAlice := made(srv.Client.CreateRoleAssignment(ctx, deployers.ID, api.RoleAssignmentCreate{UserID: alice.ID}))(t)
	toOps := made(srv.Client.CreateRoleAssignment(ctx, deployers.ID, api.RoleAssignmentCreate{GroupID: ops.ID}))(t)
	made(srv.Client.CreateRoleAssignment(ctx, auditors.ID, api.RoleAssignmentCreate{UserID: alice.ID}))(t)
	resource.Test(t, listCase(
		resource.TestStep{
			Query: true,
			Config: srv.ProviderBlock() + `
list "warden_role_assignment" "all" {
  provider = warden
}
list "warden_role_assignment" "alice" {
  provider = warden
  config {
    user_id = "` + alice.ID + `"
  }
}
list "warden_role_assignment" "deployers" {
  provider         = warden
  include_resource = true
  config {
    role_id = "` + deployers.ID + `"
  }
}
list "warden_role_assignment" "ops" {
  provider = warden
  config {
    group_id = "` + ops.ID + `"
  }
}
`,
			QueryResultChecks: []querycheck.QueryResultCheck{
				// The bootstrap owner's account_owner assignment is one too.
				querycheck.ExpectLength("warden_role_assignment.all", 4),
				querycheck.ExpectLength("warden_role_assignment.alice", 2),
				querycheck.ExpectLength("warden_role_assignment.deployers", 2),
				querycheck.ExpectResourceDisplayName("warden_role_assignment.deployers", assignedTo(deployers.ID, alice.ID, ""),
					knownvalue.StringExact("deployers assigned to user alice@example.com")),
				querycheck.ExpectResourceDisplayName("warden_role_assignment.deployers", assignedTo(deployers.ID, "", ops.ID),
					knownvalue.StringExact("deployers assigned to group ops")),
				querycheck.ExpectResourceKnownValues("warden_role_assignment.deployers", assignedTo(deployers.ID, alice.ID, ""), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(toAlice.ID)},
					{Path: tfjsonpath.New("role_id"), KnownValue: knownvalue.StringExact(deployers.ID)},
					{Path: tfjsonpath.New("user_id"), KnownValue: knownvalue.StringExact(alice.ID)},
					{Path: tfjsonpath.New("group_id"), KnownValue: knownvalue.Null()},
				}),
				querycheck.ExpectResourceKnownValues("warden_role_assignment.deployers", assignedTo(deployers.ID, "", ops.ID), []querycheck.KnownValueCheck{
					{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(toOps.ID)},
					{Path: tfjsonpath.New("user_id"), KnownValue: knownvalue.Null()},
				}),
				querycheck.ExpectLength("warden_role_assignment.ops", 1),
				querycheck.ExpectIdentity("warden_role_assignment.ops", map[string]knownvalue.Check{
					"role_id": knownvalue.StringExact(deployers.ID), "user_id": knownvalue.Null(), "group_id": knownvalue.StringExact(ops.ID),
				}),
			},
		},
		badListQuery(srv, "warden_role_assignment", "user_id  = \""+alice.ID+"\"\n    group_id = \""+ops.ID+"\"",
			wrappedRegexp(`Invalid Attribute Combination`)),
		badListQuery(srv, "warden_role_assignment", `role_id = "role_missing"`,
			wrappedRegexp(`Unable to List Role Assignments`)),
	))
}

// assignedTo picks the result identifying the assignment of roleID to userID or groupID.
func assignedTo(roleID, userID, groupID string) queryfilter.QueryFilter {
	optional := func(id string) knownvalue.Check {
		if id == "" {
			return knownvalue.Null()
		}
		return knownvalue.StringExact(id)
	}
	return queryfilter.ByResourceIdentity(map[string]knownvalue.Check{
		"role_id": knownvalue.StringExact(roleID), "user_id": optional(userID), "group_id": optional(groupID),
	})
}
