package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// assignmentFixtures declares a user, a group holding that user, and a role to assign.
const assignmentFixtures = `
resource "warden_user" "alice" {
  email = "alice@example.com"
}
resource "warden_group" "sre" {
  name    = "sre"
  members = [warden_user.alice.id]
}
resource "warden_role" "deployers" {
  name        = "deployers"
  permissions = ["conducts.read"]
}
`

func TestAccRoleAssignmentResource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	const addr = "warden_role_assignment.test"
	config := func(principal string) string {
		return srv.Config(assignmentFixtures + fmt.Sprintf(`
resource "warden_role_assignment" "test" {
  role_id = warden_role.deployers.id
  %s
}`, principal))
	}
	var firstID string

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkRoleAssignmentDestroyed(srv),
		Steps: []resource.TestStep{
			{
				Config: config("user_id = warden_user.alice.id"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), anyID),
					statecheck.CompareValuePairs(addr, tfjsonpath.New("role_id"), "warden_role.deployers", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.CompareValuePairs(addr, tfjsonpath.New("user_id"), "warden_user.alice", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("group_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("user_email"), knownvalue.StringExact("alice@example.com")),
				},
				Check: func(s *terraform.State) error {
					firstID = s.RootModule().Resources[addr].Primary.ID
					return checkAPIAssignment(srv, s, "user", "warden_user.alice")
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateIdFunc: assignmentImportID(addr),
				ImportStateVerify: true,
			},
			{
				// By the principal, the id a user can write without knowing the assignment's.
				ResourceName:      addr,
				ImportState:       true,
				ImportStateIdFunc: assignmentPrincipalImportID(addr, "user"),
				ImportStateVerify: true,
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateIdFunc: assignmentOwnID(addr),
				ImportStateVerify: true,
			},
			{
				Config:            config("user_id = warden_user.alice.id"),
				ResourceName:      addr,
				ImportState:       true,
				ImportStateKind:   resource.ImportBlockWithID,
				ImportStateIdFunc: assignmentPrincipalImportID(addr, "user"),
			},
			{
				// Through the group instead: a new assignment replaces the old one.
				Config: config("group_id = warden_group.sre.id"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(addr, tfjsonpath.New("group_id"), "warden_group.sre", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("user_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("user_email"), knownvalue.Null()),
				},
				Check: func(s *terraform.State) error {
					if id := s.RootModule().Resources[addr].Primary.ID; id == firstID {
						return fmt.Errorf("changing the principal kept assignment %s; want a new one", id)
					}
					return checkAPIAssignment(srv, s, "group", "warden_group.sre")
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateIdFunc: assignmentImportID(addr),
				ImportStateVerify: true,
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateIdFunc: assignmentPrincipalImportID(addr, "group"),
				ImportStateVerify: true,
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateIdFunc: assignmentOwnID(addr),
				ImportStateVerify: true,
			},
			{
				// The user no longer holds the role directly: the principal form finds nothing.
				ResourceName: addr,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					rs := s.RootModule().Resources[addr].Primary
					return rs.Attributes["role_id"] + "/user/" + s.RootModule().Resources["warden_user.alice"].Primary.ID, nil
				},
				ExpectError: wrappedRegexp(`Unable to Import Role Assignment`, `is not assigned to user`),
			},
		},
	})
}

func TestAccRoleAssignmentResource_builtinRoleAndDrift(t *testing.T) {
	srv := acctest.NewServer(t)
	const addr = "warden_role_assignment.test"
	config := srv.Config(`
resource "warden_user" "bob" {
  email = "bob@example.com"
}
data "warden_role" "owner" {
  name = "account_owner"
}
resource "warden_role_assignment" "test" {
  role_id = data.warden_role.owner.id
  user_id = warden_user.bob.id
}`)
	var roleID, id string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkRoleAssignmentDestroyed(srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(addr, tfjsonpath.New("role_id"), "data.warden_role.owner", tfjsonpath.New("id"), compare.ValuesSame()),
				},
				Check: func(s *terraform.State) error {
					rs := s.RootModule().Resources[addr].Primary
					roleID, id = rs.Attributes["role_id"], rs.ID
					return checkAPIAssignment(srv, s, "user", "warden_user.bob")
				},
			},
			{
				// Revoked outside Terraform: the plan assigns the role again.
				PreConfig: func() {
					if err := srv.Client.DeleteRoleAssignment(context.Background(), roleID, id, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
						// The user exists: the plan shows who gets the role.
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("user_email"), knownvalue.StringExact("bob@example.com")),
					},
				},
				Check: func(s *terraform.State) error {
					return checkAPIAssignment(srv, s, "user", "warden_user.bob")
				},
			},
		},
	})
}

