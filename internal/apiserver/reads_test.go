package apiserver

import (
	"strings"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The read rules (access/reads.go) through real HTTP: vendors see only their own, and
// another principal's access is users.read's (a vendor's: cluster.admin's).

// A vendor learns nothing of another vendor's access: not its approved request, tier or
// expiry through authorize, nor through effective access.
func TestReads_vendorAsksAboutAnotherVendor(t *testing.T) {
	ts := newTestServer(t)
	env, _, victim, victimSecret := vendorSetup(ts, "aws", "operator", nil)
	ts.fileAndApprove(victimSecret, env.ID, "operator", 3600)
	_, spySecret := ts.createUser("spy@vendor.example", "vendor")

	ask := api.AuthorizeRequest{PrincipalID: victim.ID, EnvironmentID: env.ID, Action: "operator.reboot_host", Resource: "aw_host"}
	denied := len(ts.deniedEvents(ownerToken))
	r := requireProblem(t, ts.do("POST", "/v1/authorize", spySecret, ask), 403, "forbidden")
	if strings.Contains(r.Detail, "arq_") || strings.Contains(r.Detail, "operator") {
		t.Fatalf("the refusal tells the request or tier: %s", r.Detail)
	}
	requireProblem(t, ts.do("GET", "/v1/environments/"+env.ID+"/effective-access?user_id="+victim.ID, spySecret, nil), 403, "forbidden")
	if n := len(ts.deniedEvents(ownerToken)); n != denied+2 {
		t.Fatalf("%d refusals audited, want 2", n-denied)
	}
	// The vendor still asks about itself, and cluster.admin about anyone.
	self := ts.authorize(victimSecret, ask)
	if !self.Allowed || self.Via == nil || self.Via.AccessRequestID == "" {
		t.Fatalf("a vendor about itself: %+v", self)
	}
	_, adminSecret := ts.userWith("vendor-admin", "cluster.admin", "users.read")
	if a := ts.authorize(adminSecret, ask); !a.Allowed {
		t.Fatalf("cluster.admin about a vendor: %+v", a)
	}
	// users.read alone does not reach a vendor's access.
	_, readerSecret := ts.userWith("reader", "users.read")
	requireProblem(t, ts.do("POST", "/v1/authorize", readerSecret, ask), 403, "forbidden")
	ts.call("GET", "/v1/environments/"+env.ID+"/effective-access?user_id="+victim.ID, readerSecret, nil, 403, nil)
}

// A member without users.read asks about itself only.
func TestReads_memberAsksAboutAnotherMember(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("prod", "aws")
	alice, aliceSecret := ts.createUser("alice@example.com", "member")
	bob, _ := ts.createUser("bob@example.com", "member")
	about := func(id string) api.AuthorizeRequest {
		return api.AuthorizeRequest{PrincipalID: id, EnvironmentID: env.ID, Action: "apps.deploy"}
	}
	ts.call("POST", "/v1/authorize", aliceSecret, about(alice.ID), 200, nil)
	ts.call("GET", "/v1/environments/"+env.ID+"/effective-access?user_id="+alice.ID, aliceSecret, nil, 200, nil)
	requireProblem(t, ts.do("POST", "/v1/authorize", aliceSecret, about(bob.ID)), 403, "forbidden")
	requireProblem(t, ts.do("GET", "/v1/environments/"+env.ID+"/effective-access?user_id="+bob.ID, aliceSecret, nil), 403, "forbidden")
	// An id that does not exist is no different: no probing.
	requireProblem(t, ts.do("POST", "/v1/authorize", aliceSecret, about("usr_ghost")), 403, "forbidden")

	_, readerSecret := ts.userWith("reader", "users.read")
	ts.call("POST", "/v1/authorize", readerSecret, about(bob.ID), 200, nil)
	ts.call("GET", "/v1/environments/"+env.ID+"/effective-access?user_id="+bob.ID, readerSecret, nil, 200, nil)
	ts.call("POST", "/v1/authorize", readerSecret, about("usr_ghost"), 404, nil)
}

// Who the owners are is not everyone's to list: assignments to users need users.read,
// to groups groups.read; each caller reads its own.
func TestReads_roleAssignments(t *testing.T) {
	ts := newTestServer(t)
	alice, aliceSecret := ts.createUser("alice@example.com", "member")
	role := ts.createRole("deployers")
	own := ts.assign(role.ID, api.RoleAssignmentCreate{UserID: alice.ID})
	var g api.Group
	ts.call("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: "team"}, 201, &g)
	grp := ts.assign(role.ID, api.RoleAssignmentCreate{GroupID: g.ID})
	bob, _ := ts.createUser("bob@example.com", "member")
	bobs := ts.assign(role.ID, api.RoleAssignmentCreate{UserID: bob.ID})

	var l api.List[api.RoleAssignment]
	ts.call("GET", "/v1/roles/"+roleAccountOwner+"/assignments", aliceSecret, nil, 200, &l)
	if len(l.Items) != 0 {
		t.Fatalf("alice lists the owners: %+v", l.Items)
	}
	ts.call("GET", "/v1/roles/"+role.ID+"/assignments", aliceSecret, nil, 200, &l)
	if len(l.Items) != 1 || l.Items[0].ID != own.ID {
		t.Fatalf("alice's list: %+v, want only her own", l.Items)
	}
	ts.call("GET", "/v1/roles/"+role.ID+"/assignments/"+own.ID, aliceSecret, nil, 200, nil)
	requireProblem(t, ts.do("GET", "/v1/roles/"+role.ID+"/assignments/"+bobs.ID, aliceSecret, nil), 403, "forbidden")
	requireProblem(t, ts.do("GET", "/v1/roles/"+role.ID+"/assignments/"+grp.ID, aliceSecret, nil), 403, "forbidden")

	_, groupsSecret := ts.userWith("group-readers", "groups.read")
	ts.call("GET", "/v1/roles/"+role.ID+"/assignments", groupsSecret, nil, 200, &l)
	if len(l.Items) != 1 || l.Items[0].ID != grp.ID {
		t.Fatalf("groups.read's list: %+v, want the group's assignment only", l.Items)
	}
	_, usersSecret := ts.userWith("user-readers", "users.read")
	ts.call("GET", "/v1/roles/"+roleAccountOwner+"/assignments", usersSecret, nil, 200, &l)
	if len(l.Items) != 1 {
		t.Fatalf("users.read's list of owners: %+v", l.Items)
	}
}

// Vendors read themselves, their requests, the environments and their support access —
// nothing of the organization's own configuration.
func TestReads_vendorScope(t *testing.T) {
	ts := newTestServer(t)
	env, _, vendor, secret := vendorSetup(ts, "gcp", "support", nil)
	role := ts.createRole("deployers")
	ts.grant(env.ID, role.ID, "deployment")
	req := ts.fileAndApprove(secret, env.ID, "support", 600)

	for _, path := range []string{
		"/v1/users/" + vendor.ID,
		"/v1/environments",
		"/v1/environments/" + env.ID,
		"/v1/environments/" + env.ID + "/support-access",
		"/v1/environments/" + env.ID + "/effective-access?user_id=" + vendor.ID,
		"/v1/access-requests",
		"/v1/access-requests/" + req.ID,
		"/v1/permission-matrix",
	} {
		ts.call("GET", path, secret, nil, 200, nil)
	}
	for _, path := range []string{
		"/v1/roles",
		"/v1/roles/" + role.ID,
		"/v1/roles/" + role.ID + "/assignments",
		"/v1/environments/" + env.ID + "/grants",
		"/v1/environments/" + env.ID + "/grants/" + role.ID,
		"/v1/environments/" + env.ID + "/alert-routing",
		"/v1/users",
		"/v1/groups",
		"/v1/audit-events",
		"/v1/environments/" + env.ID + "/effective-access?user_id=" + ts.ownerID(),
	} {
		requireProblem(t, ts.do("GET", path, secret, nil), 403, "forbidden")
	}
}

// The secret parts of a webhook target are cluster.admin's: everyone else who may read the
// routing reads them redacted.
func TestReads_alertTargetSecrets(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("prod", "aws")
	target := "https://alice:s3cret@hooks.example.com/warden?token=abc123&team=ops"
	ts.call("PUT", "/v1/environments/"+env.ID+"/alert-routing", ownerToken, api.AlertRoutingUpdate{VendorRouting: true,
		Destinations: &[]api.Destination{{Type: "webhook", Target: target, MinSeverity: "warning"}, {Type: "email", Target: "oncall@example.com", MinSeverity: "critical"}}}, 200, nil)

	var full api.AlertRouting
	_, adminSecret := ts.userWith("routing-admins", "cluster.admin")
	ts.call("GET", "/v1/environments/"+env.ID+"/alert-routing", adminSecret, nil, 200, &full)
	if full.Destinations[1].Target != target {
		t.Fatalf("cluster.admin reads %+v, want the target in clear", full.Destinations)
	}
	_, memberSecret := ts.createUser("alice@example.com", "member")
	var seen api.AlertRouting
	r := ts.call("GET", "/v1/environments/"+env.ID+"/alert-routing", memberSecret, nil, 200, &seen)
	for _, secret := range []string{"s3cret", "abc123", "alice:"} {
		if strings.Contains(string(r.body), secret) {
			t.Fatalf("a member reads %q in %s", secret, r.body)
		}
	}
	want := "https://redacted@hooks.example.com/warden?token=redacted&team=redacted"
	if seen.Destinations[1].Target != want || seen.Destinations[0].Target != "oncall@example.com" {
		t.Fatalf("a member reads %+v, want the webhook as %s and the e-mail as it is", seen.Destinations, want)
	}
}
