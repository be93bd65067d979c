package provider

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

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

// groupUsers declares three users that group tests pick members from.
const groupUsers = `
resource "warden_user" "alice" {
  email = "alice@example.com"
}
resource "warden_user" "bob" {
  email = "bob@example.com"
}
resource "warden_user" "carol" {
  email = "carol@example.com"
}
`

func TestAccGroupResource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	const addr = "warden_group.test"
	config := func(name, desc, members string) string {
		return srv.Config(groupUsers + fmt.Sprintf(`
resource "warden_group" "test" {
  name        = %q
  description = %q
  members     = %s
}`, name, desc, members))
	}
	var firstID string
	// Which users are members is checked against the state's user ids and the API below.
	memberCount := func(n int) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(addr, tfjsonpath.New("members"), knownvalue.SetSizeExact(n))
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkGroupDestroyed(srv),
		Steps: []resource.TestStep{
			{
				Config: config("sre", "Site reliability", "[warden_user.alice.id, warden_user.bob.id]"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), anyID),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("sre")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("Site reliability")),
					memberCount(2),
					statecheck.CompareValueCollection(addr, []tfjsonpath.Path{tfjsonpath.New("members")}, "warden_user.alice", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.CompareValueCollection(addr, []tfjsonpath.Path{tfjsonpath.New("members")}, "warden_user.bob", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("member_emails"), memberEmails("alice@example.com", "bob@example.com")),
				},
				Check: func(s *terraform.State) error {
					firstID = s.RootModule().Resources[addr].Primary.ID
					return checkAPIGroup(srv, s, firstID, "sre", "Site reliability", "alice", "bob")
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				// The plan shows who leaves and who joins by e-mail address: alice out, carol in.
				Config: config("platform-sre", "", "[warden_user.bob.id, warden_user.carol.id]"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("member_emails"), memberEmails("bob@example.com", "carol@example.com")),
						expectBefore(addr, "member_emails", []any{"alice@example.com", "bob@example.com"}),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("platform-sre")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("")),
					memberCount(2),
					statecheck.CompareValueCollection(addr, []tfjsonpath.Path{tfjsonpath.New("members")}, "warden_user.carol", tfjsonpath.New("id"), compare.ValuesSame()),
				},
				Check: func(s *terraform.State) error {
					if id := s.RootModule().Resources[addr].Primary.ID; id != firstID {
						return fmt.Errorf("update in place changed the id from %s to %s", firstID, id)
					}
					return checkAPIGroup(srv, s, firstID, "platform-sre", "", "bob", "carol")
				},
			},
			{
				// Leaving members out stops managing them: they stay, and the group is no
				// longer claimed, so warden_group_member may add to it.
				Config: srv.Config(groupUsers + `
resource "warden_group" "test" {
  name = "platform-sre"
}`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("members"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("member_emails"), knownvalue.Null()),
				},
				Check: func(s *terraform.State) error {
					if err := checkAPIGroup(srv, s, firstID, "platform-sre", "", "bob", "carol"); err != nil {
						return err
					}
					return checkMembersMode(srv, firstID, access.ModeUnmanaged)
				},
			},
			{
				// An explicit empty set empties the group in place, and owns its members again.
				Config: config("platform-sre", "", "[]"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("member_emails"), memberEmails()),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{memberCount(0), statecheck.ExpectKnownValue(addr, tfjsonpath.New("member_emails"), memberEmails())},
				Check: func(s *terraform.State) error {
					if err := checkAPIGroup(srv, s, firstID, "platform-sre", ""); err != nil {
						return err
					}
					return checkMembersMode(srv, firstID, access.ModeAuthoritative)
				},
			},
		},
	})
}

// memberEmails is an exact check of member_emails: the addresses, sorted.
func memberEmails(emails ...string) knownvalue.Check {
	return knownvalue.ListExact(stringChecks(emails))
}

