package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
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

func TestAccGroupMemberResource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	// The group and one member come from elsewhere (another module, the API): this
	// configuration only adds alice, and must leave carol alone.
	carol, err := srv.Client.CreateUser(ctx, api.UserCreate{Email: "carol@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "sre"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client.AddGroupMember(ctx, g.ID, carol.ID); err != nil {
		t.Fatal(err)
	}
	const addr = "warden_group_member.alice"
	config := srv.Config(fmt.Sprintf(`
resource "warden_user" "alice" {
  email = "alice@example.com"
}
resource "warden_group_member" "alice" {
  group_id = %q
  user_id  = warden_user.alice.id
}`, g.ID))
	members := func(want ...string) error {
		got, err := srv.Client.GetGroup(ctx, g.ID)
		if err != nil {
			return err
		}
		slices.Sort(want)
		if !slices.Equal(got.Members, want) || got.MembersMode != string(access.ModeAdditive) {
			return fmt.Errorf("API holds members %v (%s), want %v (additive)", got.Members, got.MembersMode, want)
		}
		return nil
	}
	aliceID := func(s *terraform.State) string { return s.RootModule().Resources["warden_user.alice"].Primary.ID }

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// Destroy removes only alice: carol, added elsewhere, stays.
		CheckDestroy: func(*terraform.State) error { return members(carol.ID) },
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("group_id"), knownvalue.StringExact(g.ID)),
					statecheck.CompareValuePairs(addr, tfjsonpath.New("user_id"), "warden_user.alice", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile("^"+g.ID+"/usr_"))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("user_email"), knownvalue.StringExact("alice@example.com")),
				},
				Check: func(s *terraform.State) error { return members(carol.ID, aliceID(s)) },
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				// Removed outside Terraform: the plan adds it again.
				PreConfig: func() {
					u := mustFindUser(t, srv, "alice@example.com")
					if err := srv.Client.RemoveGroupMember(ctx, g.ID, u.ID); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
						// alice exists: the plan shows who joins.
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("user_email"), knownvalue.StringExact("alice@example.com")),
					},
				},
				Check: func(s *terraform.State) error { return members(carol.ID, aliceID(s)) },
			},
			{
				// Removing the membership shows who leaves, by e-mail address.
				Config: srv.Config(`
resource "warden_user" "alice" {
  email = "alice@example.com"
}`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroy),
						expectBefore(addr, "user_email", "alice@example.com"),
					},
				},
				Check: func(*terraform.State) error { return members(carol.ID) },
			},
		},
	})
}

// A vendor user, or a user id nobody has, fails the plan of a membership on user_id.
func TestAccGroupMemberResource_vendorUser(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	vendor, err := srv.Client.CreateUser(ctx, api.UserCreate{Email: "oncall@vendor.example", Kind: "vendor"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "sre"})
	if err != nil {
		t.Fatal(err)
	}
	config := func(userID string) string {
		return srv.Config(fmt.Sprintf(`
resource "warden_group_member" "test" {
  group_id = %q
  user_id  = %q
}`, g.ID, userID))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:   config(vendor.ID),
				PlanOnly: true,
				ExpectError: wrappedRegexp("Vendor User Cannot Join a Group", "with warden_group_member.test,",
					fmt.Sprintf("User %q is a vendor user; vendor users join no groups", vendor.ID), "(oncall@vendor.example) Remove this warden_group_member."),
			},
			{
				Config:      config("usr_nobody"),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("User Not Found", "with warden_group_member.test,", `No user has the id "usr_nobody".`),
			},
		},
	})
}

