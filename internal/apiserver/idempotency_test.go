package apiserver

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// auditCount counts the audit events about objectID with action.
func (ts *testServer) auditCount(objectID, action string) int {
	ts.t.Helper()
	var l api.List[api.AuditEvent]
	ts.call("GET", "/v1/audit-events?limit=1000&object_id="+objectID, ownerToken, nil, 200, &l)
	n := 0
	for _, e := range l.Items {
		if e.Action == action {
			n++
		}
	}
	return n
}

// Every route that changes something takes an Idempotency-Key: a retry of any change whose
// first response was lost must be answerable from the first response.
func TestIdempotency_everyChangeTakesAKey(t *testing.T) {
	ts := newTestServer(t)
	type param struct {
		Name string `json:"name"`
		In   string `json:"in"`
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []param `json:"parameters"`
		} `json:"paths"`
	}
	ts.call("GET", "/v1/openapi.json", "", nil, 200, &doc)
	checked := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			m := strings.ToUpper(method)
			// Alerts are made idempotent by their own keys (fingerprint, dedup_key): their
			// senders send no Idempotency-Key. Authorize and the access preview change nothing.
			if route, _ := access.RouteFor(m, path); m == http.MethodGet || (m == http.MethodPost && (path == "/v1/authorize" || path == "/v1/access-preview")) || route.Ingest {
				continue
			}
			checked++
			if !slices.Contains(op.Parameters, param{Name: "Idempotency-Key", In: "header"}) {
				t.Errorf("%s %s does not take an Idempotency-Key header", m, path)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d changing operations found in the OpenAPI document", checked)
	}
}

// A PATCH whose first response was lost is retried with the same key and If-Match: the
// retry gets the first response (not 412 for the version its own first attempt bumped), and
// the change happens once.
func TestIdempotency_patchReplaysInsteadOf412(t *testing.T) {
	ts := newTestServer(t)
	e := ts.createEnv("idem", "aws")
	name := "renamed"
	body := api.EnvironmentUpdate{Name: &name}
	var first, second api.Environment
	r1 := ts.call("PATCH", "/v1/environments/"+e.ID, ownerToken, body, 200, &first, "If-Match", `"1"`, "Idempotency-Key", "p1")
	r2 := ts.call("PATCH", "/v1/environments/"+e.ID, ownerToken, body, 200, &second, "If-Match", `"1"`, "Idempotency-Key", "p1")
	if first != second || second.Version != 2 || second.Name != "renamed" {
		t.Fatalf("replay %+v, first %+v", second, first)
	}
	if r1.header.Get("Idempotent-Replayed") != "" || r2.header.Get("Idempotent-Replayed") != "true" || r2.header.Get("ETag") != `"2"` {
		t.Errorf("headers: first replayed %q; replay replayed %q, ETag %q", r1.header.Get("Idempotent-Replayed"),
			r2.header.Get("Idempotent-Replayed"), r2.header.Get("ETag"))
	}
	if n := ts.auditCount(e.ID, "environment.update"); n != 1 {
		t.Errorf("%d environment.update events, want 1", n)
	}
	// Without the key, the same retry is the stale update it really is.
	if r := ts.do("PATCH", "/v1/environments/"+e.ID, ownerToken, body, "If-Match", `"1"`); r.status != 412 {
		t.Errorf("keyless stale retry: %d, want 412", r.status)
	}
	// The key names one request: another body, path or method with it is refused.
	other := "other"
	for _, r := range []response{
		ts.do("PATCH", "/v1/environments/"+e.ID, ownerToken, api.EnvironmentUpdate{Name: &other}, "Idempotency-Key", "p1"),
		ts.do("DELETE", "/v1/environments/"+e.ID, ownerToken, nil, "Idempotency-Key", "p1"),
	} {
		if p := r.problem(t); r.status != 422 || p.Code != "idempotency_key_reused" {
			t.Errorf("reused key: %d %+v", r.status, p)
		}
	}
	// A failed request records nothing: the key can be used again once the cause is fixed.
	if r := ts.do("PATCH", "/v1/environments/"+e.ID, ownerToken, body, "If-Match", `"9"`, "Idempotency-Key", "p2"); r.status != 412 {
		t.Fatalf("stale: %d", r.status)
	}
	ts.call("PATCH", "/v1/environments/"+e.ID, ownerToken, body, 200, nil, "If-Match", `"2"`, "Idempotency-Key", "p2")
}

