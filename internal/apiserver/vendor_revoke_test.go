package apiserver

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The break-glass revoke, POST /v1/environments/{id}/support-access/revoke: what it ends,
// for whom, who may call it, and that calling it again ends nothing.

func revokePath(envID string) string { return "/v1/environments/" + envID + "/support-access/revoke" }

// rebootAsk asks whether vendor may reboot a prefixed host in env.
func rebootAsk(vendorID, envID string) api.AuthorizeRequest {
	return api.AuthorizeRequest{PrincipalID: vendorID, EnvironmentID: envID, Action: "operator.reboot_host", Resource: "aw_host1"}
}

func (ts *testServer) fileRequest(token, envID, tier string) api.AccessRequest {
	ts.t.Helper()
	var r api.AccessRequest
	ts.call("POST", "/v1/access-requests", token, api.AccessRequestCreate{EnvironmentID: envID, Tier: tier, DurationSeconds: 3600}, 201, &r)
	return r
}

func (ts *testServer) accessRequest(id string) api.AccessRequest {
	ts.t.Helper()
	var r api.AccessRequest
	ts.call("GET", "/v1/access-requests/"+id, ownerToken, nil, 200, &r)
	return r
}

// auditOf lists the audit events with action, oldest first.
func (ts *testServer) auditOf(action string) []api.AuditEvent {
	ts.t.Helper()
	return ts.auditWith(ownerToken, action)
}

// requireExactSnapshot checks that the server's in-memory snapshot decides for every user and
// environment exactly as one freshly loaded from the store.
func (ts *testServer) requireExactSnapshot(userIDs, envIDs []string) {
	ts.t.Helper()
	var fresh *access.Policy
	err := ts.srv.store.View(ts.t.Context(), func(tx Tx) error {
		var err error
		fresh, _, err = loadPolicy(tx)
		return err
	})
	if err != nil {
		ts.t.Fatal(err)
	}
	now := ts.clock.Now()
	ts.srv.state.mu.RLock()
	defer ts.srv.state.mu.RUnlock()
	for _, u := range userIDs {
		for _, e := range envIDs {
			got, want := ts.srv.state.pol.SupportCapabilities(u, e, now), fresh.SupportCapabilities(u, e, now)
			if !slices.Equal(got, want) {
				ts.t.Fatalf("snapshot of %s in %s: %v, store says %v", u, e, got, want)
			}
		}
	}
}

func ids(rs []api.AccessRequest) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	slices.Sort(out)
	return out
}

