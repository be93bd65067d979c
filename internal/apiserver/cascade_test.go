package apiserver

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Deleting support access ends the pending requests as well as the approved ones: re-created
// support access finds none of them approvable, and each ending is audited.
func TestCascade_deletingSupportAccessEndsPendingRequests(t *testing.T) {
	ts := newTestServer(t)
	env, _, _, secret := vendorSetup(ts, "aws", "operator", nil)
	approved := ts.fileAndApprove(secret, env.ID, "operator", 3600)
	var pending api.AccessRequest
	ts.call("POST", "/v1/access-requests", secret, api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "support", DurationSeconds: 600}, 201, &pending)

	ts.call("DELETE", "/v1/environments/"+env.ID+"/support-access", ownerToken, nil, 204, nil)
	ts.call("POST", "/v1/environments/"+env.ID+"/support-access", ownerToken, api.SupportAccessCreate{Tier: "operator"}, 201, nil)

	for _, id := range []string{approved.ID, pending.ID} {
		var got api.AccessRequest
		ts.call("GET", "/v1/access-requests/"+id, ownerToken, nil, 200, &got)
		if got.Status != "revoked" {
			t.Errorf("request %s after support access was deleted: %+v", id, got)
		}
		if n := ts.auditCount(id, "access_request.revoke"); n != 1 {
			t.Errorf("request %s: %d access_request.revoke events, want 1", id, n)
		}
	}
	if r := ts.do("POST", "/v1/access-requests/"+pending.ID+"/approve", ownerToken, nil); r.status != 409 {
		t.Fatalf("approving a request ended with the support access: %d %s", r.status, r.body)
	}
}

// The audit log never holds the secret parts of alert targets: a webhook's userinfo, query
// values and fragment, in every routing event (PUT, additive add and remove).
func TestAudit_alertTargetsRedacted(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("secret-hooks", "aws")
	base := "/v1/environments/" + env.ID + "/alert-routing"
	secretHook := api.Destination{Type: "webhook", Target: "https://bot:pa55word@hooks.example.com/in?token=t0ps3cret&channel=ops#sig=f00", MinSeverity: "warning"}
	otherHook := api.Destination{Type: "webhook", Target: "https://hooks.example.com/b?key=k3yk3y", MinSeverity: "info"}
	ts.call("POST", base+"/destinations", ownerToken, secretHook, 200, nil)
	ts.call("DELETE", base+"/destinations?"+url.Values{"type": {secretHook.Type}, "target": {secretHook.Target}}.Encode(), ownerToken, nil, 204, nil)
	ts.call("PUT", base, ownerToken, api.AlertRoutingUpdate{VendorRouting: true, Destinations: &[]api.Destination{otherHook}}, 200, nil)
	ts.call("DELETE", "/v1/environments/"+env.ID, ownerToken, nil, 204, nil)

	r := ts.call("GET", "/v1/audit-events?limit=1000&environment_id="+env.ID, ownerToken, nil, 200, nil)
	for _, secret := range []string{"pa55word", "t0ps3cret", "f00", "k3yk3y"} {
		if strings.Contains(string(r.body), secret) {
			t.Errorf("the audit log holds %q", secret)
		}
	}
	requireContains(t, string(r.body), "https://redacted@hooks.example.com/in?token=redacted\\u0026channel=redacted", "https://hooks.example.com/b?key=redacted")
}

// Deleting an environment audits its alert routing and each destination removed with it,
// naming each destination as warden_alert_destination's id does, its target redacted.
func TestCascade_deletingAnEnvironmentAuditsItsRouting(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("routed", "aws")
	base := "/v1/environments/" + env.ID + "/alert-routing"
	hook := api.Destination{Type: "webhook", Target: "https://hooks.example.com/x?token=s3cr3t", MinSeverity: "warning"}
	mail := api.Destination{Type: "email", Target: "oncall@example.com", MinSeverity: "critical"}
	var routing api.AlertRouting
	ts.call("POST", base+"/destinations", ownerToken, hook, 200, nil)
	ts.call("POST", base+"/destinations", ownerToken, mail, 200, &routing)
	ts.call("DELETE", "/v1/environments/"+env.ID, ownerToken, nil, 204, nil)

	var l api.List[api.AuditEvent]
	r := ts.call("GET", "/v1/audit-events?limit=1000&environment_id="+env.ID, ownerToken, nil, 200, &l)
	got := map[string]map[string]string{}
	for _, e := range l.Items {
		var before map[string]string
		if json.Unmarshal(e.Before, &before) == nil && before["deleted_with"] == "environment "+env.ID {
			got[e.Action+" "+e.ObjectID] = before
		}
	}
	if _, ok := got["alert_routing.delete "+routing.ID]; !ok {
		t.Errorf("no alert_routing.delete for %s among %v", routing.ID, got)
	}
	for _, d := range []api.Destination{hook, mail} {
		id := env.ID + "/" + d.Type + "/" + access.TargetDigest(d.Target)
		b, ok := got["alert_destination.delete "+id]
		if !ok || b["target"] != access.RedactTarget(d.Type, d.Target) || b["min_severity"] != d.MinSeverity {
			t.Errorf("destination %s audited as %v (%v)", id, b, ok)
		}
	}
	if strings.Contains(string(r.body), "s3cr3t") {
		t.Error("the cascade's audit holds a target's secret")
	}
}

// A caller's X-Request-Id never becomes an audit event's object id: events carry the server's
// id (request_id, as the response's X-Request-Id) and the caller's apart (client_request_id).
func TestAudit_requestIDsAreTheServers(t *testing.T) {
	ts := newTestServer(t)
	_, member := ts.createUser("plain@example.com", "member")
	victim := ts.createEnv("victim", "aws")
	denied := ts.do("POST", "/v1/environments", member, api.EnvironmentCreate{Name: "x", Cloud: "aws"}, "X-Request-Id", victim.ID)
	requireProblem(t, denied, 403, "forbidden")
	created := ts.call("POST", "/v1/environments", ownerToken, api.EnvironmentCreate{Name: "traced", Cloud: "aws"}, 201, nil, "X-Request-Id", "trace-7")

	evs := ts.auditLog(ownerToken)
	var refusal, creation *api.AuditEvent
	for i, e := range evs {
		switch {
		case e.Action == "request.denied":
			refusal = &evs[i]
		case e.Action == "environment.create" && e.ClientRequestID == "trace-7":
			creation = &evs[i]
		}
		if e.ObjectID == victim.ID && e.Action == "request.denied" {
			t.Errorf("the caller's X-Request-Id is a refusal's object id: %+v", e)
		}
	}
	if refusal == nil || refusal.RequestID != denied.header.Get("X-Request-Id") || refusal.ObjectID != refusal.RequestID || refusal.ClientRequestID != victim.ID {
		t.Fatalf("refusal %+v, response id %q", refusal, denied.header.Get("X-Request-Id"))
	}
	if creation == nil || creation.RequestID != created.header.Get("X-Request-Id") {
		t.Fatalf("creation %+v, response id %q", creation, created.header.Get("X-Request-Id"))
	}
}
