package apiserver

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// vendorSetup makes an environment with support access of tier until expiresAt, a vendor
// user with a token, and an approved access request for tier lasting duration.
func vendorSetup(ts *testServer, cloud, tier string, expiresAt *time.Time) (api.Environment, api.SupportAccess, api.User, string) {
	ts.t.Helper()
	env := ts.createEnv("vendor-"+cloud, cloud)
	var sa api.SupportAccess
	ts.call("POST", "/v1/environments/"+env.ID+"/support-access", ownerToken,
		api.SupportAccessCreate{Tier: tier, ExpiresAt: expiresAt}, 201, &sa)
	u, secret := ts.createUser("oncall-"+cloud+"@vendor.example", "vendor")
	return env, sa, u, secret
}

func (ts *testServer) fileAndApprove(token, envID, tier string, duration int64) api.AccessRequest {
	ts.t.Helper()
	var req api.AccessRequest
	ts.call("POST", "/v1/access-requests", token, api.AccessRequestCreate{EnvironmentID: envID, Tier: tier, DurationSeconds: duration}, 201, &req)
	if req.Status != "pending" {
		ts.t.Fatalf("new request status %q", req.Status)
	}
	var approved api.AccessRequest
	ts.call("POST", "/v1/access-requests/"+req.ID+"/approve", ownerToken, nil, 200, &approved)
	return approved
}

func TestSupportAccess_expiryAndVendorAuthorize(t *testing.T) {
	ts := newTestServer(t)
	exp := ts.clock.Now().Add(2 * time.Second)
	env, sa, vendor, secret := vendorSetup(ts, "aws", "operator", &exp)
	if sa.Status != "active" || !slices.Contains(sa.Capabilities, "operator.reboot_host") || slices.Contains(sa.Capabilities, access.CapabilityPortForward) {
		t.Fatalf("support access %+v", sa)
	}
	req := ts.fileAndApprove(secret, env.ID, "operator", 3600)
	if req.Status != "approved" || !req.ExpiresAt.Equal(exp) {
		t.Fatalf("approval capped at the support access expiry: %+v", req)
	}

	ask := api.AuthorizeRequest{PrincipalID: vendor.ID, EnvironmentID: env.ID, Action: "operator.reboot_host", Resource: "aw_host1"}
	if a := ts.authorize(ownerToken, ask); !a.Allowed || a.Via == nil || a.Via.AccessRequestID != req.ID || a.Via.Tier != "operator" {
		t.Fatalf("before expiry: %+v", a)
	}
	outside := ask
	outside.Resource = "customer_db"
	if a := ts.authorize(ownerToken, outside); a.Allowed || !strings.Contains(a.Reason, "aw_") {
		t.Fatalf("resource outside the prefix: %+v", a)
	}
	above := ask
	above.Action = "co_maintainer.apply_workspace"
	if a := ts.authorize(ownerToken, above); a.Allowed {
		t.Fatalf("capability above the tier: %+v", a)
	}
	matrix := ask
	matrix.Action = "apps.deploy"
	if a := ts.authorize(ownerToken, matrix); a.Allowed {
		t.Fatalf("vendor with a matrix action: %+v", a)
	}

	ts.clock.Advance(3 * time.Second)
	var got api.SupportAccess
	ts.call("GET", "/v1/environments/"+env.ID+"/support-access", ownerToken, nil, 200, &got)
	if got.Status != "expired" || got.ID != sa.ID {
		t.Fatalf("after expiry: %+v", got)
	}
	if a := ts.authorize(ownerToken, ask); a.Allowed {
		t.Fatalf("expired access still authorizes: %+v", a)
	}
	var reqNow api.AccessRequest
	ts.call("GET", "/v1/access-requests/"+req.ID, secret, nil, 200, &reqNow)
	if reqNow.Status != "expired" {
		t.Errorf("request after expiry: %q", reqNow.Status)
	}

	// A past expires_at is refused; a later one re-activates in place.
	past := ts.clock.Now().Add(-time.Hour)
	r := ts.do("PATCH", "/v1/environments/"+env.ID+"/support-access", ownerToken, api.SupportAccessUpdate{ExpiresAt: &past})
	if p := r.problem(t); r.status != 422 || p.Code != "expires_at_in_past" || p.Field != "expires_at" {
		t.Fatalf("past expiry: %d %+v", r.status, p)
	}
	later := ts.clock.Now().Add(time.Hour)
	ts.call("PATCH", "/v1/environments/"+env.ID+"/support-access", ownerToken, api.SupportAccessUpdate{ExpiresAt: &later}, 200, &got)
	if got.ID != sa.ID || got.Version != sa.Version+1 || got.Status != "active" || !got.ExpiresAt.Equal(later) {
		t.Fatalf("re-activated: %+v", got)
	}
	// The old request stays expired; a fresh approval authorizes again.
	req2 := ts.fileAndApprove(secret, env.ID, "support", 600)
	if a := ts.authorize(ownerToken, ask); a.Allowed {
		t.Fatalf("support tier allows an operator capability: %+v", a)
	}
	read := ask
	read.Action = "support.read_log_streams"
	if a := ts.authorize(secret, read); !a.Allowed || a.Via.AccessRequestID != req2.ID {
		t.Fatalf("after re-activation: %+v", a)
	}

	// Deleting support access revokes the approved requests.
	ts.call("DELETE", "/v1/environments/"+env.ID+"/support-access", ownerToken, nil, 204, nil)
	ts.call("GET", "/v1/access-requests/"+req2.ID, ownerToken, nil, 200, &reqNow)
	if reqNow.Status != "revoked" {
		t.Errorf("after support access deletion: %q", reqNow.Status)
	}
	if a := ts.authorize(ownerToken, read); a.Allowed {
		t.Fatalf("after deletion: %+v", a)
	}
	ts.call("GET", "/v1/environments/"+env.ID+"/support-access", ownerToken, nil, 404, nil)
}