func TestVendorRevoke_endsEveryVendorsAccess(t *testing.T) {
	ts := newTestServer(t)
	prod := ts.createEnv("prod", "aws")
	other := ts.createEnv("other", "aws")
	standing := false
	var sa api.SupportAccess
	ts.call("POST", "/v1/environments/"+prod.ID+"/support-access", ownerToken,
		api.SupportAccessCreate{Tier: "operator", RequireApproval: &standing}, 201, &sa)
	ts.call("POST", "/v1/environments/"+other.ID+"/support-access", ownerToken, api.SupportAccessCreate{Tier: "operator"}, 201, nil)
	v1, tok1 := ts.createUser("v1@vendor.example", "vendor")
	v2, tok2 := ts.createUser("v2@vendor.example", "vendor")
	// An approval that already ended stays as it is: it gives nothing to end.
	old := ts.fileAndApprove(tok2, prod.ID, "support", 60)
	ts.clock.Advance(2 * time.Minute)
	a1 := ts.fileAndApprove(tok1, prod.ID, "operator", 3600)
	a2 := ts.fileAndApprove(tok2, prod.ID, "operator", 3600)
	pending := ts.fileRequest(tok2, prod.ID, "support")
	elsewhere := ts.fileAndApprove(tok1, other.ID, "operator", 3600)
	for _, v := range []string{v1.ID, v2.ID} {
		if a := ts.authorize(ownerToken, rebootAsk(v, prod.ID)); !a.Allowed {
			t.Fatalf("before the revoke %s: %+v", v, a)
		}
	}

	ts.clock.Advance(time.Minute)
	now := ts.clock.Now()
	var got api.VendorAccessRevocation
	ts.call("POST", revokePath(prod.ID), ownerToken, api.VendorAccessRevoke{Reason: "INC-42: vendor credentials leaked"}, 200, &got)
	if got.EnvironmentID != prod.ID || got.EnvironmentName != "prod" || got.UserID != "" || got.Reason != "INC-42: vendor credentials leaked" || !got.StandingAccessEnded {
		t.Fatalf("revocation %+v", got)
	}
	if want := ids([]api.AccessRequest{a1, a2}); !slices.Equal(ids(got.RevokedApprovals), want) {
		t.Fatalf("revoked approvals %v, want %v", ids(got.RevokedApprovals), want)
	}
	if !slices.Equal(ids(got.RevokedPending), []string{pending.ID}) {
		t.Fatalf("revoked pending %v, want %v", ids(got.RevokedPending), pending.ID)
	}
	if got.SupportAccess == nil || !got.SupportAccess.RequireApproval || got.SupportAccess.Status != "active" ||
		got.SupportAccess.Tier != "operator" || got.SupportAccess.Version != sa.Version+1 {
		t.Fatalf("support access after the revoke %+v", got.SupportAccess)
	}

	// At once: every vendor is denied here, with nothing left that allows it.
	for _, v := range []string{v1.ID, v2.ID} {
		if a := ts.authorize(ownerToken, rebootAsk(v, prod.ID)); a.Allowed {
			t.Fatalf("after the revoke %s still allowed: %+v", v, a)
		}
		var eff api.EffectiveAccess
		ts.call("GET", "/v1/environments/"+prod.ID+"/effective-access?user_id="+v, ownerToken, nil, 200, &eff)
		if len(eff.Support) != 0 {
			t.Fatalf("effective access of %s after the revoke: %+v", v, eff.Support)
		}
	}
	// Another environment is not touched.
	if a := ts.authorize(ownerToken, rebootAsk(v1.ID, other.ID)); !a.Allowed || a.Via.AccessRequestID != elsewhere.ID {
		t.Fatalf("other environment: %+v", a)
	}
	for _, r := range []api.AccessRequest{a1, a2, pending} {
		cur := ts.accessRequest(r.ID)
		if cur.Status != "revoked" || cur.DecidedBy != ts.ownerID() || !cur.DecidedAt.Equal(now) {
			t.Fatalf("request %s after the revoke: %+v", r.ID, cur)
		}
		if r.Status == "approved" && !cur.ExpiresAt.Equal(now) {
			t.Fatalf("revoked approval %s still expires at %v", r.ID, cur.ExpiresAt)
		}
	}
	if cur := ts.accessRequest(old.ID); cur.Status != "expired" || cur.Version != old.Version {
		t.Fatalf("ended approval was changed: %+v", cur)
	}
	if cur := ts.accessRequest(elsewhere.ID); cur.Status != "approved" {
		t.Fatalf("approval in another environment: %+v", cur)
	}
	ts.requireExactSnapshot([]string{v1.ID, v2.ID}, []string{prod.ID, other.ID})

	// Audited: each request, the support access, and the revoke itself with its reason.
	var revoked []string
	for _, e := range ts.auditOf("access_request.revoke") {
		if e.EnvironmentID != prod.ID || e.ActorID != ts.ownerID() {
			t.Fatalf("request audit %+v", e)
		}
		revoked = append(revoked, e.ObjectID)
	}
	slices.Sort(revoked)
	if want := ids([]api.AccessRequest{a1, a2, pending}); !slices.Equal(revoked, want) {
		t.Fatalf("audited request revokes %v, want %v", revoked, want)
	}
	updates := ts.auditOf("support_access.update")
	if len(updates) != 1 || updates[0].ObjectID != sa.ID || !strings.Contains(string(updates[0].Before), `"require_approval":false`) ||
		!strings.Contains(string(updates[0].After), `"require_approval":true`) {
		t.Fatalf("support access audit %+v", updates)
	}
	breaks := ts.auditOf("vendor_access.revoke")
	if len(breaks) != 1 || breaks[0].ObjectID != prod.ID || breaks[0].EnvironmentID != prod.ID || breaks[0].ActorID != ts.ownerID() {
		t.Fatalf("revoke audit %+v", breaks)
	}
	var recorded api.VendorAccessRevocation
	if err := json.Unmarshal(breaks[0].After, &recorded); err != nil || recorded.Reason != got.Reason || len(recorded.RevokedApprovals) != 2 {
		t.Fatalf("revoke audit body %s (%v)", breaks[0].After, err)
	}

	// Idempotent: again, nothing left to end, and no error.
	var again api.VendorAccessRevocation
	ts.call("POST", revokePath(prod.ID), ownerToken, api.VendorAccessRevoke{}, 200, &again)
	if len(again.RevokedApprovals) != 0 || len(again.RevokedPending) != 0 || again.StandingAccessEnded ||
		again.SupportAccess == nil || again.SupportAccess.Version != got.SupportAccess.Version {
		t.Fatalf("second revoke %+v", again)
	}
	if n := len(ts.auditOf("access_request.revoke")); n != 3 {
		t.Fatalf("second revoke audited %d request revokes, want still 3", n)
	}
	if n := len(ts.auditOf("support_access.update")); n != 1 {
		t.Fatalf("second revoke changed the support access (%d updates)", n)
	}
	if n := len(ts.auditOf("vendor_access.revoke")); n != 2 {
		t.Fatalf("each revoke is audited, even one that ends nothing: %d", n)
	}

	// The ceiling stays: the vendor may ask again, and an approval works as before.
	fresh := ts.fileAndApprove(tok1, prod.ID, "operator", 3600)
	if a := ts.authorize(ownerToken, rebootAsk(v1.ID, prod.ID)); !a.Allowed || a.Via.AccessRequestID != fresh.ID {
		t.Fatalf("approval after the incident: %+v", a)
	}
}

