package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// A planned id has the form the API makes and accepts, is the same for the same address in
// any case, differs by kind and by attempt, and checks as planned.
func TestPlannedUserID_form(t *testing.T) {
	id := plannedUserID("Alice@Example.com", access.KindMember, 0)
	if f := access.ValidateUserID(id); f != nil {
		t.Fatalf("planned id %q refused by the API's rule: %v", id, f)
	}
	if !looksPlanned(id) {
		t.Errorf("planned id %q does not check as planned", id)
	}
	if again := plannedUserID("alice@example.com", access.KindMember, 0); again != id {
		t.Errorf("the same address in another case plans %q, want %q", again, id)
	}
	seen := map[string]string{id: "member/0"}
	for _, c := range []struct {
		email string
		kind  access.UserKind
		n     int
	}{
		{"alice@example.com", access.KindVendor, 0},
		{"alice@example.com", access.KindMember, 1},
		{"bob@example.com", access.KindMember, 0},
	} {
		other := plannedUserID(c.email, c.kind, c.n)
		if prev, dup := seen[other]; dup {
			t.Errorf("%s %s/%d plans %q, as %s did", c.email, c.kind, c.n, other, prev)
		}
		seen[other] = fmt.Sprintf("%s/%d", c.kind, c.n)
		if !looksPlanned(other) {
			t.Errorf("%q does not check as planned", other)
		}
	}
	// Ids the API made, and ids not of the form, do not check (but for the 1 in 1024 of the
	// API's that do by chance: these fixed ones do not).
	for _, id := range []string{
		"usr_" + strings.Repeat("a", 26),
		"usr_jd6yk5pzcqkw3ymrfxsyxz5rge",
		"usr_nobody",
		"grp_" + plannedUserID("alice@example.com", access.KindMember, 0)[4:],
		id[:len(id)-1] + "a",
	} {
		if looksPlanned(id) {
			t.Errorf("%q checks as planned", id)
		}
	}
}

// capturedString is a knownvalue check that records the value it sees, so that a later check
// can compare a planned value with the applied one.
type capturedString struct{ v *string }

func (c capturedString) CheckValue(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("%v is not a string", v)
	}
	*c.v = s
	return nil
}

func (c capturedString) String() string { return "any string (captured)" }

// A new user's id is known at plan time and is the one it is created with; a user replaced
// with the same address and kind (tainted) keeps its planned id, whose holder is deleted
// first; and an address whose id another user still holds (it changed its address since)
// gets the next derivation.
func TestAccUserResource_plannedID(t *testing.T) {
	srv := acctest.NewServer(t)
	const addr = "warden_user.test"
	user := func(name, email string) string {
		return fmt.Sprintf("\nresource \"warden_user\" %q {\n  email = %q\n}\n", name, email)
	}
	var planned string
	first := plannedUserID("alice@example.com", access.KindMember, 0)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkUserDestroyed(srv),
		Steps: []resource.TestStep{
			{
				Config: srv.Config(user("test", "alice@example.com")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("id"), capturedString{&planned}),
					},
				},
				Check: func(s *terraform.State) error {
					applied := s.RootModule().Resources[addr].Primary.ID
					if planned != first || applied != planned {
						return fmt.Errorf("planned id %q, applied %q; want both %q", planned, applied, first)
					}
					return checkAPIUser(srv, applied, api.User{Email: "alice@example.com", Kind: "member"})
				},
			},
			{
				// Replaced, the user is planned anew: the id its old self holds is its own.
				Config: srv.Config(user("test", "alice@example.com")),
				Taint:  []string{addr},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(first)),
					},
				},
				Check: func(*terraform.State) error {
					return checkAPIUser(srv, first, api.User{Email: "alice@example.com", Kind: "member"})
				},
			},
			{
				// alice moves to another address, keeping her id; then a new user takes her old address.
				Config: srv.Config(user("test", "alice@corp.example.com")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(first)),
					},
				},
			},
			{
				Config: srv.Config(user("test", "alice@corp.example.com") + user("newcomer", "alice@example.com")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop),
						plancheck.ExpectKnownValue("warden_user.newcomer", tfjsonpath.New("id"),
							knownvalue.StringExact(plannedUserID("alice@example.com", access.KindMember, 1))),
					},
				},
				Check: func(*terraform.State) error {
					if err := checkAPIUser(srv, first, api.User{Email: "alice@corp.example.com", Kind: "member"}); err != nil {
						return err
					}
					return checkAPIUser(srv, plannedUserID("alice@example.com", access.KindMember, 1), api.User{Email: "alice@example.com", Kind: "member"})
				},
			},
		},
	})
}

