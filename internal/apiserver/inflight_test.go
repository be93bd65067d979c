package apiserver

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// A decision taken when a request's headers arrive must still hold when the request acts:
// its body may arrive long after its token was revoked, its user deleted or its role taken
// away. Each test holds a request's body back until the server has authenticated it and run
// its route's check (startRequest), changes the actor's standing meanwhile, then sends it.

// secondOwner makes another account_owner with a token, and returns its user, its token
// secret and the assignment that makes it an owner.
func (ts *testServer) secondOwner() (api.User, string, api.RoleAssignment) {
	ts.t.Helper()
	u, secret := ts.createUser("owner2@example.com", "member")
	a := ts.assign(roleAccountOwner, api.RoleAssignmentCreate{UserID: u.ID})
	return u, secret, a
}

// tokenID returns the id of the token whose secret is given.
func (ts *testServer) tokenID(secret string) string {
	ts.t.Helper()
	t, ok := ts.srv.pol().TokenByHash(hashToken(secret), ts.clock.Now())
	if !ok {
		ts.t.Fatal("no such token")
	}
	return t.ID
}

// dump is the store without the audit log and idempotency records, read in one view.
func (ts *testServer) dump() string {
	ts.t.Helper()
	return ts.dumpWith(func(tx Tx, add func(any, error) error) error {
		return firstErr(addObjects(tx, add), addRoutings(tx, add))
	})
}

// storeDump is the store's state without the audit log, idempotency records and alert
// routing, for "a refused change changes nothing".
func (ts *testServer) storeDump() string {
	ts.t.Helper()
	return ts.dumpWith(addObjects)
}

// addObjects adds every object but alert routing.
func addObjects(tx Tx, add func(any, error) error) error {
	list := func(v any, _ string, err error) error { return add(v, err) }
	return firstErr(
		list(tx.Environments("", Page{})), list(tx.Users("", Page{})), list(tx.Groups("", Page{})),
		list(tx.Roles("", Page{})), add(tx.AllAssignments()), add(tx.AllGrants()), add(tx.AllSupportAccess()),
		list(tx.AccessRequests(AccessRequestFilter{}, Page{})), add(tx.AllTokens()))
}

// addRoutings adds every environment's alert routing.
func addRoutings(tx Tx, add func(any, error) error) error {
	envs, _, err := tx.Environments("", Page{})
	for _, e := range envs {
		if err == nil {
			err = add(tx.AlertRouting(e.ID))
		}
	}
	return err
}

// dumpWith reads in one view what fill adds, each value as JSON.
func (ts *testServer) dumpWith(fill func(tx Tx, add func(any, error) error) error) string {
	ts.t.Helper()
	var b strings.Builder
	err := ts.srv.store.View(ts.t.Context(), func(tx Tx) error {
		return fill(tx, func(v any, err error) error {
			if err != nil {
				return err
			}
			raw, err := json.Marshal(v)
			b.Write(raw)
			return err
		})
	})
	if err != nil {
		ts.t.Fatal(err)
	}
	return b.String()
}

// lastDenial is the newest audited refusal.
func (ts *testServer) lastDenial() api.AuditEvent {
	ts.t.Helper()
	evs := ts.deniedEvents(ownerToken)
	if len(evs) == 0 {
		ts.t.Fatal("no refusal was audited")
	}
	return evs[len(evs)-1]
}

// The review's reproduction: an owner's token mints a token for its own user while, in
// flight, the owner role is taken away and that token revoked.
func TestInflight_mintAfterRevoke(t *testing.T) {
	ts := newTestServer(t)
	o2, secret, a := ts.secondOwner()
	f := ts.startRequest("POST", "/v1/users/"+o2.ID+"/tokens", secret, api.TokenCreate{Name: "late"})

	ts.call("DELETE", "/v1/roles/"+roleAccountOwner+"/assignments/"+a.ID, ownerToken, nil, 204, nil)
	ts.call("DELETE", "/v1/users/"+o2.ID+"/tokens/"+ts.tokenID(secret), ownerToken, nil, 204, nil)
	ts.call("GET", "/v1/users/"+o2.ID, secret, nil, 401, nil)
	before := ts.dump()

	r := f.finish()
	requireProblem(t, r, 401, codeUnauthorized)
	if r.header.Get("WWW-Authenticate") == "" {
		t.Error("401 without a WWW-Authenticate challenge")
	}
	if strings.Contains(string(r.body), "wdn_") {
		t.Fatalf("a secret in the refusal: %s", r.body)
	}
	if ts.dump() != before {
		t.Fatal("the refused request changed the store")
	}
	if e := ts.lastDenial(); e.ActorID != o2.ID {
		t.Fatalf("refusal audited for %q, want %q: %+v", e.ActorID, o2.ID, e)
	}
}