// expectBefore is a plan check: the value of addr's attribute before the change is want (as
// JSON decodes it), e.g. the e-mail addresses of a group's members before they change.
func expectBefore(addr, attribute string, want any) plancheck.PlanCheck {
	return beforeCheck{addr: addr, attribute: attribute, want: want}
}

type beforeCheck struct {
	addr, attribute string
	want            any
}

func (c beforeCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.addr {
			continue
		}
		before, ok := rc.Change.Before.(map[string]any)
		if !ok {
			resp.Error = fmt.Errorf("%s has no prior value in the plan", c.addr)
			return
		}
		if got := before[c.attribute]; !reflect.DeepEqual(got, c.want) {
			resp.Error = fmt.Errorf("%s.%s before the change is %v, want %v", c.addr, c.attribute, got, c.want)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", c.addr)
}

// checkMembersMode checks who the API says manages the group's members.
func checkMembersMode(srv *acctest.Server, id string, want access.ListMode) error {
	g, err := srv.Client.GetGroup(context.Background(), id)
	if err != nil {
		return err
	}
	if g.MembersMode != string(want) {
		return fmt.Errorf("group %s has members_mode %q, want %q", id, g.MembersMode, want)
	}
	return nil
}

func TestAccGroupResource_drift(t *testing.T) {
	srv := acctest.NewServer(t)
	const addr = "warden_group.test"
	config := srv.Config(groupUsers + `
resource "warden_group" "test" {
  name    = "oncall"
  members = [warden_user.alice.id]
}`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkGroupDestroyed(srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("members"), knownvalue.SetSizeExact(1)),
				},
			},
			{
				// A member added outside Terraform is removed again: members is authoritative.
				PreConfig: func() {
					g := mustFindGroup(t, srv, "oncall")
					carol := mustFindUser(t, srv, "carol@example.com")
					members := append(slices.Clone(g.Members), carol.ID)
					if _, err := srv.Client.UpdateGroup(context.Background(), g.ID, api.GroupUpdate{Members: &members}, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("members"), knownvalue.SetSizeExact(1)),
				},
				Check: func(s *terraform.State) error {
					return checkAPIGroup(srv, s, s.RootModule().Resources[addr].Primary.ID, "oncall", "", "alice")
				},
			},
			{
				// Deleted outside Terraform: the plan re-creates it.
				PreConfig: func() {
					g := mustFindGroup(t, srv, "oncall")
					if err := srv.Client.DeleteGroup(context.Background(), g.ID, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
				},
			},
		},
	})
}