func TestAccRoleAssignmentResource_validation(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(`
resource "warden_role_assignment" "test" {
  role_id  = "r"
  user_id  = "u"
  group_id = "g"
}`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination.*Exactly one of these attributes must be configured:\s+\[user_id,group_id\]`),
			},
			{
				Config: srv.Config(`
resource "warden_role_assignment" "test" {
  role_id = "r"
}`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Missing Attribute Configuration.*Exactly one of these attributes must be configured:\s+\[user_id,group_id\]`),
			},
			{
				Config: srv.Config(`
resource "warden_role_assignment" "test" {
  role_id = "r"
  user_id = "u"
}`),
				ResourceName:  "warden_role_assignment.test",
				ImportState:   true,
				ImportStateId: "role_1/someone/usr_1",
				ExpectError: wrappedRegexp(`part 2 of import id "role_1/someone/usr_1" is "someone" where "user" or "group" belongs;`,
					`expected an import id of the form "<role_id>/user/<user_id>" (role_…/user/usr_…), "<role_id>/group/<group_id>" (role_…/group/grp_…),`,
					`"<role_id>/<assignment_id>" (role_…/asg_…) or "<assignment_id>" (asg_…)`),
			},
			{
				Config: srv.Config(`
resource "warden_role_assignment" "test" {
  role_id = "r"
  user_id = "u"
}`),
				ResourceName:  "warden_role_assignment.test",
				ImportState:   true,
				ImportStateId: "role_1//usr_1",
				ExpectError:   wrappedRegexp(`expected an import id of the form "<role_id>/user/<user_id>" (role_…/user/usr_…),`, `got "role_1//usr_1"`),
			},
			{
				Config: srv.Config(`
resource "warden_role_assignment" "test" {
  role_id = "r"
  user_id = "u"
}`),
				ResourceName:  "warden_role_assignment.test",
				ImportState:   true,
				ImportStateId: "asg_nosuchassignment",
				ExpectError:   wrappedRegexp(`no role has an assignment with id "asg_nosuchassignment"`),
			},
		},
	})
}

// A role assigned to an existing vendor user, or to a user id nobody has, fails the plan on
// user_id, in the engine's words, rather than the apply with 422.
func TestAccRoleAssignmentResource_vendorUser(t *testing.T) {
	srv := acctest.NewServer(t)
	vendor, err := srv.Client.CreateUser(context.Background(), api.UserCreate{Email: "oncall@vendor.example", Kind: "vendor"})
	if err != nil {
		t.Fatal(err)
	}
	config := func(userID string) string {
		return srv.Config(fmt.Sprintf(`
resource "warden_role" "deployers" {
  name        = "deployers"
  permissions = ["conducts.read"]
}
resource "warden_role_assignment" "test" {
  role_id = warden_role.deployers.id
  user_id = %q
}`, userID))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:   config(vendor.ID),
				PlanOnly: true,
				ExpectError: wrappedRegexp("Vendor User Cannot Hold a Role", "with warden_role_assignment.test,", "user_id = "+fmt.Sprintf("%q", vendor.ID),
					"Vendor users hold no roles: they act only through support tiers and access requests.",
					"(oncall@vendor.example ("+vendor.ID+") is a vendor user.) Remove this warden_role_assignment.", "warden_support_access"),
			},
			{
				Config:      config("usr_nobody"),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("User Not Found", "with warden_role_assignment.test,", `No user has the id "usr_nobody".`),
			},
		},
	})
}

// A role assigned to a user created in the same configuration: its id, and its kind, are known
// at plan. A new vendor user fails the plan on user_id, and nothing is created (neither the
// user nor the role); a new member plans with its e-mail address and applies; a change of the
// member's kind to vendor replaces the user and the assignment, and fails the plan.
func TestAccRoleAssignmentResource_userOfThisPlan(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	const addr = "warden_role_assignment.test"
	config := func(kind string) string {
		return srv.Config(fmt.Sprintf(`
resource "warden_user" "dana" {
  email = "dana@example.com"
  kind  = %q
}
resource "warden_role" "deployers" {
  name        = "deployers"
  permissions = ["conducts.read"]
}
resource "warden_role_assignment" "test" {
  role_id = warden_role.deployers.id
  user_id = warden_user.dana.id
}`, kind))
	}
	vendorID := plannedUserID("dana@example.com", access.KindVendor, 0)
	memberID := plannedUserID("dana@example.com", access.KindMember, 0)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config("vendor"),
				ExpectError: wrappedRegexp("Vendor User Cannot Hold a Role", "with warden_role_assignment.test,",
					"Vendor users hold no roles: they act only through support tiers and access requests.",
					"(dana@example.com ("+vendorID+") is a vendor user.) Remove this warden_role_assignment.", "warden_support_access"),
			},
			{
				PreConfig: func() {
					if u, err := srv.Client.FindUserByEmail(ctx, "dana@example.com"); !errors.Is(err, client.ErrNotFound) {
						t.Fatalf("after the failed plan the API holds %+v (%v), want no user", u, err)
					}
					if r, err := srv.Client.FindRoleByName(ctx, "deployers"); !errors.Is(err, client.ErrNotFound) {
						t.Fatalf("after the failed plan the API holds %+v (%v), want no role", r, err)
					}
				},
				Config: config("member"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("user_id"), knownvalue.StringExact(memberID)),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("user_email"), knownvalue.StringExact("dana@example.com")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("user_id"), knownvalue.StringExact(memberID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("user_email"), knownvalue.StringExact("dana@example.com")),
				},
			},
			{
				Config: config("vendor"),
				ExpectError: wrappedRegexp("Vendor User Cannot Hold a Role", "with warden_role_assignment.test,",
					"(dana@example.com ("+vendorID+") is a vendor user.)"),
			},
			{
				PreConfig: func() {
					if err := checkAPIUser(srv, memberID, api.User{Email: "dana@example.com", Kind: "member"}); err != nil {
						t.Fatalf("after the failed plan: %v", err)
					}
				},
				Config:   config("member"),
				PlanOnly: true,
			},
		},
	})
}