// A DELETE whose first response was lost is retried: the retry gets 204 again, not 404.
func TestIdempotency_deleteReplaysInsteadOf404(t *testing.T) {
	ts := newTestServer(t)
	e := ts.createEnv("gone", "gcp")
	role := ts.createRole("devs")
	ts.grant(e.ID, role.ID, "deployment")

	for _, path := range []string{
		"/v1/environments/" + e.ID + "/grants/" + role.ID,
		"/v1/environments/" + e.ID + "/alert-routing",
		"/v1/environments/" + e.ID,
		"/v1/roles/" + role.ID,
	} {
		key := "d-" + path
		r1 := ts.call("DELETE", path, ownerToken, nil, 204, nil, "If-Match", `"1"`, "Idempotency-Key", key)
		r2 := ts.call("DELETE", path, ownerToken, nil, 204, nil, "If-Match", `"1"`, "Idempotency-Key", key)
		if r1.header.Get("Idempotent-Replayed") != "" || r2.header.Get("Idempotent-Replayed") != "true" || len(r2.body) != 0 {
			t.Errorf("DELETE %s: replayed %q/%q, body %q", path, r1.header.Get("Idempotent-Replayed"), r2.header.Get("Idempotent-Replayed"), r2.body)
		}
	}
	if n := ts.auditCount(e.ID, "environment.delete"); n != 1 {
		t.Errorf("%d environment.delete events, want 1", n)
	}
	if r := ts.do("DELETE", "/v1/environments/"+e.ID, ownerToken, nil, "Idempotency-Key", "fresh"); r.status != 404 {
		t.Errorf("a new DELETE of the deleted environment: %d, want 404", r.status)
	}
}

