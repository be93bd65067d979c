package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

func TestNew_refusesEmptyStoreWithoutBootstrapToken(t *testing.T) {
	_, err := New(context.Background(), Config{DB: filepath.Join(t.TempDir(), "w.db")})
	if err == nil || !strings.Contains(err.Error(), "WARDEN_BOOTSTRAP_TOKEN") {
		t.Fatalf("err = %v, want a bootstrap token error", err)
	}
}

func TestNew_reopenKeepsDataWithoutToken(t *testing.T) {
	db := filepath.Join(t.TempDir(), "w.db")
	s, err := New(context.Background(), Config{DB: db, BootstrapToken: "reopen-bootstrap-token"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// The store is no longer empty: no token needed, migrations are not re-applied.
	s, err = New(context.Background(), Config{DB: db})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestAuth_unauthorized(t *testing.T) {
	ts := newTestServer(t)
	ts.call("GET", "/v1/health", "", nil, 200, nil)

	for _, token := range []string{"", "wrong"} {
		r := ts.do("GET", "/v1/environments", token, nil)
		if r.status != 401 {
			t.Fatalf("token %q: status %d", token, r.status)
		}
		if p := r.problem(t); p.Code != "unauthorized" {
			t.Errorf("code %q", p.Code)
		}
	}

	// An expired token no longer authenticates.
	u, _ := ts.createUser("exp@example.com", "member")
	var tok api.Token
	ts.call("POST", "/v1/users/"+u.ID+"/tokens", ownerToken,
		api.TokenCreate{Name: "short", ExpiresAt: timePtr(ts.clock.Now().Add(time.Minute))}, 201, &tok)
	ts.call("GET", "/v1/users/"+u.ID, tok.Secret, nil, 200, nil) // a user may read itself
	ts.clock.Advance(2 * time.Minute)
	if r := ts.do("GET", "/v1/users/"+u.ID, tok.Secret, nil); r.status != 401 {
		t.Fatalf("expired token: status %d", r.status)
	}

	// A revoked token no longer authenticates.
	_, secret := ts.createUser("rev@example.com", "member")
	var me api.List[api.User]
	ts.call("GET", "/v1/users?email=rev@example.com", ownerToken, nil, 200, &me)
	var tok2 api.Token
	ts.call("POST", "/v1/users/"+me.Items[0].ID+"/tokens", secret, api.TokenCreate{}, 201, &tok2)
	ts.call("DELETE", "/v1/users/"+me.Items[0].ID+"/tokens/"+tok2.ID, secret, nil, 204, nil)
	if r := ts.do("GET", "/v1/users/"+me.Items[0].ID, tok2.Secret, nil); r.status != 401 {
		t.Fatalf("revoked token: status %d", r.status)
	}
}

func TestEnvironments_invalidCloud(t *testing.T) {
	ts := newTestServer(t)
	r := ts.do("POST", "/v1/environments", ownerToken, []byte(`{"cloud":"azure"}`))
	if r.status != 422 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	p := r.problem(t)
	if p.Field != "cloud" || p.Code != access.CodeUnknownCloud {
		t.Errorf("field %q code %q", p.Field, p.Code)
	}
	requireContains(t, p.Detail, "aws", "gcp", "azure")
	if len(p.Findings) != 1 || p.Findings[0].Field != "cloud" {
		t.Errorf("findings %+v", p.Findings)
	}

	// huma's own shape errors are problems too, with the JSON field name.
	r = ts.do("POST", "/v1/environments", ownerToken, []byte(`{"name":"x","cloud":"gcp","bogus":1}`))
	if p := r.problem(t); r.status != 422 || p.Field != "bogus" {
		t.Errorf("unknown property: status %d problem %+v", r.status, p)
	}
	r = ts.do("POST", "/v1/environments", ownerToken, []byte(`{"cloud":"gcp"}`))
	if p := r.problem(t); r.status != 422 || p.Field != "name" || p.Code != "invalid_field" {
		t.Errorf("missing name: status %d problem %+v", r.status, p)
	}
	r = ts.do("POST", "/v1/environments", ownerToken, []byte(`{not json`))
	if p := r.problem(t); r.status != 400 {
		t.Errorf("bad json: status %d problem %+v", r.status, p)
	}
}

func TestEnvironments_crudNameTakenAndNotFound(t *testing.T) {
	ts := newTestServer(t)
	e := ts.createEnv("prod", "gcp")
	if e.ResourcePrefix != access.DefaultResourcePrefix || e.Version != 1 || !strings.HasPrefix(e.ID, "env_") {
		t.Fatalf("created %+v", e)
	}
	r := ts.do("POST", "/v1/environments", ownerToken, api.EnvironmentCreate{Name: "prod", Cloud: "aws"})
	if p := r.problem(t); r.status != 409 || p.Code != "name_taken" || p.Field != "name" {
		t.Fatalf("duplicate: %d %+v", r.status, p)
	}
	var got api.Environment
	r = ts.call("GET", "/v1/environments/"+e.ID, ownerToken, nil, 200, &got)
	if got != e || r.header.Get("ETag") != `"1"` {
		t.Fatalf("read %+v etag %q, want %+v", got, r.header.Get("ETag"), e)
	}
	// cloud is immutable: not part of the update type.
	r = ts.do("PATCH", "/v1/environments/"+e.ID, ownerToken, []byte(`{"cloud":"aws"}`))
	if p := r.problem(t); r.status != 422 || p.Field != "cloud" {
		t.Fatalf("patch cloud: %d %+v", r.status, p)
	}
	for _, path := range []string{"/v1/environments/env_nope", "/v1/users/usr_nope", "/v1/groups/grp_nope", "/v1/roles/role_nope",
		"/v1/access-requests/arq_nope", "/v1/environments/" + e.ID + "/grants/role_nope", "/v1/environments/env_nope/alert-routing"} {
		r := ts.do("GET", path, ownerToken, nil)
		if p := r.problem(t); r.status != 404 || p.Code != "not_found" {
			t.Errorf("GET %s: %d %+v", path, r.status, p)
		}
	}
	if r := ts.do("DELETE", "/v1/environments/env_nope", ownerToken, nil); r.status != 404 {
		t.Errorf("delete unknown: %d", r.status)
	}
	// Unknown routes are problems too.
	if p := ts.do("GET", "/v1/nothing-here", ownerToken, nil).problem(t); p.Status != 404 {
		t.Errorf("unknown route: %+v", p)
	}
}

func TestEnvironments_deleteCascades(t *testing.T) {
	ts := newTestServer(t)
	e := ts.createEnv("doomed", "gcp")
	role := ts.createRole("ops")
	ts.grant(e.ID, role.ID, "ops")
	ts.call("POST", "/v1/environments/"+e.ID+"/support-access", ownerToken, api.SupportAccessCreate{Tier: "support"}, 201, nil)
	ts.call("DELETE", "/v1/environments/"+e.ID, ownerToken, nil, 204, nil)
	ts.call("GET", "/v1/environments/"+e.ID, ownerToken, nil, 404, nil)
	ts.call("GET", "/v1/environments/"+e.ID+"/grants/"+role.ID, ownerToken, nil, 404, nil)
	ts.call("GET", "/v1/environments/"+e.ID+"/support-access", ownerToken, nil, 404, nil)
	ts.call("GET", "/v1/environments/"+e.ID+"/alert-routing", ownerToken, nil, 404, nil)
	// The role survives; only its grant there went.
	ts.call("GET", "/v1/roles/"+role.ID, ownerToken, nil, 200, nil)
}

func TestIdempotency_replay(t *testing.T) {
	ts := newTestServer(t)
	body := api.EnvironmentCreate{Name: "idem", Cloud: "aws"}
	var first, second api.Environment
	r1 := ts.call("POST", "/v1/environments", ownerToken, body, 201, &first, "Idempotency-Key", "k1")
	r2 := ts.call("POST", "/v1/environments", ownerToken, body, 201, &second, "Idempotency-Key", "k1")
	if first.ID != second.ID || first != second {
		t.Fatalf("replay returned %+v, first %+v", second, first)
	}
	if r1.header.Get("Idempotent-Replayed") != "" || r2.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replayed headers %q %q", r1.header.Get("Idempotent-Replayed"), r2.header.Get("Idempotent-Replayed"))
	}
	var l api.List[api.Environment]
	ts.call("GET", "/v1/environments?name=idem", ownerToken, nil, 200, &l)
	if len(l.Items) != 1 {
		t.Fatalf("list holds %d environments", len(l.Items))
	}

	r := ts.do("POST", "/v1/environments", ownerToken, api.EnvironmentCreate{Name: "other", Cloud: "aws"}, "Idempotency-Key", "k1")
	if p := r.problem(t); r.status != 422 || p.Code != "idempotency_key_reused" {
		t.Fatalf("reused key: %d %+v", r.status, p)
	}

	// Concurrent retries of one request create one object.
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var e api.Environment
			ts.call("POST", "/v1/environments", ownerToken, api.EnvironmentCreate{Name: "race", Cloud: "gcp"}, 201, &e, "Idempotency-Key", "k2")
			ids[i] = e.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent duplicates got different ids: %v", ids)
		}
	}
}

