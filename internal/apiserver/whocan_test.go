package apiserver

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// org is an organization seeded through the API by seedOrg, with what it made.
type org struct {
	ts      *testServer
	rng     *rand.Rand
	envs    []api.Environment
	members []api.User // the bootstrap owner first
	vendors []api.User
	groups  []api.Group
	roles   []api.Role
}

// seedOrg builds a random organization through the API as the owner: environments on both
// clouds, members and vendors, groups of members, roles with platform permissions, grants,
// assignments to users and groups (the built-in owner roles too), support access of every
// kind, and vendors' requests approved, pending and denied.
func seedOrg(t *testing.T, ts *testServer, seed uint64) *org {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 0x0c4))
	o := &org{ts: ts, rng: rng}
	var owner api.User
	ts.call("GET", "/v1/users/"+ts.ownerID(), ownerToken, nil, 200, &owner)
	o.members = append(o.members, owner)
	for i, cloud := range []string{"gcp", "aws", "gcp"} {
		o.envs = append(o.envs, ts.createEnv(fmt.Sprintf("env-%d", 3-i), cloud))
	}
	for i := range 5 {
		u, _ := ts.createUser(fmt.Sprintf("member%d@example.com", (i*3)%5), "member")
		o.members = append(o.members, u)
	}
	vendorTokens := map[string]string{}
	for i := range 3 {
		u, tok := ts.createUser(fmt.Sprintf("oncall%d@vendor.example", i), "vendor")
		o.vendors = append(o.vendors, u)
		vendorTokens[u.ID] = tok
	}
	for i := range 3 {
		var members []string
		for _, m := range o.members[1:] {
			if rng.IntN(3) == 0 {
				members = append(members, m.ID)
			}
		}
		var g api.Group
		ts.call("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: fmt.Sprintf("group-%d", i), Members: &members}, 201, &g)
		o.groups = append(o.groups, g)
	}
	platformPool := []string{"users.read", "users.admin", "groups.read", "cluster.admin", "audit.read", "conducts.read"}
	for i := range 4 {
		o.roles = append(o.roles, ts.createRole(fmt.Sprintf("role-%d", 4-i), platformPool[rng.IntN(len(platformPool))]))
	}
	perms := access.PermissionNames()
	for _, e := range o.envs {
		for _, r := range o.roles {
			if rng.IntN(2) == 0 {
				ps := []string{perms[rng.IntN(len(perms))]}
				// A second permission, unless the grant would then warn (redundant beside
				// environment_admin, or basic_visibility beside full_visibility).
				visibility := []string{"basic_visibility", "full_visibility"}
				if p := perms[rng.IntN(len(perms))]; p != ps[0] && !slices.Contains([]string{p, ps[0]}, "environment_admin") &&
					(!slices.Contains(visibility, p) || !slices.Contains(visibility, ps[0])) {
					ps = append(ps, p)
				}
				ts.grant(e.ID, r.ID, ps...)
			}
		}
	}
	assigned := map[string]bool{}
	for range 7 {
		role := o.roles[rng.IntN(len(o.roles))].ID
		if rng.IntN(6) == 0 {
			role = []string{roleAccountOwner, roleDeployOwner}[rng.IntN(2)]
		}
		a := api.RoleAssignmentCreate{UserID: o.members[1+rng.IntN(len(o.members)-1)].ID}
		if rng.IntN(2) == 0 {
			a = api.RoleAssignmentCreate{GroupID: o.groups[rng.IntN(len(o.groups))].ID}
		}
		if key := role + a.UserID + a.GroupID; !assigned[key] {
			assigned[key] = true
			ts.assign(role, a)
		}
	}
	for _, e := range o.envs {
		if rng.IntN(4) == 0 {
			continue
		}
		tier := access.TierNames()[rng.IntN(3)]
		if e.Cloud != "gcp" && tier == "co_maintainer" {
			tier = "operator"
		}
		body := api.SupportAccessCreate{Tier: tier, PortForwarding: access.PortForwardingAllowed(tier) && rng.IntN(2) == 0}
		if rng.IntN(3) == 0 {
			f := false
			body.RequireApproval = &f
		}
		if rng.IntN(2) == 0 {
			exp := ts.clock.Now().Add(time.Duration(1+rng.IntN(48)) * time.Hour)
			body.ExpiresAt = &exp
		}
		ts.call("POST", "/v1/environments/"+e.ID+"/support-access", ownerToken, body, 201, nil)
		for _, v := range o.vendors {
			switch rng.IntN(3) {
			case 0:
				ts.fileAndApprove(vendorTokens[v.ID], e.ID, access.TierNames()[rng.IntN(access.TierRank(tier))], int64(600+rng.IntN(7200)))
			case 1:
				ts.call("POST", "/v1/access-requests", vendorTokens[v.ID], api.AccessRequestCreate{EnvironmentID: e.ID, Tier: "support", DurationSeconds: 600}, 201, nil)
			}
		}
	}
	return o
}

