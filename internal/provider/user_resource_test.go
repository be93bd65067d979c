package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var anyID = knownvalue.StringRegexp(regexp.MustCompile(`^\S+$`))

func TestAccUserResource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	const addr = "warden_user.test"
	config := func(email, name, kind string) string {
		return srv.Config(fmt.Sprintf(`
resource "warden_user" "test" {
  email = %q
  name  = %q
  kind  = %q
}`, email, name, kind))
	}
	var firstID string

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkUserDestroyed(srv),
		Steps: []resource.TestStep{
			{
				Config: config("alice@example.com", "Alice", "member"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), anyID),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("email"), knownvalue.StringExact("alice@example.com")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("Alice")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("kind"), knownvalue.StringExact("member")),
				},
				Check: func(s *terraform.State) error {
					firstID = s.RootModule().Resources[addr].Primary.ID
					return checkAPIUser(srv, firstID, api.User{Email: "alice@example.com", Name: "Alice", Kind: "member"})
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				Config:          config("alice@example.com", "Alice", "member"),
				ResourceName:    addr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				// Plannable import cannot verify state; the import plan must adopt the user unchanged.
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("email"), knownvalue.StringExact("alice@example.com")),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("Alice")),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("kind"), knownvalue.StringExact("member")),
					},
				},
			},
			{
				Config: config("alice@corp.example.com", "Alice Liddell", "member"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("email"), knownvalue.StringExact("alice@corp.example.com")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("Alice Liddell")),
				},
				Check: func(s *terraform.State) error {
					if id := s.RootModule().Resources[addr].Primary.ID; id != firstID {
						return fmt.Errorf("update in place changed the id from %s to %s", firstID, id)
					}
					return checkAPIUser(srv, firstID, api.User{Email: "alice@corp.example.com", Name: "Alice Liddell", Kind: "member"})
				},
			},
			{
				Config: config("alice@corp.example.com", "Alice Liddell", "vendor"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("kind"), knownvalue.StringExact("vendor")),
				},
				Check: func(s *terraform.State) error {
					id := s.RootModule().Resources[addr].Primary.ID
					if id == firstID {
						return fmt.Errorf("changing kind kept the id %s; want a new user", id)
					}
					return checkAPIUser(srv, id, api.User{Email: "alice@corp.example.com", Name: "Alice Liddell", Kind: "vendor"})
				},
			},
		},
	})
}

