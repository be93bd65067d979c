package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Every answer of the one import id parser: the forms with what their parts look like, an
// empty part, swapped parts and parts of another kind (with the id that was meant), a bare
// id of another kind; ids without a known prefix are taken as they are.
func TestSplitImportID_forms(t *testing.T) {
	grant := []string{"<role_id>/<environment_id>", "<grant_id>"}
	grantForms := `"<role_id>/<environment_id>" (role_…/env_…) or "<grant_id>" (grt_…)`
	member := []string{"<group_id>/<user_id>"}
	assignmentForms := `"<role_id>/user/<user_id>" (role_…/user/usr_…), "<role_id>/group/<group_id>" (role_…/group/grp_…), ` +
		`"<role_id>/<assignment_id>" (role_…/asg_…) or "<assignment_id>" (asg_…)`
	env := []string{"<environment_id>"}
	cases := []struct {
		id      string
		forms   []string
		want    []string
		wantErr string
	}{
		{"r/e", grant, []string{"r", "e"}, ""},
		{"role_1/env_2", grant, []string{"role_1", "env_2"}, ""},
		{"grt_3", grant, []string{"grt_3"}, ""},
		{"r/e/x", grant, nil, `expected an import id of the form ` + grantForms + `, got "r/e/x"`},
		{"r/", member[:1], nil, `the user_id part of import id "r/" is empty; expected "<group_id>/<user_id>" (grp_…/usr_…)`},
		{"/e", member, nil, `the group_id part of import id "/e" is empty; expected "<group_id>/<user_id>" (grp_…/usr_…)`},
		{"r/", grant, nil, `expected an import id of the form ` + grantForms + `, got "r/"`},
		// Swapped, and a bare id of the wrong kind.
		{"env_2/role_1", grant, nil, `import id "env_2/role_1" does not fit ` + grantForms +
			`: "env_2" is an environment id and "role_1" is a role id. Did you mean "role_1/env_2"?`},
		{"env_2", grant, nil, `import id "env_2" is an environment id (env_…); expected an import id of the form ` + grantForms},
		{"usr_1/grp_2", member, nil, `import id "usr_1/grp_2" does not fit "<group_id>/<user_id>" (grp_…/usr_…): ` +
			`"usr_1" is a user id and "grp_2" is a group id. Did you mean "grp_2/usr_1"?`},
		{"role_1/usr_2", member, nil, `the group_id part of import id "role_1/usr_2" is "role_1", which is a role id (role_…); ` +
			`expected an import id of the form "<group_id>/<user_id>" (grp_…/usr_…)`},
		// One of several forms, by count and fixed word; a principal of the other kind.
		{"r/user/u", roleAssignmentImportForms, []string{"r", "user", "u"}, ""},
		{"role_1/group/grp_2", roleAssignmentImportForms, []string{"role_1", "group", "grp_2"}, ""},
		{"a", roleAssignmentImportForms, []string{"a"}, ""},
		{"role_1/user/grp_2", roleAssignmentImportForms, nil, `import id "role_1/user/grp_2" does not fit ` + assignmentForms +
			`: "role_1" is a role id and "grp_2" is a group id. Did you mean "role_1/group/grp_2"?`},
		{"usr_2/role_1", roleAssignmentImportForms, nil, `import id "usr_2/role_1" does not fit ` + assignmentForms +
			`: "usr_2" is a user id and "role_1" is a role id. Did you mean "role_1/user/usr_2"?`},
		{"r/member/u", roleAssignmentImportForms, nil, `part 2 of import id "r/member/u" is "member" where "user" or "group" belongs; ` +
			`expected an import id of the form ` + assignmentForms},
		{"r//u", roleAssignmentImportForms, nil, `expected an import id of the form ` + assignmentForms + `, got "r//u"`},
		{"a/b/c/d", roleAssignmentImportForms, nil, `expected an import id of the form ` + assignmentForms + `, got "a/b/c/d"`},
		// A single id.
		{"env_1", env, []string{"env_1"}, ""},
		{"usr_1", env, nil, `import id "usr_1" is a user id (usr_…); expected an import id of the form "<environment_id>" (env_…)`},
		{"env_1/role_2", env, nil, `expected an import id of the form "<environment_id>" (env_…), got "env_1/role_2"`},
	}
	for _, c := range cases {
		got, err := splitImportID(c.id, c.forms...)
		switch {
		case c.wantErr == "" && (err != nil || !slices.Equal(got, c.want)):
			t.Errorf("%q: got %q, %v; want %q", c.id, got, err, c.want)
		case c.wantErr != "" && (err == nil || err.Error() != c.wantErr):
			t.Errorf("%q: got %q, %v;\n want error %s", c.id, got, err, c.wantErr)
		}
	}
}