// A user deleted while its request is in flight acts no more.
func TestInflight_userDeleted(t *testing.T) {
	ts := newTestServer(t)
	o2, secret, _ := ts.secondOwner()
	f := ts.startRequest("POST", "/v1/roles", secret, api.RoleCreate{Name: "late", Permissions: []string{"users.read"}})
	ts.call("DELETE", "/v1/users/"+o2.ID, ownerToken, nil, 204, nil)
	before := ts.dump()
	requireProblem(t, f.finish(), 401, codeUnauthorized)
	if ts.dump() != before {
		t.Fatal("the refused request changed the store")
	}
}

// A principal demoted while its request is in flight is judged as it is at commit time:
// the route's check fails (403), audited, nothing written.
func TestInflight_demoted(t *testing.T) {
	ts := newTestServer(t)
	_, secret, a := ts.secondOwner()
	f := ts.startRequest("POST", "/v1/roles", secret, api.RoleCreate{Name: "late", Permissions: []string{"users.read"}})
	ts.call("DELETE", "/v1/roles/"+roleAccountOwner+"/assignments/"+a.ID, ownerToken, nil, 204, nil)
	before := ts.dump()
	denied := len(ts.deniedEvents(ownerToken))
	requireProblem(t, f.finish(), 403, "forbidden")
	if ts.dump() != before {
		t.Fatal("the refused request changed the store")
	}
	if n := len(ts.deniedEvents(ownerToken)); n != denied+1 {
		t.Fatalf("%d refusals audited, want 1", n-denied)
	}
}

// The engine's finer rules see the principal as of the commit too: a users.admin that
// covered its target (held every permission the target holds) when it started, but no
// longer does when its body arrives, is refused by the rule the handler asks, though the
// route's own check (users.admin) still passes.
func TestInflight_ruleSeesCommitTimePrincipal(t *testing.T) {
	ts := newTestServer(t)
	admin, secret := ts.createUser("admin@example.com", "member")
	weak := ts.createRole("user-admins", "users.admin")
	strong := ts.createRole("auditors", "audit.read")
	ts.assign(weak.ID, api.RoleAssignmentCreate{UserID: admin.ID})
	held := ts.assign(strong.ID, api.RoleAssignmentCreate{UserID: admin.ID})
	target, _ := ts.createUser("target@example.com", "member")
	ts.assign(strong.ID, api.RoleAssignmentCreate{UserID: target.ID})

	f := ts.startRequest("POST", "/v1/users/"+target.ID+"/tokens", secret, api.TokenCreate{Name: "takeover"})
	ts.call("DELETE", "/v1/roles/"+strong.ID+"/assignments/"+held.ID, ownerToken, nil, 204, nil)
	before := ts.dump()
	requireProblem(t, f.finish(), 403, "forbidden")
	if ts.dump() != before {
		t.Fatal("the refused request changed the store")
	}
}

