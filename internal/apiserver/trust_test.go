package apiserver

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Regression tests for the escalation paths an adversarial review found in the running
// server, one per defect, through real HTTP.

// requireProblem asserts a refusal's status and code.
func requireProblem(t *testing.T, r response, status int, code string) api.Problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	p := r.problem(t)
	if p.Code != code {
		t.Fatalf("code %q, want %q; problem %+v", p.Code, code, p)
	}
	return p
}

// deniedEvents returns the audit log's refusals, read with token.
func (ts *testServer) deniedEvents(token string) []api.AuditEvent {
	ts.t.Helper()
	return ts.auditWith(token, "request.denied")
}

// auditLog is the audit log as token may read it (its first 1000 events).
func (ts *testServer) auditLog(token string) []api.AuditEvent {
	ts.t.Helper()
	var l api.List[api.AuditEvent]
	ts.call("GET", "/v1/audit-events?limit=1000", token, nil, 200, &l)
	return l.Items
}

// auditWith returns the events of the audit log, read with token, whose action is action.
func (ts *testServer) auditWith(token, action string) []api.AuditEvent {
	ts.t.Helper()
	var out []api.AuditEvent
	for _, e := range ts.auditLog(token) {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// userWith makes a member user holding a role with the given platform permissions.
func (ts *testServer) userWith(name string, perms ...string) (api.User, string) {
	ts.t.Helper()
	u, tok := ts.createUser(name+"@example.com", "member")
	r := ts.createRole(name, perms...)
	ts.assign(r.ID, api.RoleAssignmentCreate{UserID: u.ID})
	return u, tok
}

func ownerTokenID(ts *testServer) string {
	ts.t.Helper()
	for _, e := range ts.auditLog(ownerToken) {
		if e.Action == "token.create" && e.ActorID == "system" {
			return e.ObjectID
		}
	}
	ts.t.Fatal("no bootstrap token event")
	return ""
}

// Defect 1: lowering the support tier caps access already approved, at once.
func TestTrust_lowerTierCapsApprovedAccess(t *testing.T) {
	ts := newTestServer(t)
	env, sa, vendor, secret := vendorSetup(ts, "gcp", "co_maintainer", nil)
	req := ts.fileAndApprove(secret, env.ID, "co_maintainer", 3600)
	apply := api.AuthorizeRequest{PrincipalID: vendor.ID, EnvironmentID: env.ID, Action: "co_maintainer.apply_workspace", Resource: "aw_ws"}
	if a := ts.authorize(ownerToken, apply); !a.Allowed {
		t.Fatalf("before lowering: %+v", a)
	}
	ts.call("PATCH", "/v1/environments/"+env.ID+"/support-access", ownerToken,
		map[string]any{"tier": "support"}, 200, nil, "If-Match", etag(sa.Version))

	if a := ts.authorize(ownerToken, apply); a.Allowed {
		t.Fatalf("co_maintainer capability after lowering to support: %+v", a)
	}
	reboot := apply
	reboot.Action = "operator.reboot_host"
	if a := ts.authorize(ownerToken, reboot); a.Allowed {
		t.Fatalf("operator capability after lowering to support: %+v", a)
	}
	read := apply
	read.Action = "support.read_parameters"
	a := ts.authorize(ownerToken, read)
	if !a.Allowed || a.Via == nil || a.Via.Tier != "support" || a.Via.AccessRequestID != req.ID || !strings.Contains(a.Reason, "at most") {
		t.Fatalf("support capability held at the lowered tier: %+v", a)
	}
	var ea api.EffectiveAccess
	ts.call("GET", "/v1/environments/"+env.ID+"/effective-access?user_id="+vendor.ID, ownerToken, nil, 200, &ea)
	if !slices.Equal(ea.Support, access.Capabilities("support", false)) {
		t.Fatalf("effective access lists %v, want the support tier's capabilities", ea.Support)
	}

	// Deleting support access ends every approval there.
	var cur api.SupportAccess
	ts.call("GET", "/v1/environments/"+env.ID+"/support-access", ownerToken, nil, 200, &cur)
	ts.call("DELETE", "/v1/environments/"+env.ID+"/support-access", ownerToken, nil, 204, nil)
	if a := ts.authorize(ownerToken, read); a.Allowed {
		t.Fatalf("after deleting support access: %+v", a)
	}
	var got api.AccessRequest
	ts.call("GET", "/v1/access-requests/"+req.ID, ownerToken, nil, 200, &got)
	if got.Status != "revoked" {
		t.Fatalf("request after support access deleted: %+v", got)
	}
}

// Defect 2: a users.admin cannot lock the owner out by revoking its tokens; nobody revokes
// the last usable owner's last token.
func TestTrust_tokenRevocationNeedsCoverAndKeepsOwner(t *testing.T) {
	ts := newTestServer(t)
	owner := ts.ownerID()
	tokID := ownerTokenID(ts)
	_, admin := ts.userWith("useradmin", "users.admin")
	r := ts.do("DELETE", "/v1/users/"+owner+"/tokens/"+tokID, admin, nil)
	requireProblem(t, r, 403, "forbidden")
	// The owner itself cannot revoke its only token either: nobody could mint it another.
	r = ts.do("DELETE", "/v1/users/"+owner+"/tokens/"+tokID, ownerToken, nil)
	requireProblem(t, r, 409, access.CodeLastOwner)
	// With a second token, revoking the first is fine.
	var second api.Token
	ts.call("POST", "/v1/users/"+owner+"/tokens", ownerToken, api.TokenCreate{Name: "spare"}, 201, &second)
	ts.call("DELETE", "/v1/users/"+owner+"/tokens/"+tokID, second.Secret, nil, 204, nil)
	ts.call("GET", "/v1/users/"+owner, second.Secret, nil, 200, nil)
	if len(ts.deniedEvents(second.Secret)) < 2 {
		t.Fatal("the refused revocations are not in the audit log")
	}
}

// Defect 3: a groups.admin cannot strip owners by deleting their group.
func TestTrust_groupDeletionNeedsCover(t *testing.T) {
	ts := newTestServer(t)
	_, admin := ts.userWith("groupadmin", "groups.admin")
	other, _ := ts.createUser("second-owner@example.com", "member")
	var g api.Group
	ts.call("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: "owners", Members: &[]string{other.ID}}, 201, &g)
	ts.assign(roleAccountOwner, api.RoleAssignmentCreate{GroupID: g.ID})
	before := len(ts.deniedEvents(ownerToken))
	requireProblem(t, ts.do("DELETE", "/v1/groups/"+g.ID, admin, nil), 403, "forbidden")
	ts.call("GET", "/v1/groups/"+g.ID, ownerToken, nil, 200, nil)
	if len(ts.deniedEvents(ownerToken)) != before+1 {
		t.Fatal("the refused deletion is not audited")
	}
	// An owner may delete it: the bootstrap owner remains.
	ts.call("DELETE", "/v1/groups/"+g.ID, ownerToken, nil, 204, nil)
}

// Defect 4: the last usable owner cannot be removed, by assignment, group or user.
func TestTrust_lastOwnerStays(t *testing.T) {
	ts := newTestServer(t)
	owner := ts.ownerID()
	var l api.List[api.RoleAssignment]
	ts.call("GET", "/v1/roles/"+roleAccountOwner+"/assignments", ownerToken, nil, 200, &l)
	if len(l.Items) != 1 {
		t.Fatalf("assignments %+v", l.Items)
	}
	asg := l.Items[0]
	requireProblem(t, ts.do("DELETE", "/v1/roles/"+roleAccountOwner+"/assignments/"+asg.ID, ownerToken, nil), 409, access.CodeLastOwner)
	requireProblem(t, ts.do("DELETE", "/v1/users/"+owner, ownerToken, nil), 409, access.CodeLastOwner)

	// An owner through a group counts; emptying that group is refused once it is the last.
	second, secondTok := ts.createUser("second@example.com", "member")
	var g api.Group
	ts.call("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: "owners", Members: &[]string{second.ID}}, 201, &g)
	ts.assign(roleDeployOwner, api.RoleAssignmentCreate{GroupID: g.ID})
	ts.call("DELETE", "/v1/roles/"+roleAccountOwner+"/assignments/"+asg.ID, ownerToken, nil, 204, nil)
	requireProblem(t, ts.do("PATCH", "/v1/groups/"+g.ID, secondTok, map[string]any{"members": []string{}}), 409, access.CodeLastOwner)
	requireProblem(t, ts.do("DELETE", "/v1/groups/"+g.ID, secondTok, nil), 409, access.CodeLastOwner)
	requireProblem(t, ts.do("DELETE", "/v1/users/"+second.ID, secondTok, nil), 409, access.CodeLastOwner)
	// The former owner, no longer one, can now be deleted by the remaining owner.
	ts.call("DELETE", "/v1/users/"+owner, secondTok, nil, 204, nil)
}

// Defect 5: vendor users hold no roles and join no groups; nobody approves their own
// request, even with a role written before these rules existed.
func TestTrust_vendorsHoldNoRolesNorApproveThemselves(t *testing.T) {
	ts := newTestServer(t)
	env, _, vendor, secret := vendorSetup(ts, "aws", "operator", nil)
	admin := ts.createRole("cluster-admins", "cluster.admin")
	r := ts.do("POST", "/v1/roles/"+admin.ID+"/assignments", ownerToken, api.RoleAssignmentCreate{UserID: vendor.ID})
	requireProblem(t, r, 422, access.CodeVendorNoRoles)
	r = ts.do("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: "with-vendor", Members: &[]string{vendor.ID}})
	requireProblem(t, r, 422, access.CodeVendorNoGroups)

	// Legacy data: an assignment written straight to the store, as an older server allowed.
	err := ts.srv.update(t.Context(), func(tx Tx) error {
		return tx.InsertAssignment(api.RoleAssignment{Meta: newMeta("asg", ts.clock.Now()), RoleID: admin.ID, UserID: vendor.ID})
	})
	if err != nil {
		t.Fatal(err)
	}
	var req api.AccessRequest
	ts.call("POST", "/v1/access-requests", secret, api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "operator", DurationSeconds: 3600}, 201, &req)
	requireProblem(t, ts.do("POST", "/v1/access-requests/"+req.ID+"/approve", secret, nil), 403, "forbidden")
	requireProblem(t, ts.do("PATCH", "/v1/environments/"+env.ID+"/support-access", secret, map[string]any{"tier": "operator"}), 403, "forbidden")
	// The engine's rule, for any approver holding cluster.admin: never one's own request.
	pol := ts.srv.pol()
	self := &access.Principal{User: access.User{ID: vendor.ID, Kind: "member"}}
	if p, ok := pol.Principal(ts.ownerID()); ok {
		self = p
	}
	if _, d := pol.Approve(self, access.AccessRequest{ID: "arq_x", EnvironmentID: env.ID, RequesterID: self.User.ID, Tier: "support"}, 0, ts.clock.Now()); d == nil || d.Code != access.CodeSelfApproval {
		t.Fatalf("self approval: %+v", d)
	}
}

// Defect 6: a users.admin cannot impersonate a vendor holding a tier.
func TestTrust_noImpersonatingAVendorWithATier(t *testing.T) {
	ts := newTestServer(t)
	env, _, vendor, secret := vendorSetup(ts, "aws", "operator", nil)
	_, admin := ts.userWith("useradmin", "users.admin")
	// Even before any approval, when the vendor holds nothing, users.admin alone may not mint
	// it a token (TestTokens_vendorTokensNeedClusterAdmin).
	requireProblem(t, ts.do("POST", "/v1/users/"+vendor.ID+"/tokens", admin, api.TokenCreate{Name: "before"}), 403, "forbidden")
	ts.fileAndApprove(secret, env.ID, "operator", 3600)
	r := ts.do("POST", "/v1/users/"+vendor.ID+"/tokens", admin, api.TokenCreate{Name: "impersonate"})
	p := requireProblem(t, r, 403, "forbidden")
	requireContains(t, p.Detail, "cluster.admin", "operator.reboot_host")
	ts.call("POST", "/v1/users/"+vendor.ID+"/tokens", ownerToken, api.TokenCreate{Name: "owner may"}, 201, nil)
}

// Defect 7: authorization runs before validation, and validation's work is bounded.
func TestTrust_authorizeBeforeValidate(t *testing.T) {
	ts := newTestServer(t)
	_, secret := ts.createUser("vendor@vendor.example", "vendor")
	bogus := make([]string, 45000)
	for i := range bogus {
		bogus[i] = fmt.Sprintf("bogus.permission.%d", i)
	}
	body, err := json.Marshal(api.RoleCreate{Name: "x", Permissions: bogus})
	if err != nil {
		t.Fatal(err)
	}
	r := ts.do("POST", "/v1/roles", secret, body)
	requireProblem(t, r, 403, "forbidden")
	if len(r.body) > 4096 {
		t.Fatalf("a refusal of %d bytes", len(r.body))
	}
	// Existence is not revealed to a caller without the right: 403 for a missing
	// environment as for an existing one.
	_, member := ts.createUser("member@example.com", "member")
	env := ts.createEnv("exists", "aws")
	a := ts.do("PATCH", "/v1/environments/"+env.ID+"/grants/role_x", member, map[string]any{"permissions": []string{"nope"}})
	b := ts.do("PATCH", "/v1/environments/env_missing/grants/role_x", member, map[string]any{"permissions": []string{"nope"}})
	requireProblem(t, a, 403, "forbidden")
	requireProblem(t, b, 403, "forbidden")

	// An owner's bogus list gets a bounded answer.
	few := bogus[:2000]
	r = ts.do("POST", "/v1/roles", ownerToken, api.RoleCreate{Name: "x", Permissions: few})
	if r.status != 422 {
		t.Fatalf("status %d", r.status)
	}
	if p := r.problem(t); len(p.Findings) > 256 {
		t.Fatalf("%d findings returned", len(p.Findings))
	}
}

// Defect 8: an environment without a resource prefix gives vendors no scope at all.
func TestTrust_emptyPrefixGivesVendorsNothing(t *testing.T) {
	ts := newTestServer(t)
	env, _, vendor, secret := vendorSetup(ts, "aws", "operator", nil)
	ts.fileAndApprove(secret, env.ID, "operator", 3600)
	// Written straight to the store, as an older server accepted it.
	err := ts.srv.update(t.Context(), func(tx Tx) error {
		e, err := tx.Environment(env.ID)
		if err != nil {
			return err
		}
		e.ResourcePrefix = ""
		return tx.UpdateEnvironment(e)
	})
	if err != nil {
		t.Fatal(err)
	}
	a := ts.authorize(ownerToken, api.AuthorizeRequest{PrincipalID: vendor.ID, EnvironmentID: env.ID, Action: "operator.reboot_host", Resource: "anything"})
	if a.Allowed {
		t.Fatalf("vendor access without a prefix: %+v", a)
	}
}

// Defect 10 (cascades): deleting an object audits everything removed with it.
func TestTrust_cascadedDeletionsAreAudited(t *testing.T) {
	ts := newTestServer(t)
	env, _, vendor, secret := vendorSetup(ts, "aws", "operator", nil)
	req := ts.fileAndApprove(secret, env.ID, "operator", 3600)
	u, _ := ts.createUser("alice@example.com", "member")
	role := ts.createRole("deployers")
	asg := ts.assign(role.ID, api.RoleAssignmentCreate{UserID: u.ID})
	g := ts.grant(env.ID, role.ID, "deployment")
	var grp api.Group
	ts.call("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: "team", Members: &[]string{u.ID}}, 201, &grp)

	deletedWith := func(what string) map[string]string {
		out := map[string]string{}
		for _, e := range ts.auditLog(ownerToken) {
			var before map[string]string
			if json.Unmarshal(e.Before, &before) == nil && before["deleted_with"] == what {
				out[e.ObjectType] = e.ObjectID
			}
		}
		return out
	}
	ts.call("DELETE", "/v1/users/"+u.ID, ownerToken, nil, 204, nil)
	got := deletedWith("user " + u.ID)
	if got["role_assignment"] != asg.ID || got["group_membership"] != grp.ID+"/"+u.ID || got["token"] == "" {
		t.Fatalf("user cascade audited as %v", got)
	}
	ts.call("DELETE", "/v1/environments/"+env.ID, ownerToken, nil, 204, nil)
	got = deletedWith("environment " + env.ID)
	if got["grant"] != g.ID || got["support_access"] == "" || got["access_request"] != req.ID {
		t.Fatalf("environment cascade audited as %v (vendor %s)", got, vendor.ID)
	}
}

// Standing vendor access: with require_approval false every vendor user holds the tier
// without a request, still within the prefix and the expiry; turning approvals back on ends it.
func TestSupportAccess_standing(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("standing", "aws")
	no := false
	var sa api.SupportAccess
	ts.call("POST", "/v1/environments/"+env.ID+"/support-access", ownerToken,
		api.SupportAccessCreate{Tier: "operator", RequireApproval: &no}, 201, &sa)
	if sa.RequireApproval {
		t.Fatalf("created %+v", sa)
	}
	vendor, _ := ts.createUser("oncall@vendor.example", "vendor")
	ask := api.AuthorizeRequest{PrincipalID: vendor.ID, EnvironmentID: env.ID, Action: "operator.reboot_host", Resource: "aw_host"}
	a := ts.authorize(ownerToken, ask)
	if !a.Allowed || a.Via == nil || a.Via.SupportAccessID != sa.ID || a.Via.Tier != "operator" {
		t.Fatalf("standing access: %+v", a)
	}
	outside := ask
	outside.Resource = "customer_db"
	if a := ts.authorize(ownerToken, outside); a.Allowed {
		t.Fatalf("standing access outside the prefix: %+v", a)
	}
	var ea api.EffectiveAccess
	ts.call("GET", "/v1/environments/"+env.ID+"/effective-access?user_id="+vendor.ID, ownerToken, nil, 200, &ea)
	if !slices.Equal(ea.Support, access.Capabilities("operator", false)) {
		t.Fatalf("effective access %v", ea.Support)
	}
	yes := true
	ts.call("PATCH", "/v1/environments/"+env.ID+"/support-access", ownerToken, api.SupportAccessUpdate{RequireApproval: &yes}, 200, &sa)
	if a := ts.authorize(ownerToken, ask); a.Allowed {
		t.Fatalf("after require_approval true: %+v", a)
	}
	// The default is approvals.
	other := ts.createEnv("default", "aws")
	ts.call("POST", "/v1/environments/"+other.ID+"/support-access", ownerToken, api.SupportAccessCreate{Tier: "operator"}, 201, &sa)
	if !sa.RequireApproval {
		t.Fatalf("default %+v", sa)
	}
}