func TestRequireIdentity_kinds(t *testing.T) {
	s := types.StringValue
	cases := []struct {
		attrs []identityAttr
		want  string
	}{
		{[]identityAttr{{"role_id", s("role_1")}, {"environment_id", s("env_2")}}, ""},
		{[]identityAttr{{"role_id", s("r")}, {"environment_id", s("e")}}, ""},
		{[]identityAttr{{"role_id", s("env_2")}, {"environment_id", s("role_1")}},
			`the import identity's role_id and environment_id are the wrong way round: "env_2" is an environment id and "role_1" is a role id. Swap them`},
		{[]identityAttr{{"group_id", s("grp_1")}, {"user_id", s("grp_2")}},
			`the import identity's user_id is "grp_2", which is a group id (grp_…); user_id holds a user id (usr_…)`},
	}
	for _, c := range cases {
		err := requireIdentity(c.attrs...)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%v: %q, want %q", c.attrs, got, c.want)
		}
	}
}

// Every kind of id the API makes has its prefix here, and every prefix one kind.
func TestIDKinds_prefixes(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range idKinds {
		if !strings.HasSuffix(k.prefix, "_") || seen[k.prefix] || !strings.HasPrefix(k.noun, "a") {
			t.Errorf("kind %+v", k)
		}
		seen[k.prefix] = true
		if got, ok := kindOf(k.prefix + "x"); !ok || got != k {
			t.Errorf("kindOf(%q) = %+v", k.prefix+"x", got)
		}
		if _, ok := kindOf(k.prefix); ok {
			t.Errorf("the bare prefix %q has a kind", k.prefix)
		}
	}
}

// Import id mistakes, as terraform import meets them: each says which form is expected and
// which part is which, and names the id that was meant when the parts were swapped or a
// principal was given for the other kind. The server's ids carry the prefixes the parser
// knows.
func TestAccImportIDs_mistakes(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	env, err := srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "production", Cloud: "gcp"})
	if err != nil {
		t.Fatal(err)
	}
	role, err := srv.Client.CreateRole(ctx, api.RoleCreate{Name: "deployers", Permissions: []string{"conducts.read"}})
	if err != nil {
		t.Fatal(err)
	}
	user, err := srv.Client.CreateUser(ctx, api.UserCreate{Email: "alice@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	group, err := srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "sre"})
	if err != nil {
		t.Fatal(err)
	}
	for id, part := range map[string]string{env.ID: "environment_id", role.ID: "role_id", user.ID: "user_id", group.ID: "group_id"} {
		if k, ok := kindOf(id); !ok || k.part != part {
			t.Fatalf("the API made %s %q, which the parser takes for %+v", part, id, k)
		}
	}
	// The resources imported into; their objects need not exist for the id to be refused.
	config := srv.Config(fmt.Sprintf(`
resource "warden_environment" "prod" {
  name  = "production"
  cloud = "gcp"
}
resource "warden_environment_grant" "deploy" {
  role_id        = %[1]q
  environment_id = %[2]q
  permissions    = ["deployment"]
}
resource "warden_group_member" "alice" {
  group_id = %[3]q
  user_id  = %[4]q
}
resource "warden_role_assignment" "sre" {
  role_id  = %[1]q
  group_id = %[3]q
}
resource "warden_alert_routing" "prod" {
  environment_id = %[2]q
}`, role.ID, env.ID, group.ID, user.ID))
	step := func(addr, id string, want *regexp.Regexp) resource.TestStep {
		return resource.TestStep{Config: config, ResourceName: addr, ImportState: true, ImportStateId: id, ExpectError: want}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			step("warden_environment_grant.deploy", env.ID+"/"+role.ID, wrappedRegexp("Unable to Import Environment Grant",
				fmt.Sprintf(`import id "%s/%s" does not fit`, env.ID, role.ID), `"<role_id>/<environment_id>" (role_…/env_…)`,
				fmt.Sprintf(`%q is an environment id and %q is a role id.`, env.ID, role.ID), fmt.Sprintf(`Did you mean "%s/%s"?`, role.ID, env.ID))),
			step("warden_environment_grant.deploy", env.ID, wrappedRegexp(fmt.Sprintf(`import id %q is an environment id (env_…);`, env.ID),
				`expected an import id of the form "<role_id>/<environment_id>" (role_…/env_…) or "<grant_id>" (grt_…)`)),
			step("warden_group_member.alice", user.ID+"/"+group.ID, wrappedRegexp("Unable to Import Group Member",
				fmt.Sprintf(`Did you mean "%s/%s"?`, group.ID, user.ID))),
			step("warden_role_assignment.sre", role.ID+"/user/"+group.ID, wrappedRegexp("Unable to Import Role Assignment",
				fmt.Sprintf(`%q is a group id.`, group.ID), fmt.Sprintf(`Did you mean "%s/group/%s"?`, role.ID, group.ID))),
			step("warden_environment.prod", user.ID, wrappedRegexp("Unable to Import Environment",
				fmt.Sprintf(`import id %q is a user id (usr_…);`, user.ID), `expected an import id of the form "<environment_id>" (env_…)`)),
			step("warden_alert_routing.prod", role.ID, wrappedRegexp("Unable to Import Alert Routing",
				fmt.Sprintf(`import id %q is a role id (role_…);`, role.ID), `"<environment_id>" (env_…)`)),
		},
	})
}