func TestAccGroupResource_validation(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(`
resource "warden_group" "test" {
  name = ""
}`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Attribute name string length must be between 1 and 128`),
			},
			{
				Config: srv.Config(`
resource "warden_group" "test" {
  name    = "x"
  members = [""]
}`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)members.*string length must be at least 1`),
			},
			{
				// A member id no user has fails the plan, on the members attribute.
				Config: srv.Config(`
resource "warden_group" "test" {
  name    = "x"
  members = ["no-such-user"]
}`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)User Not Found.*with warden_group.test,.*members = \["no-such-user"\].*No user has the id "no-such-user"`),
			},
		},
	})
}

// checkAPIGroup compares the API's group with the expected name, description and members,
// given as the names of warden_user resources in the state.
func checkAPIGroup(srv *acctest.Server, s *terraform.State, id, name, desc string, users ...string) error {
	g, err := srv.Client.GetGroup(context.Background(), id)
	if err != nil {
		return err
	}
	want := make([]string, 0, len(users))
	for _, u := range users {
		want = append(want, s.RootModule().Resources["warden_user."+u].Primary.ID)
	}
	slices.Sort(want)
	got := slices.Sorted(slices.Values(g.Members))
	if g.Name != name || g.Description != desc || !slices.Equal(got, want) {
		return fmt.Errorf("API holds group %+v, want name=%q description=%q members=%v", g, name, desc, want)
	}
	return nil
}

func checkGroupDestroyed(srv *acctest.Server) resource.TestCheckFunc {
	return checkDestroyed(srv, "warden_group", func(ctx context.Context, c *client.Client, rs *terraform.ResourceState) error {
		_, err := c.GetGroup(ctx, rs.Primary.ID)
		return err
	})
}

func mustFindGroup(t *testing.T, srv *acctest.Server, name string) *api.Group {
	t.Helper()
	g, err := srv.Client.FindGroupByName(context.Background(), name)
	if err != nil {
		t.Fatalf("find group %q: %v", name, err)
	}
	return g
}

// A vendor user among a group's members fails the plan on its element of members, in the
// engine's words: an existing one, one created in the same configuration (its warden_user
// plans its id), and a member whose kind changes to vendor (which replaces the user: its new
// id replaces the old one among the members). Nothing is created or changed.
func TestAccGroupResource_vendorMember(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	vendor, err := srv.Client.CreateUser(ctx, api.UserCreate{Email: "oncall@vendor.example", Kind: "vendor"})
	if err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkGroupDestroyed(srv),
		Steps: []resource.TestStep{
			{
				Config: srv.Config(groupUsers + fmt.Sprintf(`
resource "warden_group" "test" {
  name    = "sre"
  members = [warden_user.alice.id]
}
resource "warden_group" "vendors" {
  name    = "vendors"
  members = [%q]
}`, vendor.ID)),
				PlanOnly: true,
				ExpectError: wrappedRegexp("Vendor User Cannot Join a Group", "with warden_group.vendors,",
					fmt.Sprintf(`User %q is a vendor user; vendor users join no groups and hold no roles: they act through support tiers and access requests. `+
						`(oncall@vendor.example) Remove it from members.`, vendor.ID), "warden_support_access"),
			},
			{
				// alice exists now; adding the vendor to her group fails at plan, before anything changes.
				Config: srv.Config(groupUsers + `
resource "warden_group" "test" {
  name    = "sre"
  members = [warden_user.alice.id]
}`),
			},
			{
				Config: srv.Config(groupUsers + fmt.Sprintf(`
resource "warden_group" "test" {
  name    = "sre"
  members = [warden_user.alice.id, %q]
}`, vendor.ID)),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("Vendor User Cannot Join a Group", "with warden_group.test,", "is a vendor user"),
			},
			{
				Config: srv.Config(groupUsers + `
resource "warden_user" "vendor" {
  email = "second@vendor.example"
  kind  = "vendor"
}
resource "warden_group" "test" {
  name    = "sre"
  members = [warden_user.alice.id, warden_user.vendor.id]
}`),
				ExpectError: wrappedRegexp("Vendor User Cannot Join a Group", "with warden_group.test,",
					fmt.Sprintf("User %q is a vendor user", plannedUserID("second@vendor.example", access.KindVendor, 0)),
					"(second@vendor.example) Remove it from members."),
			},
			{
				// Nothing was created. bob (created with the id his plan gave him) joins, his address shown.
				PreConfig: func() {
					if u, err := srv.Client.FindUserByEmail(ctx, "second@vendor.example"); !errors.Is(err, client.ErrNotFound) {
						t.Fatalf("after the failed plan the API holds %+v (%v), want no user", u, err)
					}
				},
				Config: srv.Config(groupUsers + `
resource "warden_group" "test" {
  name    = "sre"
  members = [warden_user.alice.id, warden_user.bob.id]
}`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue("warden_user.bob", tfjsonpath.New("id"), knownvalue.StringExact(plannedUserID("bob@example.com", access.KindMember, 0))),
						plancheck.ExpectKnownValue("warden_group.test", tfjsonpath.New("member_emails"),
							knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("alice@example.com"), knownvalue.StringExact("bob@example.com")})),
					},
				},
			},
			{
				// bob becomes a vendor: his replacement is a vendor user, refused among the members.
				Config: srv.Config(strings.Replace(groupUsers, `email = "bob@example.com"`, `email = "bob@example.com"
  kind  = "vendor"`, 1) + `
resource "warden_group" "test" {
  name    = "sre"
  members = [warden_user.alice.id, warden_user.bob.id]
}`),
				ExpectError: wrappedRegexp("Vendor User Cannot Join a Group", "with warden_group.test,",
					fmt.Sprintf("User %q is a vendor user", plannedUserID("bob@example.com", access.KindVendor, 0)), "(bob@example.com) Remove it from members."),
			},
			{
				PreConfig: func() {
					if err := checkAPIUser(srv, plannedUserID("bob@example.com", access.KindMember, 0), api.User{Email: "bob@example.com", Kind: "member"}); err != nil {
						t.Fatalf("after the failed plan: %v", err)
					}
				},
				Config: srv.Config(groupUsers + `
resource "warden_group" "test" {
  name    = "sre"
  members = [warden_user.alice.id, warden_user.bob.id]
}`),
				PlanOnly: true,
			},
		},
	})
}

func TestGroupResource_fromAPIMemberEmails(t *testing.T) {
	g := &api.Group{Meta: api.Meta{ID: "grp_1"}, Name: "sre", Members: []string{"usr_b", "usr_a"}}
	users := userReads{users: map[string]*api.User{
		"usr_a": {Meta: api.Meta{ID: "usr_a"}, Email: "zoe@example.com"},
		"usr_b": {Meta: api.Meta{ID: "usr_b"}, Email: "adam@example.com"},
	}}
	var m groupResourceModel
	m.fromAPI(g, true, &users)
	if want := stringList([]string{"adam@example.com", "zoe@example.com"}); !m.MemberEmails.Equal(want) {
		t.Errorf("member_emails = %v, want %v (sorted by address)", m.MemberEmails, want)
	}
	users.err = fmt.Errorf("403")
	for name, reads := range map[string]*userReads{"unread": nil, "incomplete": &users} {
		m.fromAPI(g, true, reads)
		if !m.MemberEmails.IsNull() || m.MemberEmails.ElementType(context.Background()) == nil {
			t.Errorf("%s: member_emails = %v, want a typed null", name, m.MemberEmails)
		}
	}
	m.fromAPI(g, false, &userReads{users: users.users})
	if !m.Members.IsNull() || !m.MemberEmails.IsNull() {
		t.Errorf("unmanaged members: members %v, member_emails %v; want both null", m.Members, m.MemberEmails)
	}
}

// A token with groups.admin but not users.read manages members without reading the users:
// member_emails is null at plan and after apply alike, and nothing else changes.
func TestAccGroupResource_emailsWithoutUsersRead(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	admin, err := srv.Client.CreateUser(ctx, api.UserCreate{Email: "groups-admin@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	alice, err := srv.Client.CreateUser(ctx, api.UserCreate{Email: "alice@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	role, err := srv.Client.CreateRole(ctx, api.RoleCreate{Name: "group-admins", Permissions: []string{"groups.admin"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client.CreateRoleAssignment(ctx, role.ID, api.RoleAssignmentCreate{UserID: admin.ID}); err != nil {
		t.Fatal(err)
	}
	tok, err := srv.Client.CreateToken(ctx, admin.ID, api.TokenCreate{Name: "groups"})
	if err != nil {
		t.Fatal(err)
	}
	const addr = "warden_group.test"
	config := fmt.Sprintf(`
provider "warden" {
  endpoint = %q
  token    = %q
}
resource "warden_group" "test" {
  name    = "sre"
  members = [%q]
}`, srv.URL, tok.Secret, alice.ID)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkGroupDestroyed(srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectKnownValue(addr, tfjsonpath.New("member_emails"), knownvalue.Null())},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("members"), knownStrings([]string{alice.ID})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("member_emails"), knownvalue.Null()),
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}