func TestVendorRevoke_oneVendor(t *testing.T) {
	ts := newTestServer(t)
	env, sa, v1, tok1 := vendorSetup(ts, "aws", "operator", nil)
	v2, tok2 := ts.createUser("v2@vendor.example", "vendor")
	a1 := ts.fileAndApprove(tok1, env.ID, "operator", 3600)
	p1 := ts.fileRequest(tok1, env.ID, "support")
	a2 := ts.fileAndApprove(tok2, env.ID, "operator", 3600)
	p2 := ts.fileRequest(tok2, env.ID, "support")

	var got api.VendorAccessRevocation
	ts.call("POST", revokePath(env.ID), ownerToken, api.VendorAccessRevoke{UserID: v1.ID}, 200, &got)
	if got.UserID != v1.ID || got.StandingAccessEnded || !slices.Equal(ids(got.RevokedApprovals), []string{a1.ID}) ||
		!slices.Equal(ids(got.RevokedPending), []string{p1.ID}) || got.SupportAccess == nil || got.SupportAccess.Version != sa.Version {
		t.Fatalf("revocation for one vendor %+v", got)
	}
	if a := ts.authorize(ownerToken, rebootAsk(v1.ID, env.ID)); a.Allowed {
		t.Fatalf("the named vendor is still allowed: %+v", a)
	}
	if a := ts.authorize(ownerToken, rebootAsk(v2.ID, env.ID)); !a.Allowed || a.Via.AccessRequestID != a2.ID {
		t.Fatalf("another vendor lost access: %+v", a)
	}
	if cur := ts.accessRequest(p2.ID); cur.Status != "pending" {
		t.Fatalf("another vendor's pending request: %+v", cur)
	}

	// Standing access would keep the named vendor in: it ends too, for every vendor (it is
	// not per user), while the other vendor's own approval stays.
	standing := false
	ts.call("PATCH", "/v1/environments/"+env.ID+"/support-access", ownerToken, api.SupportAccessUpdate{RequireApproval: &standing}, 200, nil)
	if a := ts.authorize(ownerToken, rebootAsk(v1.ID, env.ID)); !a.Allowed || a.Via.SupportAccessID == "" {
		t.Fatalf("standing access: %+v", a)
	}
	ts.call("POST", revokePath(env.ID), ownerToken, api.VendorAccessRevoke{UserID: v1.ID}, 200, &got)
	if !got.StandingAccessEnded || len(got.RevokedApprovals) != 0 || len(got.RevokedPending) != 0 || !got.SupportAccess.RequireApproval {
		t.Fatalf("revocation of standing access for one vendor %+v", got)
	}
	if a := ts.authorize(ownerToken, rebootAsk(v1.ID, env.ID)); a.Allowed {
		t.Fatalf("the named vendor kept standing access: %+v", a)
	}
	if a := ts.authorize(ownerToken, rebootAsk(v2.ID, env.ID)); !a.Allowed || a.Via.AccessRequestID != a2.ID {
		t.Fatalf("another vendor's approval: %+v", a)
	}
	ts.requireExactSnapshot([]string{v1.ID, v2.ID}, []string{env.ID})

	// user_id names a vendor user; anything else is refused, audited, and ends nothing.
	member, _ := ts.createUser("alice@example.com", "member")
	p := requireProblem(t, ts.do("POST", revokePath(env.ID), ownerToken, api.VendorAccessRevoke{UserID: member.ID}), 422, access.CodeNotVendor)
	if p.Field != "user_id" {
		t.Fatalf("member as user_id: %+v", p)
	}
	p = requireProblem(t, ts.do("POST", revokePath(env.ID), ownerToken, api.VendorAccessRevoke{UserID: "usr_missing"}), 422, codeInvalidField)
	if p.Field != "user_id" {
		t.Fatalf("unknown user_id: %+v", p)
	}
	denied := ts.deniedEvents(ownerToken)
	if len(denied) != 1 || !strings.Contains(string(denied[0].After), access.CodeNotVendor) ||
		!strings.Contains(string(denied[0].After), revokePath(env.ID)) {
		t.Fatalf("refusal audit %+v", denied)
	}
	if a := ts.authorize(ownerToken, rebootAsk(v2.ID, env.ID)); !a.Allowed {
		t.Fatalf("a refused revoke ended access: %+v", a)
	}
}

