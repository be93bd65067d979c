package provider

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// whoCanOrg seeds a random organization through the API: two environments, members in
// groups holding roles with grants (and, now and then, an organization role), vendors under
// standing support access in one environment and approved requests in the other.
func whoCanOrg(t *testing.T, srv *acctest.Server, seed uint64) (envs []api.Environment, users []api.User) {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 99))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, cloud := range []string{"gcp", "aws"} {
		e, err := srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: fmt.Sprintf("env-%d", i), Cloud: cloud})
		must(err)
		envs = append(envs, *e)
	}
	owners, err := srv.Client.ListUsers(ctx, client.ListUsersOptions{})
	must(err)
	users = append(users, owners...)
	var members []string
	for i := range 4 {
		u, err := srv.Client.CreateUser(ctx, api.UserCreate{Email: fmt.Sprintf("member%d@example.com", i)})
		must(err)
		users, members = append(users, *u), append(members, u.ID)
	}
	var groups []string
	for i := range 2 {
		var in []string
		for _, m := range members {
			if rng.IntN(2) == 0 {
				in = append(in, m)
			}
		}
		g, err := srv.Client.CreateGroup(ctx, api.GroupCreate{Name: fmt.Sprintf("group-%d", i), Members: &in})
		must(err)
		groups = append(groups, g.ID)
	}
	perms := access.PermissionNames()
	for i := range 3 {
		r, err := srv.Client.CreateRole(ctx, api.RoleCreate{Name: fmt.Sprintf("role-%d", i)})
		must(err)
		for _, e := range envs {
			if rng.IntN(3) > 0 {
				_, err := srv.Client.CreateGrant(ctx, e.ID, api.GrantCreate{RoleID: r.ID, Permissions: []string{perms[rng.IntN(len(perms))]}})
				must(err)
			}
		}
		holder := api.RoleAssignmentCreate{GroupID: groups[rng.IntN(len(groups))]}
		if rng.IntN(2) == 0 {
			holder = api.RoleAssignmentCreate{UserID: members[rng.IntN(len(members))]}
		}
		_, err = srv.Client.CreateRoleAssignment(ctx, r.ID, holder)
		must(err)
	}
	if rng.IntN(2) == 0 {
		owner, err := srv.Client.FindRoleByName(ctx, string(access.DeployOwner))
		must(err)
		_, err = srv.Client.CreateRoleAssignment(ctx, owner.ID, api.RoleAssignmentCreate{UserID: members[rng.IntN(len(members))]})
		must(err)
	}
	standing := false
	until := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	_, err = srv.Client.CreateSupportAccess(ctx, envs[0].ID, api.SupportAccessCreate{Tier: "co_maintainer", RequireApproval: &standing, ExpiresAt: &until})
	must(err)
	_, err = srv.Client.CreateSupportAccess(ctx, envs[1].ID, api.SupportAccessCreate{Tier: "operator", PortForwarding: rng.IntN(2) == 0})
	must(err)
	for i := range 2 {
		u, vendor := newVendor(t, srv, fmt.Sprintf("oncall%d@vendor.example", i))
		users = append(users, *u)
		if i == 0 || rng.IntN(2) == 0 {
			req, err := vendor.CreateAccessRequest(ctx, api.AccessRequestCreate{EnvironmentID: envs[1].ID, Tier: access.TierNames()[rng.IntN(2)], DurationSeconds: 3600})
			must(err)
			_, err = srv.Client.ApproveAccessRequest(ctx, req.ID)
			must(err)
		}
	}
	return envs, users
}

// warden_who_can agrees with POST /v1/authorize for every principal of generated
// organizations, for every matrix action and tier capability in every environment: a user is
// listed exactly when authorize allows it, and its first reason is the one authorize gives.
func TestAccWhoCanDataSource_agreesWithAuthorize(t *testing.T) {
	var names []string
	for _, n := range append(access.Actions(), capabilityNames()...) {
		names = append(names, strconv.Quote(n))
	}
	for seed := range uint64(2) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			srv := acctest.NewServer(t)
			var envs []api.Environment
			var users []api.User
			vars := config.Variables{}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					PreConfig: func() {
						envs, users = whoCanOrg(t, srv, seed)
						vars["environment_ids"] = config.ListVariable(config.StringVariable(envs[0].ID), config.StringVariable(envs[1].ID))
					},
					ConfigVariables: vars,
					Config: srv.Config(fmt.Sprintf(`
variable "environment_ids" { type = list(string) }
locals {
  names     = [%s]
  questions = flatten([for e in var.environment_ids : [for n in local.names : { environment_id = e, action = n }]])
}
data "warden_who_can" "q" {
  count          = length(local.questions)
  environment_id = local.questions[count.index].environment_id
  action         = local.questions[count.index].action
}`, joinComma(names))),
					Check: func(s *terraform.State) error {
						return checkWhoCanAgainstAuthorize(s, srv, users, 2*len(names))
					},
				}},
			})
		})
	}
}

func capabilityNames() []string {
	var out []string
	for _, c := range access.AllCapabilities() {
		out = append(out, c.Name)
	}
	return out
}