func TestIfMatch(t *testing.T) {
	ts := newTestServer(t)
	e := ts.createEnv("v", "aws")
	name := "v2"
	var upd api.Environment
	r := ts.call("PATCH", "/v1/environments/"+e.ID, ownerToken, api.EnvironmentUpdate{Name: &name}, 200, &upd, "If-Match", `"1"`)
	if upd.Version != 2 || upd.Name != "v2" || r.header.Get("ETag") != `"2"` || upd.ID != e.ID {
		t.Fatalf("update %+v etag %q", upd, r.header.Get("ETag"))
	}
	name = "v3"
	r = ts.do("PATCH", "/v1/environments/"+e.ID, ownerToken, api.EnvironmentUpdate{Name: &name}, "If-Match", `"1"`)
	if p := r.problem(t); r.status != 412 || p.Code != "version_mismatch" {
		t.Fatalf("stale: %d %+v", r.status, p)
	}
	if r := ts.do("DELETE", "/v1/environments/"+e.ID, ownerToken, nil, "If-Match", "1"); r.status != 412 {
		t.Fatalf("stale delete: %d", r.status)
	}
	ts.call("PATCH", "/v1/environments/"+e.ID, ownerToken, api.EnvironmentUpdate{Name: &name}, 200, nil, "If-Match", "2")
	ts.call("DELETE", "/v1/environments/"+e.ID, ownerToken, nil, 204, nil, "If-Match", `"3"`)
}