func TestAccUserResource_defaultsAndDrift(t *testing.T) {
	srv := acctest.NewServer(t)
	const addr = "warden_user.test"
	config := srv.Config(`
resource "warden_user" "test" {
  email = "bob@example.com"
}`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkUserDestroyed(srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), anyID),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("email"), knownvalue.StringExact("bob@example.com")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("kind"), knownvalue.StringExact("member")),
				},
				Check: func(s *terraform.State) error {
					return checkAPIUser(srv, s.RootModule().Resources[addr].Primary.ID, api.User{Email: "bob@example.com", Kind: "member"})
				},
			},
			{
				// Renamed outside Terraform: the plan puts the name back in place.
				PreConfig: func() {
					u := mustFindUser(t, srv, "bob@example.com")
					name := "Robert"
					if _, err := srv.Client.UpdateUser(context.Background(), u.ID, api.UserUpdate{Name: &name}, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("name"), knownvalue.StringExact("")),
				},
			},
			{
				// Deleted outside Terraform: the plan re-creates it.
				PreConfig: func() {
					u := mustFindUser(t, srv, "bob@example.com")
					if err := srv.Client.DeleteUser(context.Background(), u.ID, 0); err != nil {
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

func TestAccUserResource_validation(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(`
resource "warden_user" "test" {
  email = "eve@example.com"
  kind  = "contractor"
}`),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("Invalid kind", `kind must be member or vendor; got "contractor".`),
			},
			{
				Config: srv.Config(`
resource "warden_user" "test" {
  email = "e"
}`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Attribute email string length must be between 3 and 254`),
			},
			{
				Config: srv.Config(`
resource "warden_user" "test" {
  email = "owner\u200b@warden.local"
}`),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("Invalid Text", "email contains the invisible character U+200B"),
			},
			{
				// The bootstrap owner's address in another case is the same address: the API
				// refuses it on email, and the error names the owner to adopt.
				Config: srv.Config(`
resource "warden_user" "test" {
  email = "OWNER@warden.local"
}`),
				ExpectError: wrappedRegexp("Unable to Create User", `A user with email "OWNER@warden.local" already exists`, "Adopt it with:"),
			},
		},
	})
}

func TestAccUserDataSource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(`
data "warden_user" "both" {
  id    = "x"
  email = "x@example.com"
}`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination.*id.*email`),
			},
			{
				Config: srv.Config(`
data "warden_user" "missing" {
  email = "nobody@example.com"
}`),
				ExpectError: regexp.MustCompile(`(?s)Unable to Read User.*nobody@example.com`),
			},
			{
				Config: srv.Config(`
resource "warden_user" "oncall" {
  email = "oncall@vendor.example"
  name  = "Vendor On-Call"
  kind  = "vendor"
}
data "warden_user" "by_email" {
  email = warden_user.oncall.email
}
data "warden_user" "by_id" {
  id = warden_user.oncall.id
}`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs("data.warden_user.by_email", tfjsonpath.New("id"), "warden_user.oncall", tfjsonpath.New("id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue("data.warden_user.by_email", tfjsonpath.New("name"), knownvalue.StringExact("Vendor On-Call")),
					statecheck.ExpectKnownValue("data.warden_user.by_email", tfjsonpath.New("kind"), knownvalue.StringExact("vendor")),
					statecheck.ExpectKnownValue("data.warden_user.by_id", tfjsonpath.New("email"), knownvalue.StringExact("oncall@vendor.example")),
					statecheck.ExpectKnownValue("data.warden_user.by_id", tfjsonpath.New("name"), knownvalue.StringExact("Vendor On-Call")),
					statecheck.ExpectKnownValue("data.warden_user.by_id", tfjsonpath.New("kind"), knownvalue.StringExact("vendor")),
				},
			},
		},
	})
}

func checkAPIUser(srv *acctest.Server, id string, want api.User) error {
	u, err := srv.Client.GetUser(context.Background(), id)
	if err != nil {
		return err
	}
	if u.Email != want.Email || u.Name != want.Name || u.Kind != want.Kind {
		return fmt.Errorf("API holds user %+v, want email=%q name=%q kind=%q", u, want.Email, want.Name, want.Kind)
	}
	return nil
}

func checkUserDestroyed(srv *acctest.Server) resource.TestCheckFunc {
	return checkDestroyed(srv, "warden_user", func(ctx context.Context, c *client.Client, rs *terraform.ResourceState) error {
		_, err := c.GetUser(ctx, rs.Primary.ID)
		return err
	})
}

func mustFindUser(t *testing.T, srv *acctest.Server, email string) *api.User {
	t.Helper()
	u, err := srv.Client.FindUserByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("find user %q: %v", email, err)
	}
	return u
}

// TestUserResource_schemasValidate checks the schemas of this file's family of resources and
// data sources the way the framework does when it serves them.
func TestUserResource_schemasValidate(t *testing.T) {
	ctx := context.Background()
	for _, r := range []fwresource.Resource{NewUserResource(), NewGroupResource(), NewRoleResource(), NewRoleAssignmentResource()} {
		var resp fwresource.SchemaResponse
		r.Schema(ctx, fwresource.SchemaRequest{}, &resp)
		if diags := resp.Schema.ValidateImplementation(ctx); diags.HasError() {
			t.Errorf("%T: %v", r, diags)
		}
	}
	for _, d := range []datasource.DataSource{NewUserDataSource(), NewRoleDataSource()} {
		var resp datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &resp)
		if diags := resp.Schema.ValidateImplementation(ctx); diags.HasError() {
			t.Errorf("%T: %v", d, diags)
		}
	}
}

func TestAccUserResource_emailTakenNamesTheImportBlock(t *testing.T) {
	srv := acctest.NewServer(t)
	existing, err := srv.Client.CreateUser(context.Background(), api.UserCreate{Email: "alice@example.com", Kind: "member"})
	if err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(`
resource "warden_user" "test" {
  email = "alice@example.com"
}`),
				ExpectError: wrappedRegexp(fmt.Sprintf(`A user with email "alice@example.com" already exists (id %s).`, existing.ID),
					"to = warden_user.<name>", fmt.Sprintf(`id = %q`, existing.ID), "or choose another email."),
			},
		},
	})
}

func TestAccUserResource_badTokenSaysWhereTheTokenComesFrom(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
provider "warden" {
  endpoint = %q
  token    = "not-a-real-token-at-all"
}
resource "warden_user" "test" {
  email = "alice@example.com"
}`, srv.URL),
				// The configuration's check refuses the token before the user is tried.
				ExpectError: wrappedRegexp("Warden Token Rejected", "came from token in the provider block", "401", "WARDEN_TOKEN",
					"POST /v1/users/{id}/tokens", "bootstrap token"),
			},
		},
	})
}