// A user created in the same configuration has its id, and its kind, known at plan: a new
// vendor user's membership fails the plan (nothing is created), a new member's plans with its
// e-mail address and applies, and a change of the member's kind to vendor, which replaces
// the user and with it the membership, fails the plan too.
func TestAccGroupMemberResource_userOfThisPlan(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	g, err := srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "sre"})
	if err != nil {
		t.Fatal(err)
	}
	const addr = "warden_group_member.bob"
	config := func(kind string) string {
		return srv.Config(fmt.Sprintf(`
resource "warden_user" "bob" {
  email = "bob@example.com"
  kind  = %q
}
resource "warden_group_member" "bob" {
  group_id = %q
  user_id  = warden_user.bob.id
}`, kind, g.ID))
	}
	noUser := func() {
		if u, err := srv.Client.FindUserByEmail(ctx, "bob@example.com"); !errors.Is(err, client.ErrNotFound) {
			t.Fatalf("after the failed plan the API holds %+v (%v), want no user", u, err)
		}
	}
	memberID := plannedUserID("bob@example.com", access.KindMember, 0)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config("vendor"),
				ExpectError: wrappedRegexp("Vendor User Cannot Join a Group", "with warden_group_member.bob,",
					fmt.Sprintf("User %q is a vendor user; vendor users join no groups", plannedUserID("bob@example.com", access.KindVendor, 0)),
					"(bob@example.com) Remove this warden_group_member.", "warden_support_access"),
			},
			{
				PreConfig: noUser,
				Config:    config("member"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("user_id"), knownvalue.StringExact(memberID)),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("user_email"), knownvalue.StringExact("bob@example.com")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(g.ID+"/"+memberID)),
				},
			},
			{
				Config: config("vendor"),
				ExpectError: wrappedRegexp("Vendor User Cannot Join a Group", "with warden_group_member.bob,",
					"(bob@example.com) Remove this warden_group_member."),
			},
			{
				// The failed plan changed nothing: bob is still the member in the group.
				PreConfig: func() {
					if err := checkAPIUser(srv, memberID, api.User{Email: "bob@example.com", Kind: "member"}); err != nil {
						t.Fatal(err)
					}
					if got, err := srv.Client.GetGroup(ctx, g.ID); err != nil || !slices.Equal(got.Members, []string{memberID}) {
						t.Fatalf("group %+v (%v), want bob in it", got, err)
					}
				},
				Config:   config("member"),
				PlanOnly: true,
			},
		},
	})
}

// A group declared without members, holding members made elsewhere: nothing is planned, and
// applying it leaves the members as they are.
func TestAccGroupResource_membersNotManaged(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	g, err := srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "imported"})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range []string{"a@example.com", "b@example.com"} {
		u, err := srv.Client.CreateUser(ctx, api.UserCreate{Email: e})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Client.AddGroupMember(ctx, g.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		want = append(want, u.ID)
	}
	slices.Sort(want)
	const addr = "warden_group.test"
	config := srv.Config(fmt.Sprintf(`
import {
  to = warden_group.test
  id = %q
}
resource "warden_group" "test" {
  name = "imported"
}`, g.ID))
	same := func(*terraform.State) error {
		got, err := srv.Client.GetGroup(ctx, g.ID)
		if err != nil {
			return err
		}
		if !slices.Equal(got.Members, want) {
			return fmt.Errorf("members are %v, want %v", got.Members, want)
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("members"), knownvalue.Null()),
				},
				Check: same,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: same,
			},
			{
				// Declaring members now would wipe the two added one at a time: the plan says so.
				Config: srv.Config(`
resource "warden_group" "test" {
  name    = "imported"
  members = []
}`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Members Managed Two Ways.*warden_group_member.*not both`),
			},
		},
	})
}

// A warden_group_member on a group whose members warden_group owns fails at plan.
func TestAccGroupMemberResource_authoritativeConflict(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(groupUsers + `
resource "warden_group" "sre" {
  name    = "sre"
  members = [warden_user.alice.id]
}`),
			},
			{
				Config: srv.Config(groupUsers + `
resource "warden_group" "sre" {
  name    = "sre"
  members = [warden_user.alice.id]
}
resource "warden_group_member" "bob" {
  group_id = warden_group.sre.id
  user_id  = warden_user.bob.id
}`),
				ExpectError: regexp.MustCompile(`(?s)Members Managed Two Ways.*"sre".*warden_group.members.*warden_group_member.*not both`),
			},
		},
	})
}