func (o *org) users() []api.User { return append(slices.Clone(o.members), o.vendors...) }

// whoCan asks GET /v1/environments/{id}/principals as token.
func (ts *testServer) whoCan(token, envID, action string) api.WhoCan {
	ts.t.Helper()
	var out api.WhoCan
	ts.call("GET", "/v1/environments/"+envID+"/principals?action="+url.QueryEscape(action), token, nil, 200, &out)
	return out
}

func whoCanQuestions() []string {
	out := access.Actions()
	for _, c := range access.AllCapabilities() {
		out = append(out, c.Name)
	}
	return out
}

// Who-can agrees with POST /v1/authorize for every principal of generated organizations, in
// every environment, for every action and capability: a user is listed exactly when authorize
// allows it (a vendor on a resource carrying the prefix), and its first reason is the one
// authorize gives, expiry included.
func TestWhoCan_agreesWithAuthorize(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t)
			o := seedOrg(t, ts, seed)
			allowed := map[string]int{}
			for _, e := range o.envs {
				for _, action := range whoCanQuestions() {
					w := ts.whoCan(ownerToken, e.ID, action)
					if w.EnvironmentID != e.ID || w.EnvironmentName != e.Name || w.Action != action {
						t.Fatalf("answer names %s %q %s, asked %s %q %s", w.EnvironmentID, w.EnvironmentName, w.Action, e.ID, e.Name, action)
					}
					listed := map[string]api.PrincipalAccess{}
					for i, p := range w.Principals {
						if i > 0 && w.Principals[i-1].Email >= p.Email {
							t.Fatalf("%s in %s: principals not sorted by e-mail: %+v", action, e.Name, w.Principals)
						}
						listed[p.UserID] = p
					}
					for _, u := range o.users() {
						a := ts.authorize(ownerToken, api.AuthorizeRequest{PrincipalID: u.ID, EnvironmentID: e.ID, Action: action, Resource: e.ResourcePrefix + "host"})
						p, ok := listed[u.ID]
						if ok != a.Allowed {
							t.Fatalf("%s (%s) %s in %s: authorize %v (%s), who-can lists it: %v", u.Email, u.Kind, action, e.Name, a.Allowed, a.Reason, ok)
						}
						if !ok {
							continue
						}
						allowed[u.Kind]++
						if !reflect.DeepEqual(p.Via[0], *a.Via) || p.Email != u.Email || p.Kind != u.Kind {
							t.Fatalf("%s %s in %s: who-can %+v first via %+v, authorize via %+v", u.Email, action, e.Name, p, p.Via[0], *a.Via)
						}
					}
				}
			}
			if allowed["member"] == 0 || allowed["vendor"] == 0 {
				t.Errorf("the organization allowed %v; want members and vendors allowed somewhere", allowed)
			}
		})
	}
}

func TestWhoCan_rulesAndErrors(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("production", "gcp")
	_, readerTok := ts.userWith("reader", "users.read")
	_, clusterTok := ts.userWith("cluster", "cluster.admin")
	_, plainTok := ts.createUser("plain@example.com", "member")
	_, vendorTok := ts.createUser("oncall@vendor.example", "vendor")
	path := "/v1/environments/" + env.ID + "/principals?action="

	if w := ts.whoCan(readerTok, env.ID, "databases.read_credentials"); len(w.Principals) != 1 || w.Principals[0].Email != BootstrapEmail ||
		w.Principals[0].Via[0].RoleName != "account_owner" || w.Principals[0].Via[0].Permission != "environment_admin" {
		t.Errorf("who can read database credentials: %+v", w)
	}
	ts.whoCan(clusterTok, env.ID, "co_maintainer.apply_workspace")
	for _, c := range []struct {
		token, action string
	}{{plainTok, "apps.deploy"}, {vendorTok, "apps.deploy"}, {readerTok, "operator.reboot_host"}, {clusterTok, "apps.deploy"}} {
		before := len(ts.deniedEvents(ownerToken))
		requireProblem(t, ts.do("GET", path+c.action, c.token, nil), 403, "forbidden")
		if n := len(ts.deniedEvents(ownerToken)); n != before+1 {
			t.Errorf("%s: %d refusals audited, want 1", c.action, n-before)
		}
	}
	p := requireProblem(t, ts.do("GET", path+"apps.deplyo", readerTok, nil), 422, access.CodeUnknownAction)
	if p.Field != "action" || !slices.ContainsFunc(p.Findings, func(f api.FindingDetail) bool { return f.Fix == `Did you mean "apps.deploy"?` }) {
		t.Errorf("unknown action: %+v", p)
	}
	p = requireProblem(t, ts.do("GET", "/v1/environments/"+env.ID+"/principals", readerTok, nil), 422, "invalid_field")
	if p.Field != "action" {
		t.Errorf("missing action: %+v", p)
	}
	requireProblem(t, ts.do("GET", "/v1/environments/env_nope/principals?action=apps.deploy", readerTok, nil), 404, "not_found")
}