func TestSupportAccess_validation(t *testing.T) {
	ts := newTestServer(t)
	aws := ts.createEnv("a", "aws")
	r := ts.do("POST", "/v1/environments/"+aws.ID+"/support-access", ownerToken, api.SupportAccessCreate{Tier: "co_maintainer"})
	p := r.problem(t)
	if r.status != 422 || p.Code != access.CodeTierRequiresGCP || p.Field != "tier" {
		t.Fatalf("co_maintainer on aws: %d %+v", r.status, p)
	}
	r = ts.do("POST", "/v1/environments/"+aws.ID+"/support-access", ownerToken, api.SupportAccessCreate{Tier: "support", PortForwarding: true})
	if p := r.problem(t); r.status != 422 || p.Field != "port_forwarding" {
		t.Fatalf("port forwarding on support: %d %+v", r.status, p)
	}
	r = ts.do("POST", "/v1/environments/"+aws.ID+"/support-access", ownerToken, api.SupportAccessCreate{Tier: "oprator"})
	if p := r.problem(t); r.status != 422 || p.Code != access.CodeUnknownTier || !strings.Contains(p.Detail, "operator") {
		t.Fatalf("unknown tier: %d %+v", r.status, p)
	}
	past := ts.clock.Now().Add(-time.Minute)
	r = ts.do("POST", "/v1/environments/"+aws.ID+"/support-access", ownerToken, api.SupportAccessCreate{Tier: "support", ExpiresAt: &past})
	if p := r.problem(t); r.status != 422 || p.Code != "expires_at_in_past" {
		t.Fatalf("past expiry: %d %+v", r.status, p)
	}
	ts.call("POST", "/v1/environments/"+aws.ID+"/support-access", ownerToken, api.SupportAccessCreate{Tier: "operator", PortForwarding: true}, 201, nil)
	ts.call("POST", "/v1/environments/"+aws.ID+"/support-access", ownerToken, api.SupportAccessCreate{Tier: "operator"}, 409, nil)
	tier := "co_maintainer"
	r = ts.do("PATCH", "/v1/environments/"+aws.ID+"/support-access", ownerToken, api.SupportAccessUpdate{Tier: &tier})
	if p := r.problem(t); r.status != 422 || p.Code != access.CodeTierRequiresGCP {
		t.Fatalf("patch to co_maintainer on aws: %d %+v", r.status, p)
	}
	gcp := ts.createEnv("g", "gcp")
	var sa api.SupportAccess
	ts.call("POST", "/v1/environments/"+gcp.ID+"/support-access", ownerToken, api.SupportAccessCreate{Tier: "co_maintainer", PortForwarding: true}, 201, &sa)
	if !slices.Contains(sa.Capabilities, "co_maintainer.apply_workspace") || !slices.Contains(sa.Capabilities, access.CapabilityPortForward) {
		t.Errorf("capabilities %v", sa.Capabilities)
	}

	// cluster.admin is required to write.
	_, secret := ts.createUser("m@example.com", "member")
	if p := ts.do("DELETE", "/v1/environments/"+gcp.ID+"/support-access", secret, nil).problem(t); p.Status != 403 || !strings.Contains(p.Detail, "cluster.admin") {
		t.Errorf("member deleting: %+v", p)
	}
	ts.call("GET", "/v1/environments/"+gcp.ID+"/support-access", secret, nil, 200, nil)
}