// assignmentImportID renders the import id "<role_id>/<assignment_id>" of the assignment at addr.
func assignmentImportID(addr string) resource.ImportStateIdFunc {
	return func(s *terraform.State) (string, error) {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return "", fmt.Errorf("%s not in state", addr)
		}
		return rs.Primary.Attributes["role_id"] + "/" + rs.Primary.ID, nil
	}
}

// assignmentPrincipalImportID renders "<role_id>/<kind>/<principal_id>" (kind "user" or
// "group") for the assignment at addr.
func assignmentPrincipalImportID(addr, kind string) resource.ImportStateIdFunc {
	return func(s *terraform.State) (string, error) {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return "", fmt.Errorf("%s not in state", addr)
		}
		principal := rs.Primary.Attributes[kind+"_id"]
		if principal == "" {
			return "", fmt.Errorf("%s has no %s_id", addr, kind)
		}
		return rs.Primary.Attributes["role_id"] + "/" + kind + "/" + principal, nil
	}
}

// assignmentOwnID renders the assignment's own id alone as its import id.
func assignmentOwnID(addr string) resource.ImportStateIdFunc {
	return func(s *terraform.State) (string, error) {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return "", fmt.Errorf("%s not in state", addr)
		}
		return rs.Primary.ID, nil
	}
}

// checkAPIAssignment requires the API to list the state's assignment under its role, held by
// the principal of kind ("user" or "group") that the resource at principalAddr is.
func checkAPIAssignment(srv *acctest.Server, s *terraform.State, kind, principalAddr string) error {
	rs := s.RootModule().Resources["warden_role_assignment.test"].Primary
	principal := s.RootModule().Resources[principalAddr].Primary.ID
	list, err := srv.Client.ListRoleAssignments(context.Background(), rs.Attributes["role_id"])
	if err != nil {
		return err
	}
	for _, a := range list {
		if a.ID != rs.ID {
			continue
		}
		if (kind == "user" && (a.UserID != principal || a.GroupID != "")) || (kind == "group" && (a.GroupID != principal || a.UserID != "")) {
			return fmt.Errorf("API holds assignment %+v, want it held by %s %s", a, kind, principal)
		}
		return nil
	}
	return fmt.Errorf("assignment %s is not among role %s's assignments %+v", rs.ID, rs.Attributes["role_id"], list)
}

func checkRoleAssignmentDestroyed(srv *acctest.Server) resource.TestCheckFunc {
	return checkDestroyed(srv, "warden_role_assignment", func(ctx context.Context, c *client.Client, rs *terraform.ResourceState) error {
		_, err := c.GetRoleAssignment(ctx, rs.Primary.Attributes["role_id"], rs.Primary.ID)
		return err
	})
}

func TestRoleAssignmentResource_fromAPIMapsTheAbsentPrincipalToNull(t *testing.T) {
	var m roleAssignmentResourceModel
	m.fromAPI(&api.RoleAssignment{Meta: api.Meta{ID: "a1"}, RoleID: "r1", GroupID: "g1"}, types.StringNull())
	if m.ID.ValueString() != "a1" || m.RoleID.ValueString() != "r1" || m.GroupID.ValueString() != "g1" || !m.UserID.IsNull() {
		t.Errorf("fromAPI gave %+v", m)
	}
	if got := m.toAPI(); got != (api.RoleAssignmentCreate{GroupID: "g1"}) {
		t.Errorf("toAPI gave %+v", got)
	}
}