func TestPermissionMatrix(t *testing.T) {
	ts := newTestServer(t)
	var m api.PermissionMatrix
	ts.call("GET", "/v1/permission-matrix", ownerToken, nil, 200, &m)
	if len(m.Actions) != 34 || m.Version != access.MatrixVersion || len(m.Permissions) != 8 || len(m.Tiers) != 3 {
		t.Fatalf("matrix: %d actions, version %q, %d permissions, %d tiers", len(m.Actions), m.Version, len(m.Permissions), len(m.Tiers))
	}
	if m.Actions[0].Action != "environment.deprovision" || strings.Join(m.Actions[0].Permissions, ",") != "environment_admin,destruction" {
		t.Errorf("first row %+v", m.Actions[0])
	}
	ts.call("GET", "/v1/permission-matrix", "", nil, 401, nil)
}

func TestAuditLog(t *testing.T) {
	ts := newTestServer(t)
	owner := ts.ownerID()
	ts.clock.Advance(time.Second) // past the bootstrap events
	start := ts.clock.Now()
	e := ts.createEnv("audited", "gcp")
	ts.clock.Advance(time.Second)
	mid := ts.clock.Now()
	ts.clock.Advance(time.Second)
	e2 := ts.createEnv("audited2", "aws")

	var l api.List[api.AuditEvent]
	ts.call("GET", "/v1/audit-events?environment_id="+e.ID, ownerToken, nil, 200, &l)
	if len(l.Items) != 3 || l.Items[0].Action != "environment.create" || l.Items[0].ObjectID != e.ID ||
		l.Items[0].ActorID != owner || l.Items[1].Action != "alert_routing.create" || l.Items[2].Action != "alert_credentials.create" {
		t.Fatalf("events for env: %+v", l.Items)
	}
	var after api.Environment
	if err := json.Unmarshal(l.Items[0].After, &after); err != nil || after.Name != "audited" || l.Items[0].Before != nil {
		t.Errorf("after %s before %s", l.Items[0].After, l.Items[0].Before)
	}

	ts.call("GET", "/v1/audit-events?actor_id="+owner, ownerToken, nil, 200, &l)
	if len(l.Items) != 6 {
		t.Errorf("by actor: %d events", len(l.Items))
	}
	ts.call("GET", "/v1/audit-events?since="+url.QueryEscape(mid.Format(time.RFC3339)), ownerToken, nil, 200, &l)
	if len(l.Items) != 3 || l.Items[0].EnvironmentID != e2.ID {
		t.Errorf("since: %+v", l.Items)
	}
	ts.call("GET", "/v1/audit-events?since="+url.QueryEscape(start.Format(time.RFC3339))+"&until="+url.QueryEscape(mid.Format(time.RFC3339)), ownerToken, nil, 200, &l)
	if len(l.Items) != 3 || l.Items[0].EnvironmentID != e.ID {
		t.Errorf("until: %+v", l.Items)
	}
	// Newest last.
	ts.call("GET", "/v1/audit-events", ownerToken, nil, 200, &l)
	for i := 1; i < len(l.Items); i++ {
		if l.Items[i].At.Before(l.Items[i-1].At) {
			t.Fatalf("events out of order at %d", i)
		}
	}

	// audit.read is required.
	_, secret := ts.createUser("nosy@example.com", "member")
	if p := ts.do("GET", "/v1/audit-events", secret, nil).problem(t); p.Status != 403 || !strings.Contains(p.Detail, "audit.read") {
		t.Errorf("without audit.read: %+v", p)
	}
}