func TestAccessRequest_durationCountsFromApproval(t *testing.T) {
	ts := newTestServer(t)
	env, _, _, secret := vendorSetup(ts, "gcp", "operator", nil)
	var req api.AccessRequest
	ts.call("POST", "/v1/access-requests", secret, api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "operator", DurationSeconds: 3600}, 201, &req)
	ts.clock.Advance(2 * time.Hour) // longer than the duration: counting from the request would expire it at once
	approvedAt := ts.clock.Now()
	var approved api.AccessRequest
	ts.call("POST", "/v1/access-requests/"+req.ID+"/approve", ownerToken, nil, 200, &approved)
	if approved.Status != "approved" || !approved.DecidedAt.Equal(approvedAt) || !approved.ExpiresAt.Equal(approvedAt.Add(time.Hour)) {
		t.Fatalf("approved %+v", approved)
	}
	// Approving twice is a conflict.
	if p := ts.do("POST", "/v1/access-requests/"+req.ID+"/approve", ownerToken, nil).problem(t); p.Status != 409 {
		t.Fatalf("second approval: %+v", p)
	}
	ts.clock.Advance(time.Hour)
	var got api.AccessRequest
	ts.call("GET", "/v1/access-requests/"+req.ID, ownerToken, nil, 200, &got)
	if got.Status != "expired" {
		t.Fatalf("after the duration: %q", got.Status)
	}
	var l api.List[api.AccessRequest]
	ts.call("GET", "/v1/access-requests?status=expired&environment_id="+env.ID, ownerToken, nil, 200, &l)
	if len(l.Items) != 1 || l.Items[0].ID != req.ID {
		t.Fatalf("expired filter: %+v", l.Items)
	}
}

func TestAccessRequest_rules(t *testing.T) {
	ts := newTestServer(t)
	env, _, vendor, secret := vendorSetup(ts, "gcp", "support", nil)
	// Above the ceiling.
	r := ts.do("POST", "/v1/access-requests", secret, api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "operator", DurationSeconds: 600})
	if p := r.problem(t); r.status != 422 || p.Field != "tier" {
		t.Fatalf("above ceiling: %d %+v", r.status, p)
	}
	// No support access.
	bare := ts.createEnv("bare", "gcp")
	r = ts.do("POST", "/v1/access-requests", secret, api.AccessRequestCreate{EnvironmentID: bare.ID, Tier: "support", DurationSeconds: 600})
	if p := r.problem(t); r.status != 422 || p.Field != "environment_id" {
		t.Fatalf("no support access: %d %+v", r.status, p)
	}
	// Members do not file access requests.
	r = ts.do("POST", "/v1/access-requests", ownerToken, api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "support", DurationSeconds: 600})
	if r.status != 403 {
		t.Fatalf("member filing: %d", r.status)
	}
	// A vendor sees only its own requests; cluster.admin sees all.
	_, other := ts.createUser("other@vendor.example", "vendor")
	var mine api.AccessRequest
	ts.call("POST", "/v1/access-requests", secret, api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "support", DurationSeconds: 600}, 201, &mine)
	ts.call("POST", "/v1/access-requests", other, api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "support", DurationSeconds: 600}, 201, nil)
	var l api.List[api.AccessRequest]
	ts.call("GET", "/v1/access-requests", secret, nil, 200, &l)
	if len(l.Items) != 1 || l.Items[0].RequesterID != vendor.ID {
		t.Fatalf("vendor list: %+v", l.Items)
	}
	ts.call("GET", "/v1/access-requests", ownerToken, nil, 200, &l)
	if len(l.Items) != 2 {
		t.Fatalf("admin list: %d", len(l.Items))
	}
	// The vendor cannot approve its own request.
	ts.call("POST", "/v1/access-requests/"+mine.ID+"/approve", secret, nil, 403, nil)
	var denied api.AccessRequest
	ts.call("POST", "/v1/access-requests/"+mine.ID+"/deny", ownerToken, nil, 200, &denied)
	if denied.Status != "denied" {
		t.Fatalf("denied %+v", denied)
	}
	ts.call("POST", "/v1/access-requests/"+mine.ID+"/approve", ownerToken, nil, 409, nil)
}