// Every route that takes a body, its token revoked while the body is in flight: 401,
// nothing written. A route added later without a case here fails the test.
func TestInflight_everyBodyRouteRefusesARevokedToken(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("prod", "gcp")
	env2 := ts.createEnv("staging", "aws")
	member, _ := ts.createUser("member@example.com", "member")
	vendor, _ := ts.createUser("oncall@vendor.example", "vendor")
	role := ts.createRole("deployers", "users.read")
	role2 := ts.createRole("ops", "groups.read")
	ts.grant(env.ID, role.ID, "deployment")
	var group api.Group
	ts.call("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: "team"}, 201, &group)
	ts.call("POST", "/v1/environments/"+env.ID+"/support-access", ownerToken, api.SupportAccessCreate{Tier: "operator"}, 201, nil)

	o2, _, _ := ts.secondOwner()
	type route struct {
		method, pattern, path string
		body                  any
		vendor                bool // filed by the vendor: only vendors file access requests
	}
	cases := []route{
		{"POST", "/v1/environments", "/v1/environments", api.EnvironmentCreate{Name: "late", Cloud: "aws"}, false},
		{"PATCH", "/v1/environments/{id}", "/v1/environments/" + env.ID, map[string]any{"name": "renamed"}, false},
		{"POST", "/v1/users", "/v1/users", api.UserCreate{Email: "late@example.com"}, false},
		{"PATCH", "/v1/users/{id}", "/v1/users/" + member.ID, map[string]any{"name": "Renamed"}, false},
		{"POST", "/v1/users/{id}/tokens", "/v1/users/" + o2.ID + "/tokens", api.TokenCreate{Name: "late"}, false},
		{"POST", "/v1/groups", "/v1/groups", api.GroupCreate{Name: "late"}, false},
		{"PATCH", "/v1/groups/{id}", "/v1/groups/" + group.ID, map[string]any{"description": "changed"}, false},
		{"POST", "/v1/groups/{id}/members", "/v1/groups/" + group.ID + "/members", api.GroupMemberAdd{UserID: member.ID}, false},
		{"POST", "/v1/roles", "/v1/roles", api.RoleCreate{Name: "late", Permissions: []string{"users.read"}}, false},
		{"PATCH", "/v1/roles/{id}", "/v1/roles/" + role.ID, map[string]any{"description": "changed"}, false},
		{"POST", "/v1/roles/{role_id}/assignments", "/v1/roles/" + role.ID + "/assignments", api.RoleAssignmentCreate{UserID: member.ID}, false},
		{"POST", "/v1/environments/{id}/grants", "/v1/environments/" + env.ID + "/grants", api.GrantCreate{RoleID: role2.ID, Permissions: []string{"ops"}}, false},
		{"PATCH", "/v1/environments/{id}/grants/{role_id}", "/v1/environments/" + env.ID + "/grants/" + role.ID, api.GrantUpdate{Permissions: []string{"ops"}}, false},
		{"POST", "/v1/environments/{id}/support-access", "/v1/environments/" + env2.ID + "/support-access", api.SupportAccessCreate{Tier: "support"}, false},
		{"PATCH", "/v1/environments/{id}/support-access", "/v1/environments/" + env.ID + "/support-access", map[string]any{"tier": "support"}, false},
		{"POST", "/v1/environments/{id}/support-access/revoke", "/v1/environments/" + env.ID + "/support-access/revoke", api.VendorAccessRevoke{}, false},
		{"PUT", "/v1/environments/{id}/alert-routing", "/v1/environments/" + env.ID + "/alert-routing", api.AlertRoutingUpdate{VendorRouting: false}, false},
		{"POST", "/v1/environments/{id}/alert-routing/destinations", "/v1/environments/" + env.ID + "/alert-routing/destinations",
			api.Destination{Type: "webhook", Target: "https://hooks.example.com/x", MinSeverity: "warning"}, false},
		{"POST", "/v1/access-requests", "/v1/access-requests", api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "support", DurationSeconds: 600}, true},
		{"POST", "/v1/authorize", "/v1/authorize", api.AuthorizeRequest{PrincipalID: member.ID, EnvironmentID: env.ID, Action: "apps.deploy"}, false},
		{"POST", "/v1/access-preview", "/v1/access-preview", api.AccessPreviewRequest{Changes: []api.AccessChange{
			{Kind: "role_assignment_add", RoleID: role.ID, UserID: member.ID}}}, false},
		{"POST", "/v1/environments/{id}/alerts", "/v1/environments/" + env.ID + "/alerts",
			amPayload("firing", ts.clock.Now(), map[string]string{"alertname": "Late"}), false},
		{"POST", "/v1/alerts/enqueue", "/v1/alerts/enqueue", map[string]any{"routing_key": env.ID, "event_action": "trigger",
			"payload": map[string]any{"summary": "late", "source": "db1", "severity": "info"}}, false},
	}

	// Every operation with a request body has a case.
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody any `json:"requestBody"`
		} `json:"paths"`
	}
	ts.call("GET", "/v1/openapi.json", "", nil, 200, &doc)
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.method+" "+c.pattern] = true
	}
	var missing []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if k := strings.ToUpper(method) + " " + path; op.RequestBody != nil && !covered[k] {
				missing = append(missing, k)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("routes with a body and no in-flight case: %v", missing)
	}

	for _, c := range cases {
		// A fresh token per case, revoked while the body is in flight.
		user := o2.ID
		if c.vendor {
			user = vendor.ID
		}
		var tok api.Token
		ts.call("POST", "/v1/users/"+user+"/tokens", ownerToken, api.TokenCreate{Name: "inflight"}, 201, &tok)
		f := ts.startRequest(c.method, c.path, tok.Secret, c.body)
		ts.call("DELETE", "/v1/users/"+user+"/tokens/"+tok.ID, ownerToken, nil, 204, nil)
		before := ts.dump()
		r := f.finish()
		if r.status != 401 {
			t.Errorf("%s %s: status %d after its token was revoked, want 401: %s", c.method, c.pattern, r.status, r.body)
			continue
		}
		if ts.dump() != before {
			t.Errorf("%s %s: refused, but the store changed", c.method, c.pattern)
		}
	}
}