// Warnings of a successful create or update come back in the response (as a plan shows
// them), and are neither stored nor replayed differently.
func TestWarnings_roleAndGrantResponses(t *testing.T) {
	ts := newTestServer(t)
	hasWarning := func(ws []api.FindingDetail, value string) bool {
		return slices.ContainsFunc(ws, func(f api.FindingDetail) bool {
			return f.Severity == "warning" && f.Code == "redundant_permission" && f.Value == value && f.Message != ""
		})
	}

	var role api.Role
	body := api.RoleCreate{Name: "admins", Permissions: []string{"users.admin", "users.read"}}
	ts.call("POST", "/v1/roles", ownerToken, body, 201, &role, "Idempotency-Key", "r1")
	if !hasWarning(role.Warnings, "users.read") || len(role.Warnings) != 1 {
		t.Errorf("create warnings = %+v, want users.read redundant", role.Warnings)
	}
	var replay api.Role
	ts.call("POST", "/v1/roles", ownerToken, body, 201, &replay, "Idempotency-Key", "r1")
	if !hasWarning(replay.Warnings, "users.read") {
		t.Errorf("replayed create lost its warnings: %+v", replay.Warnings)
	}
	var got api.Role
	r := ts.call("GET", "/v1/roles/"+role.ID, ownerToken, nil, 200, &got)
	if got.Warnings != nil || strings.Contains(string(r.body), "warnings") {
		t.Errorf("GET returns warnings %s; they belong to the request, not the role", r.body)
	}
	var clean api.Role
	r = ts.call("POST", "/v1/roles", ownerToken, api.RoleCreate{Name: "readers", Permissions: []string{"users.read"}}, 201, &clean)
	if strings.Contains(string(r.body), "warnings") {
		t.Errorf("a role without warnings still sends the field: %s", r.body)
	}

	perms := []string{"groups.admin", "groups.read", "integrations.admin"}
	var upd api.Role
	ts.call("PATCH", "/v1/roles/"+role.ID, ownerToken, api.RoleUpdate{Permissions: &perms}, 200, &upd)
	if len(upd.Warnings) != 2 || !hasWarning(upd.Warnings, "groups.read") ||
		!slices.ContainsFunc(upd.Warnings, func(f api.FindingDetail) bool { return f.Code == "ineffective_permission" }) {
		t.Errorf("update warnings = %+v", upd.Warnings)
	}
	desc := "only the description"
	var descOnly api.Role
	ts.call("PATCH", "/v1/roles/"+role.ID, ownerToken, api.RoleUpdate{Description: &desc}, 200, &descOnly)
	if len(descOnly.Warnings) != 2 {
		t.Errorf("an update without permissions reports the kept set's warnings; got %+v", descOnly.Warnings)
	}
	// The audit log records the role, not the request's warnings.
	var l api.List[api.AuditEvent]
	ts.call("GET", "/v1/audit-events?object_id="+role.ID, ownerToken, nil, 200, &l)
	for _, e := range l.Items {
		if strings.Contains(string(e.After), "warnings") {
			t.Errorf("audit event %s stores warnings: %s", e.Action, e.After)
		}
	}

	e := ts.createEnv("prod", "aws")
	var g api.Grant
	ts.call("POST", "/v1/environments/"+e.ID+"/grants", ownerToken,
		api.GrantCreate{RoleID: role.ID, Permissions: []string{"environment_admin", "deployment"}}, 201, &g)
	if len(g.Warnings) != 1 || !hasWarning(g.Warnings, "deployment") {
		t.Errorf("grant create warnings = %+v", g.Warnings)
	}
	ts.call("PATCH", "/v1/environments/"+e.ID+"/grants/"+role.ID, ownerToken,
		api.GrantUpdate{Permissions: []string{"full_visibility", "basic_visibility"}}, 200, &g)
	if len(g.Warnings) != 1 || !hasWarning(g.Warnings, "basic_visibility") {
		t.Errorf("grant update warnings = %+v", g.Warnings)
	}
	var cleanGrant api.Grant
	ts.call("PATCH", "/v1/environments/"+e.ID+"/grants/"+role.ID, ownerToken, api.GrantUpdate{Permissions: []string{"deployment"}}, 200, &cleanGrant)
	if cleanGrant.Warnings != nil || cleanGrant.Version != 3 {
		t.Errorf("clean grant update = %+v, want version 3 without warnings", cleanGrant)
	}
	r = ts.call("GET", "/v1/environments/"+e.ID+"/grants/"+role.ID, ownerToken, nil, 200, nil)
	if strings.Contains(string(r.body), "warnings") {
		t.Errorf("GET grant returns warnings: %s", r.body)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["allowed_actions"]; !ok {
		t.Errorf("GET grant lacks allowed_actions: %s", r.body)
	}
}

// An Idempotency-Key covers the query string too: the same key on a DELETE naming another
// destination is a reused key, not a replay, and the order of the parameters does not matter.
func TestIdempotency_keyCoversTheQuery(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("query-keys", "aws")
	base := "/v1/environments/" + env.ID + "/alert-routing/destinations"
	for _, target := range []string{"https://a.example.com/hook", "https://b.example.com/hook"} {
		ts.call("POST", base, ownerToken, api.Destination{Type: "webhook", Target: target, MinSeverity: "warning"}, 200, nil)
	}
	del := func(query string) response {
		return ts.do("DELETE", base+"?"+query, ownerToken, nil, "Idempotency-Key", "delete-one")
	}
	if r := del("type=webhook&target=https%3A%2F%2Fa.example.com%2Fhook"); r.status != 204 || r.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first delete: %d %s", r.status, r.body)
	}
	// The same request, parameters in another order: a replay.
	if r := del("target=https%3A%2F%2Fa.example.com%2Fhook&type=webhook"); r.status != 204 || r.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("reordered retry: %d %v %s", r.status, r.header, r.body)
	}
	// Another target with the same key: refused, and B stays.
	requireProblem(t, del("type=webhook&target=https%3A%2F%2Fb.example.com%2Fhook"), 422, codeIdempotencyKeyReused)
	var r api.AlertRouting
	ts.call("GET", "/v1/environments/"+env.ID+"/alert-routing", ownerToken, nil, 200, &r)
	if len(r.Destinations) != 1 || r.Destinations[0].Target != "https://b.example.com/hook" {
		t.Fatalf("destinations after the refused reuse: %+v", r.Destinations)
	}
}