func TestAuthorize_groupMemberAndGrantDelete(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("prod", "gcp")
	alice, secret := ts.createUser("alice@example.com", "member")
	var g api.Group
	ts.call("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: "deployers", Members: &[]string{alice.ID}}, 201, &g)
	role := ts.createRole("deployer")
	ts.assign(role.ID, api.RoleAssignmentCreate{GroupID: g.ID})
	grant := ts.grant(env.ID, role.ID, "deployment", "ops")
	if !slices.Contains(grant.AllowedActions, "apps.deploy") || slices.Contains(grant.AllowedActions, "apps.ssh") {
		t.Fatalf("allowed_actions %v", grant.AllowedActions)
	}

	ask := api.AuthorizeRequest{PrincipalID: alice.ID, EnvironmentID: env.ID, Action: "apps.deploy"}
	a := ts.authorize(secret, ask)
	if !a.Allowed || a.Via == nil || a.Via.GrantID != grant.ID || a.Via.RoleID != role.ID || a.Via.GroupID != g.ID ||
		a.Via.Permission != "deployment" || a.Via.RoleName != "deployer" {
		t.Fatalf("via group: %+v %+v", a, a.Via)
	}
	if a := ts.authorize(secret, api.AuthorizeRequest{PrincipalID: alice.ID, EnvironmentID: env.ID, Action: "apps.ssh"}); a.Allowed {
		t.Fatalf("apps.ssh allowed: %+v", a)
	}
	if a := ts.authorize(secret, api.AuthorizeRequest{PrincipalID: alice.ID, EnvironmentID: env.ID, Action: "apps.fly"}); a.Allowed || a.Reason == "" {
		t.Fatalf("unknown action: %+v", a)
	}
	ts.call("POST", "/v1/authorize", ownerToken, api.AuthorizeRequest{PrincipalID: "usr_ghost", EnvironmentID: env.ID, Action: "apps.deploy"}, 404, nil)
	ts.call("POST", "/v1/authorize", secret, api.AuthorizeRequest{PrincipalID: alice.ID, EnvironmentID: "env_ghost", Action: "apps.deploy"}, 404, nil)
	// Without users.read, another principal's access is not alice's to learn, nor whether
	// an id exists.
	ts.call("POST", "/v1/authorize", secret, api.AuthorizeRequest{PrincipalID: "usr_ghost", EnvironmentID: env.ID, Action: "apps.deploy"}, 403, nil)

	// Owners are allowed everything through their organization role.
	owner := ts.ownerID()
	if a := ts.authorize(ownerToken, api.AuthorizeRequest{PrincipalID: owner, EnvironmentID: env.ID, Action: "databases.read_credentials"}); !a.Allowed ||
		a.Via.RoleID != roleAccountOwner || a.Via.Permission != "environment_admin" {
		t.Fatalf("owner: %+v", a)
	}

	// Effective access names the group.
	var ea api.EffectiveAccess
	ts.call("GET", "/v1/environments/"+env.ID+"/effective-access?user_id="+alice.ID, secret, nil, 200, &ea)
	if !slices.Equal(ea.Actions, access.AllowedActions([]string{"deployment", "ops"})) {
		t.Fatalf("effective actions %v", ea.Actions)
	}
	for _, src := range ea.Grants {
		if src.GroupID != g.ID || src.GrantID != grant.ID || !access.Allows([]string{src.Permission}, src.Action) {
			t.Fatalf("source %+v", src)
		}
	}
	ts.call("GET", "/v1/environments/"+env.ID+"/effective-access?group_id="+g.ID, secret, nil, 200, &ea)
	if len(ea.Actions) == 0 {
		t.Fatal("group effective access empty")
	}
	ts.call("GET", "/v1/environments/"+env.ID+"/effective-access?user_id="+owner, ownerToken, nil, 200, &ea)
	if len(ea.Actions) != 34 {
		t.Fatalf("owner effective actions: %d", len(ea.Actions))
	}
	// Another user's access needs users.read, which alice does not hold.
	ts.call("GET", "/v1/environments/"+env.ID+"/effective-access?user_id="+owner, secret, nil, 403, nil)
	ts.call("GET", "/v1/environments/"+env.ID+"/effective-access", secret, nil, 422, nil)

	ts.call("DELETE", "/v1/environments/"+env.ID+"/grants/"+role.ID, ownerToken, nil, 204, nil)
	if a := ts.authorize(secret, ask); a.Allowed {
		t.Fatalf("after grant delete: %+v", a)
	}
}

func TestGrants_validationAndConflicts(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("g", "aws")
	role := ts.createRole("r")
	r := ts.do("POST", "/v1/environments/"+env.ID+"/grants", ownerToken,
		api.GrantCreate{RoleID: role.ID, Permissions: []string{"deploymnt", "ops", "ops"}})
	p := r.problem(t)
	if r.status != 422 || p.Field != "permissions" || p.Code != access.CodeUnknownPermission || len(p.Findings) != 2 {
		t.Fatalf("invalid grant: %d %+v", r.status, p)
	}
	if p.Findings[0].Value != "deploymnt" || !strings.Contains(p.Findings[0].Fix, "deployment") {
		t.Errorf("finding %+v", p.Findings[0])
	}
	r = ts.do("POST", "/v1/environments/"+env.ID+"/grants", ownerToken, api.GrantCreate{RoleID: role.ID, Permissions: []string{}})
	if p := r.problem(t); r.status != 422 || p.Code != access.CodeEmptyPermissions {
		t.Fatalf("empty grant: %d %+v", r.status, p)
	}
	r = ts.do("POST", "/v1/environments/"+env.ID+"/grants", ownerToken, api.GrantCreate{RoleID: "role_ghost", Permissions: []string{"ops"}})
	if p := r.problem(t); r.status != 422 || p.Field != "role_id" {
		t.Fatalf("unknown role: %d %+v", r.status, p)
	}
	ts.call("POST", "/v1/environments/env_ghost/grants", ownerToken, api.GrantCreate{RoleID: role.ID, Permissions: []string{"ops"}}, 404, nil)
	g := ts.grant(env.ID, role.ID, "ops")
	ts.call("POST", "/v1/environments/"+env.ID+"/grants", ownerToken, api.GrantCreate{RoleID: role.ID, Permissions: []string{"tunnel"}}, 409, nil)
	var upd api.Grant
	ts.call("PATCH", "/v1/environments/"+env.ID+"/grants/"+role.ID, ownerToken, api.GrantUpdate{Permissions: []string{"tunnel", "basic_visibility"}}, 200, &upd, "If-Match", `"1"`)
	if upd.ID != g.ID || upd.Version != 2 || strings.Join(upd.Permissions, ",") != "basic_visibility,tunnel" ||
		!slices.Equal(upd.AllowedActions, []string{"databases.create_tunnels"}) {
		t.Fatalf("updated %+v", upd)
	}
	var l api.List[api.Grant]
	ts.call("GET", "/v1/environments/"+env.ID+"/grants", ownerToken, nil, 200, &l)
	if len(l.Items) != 1 || len(l.Items[0].AllowedActions) != 1 {
		t.Fatalf("list %+v", l.Items)
	}
}

func TestEscalation(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("esc", "gcp")
	admin, adminToken := ts.createUser("admin@example.com", "member")
	usersAdmin := ts.createRole("user-admins", "users.admin")
	ts.assign(usersAdmin.ID, api.RoleAssignmentCreate{UserID: admin.ID})
	target, _ := ts.createUser("target@example.com", "member")

	// users.admin works for what it covers.
	ts.call("POST", "/v1/users", adminToken, api.UserCreate{Email: "new@example.com"}, 201, nil)
	// Roles are owners' business.
	if p := ts.do("POST", "/v1/roles", adminToken, api.RoleCreate{Name: "sneaky", Permissions: []string{"cluster.admin"}}).problem(t); p.Status != 403 || p.Code != "forbidden" {
		t.Fatalf("non-owner creating a role: %+v", p)
	}
	// Assigning a role with a permission the actor lacks.
	clusterAdmins := ts.createRole("cluster-admins", "cluster.admin")
	r := ts.do("POST", "/v1/roles/"+clusterAdmins.ID+"/assignments", adminToken, api.RoleAssignmentCreate{UserID: target.ID})
	if p := r.problem(t); r.status != 403 || !strings.Contains(p.Detail, "cluster.admin") {
		t.Fatalf("escalating assignment: %d %+v", r.status, p)
	}
	// ... including to itself, and including the built-in owner role.
	ts.call("POST", "/v1/roles/"+clusterAdmins.ID+"/assignments", adminToken, api.RoleAssignmentCreate{UserID: admin.ID}, 403, nil)
	ts.call("POST", "/v1/roles/"+roleAccountOwner+"/assignments", adminToken, api.RoleAssignmentCreate{UserID: admin.ID}, 403, nil)
	// A role whose permissions it holds (users.read is inside users.admin) is fine.
	readers := ts.createRole("readers", "users.read")
	ts.call("POST", "/v1/roles/"+readers.ID+"/assignments", adminToken, api.RoleAssignmentCreate{UserID: target.ID}, 201, nil)
	// ... unless the role carries an environment grant the actor does not hold.
	ts.grant(env.ID, readers.ID, "environment_admin")
	other, _ := ts.createUser("other@example.com", "member")
	ts.call("POST", "/v1/roles/"+readers.ID+"/assignments", adminToken, api.RoleAssignmentCreate{UserID: other.ID}, 403, nil)
	// Group assignments need groups.admin.
	var g api.Group
	ts.call("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: "g"}, 201, &g)
	ts.call("POST", "/v1/roles/"+usersAdmin.ID+"/assignments", adminToken, api.RoleAssignmentCreate{GroupID: g.ID}, 403, nil)
	// users.admin cannot take over the owner's account.
	ts.call("POST", "/v1/users/"+ts.ownerID()+"/tokens", adminToken, api.TokenCreate{}, 403, nil)
	ts.call("DELETE", "/v1/users/"+ts.ownerID(), adminToken, nil, 403, nil)
	// Exactly one of user_id and group_id.
	if p := ts.do("POST", "/v1/roles/"+readers.ID+"/assignments", ownerToken, api.RoleAssignmentCreate{}).problem(t); p.Status != 422 || p.Field != "user_id" {
		t.Fatalf("neither: %+v", p)
	}
	ts.call("POST", "/v1/roles/"+readers.ID+"/assignments", ownerToken, api.RoleAssignmentCreate{UserID: "usr_ghost"}, 422, nil)
	ts.call("POST", "/v1/roles/"+readers.ID+"/assignments", ownerToken, api.RoleAssignmentCreate{UserID: target.ID}, 409, nil)

	// Grants: an environment_admin (non-owner) may grant; someone without it may not.
	envAdmins := ts.createRole("env-admins")
	ts.grant(env.ID, envAdmins.ID, "environment_admin")
	ea, eaToken := ts.createUser("ea@example.com", "member")
	ts.assign(envAdmins.ID, api.RoleAssignmentCreate{UserID: ea.ID})
	deployers := ts.createRole("deployers")
	ts.call("POST", "/v1/environments/"+env.ID+"/grants", eaToken, api.GrantCreate{RoleID: deployers.ID, Permissions: []string{"deployment"}}, 201, nil)
	other2 := ts.createEnv("other", "gcp")
	ts.call("POST", "/v1/environments/"+other2.ID+"/grants", eaToken, api.GrantCreate{RoleID: deployers.ID, Permissions: []string{"deployment"}}, 403, nil)
	ts.call("POST", "/v1/environments/"+env.ID+"/grants", adminToken, api.GrantCreate{RoleID: usersAdmin.ID, Permissions: []string{"ops"}}, 403, nil)
	// Environments are owners' business.
	ts.call("POST", "/v1/environments", eaToken, api.EnvironmentCreate{Name: "x", Cloud: "aws"}, 403, nil)
}

// TestGrantReplacement_neverDeniesInBetween replaces a grant's permissions back and forth
// while readers ask for an action both sets allow: the answer must never be a deny.
func TestGrantReplacement_neverDeniesInBetween(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("race", "aws")
	u, secret := ts.createUser("racer@example.com", "member")
	role := ts.createRole("racers")
	ts.assign(role.ID, api.RoleAssignmentCreate{UserID: u.ID})
	ts.grant(env.ID, role.ID, "deployment")
	// apps.restart is allowed by deployment and by ops.
	sets := [][]string{{"ops", "tunnel"}, {"deployment"}}

	var stop atomic.Bool
	var denies, asks atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				a := ts.authorize(secret, api.AuthorizeRequest{PrincipalID: u.ID, EnvironmentID: env.ID, Action: "apps.restart"})
				asks.Add(1)
				if !a.Allowed {
					denies.Add(1)
				}
			}
		}()
	}
	for i := range 40 {
		ts.call("PATCH", "/v1/environments/"+env.ID+"/grants/"+role.ID, ownerToken, api.GrantUpdate{Permissions: sets[i%2]}, 200, nil)
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d authorize answers during 40 replacements", asks.Load())
	if denies.Load() != 0 {
		t.Fatalf("%d of %d answers denied an action allowed before and after", denies.Load(), asks.Load())
	}
}