func TestVendorRevoke_whoMay(t *testing.T) {
	ts := newTestServer(t)
	env, _, vendor, vendorTok := vendorSetup(ts, "gcp", "operator", nil)
	approved := ts.fileAndApprove(vendorTok, env.ID, "operator", 3600)
	// Members without cluster.admin: an environment admin of this very environment, and a
	// users.admin. Neither decides vendor access, so neither may end it.
	_, adminTok := ts.userWith("envadmin", "users.read")
	var l api.List[api.Role]
	ts.call("GET", "/v1/roles?name=envadmin", ownerToken, nil, 200, &l)
	ts.grant(env.ID, l.Items[0].ID, "environment_admin")
	_, usersTok := ts.userWith("useradmin", "users.admin")
	_, clusterTok := ts.userWith("clusteradmin", "cluster.admin")

	before := len(ts.deniedEvents(ownerToken))
	for name, tok := range map[string]string{"the vendor itself": vendorTok, "an environment admin": adminTok, "users.admin": usersTok} {
		p := requireProblem(t, ts.do("POST", revokePath(env.ID), tok, api.VendorAccessRevoke{UserID: vendor.ID}), 403, access.CodeForbidden)
		requireContains(t, p.Detail, "cluster.admin")
		// Refused before anything is looked up: no 404 telling what exists.
		requireProblem(t, ts.do("POST", revokePath("env_missing"), tok, api.VendorAccessRevoke{}), 403, access.CodeForbidden)
		if a := ts.authorize(ownerToken, rebootAsk(vendor.ID, env.ID)); !a.Allowed {
			t.Fatalf("refused revoke by %s ended access: %+v", name, a)
		}
	}
	denied := ts.deniedEvents(ownerToken)[before:]
	if len(denied) != 6 {
		t.Fatalf("%d refusals audited, want 6: %+v", len(denied), denied)
	}
	for _, e := range denied {
		requireContains(t, string(e.After), `"method":"POST"`, "/support-access/revoke", "cluster.admin")
	}
	if cur := ts.accessRequest(approved.ID); cur.Status != "approved" || cur.Version != approved.Version {
		t.Fatalf("refusals changed the request: %+v", cur)
	}

	requireProblem(t, ts.do("POST", revokePath("env_missing"), clusterTok, api.VendorAccessRevoke{}), 404, codeNotFound)
	var got api.VendorAccessRevocation
	ts.call("POST", revokePath(env.ID), clusterTok, api.VendorAccessRevoke{}, 200, &got)
	if !slices.Equal(ids(got.RevokedApprovals), []string{approved.ID}) {
		t.Fatalf("cluster.admin revoke %+v", got)
	}
	if a := ts.authorize(ownerToken, rebootAsk(vendor.ID, env.ID)); a.Allowed {
		t.Fatalf("after the cluster.admin revoke: %+v", a)
	}
}

func TestVendorRevoke_idempotencyKeyAndNoSupportAccess(t *testing.T) {
	ts := newTestServer(t)
	env, _, _, tok := vendorSetup(ts, "aws", "support", nil)
	r := ts.fileAndApprove(tok, env.ID, "support", 3600)
	var first, replay api.VendorAccessRevocation
	ts.call("POST", revokePath(env.ID), ownerToken, api.VendorAccessRevoke{}, 200, &first, "Idempotency-Key", "k1")
	resp := ts.call("POST", revokePath(env.ID), ownerToken, api.VendorAccessRevoke{}, 200, &replay, "Idempotency-Key", "k1")
	if resp.header.Get("Idempotent-Replayed") != "true" || !slices.Equal(ids(replay.RevokedApprovals), []string{r.ID}) {
		t.Fatalf("replay %v %+v", resp.header, replay)
	}
	if n := len(ts.auditOf("vendor_access.revoke")); n != 1 {
		t.Fatalf("a replay acted again: %d revokes audited", n)
	}
	requireProblem(t, ts.do("POST", revokePath(env.ID), ownerToken, api.VendorAccessRevoke{Reason: "other"}, "Idempotency-Key", "k1"),
		422, codeIdempotencyKeyReused)

	// An environment without support access has nothing to end; that is not an error.
	bare := ts.createEnv("bare", "aws")
	var got api.VendorAccessRevocation
	ts.call("POST", revokePath(bare.ID), ownerToken, api.VendorAccessRevoke{}, 200, &got)
	if got.SupportAccess != nil || got.StandingAccessEnded || len(got.RevokedApprovals)+len(got.RevokedPending) != 0 {
		t.Fatalf("revoke without support access %+v", got)
	}
	requireProblem(t, ts.do("POST", revokePath(bare.ID), ownerToken, api.VendorAccessRevoke{Reason: "bad\x1b[31m"}), 422, access.CodeInvalidText)
}