// Provider configurations (aliases) are separate processes, each with its own notes: a user
// planned by one is unknown to the other's plan. Its id checks as planned, so the other's plan
// does not fail it as "User Not Found" but leaves it to the apply, as before ids were
// planned: a member joins, a vendor is refused by the API at apply. This runs the real CLI on
// the built provider, as terraform-plugin-testing serves every alias from one process.
func TestAccUserResource_plannedIDAcrossAliases(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		t.Skip("TF_ACC_TERRAFORM_PATH names no terraform")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	rc := buildProviderOverrides(ctx, t)
	srv := acctest.NewServer(t)
	g, err := srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "sre"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	run := cliRunner(ctx, t, tf, dir, rc)
	config := func(kind string) {
		writeFile(t, filepath.Join(dir, "main.tf"), fmt.Sprintf(`terraform {
  required_providers {
    warden = { source = "wardenhq/warden" }
  }
}
provider "warden" {
  endpoint = %[1]q
  token    = %[2]q
}
provider "warden" {
  alias    = "users"
  endpoint = %[1]q
  token    = %[2]q
}
resource "warden_user" "bob" {
  provider = warden.users
  email    = "bob@example.com"
  kind     = %[3]q
}
resource "warden_group_member" "bob" {
  group_id = %[4]q
  user_id  = warden_user.bob.id
}
`, srv.URL, srv.Token, kind, g.ID))
	}
	config("vendor")
	if code, out := run("plan", "-input=false", "-no-color"); code != 0 {
		t.Fatalf("plan: exit %d, want 0 (the vendor is the apply's to refuse)\n%s", code, out)
	}
	code, out := run("apply", "-auto-approve", "-input=false", "-no-color")
	if code == 0 || !strings.Contains(out, "Vendor User Cannot Join a Group") && !strings.Contains(out, "vendor users join no groups") {
		t.Fatalf("apply: exit %d, want the API's refusal of the vendor\n%s", code, out)
	}
	// The vendor user was created, its membership refused. As a member (a new user: kind
	// cannot change) bob joins.
	config("member")
	if code, out := run("apply", "-auto-approve", "-input=false", "-no-color"); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	bob := mustFindUser(t, srv, "bob@example.com")
	got, err := srv.Client.GetGroup(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bob.ID != plannedUserID("bob@example.com", access.KindMember, 0) || len(got.Members) != 1 || got.Members[0] != bob.ID {
		t.Errorf("bob %s, group members %v; want bob with his planned id, in the group", bob.ID, got.Members)
	}
	if code, out := run("plan", "-input=false", "-no-color", "-detailed-exitcode"); code != 0 {
		t.Fatalf("the plan after apply is not empty: exit %d\n%s", code, out)
	}
	if code, out := run("destroy", "-auto-approve", "-input=false", "-no-color"); code != 0 {
		t.Fatalf("destroy: exit %d\n%s", code, out)
	}
}

// A user that Terraform created but no state holds any more (its state was lost) has the id a
// new plan gives the same address: the create collides on the id as well as the e-mail, and
// the error names the user and the import block that adopts it, as for any taken address.
func TestAccUserResource_plannedIDOfALostState(t *testing.T) {
	srv := acctest.NewServer(t)
	id := plannedUserID("erin@example.com", access.KindMember, 0)
	if _, err := srv.Client.CreateUser(context.Background(), api.UserCreate{ID: id, Email: "erin@example.com"}); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(`
resource "warden_user" "erin" {
  email = "erin@example.com"
}`),
				ExpectError: wrappedRegexp("Unable to Create User", `A user with email "erin@example.com" already exists (id `+id+`).`,
					"Adopt it with:", `id = "`+id+`"`),
			},
		},
	})
}