func TestPagination(t *testing.T) {
	ts := newTestServer(t)
	for i := range 5 {
		ts.createEnv(fmt.Sprintf("page-%d", i), "aws")
	}
	var seen []string
	cursor := ""
	pages := 0
	for {
		var l api.List[api.Environment]
		ts.call("GET", "/v1/environments?limit=2&cursor="+url.QueryEscape(cursor), ownerToken, nil, 200, &l)
		pages++
		for _, e := range l.Items {
			seen = append(seen, e.Name)
		}
		if l.NextCursor == "" {
			break
		}
		cursor = l.NextCursor
	}
	if pages != 3 || strings.Join(seen, ",") != "page-0,page-1,page-2,page-3,page-4" {
		t.Fatalf("%d pages: %v", pages, seen)
	}
	for _, q := range []string{"limit=0", "limit=1001", "cursor=%21%21"} {
		if r := ts.do("GET", "/v1/environments?"+q, ownerToken, nil); r.status != 422 {
			t.Errorf("%s: status %d", q, r.status)
		}
	}
}

func TestBodyTooLarge(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.MaxBodyBytes = 512 })
	big := fmt.Sprintf(`{"name":%q,"cloud":"aws"}`, strings.Repeat("x", 2000))
	r := ts.do("POST", "/v1/environments", ownerToken, []byte(big))
	if p := r.problem(t); r.status != 413 || p.Code != "body_too_large" {
		t.Fatalf("status %d problem %+v", r.status, p)
	}
}

// The server's own id identifies every request, in the X-Request-Id header and the problem's
// request_id; a caller's X-Request-Id is never taken for it (it is logged, and audited, as
// client_request_id).
func TestRequestID(t *testing.T) {
	ts := newTestServer(t)
	r := ts.do("GET", "/v1/environments/env_missing", ownerToken, nil, "X-Request-Id", "trace-42")
	id := r.header.Get("X-Request-Id")
	if !strings.HasPrefix(id, "req_") || r.problem(t).RequestID != id {
		t.Fatalf("request id header %q body %s", id, r.body)
	}
	if again := ts.do("GET", "/v1/environments/env_missing", ownerToken, nil, "X-Request-Id", "trace-42"); again.header.Get("X-Request-Id") == id {
		t.Fatal("two requests share a request id")
	}
}