func joinComma(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

func checkWhoCanAgainstAuthorize(s *terraform.State, srv *acctest.Server, users []api.User, questions int) error {
	ctx := context.Background()
	allowed := map[string]int{}
	for i := range questions {
		rs, ok := s.RootModule().Resources[fmt.Sprintf("data.warden_who_can.q.%d", i)]
		if !ok {
			return fmt.Errorf("data.warden_who_can.q[%d] not in state", i)
		}
		at := rs.Primary.Attributes
		envID, action := at["environment_id"], at["action"]
		env, err := srv.Client.GetEnvironment(ctx, envID)
		if err != nil {
			return err
		}
		if at["environment_name"] != env.Name {
			return fmt.Errorf("%s: environment_name %q, want %q", envID, at["environment_name"], env.Name)
		}
		n, _ := strconv.Atoi(at["principals.#"])
		listed := map[string]int{}
		for j := range n {
			listed[at[fmt.Sprintf("principals.%d.user_id", j)]] = j
		}
		for _, u := range users {
			a, err := srv.Client.Authorize(ctx, api.AuthorizeRequest{PrincipalID: u.ID, EnvironmentID: envID, Action: action, Resource: env.ResourcePrefix + "host"})
			if err != nil {
				return err
			}
			j, ok := listed[u.ID]
			if ok != a.Allowed {
				return fmt.Errorf("%s %s in %s: authorize says %v (%s), warden_who_can lists it: %v", u.Email, action, env.Name, a.Allowed, a.Reason, ok)
			}
			if !ok {
				continue
			}
			allowed[u.Kind]++
			first := func(name string) string { return at[fmt.Sprintf("principals.%d.via.0.%s", j, name)] }
			var exp string
			if a.Via.ExpiresAt != nil {
				exp = a.Via.ExpiresAt.UTC().Format(time.RFC3339)
			}
			if at[fmt.Sprintf("principals.%d.email", j)] != u.Email || at[fmt.Sprintf("principals.%d.kind", j)] != u.Kind ||
				first("permission") != a.Via.Permission || first("grant_id") != a.Via.GrantID || first("role_id") != a.Via.RoleID ||
				first("group_id") != a.Via.GroupID || first("access_request_id") != a.Via.AccessRequestID ||
				first("support_access_id") != a.Via.SupportAccessID || first("tier") != a.Via.Tier || first("expires_at") != exp {
				return fmt.Errorf("%s %s in %s: first reason in state differs from authorize's %+v", u.Email, action, env.Name, *a.Via)
			}
		}
	}
	if allowed["member"] == 0 || allowed["vendor"] == 0 {
		return fmt.Errorf("allowed %v: want members and vendors allowed somewhere", allowed)
	}
	return nil
}

func TestAccWhoCanDataSource_reviewQuestions(t *testing.T) {
	srv := acctest.NewServer(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: srv.Config(`
data "warden_who_can" "typo" {
  environment_id = "env_x"
  action         = "databases.read_credential"
}`),
				PlanOnly:    true,
				ExpectError: wrappedRegexp(`Unknown Action`, `Did you mean "databases.read_credentials"?`),
			},
			{
				Config: srv.Config(`
resource "warden_environment" "prod" {
  name  = "production"
  cloud = "gcp"
}
resource "warden_user" "dana" { email = "dana@example.com" }
resource "warden_group" "dbas" {
  name    = "dbas"
  members = [warden_user.dana.id]
}
resource "warden_role" "dba" { name = "dba" }
resource "warden_role_assignment" "dbas" {
  role_id  = warden_role.dba.id
  group_id = warden_group.dbas.id
}
resource "warden_environment_grant" "dba" {
  role_id        = warden_role.dba.id
  environment_id = warden_environment.prod.id
  permissions    = ["sensitive_access"]
}
data "warden_who_can" "creds" {
  environment_id = warden_environment.prod.id
  action         = "databases.read_credentials"
  depends_on     = [warden_role_assignment.dbas, warden_environment_grant.dba]
}
data "warden_who_can" "co_maintainers" {
  environment_id = warden_environment.prod.id
  action         = "co_maintainer.apply_workspace"
}`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.warden_who_can.creds", tfjsonpath.New("environment_name"), knownvalue.StringExact("production")),
					statecheck.ExpectKnownValue("data.warden_who_can.creds", tfjsonpath.New("principals"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"email": knownvalue.StringExact("dana@example.com"), "kind": knownvalue.StringExact("member"),
							"via": knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
								"permission": knownvalue.StringExact("sensitive_access"), "grant_id": knownvalue.NotNull(),
								"role_id": knownvalue.NotNull(), "role_name": knownvalue.StringExact("dba"), "group_id": knownvalue.NotNull(),
								"group_name": knownvalue.StringExact("dbas"), "access_request_id": knownvalue.Null(),
								"support_access_id": knownvalue.Null(), "tier": knownvalue.Null(), "expires_at": knownvalue.Null(),
							})}),
						}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"email": knownvalue.StringExact("owner@warden.local"),
							"via": knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectPartial(map[string]knownvalue.Check{
								"permission": knownvalue.StringExact("environment_admin"), "role_name": knownvalue.StringExact("account_owner"),
								"grant_id": knownvalue.Null(),
							})}),
						}),
					})),
					statecheck.ExpectKnownValue("data.warden_who_can.co_maintainers", tfjsonpath.New("principals"), knownvalue.ListSizeExact(0)),
				},
			},
		},
	})
}