func TestOpenAPI(t *testing.T) {
	ts := newTestServer(t)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	ts.call("GET", "/v1/openapi.json", "", nil, 200, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	var want, got []string
	rules := map[string]string{}
	for _, r := range access.Routes() {
		want = append(want, r.Method+" "+r.Path)
		rules[r.Method+" "+r.Path] = r.Rule
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			key := strings.ToUpper(method) + " " + path
			got = append(got, key)
			if rule, ok := rules[key]; ok && !strings.Contains(fmt.Sprint(op["description"]), rule) {
				t.Errorf("%s: description does not state its permission", key)
			}
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Fatalf("OpenAPI paths differ from access.Routes:\n got %v\nwant %v", got, want)
	}
}

func TestRoles_builtinAndValidation(t *testing.T) {
	ts := newTestServer(t)
	var l api.List[api.Role]
	ts.call("GET", "/v1/roles?name=account_owner", ownerToken, nil, 200, &l)
	if len(l.Items) != 1 || l.Items[0].ID != roleAccountOwner || !l.Items[0].Builtin {
		t.Fatalf("builtin role: %+v", l.Items)
	}
	desc := "x"
	for _, id := range []string{roleAccountOwner, roleDeployOwner} {
		if p := ts.do("PATCH", "/v1/roles/"+id, ownerToken, api.RoleUpdate{Description: &desc}).problem(t); p.Status != 409 || p.Code != "builtin_role" {
			t.Errorf("patch builtin: %+v", p)
		}
		if p := ts.do("DELETE", "/v1/roles/"+id, ownerToken, nil).problem(t); p.Status != 409 || p.Code != "builtin_role" {
			t.Errorf("delete builtin: %+v", p)
		}
	}
	r := ts.do("POST", "/v1/roles", ownerToken, api.RoleCreate{Name: "bad", Permissions: []string{"users.raed", "cluster.admin", "account_owner"}})
	p := r.problem(t)
	if r.status != 422 || p.Field != "permissions" || p.Code != access.CodeUnknownPlatformPermission || len(p.Findings) != 2 {
		t.Fatalf("invalid role: %d %+v", r.status, p)
	}
	requireContains(t, p.Detail, "users.read")
	// An environment action shaped like <model>.create is refused, on create and on update, in
	// the provider's words.
	r = ts.do("POST", "/v1/roles", ownerToken, api.RoleCreate{Name: "deployers", Permissions: []string{"conducts.read", "apps.create"}})
	p = r.problem(t)
	if r.status != 422 || p.Code != access.CodeEnvironmentAction || len(p.Findings) != 1 || p.Findings[0].Value != "apps.create" {
		t.Fatalf("environment action in a role: %d %+v", r.status, p)
	}
	requireContains(t, p.Detail, "is an environment action", "warden_environment_grant", "deployment, sensitive_access or environment_admin")
	readers := ts.createRole("readers", "model.read")
	perms := []string{"databases.create"}
	if p := ts.do("PATCH", "/v1/roles/"+readers.ID, ownerToken, api.RoleUpdate{Permissions: &perms}).problem(t); p.Status != 422 || p.Code != access.CodeEnvironmentAction {
		t.Errorf("patch with an environment action: %+v", p)
	}
	// Warnings do not block; permissions come back sorted.
	role := ts.createRole("integr", "integrations.admin", "conduct.abc.read")
	if strings.Join(role.Permissions, ",") != "conduct.abc.read,integrations.admin" {
		t.Errorf("permissions %v", role.Permissions)
	}
}

func TestGroups_members(t *testing.T) {
	ts := newTestServer(t)
	a, _ := ts.createUser("a@example.com", "member")
	b, _ := ts.createUser("b@example.com", "member")
	var g api.Group
	ts.call("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: "sre", Members: &[]string{b.ID, a.ID}}, 201, &g)
	want := []string{a.ID, b.ID}
	sort.Strings(want)
	if strings.Join(g.Members, ",") != strings.Join(want, ",") {
		t.Fatalf("members %v", g.Members)
	}
	r := ts.do("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: "x", Members: &[]string{"usr_ghost"}})
	if p := r.problem(t); r.status != 422 || p.Field != "members" {
		t.Fatalf("ghost member: %d %+v", r.status, p)
	}
	// Deleting a user removes it from its groups (a change to the group).
	ts.call("DELETE", "/v1/users/"+a.ID, ownerToken, nil, 204, nil)
	var after api.Group
	ts.call("GET", "/v1/groups/"+g.ID, ownerToken, nil, 200, &after)
	if strings.Join(after.Members, ",") != b.ID || after.Version != 2 {
		t.Fatalf("after delete: %+v", after)
	}
	members := []string{}
	ts.call("PATCH", "/v1/groups/"+g.ID, ownerToken, api.GroupUpdate{Members: &members}, 200, &after)
	if len(after.Members) != 0 || after.Version != 3 {
		t.Fatalf("emptied: %+v", after)
	}
}

// TestCurlFormContentType: `curl -d '{...}'` sends application/x-www-form-urlencoded; the
// JSON-only API reads the body as JSON instead of refusing it with 415.
func TestCurlFormContentType(t *testing.T) {
	ts := newTestServer(t)
	r := ts.do("POST", "/v1/environments", ownerToken, []byte(`{"name":"x","cloud":"azure"}`),
		"Content-Type", "application/x-www-form-urlencoded")
	if p := r.problem(t); r.status != 422 || p.Field != "cloud" {
		t.Fatalf("status %d, problem %+v; want 422 on field cloud", r.status, p)
	}
}

// A database path with '#' or '?' (e.g. a temp dir named after a subtest "x#01") is that
// file, not a URI cut short: two such paths are two stores.
func TestNew_pathWithURICharacters(t *testing.T) {
	for _, name := range []string{"a#01", "a?b", "a%23"} {
		dir := filepath.Join(t.TempDir(), name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		db := filepath.Join(dir, "warden.db")
		s, err := New(context.Background(), Config{DB: db, BootstrapToken: ownerToken})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(db); err != nil {
			t.Errorf("%s: the store is not at its path: %v", name, err)
		}
	}
}
