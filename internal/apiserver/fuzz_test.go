package apiserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The request decoders are fuzzed against the real handler: arbitrary bodies, path ids,
// query strings and headers must never produce a 5xx or a panic, every 4xx must be a
// problem with a code, and every 2xx a JSON body. Requests go to Handler() in process
// (no sockets) so that an iteration costs one SQLite transaction at most; one server per
// fuzz target lets state accumulate, bounded by the run's length.

// maxFuzzBody keeps an iteration cheap; the server's own body limit is tested elsewhere.
const maxFuzzBody = 16 << 10

// fuzzFixture is a server with one of each object, so that fuzzed requests reach the
// decoders and handlers behind the "not found" checks.
type fuzzFixture struct {
	srv                        *Server
	vendorToken                string
	awsEnv, gcpEnv             string
	roleID, groupID, userID    string
	vendorID, requestID, asgID string
	tokenID                    string
}

func newFuzzFixture(tb testing.TB) *fuzzFixture {
	tb.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	srv, err := New(tb.Context(), Config{DB: filepath.Join(tb.TempDir(), "warden.db"), BootstrapToken: ownerToken,
		Now: func() time.Time { return now }})
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() {
		if err := srv.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	fx := &fuzzFixture{srv: srv}
	var obj struct {
		ID     string `json:"id"`
		Secret string `json:"token"`
	}
	mk := func(method, path, token string, body any) string {
		tb.Helper()
		raw, err := json.Marshal(body)
		if err != nil {
			tb.Fatal(err)
		}
		req := httptest.NewRequestWithContext(tb.Context(), method, path, bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code/100 != 2 {
			tb.Fatalf("fixture %s %s: %d %s", method, path, rec.Code, rec.Body)
		}
		obj.ID, obj.Secret = "", ""
		if err := json.Unmarshal(rec.Body.Bytes(), &obj); err != nil {
			tb.Fatalf("fixture %s %s: %v", method, path, err)
		}
		return obj.ID
	}
	fx.awsEnv = mk("POST", "/v1/environments", ownerToken, api.EnvironmentCreate{Name: "fuzz-aws", Cloud: "aws"})
	fx.gcpEnv = mk("POST", "/v1/environments", ownerToken, api.EnvironmentCreate{Name: "fuzz-gcp", Cloud: "gcp"})
	fx.userID = mk("POST", "/v1/users", ownerToken, api.UserCreate{Email: "member@example.com"})
	fx.vendorID = mk("POST", "/v1/users", ownerToken, api.UserCreate{Email: "oncall@vendor.example", Kind: "vendor"})
	fx.tokenID = mk("POST", "/v1/users/"+fx.vendorID+"/tokens", ownerToken, api.TokenCreate{Name: "fuzz"})
	fx.vendorToken = obj.Secret
	fx.groupID = mk("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: "fuzz-group", Members: &[]string{fx.userID}})
	fx.roleID = mk("POST", "/v1/roles", ownerToken, api.RoleCreate{Name: "fuzz-role", Permissions: []string{"users.read"}})
	fx.asgID = mk("POST", "/v1/roles/"+fx.roleID+"/assignments", ownerToken, api.RoleAssignmentCreate{GroupID: fx.groupID})
	mk("POST", "/v1/environments/"+fx.awsEnv+"/grants", ownerToken, api.GrantCreate{RoleID: fx.roleID, Permissions: []string{"deployment"}})
	mk("POST", "/v1/environments/"+fx.gcpEnv+"/support-access", ownerToken, api.SupportAccessCreate{Tier: "co_maintainer", PortForwarding: true})
	fx.requestID = mk("POST", "/v1/access-requests", fx.vendorToken,
		api.AccessRequestCreate{EnvironmentID: fx.gcpEnv, Tier: "operator", DurationSeconds: 3600, Reason: "fuzz"})
	return fx
}

// route is one fuzzed operation; {id} and {sub} are replaced by fixture ids or fuzzed ones.
type route struct {
	method, path string
	vendor       bool // send the vendor's token instead of the owner's
}

func (fx *fuzzFixture) expand(r route, id string) string {
	envID := fx.awsEnv
	if strings.Contains(r.path, "support-access") || strings.Contains(r.path, "alert-routing") {
		envID = fx.gcpEnv
	}
	ids := map[string][2]string{
		"/v1/environments/{id}":                       {envID, ""},
		"/v1/users/{id}":                              {fx.userID, ""},
		"/v1/users/{id}/tokens":                       {fx.vendorID, ""},
		"/v1/users/{id}/tokens/{sub}":                 {fx.vendorID, fx.tokenID},
		"/v1/groups/{id}":                             {fx.groupID, ""},
		"/v1/roles/{id}":                              {fx.roleID, ""},
		"/v1/roles/{id}/assignments":                  {fx.roleID, ""},
		"/v1/roles/{id}/assignments/{sub}":            {fx.roleID, fx.asgID},
		"/v1/environments/{id}/grants":                {envID, ""},
		"/v1/environments/{id}/grants/{sub}":          {envID, fx.roleID},
		"/v1/environments/{id}/support-access":        {envID, ""},
		"/v1/environments/{id}/support-access/revoke": {envID, ""},
		"/v1/environments/{id}/alert-routing":         {envID, ""},
		"/v1/environments/{id}/effective-access":      {envID, ""},
		"/v1/access-requests/{id}":                    {fx.requestID, ""},
		"/v1/access-requests/{id}/approve":            {fx.requestID, ""},
		"/v1/access-requests/{id}/deny":               {fx.requestID, ""},
		"/v1/access-requests/{id}/revoke":             {fx.requestID, ""},
		"/v1/environments/{id}/grants/{sub}/nonsense": {envID, fx.roleID},
	}
	pair, ok := ids[r.path]
	if !ok {
		return r.path
	}
	// A fuzzed id replaces the innermost id of the path, escaped as a client would.
	if id != "" {
		if pair[1] != "" {
			pair[1] = url.PathEscape(id)
		} else {
			pair[0] = url.PathEscape(id)
		}
	}
	return strings.NewReplacer("{id}", pair[0], "{sub}", pair[1]).Replace(r.path)
}

// validHeader reports whether v could arrive as a header value at all: net/http rejects
// requests carrying control characters before any handler runs.
func validHeader(v string) bool {
	for _, c := range []byte(v) {
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// validTarget reports whether s survives in a request line (no spaces, controls or '#').
func validTarget(s string) bool {
	for _, c := range []byte(s) {
		if c <= 0x20 || c == 0x7f || c == '#' {
			return false
		}
	}
	return true
}

// send serves one request and checks the response properties.
func (fx *fuzzFixture) send(t *testing.T, r route, target string, body []byte, headers ...string) {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), r.method, target, bytes.NewReader(body))
	token := ownerToken
	if r.vendor {
		token = fx.vendorToken
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] != "" {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	rec := httptest.NewRecorder()
	fx.srv.Handler().ServeHTTP(rec, req)
	checkResponse(t, r.method+" "+target, rec)
}

func checkResponse(t *testing.T, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	status, ct, body := rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes()
	t.Logf("%s: %d", what, status)
	switch {
	case status >= 500:
		t.Fatalf("%s: status %d; body %s", what, status, body)
	case status >= 400:
		if ct != "application/problem+json" {
			t.Fatalf("%s: status %d with Content-Type %q; body %s", what, status, ct, body)
		}
		var p api.Problem
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("%s: status %d, undecodable problem: %v; body %s", what, status, err, body)
		}
		if p.Status != status || p.Code == "" || p.Title == "" || p.RequestID == "" {
			t.Fatalf("%s: status %d, incomplete problem %+v", what, status, p)
		}
	case status >= 300:
		// Only ServeMux's path cleaning redirects (an id of "." or ".."), and it says where.
		if rec.Header().Get("Location") == "" {
			t.Fatalf("%s: status %d without Location", what, status)
		}
	case status == http.StatusNoContent:
		if len(body) != 0 {
			t.Fatalf("%s: 204 with body %q", what, body)
		}
	case status >= 200:
		if !strings.HasPrefix(ct, "application/json") || !json.Valid(body) {
			t.Fatalf("%s: status %d, Content-Type %q, body not JSON: %s", what, status, ct, body)
		}
	default:
		t.Fatalf("%s: status %d", what, status)
	}
}

// bodySeeds are the malformed shapes a client or an attacker sends, for every decoder.
func bodySeeds() []string {
	return []string{
		``, `{`, `{"name":`, `[]`, `null`, `"str"`, `0`, `true`, `{}`, `{"":""}`,
		`{"name":123,"cloud":["aws"]}`,
		`{"permissions":"deployment"}`,
		`{"permissions":[1,2,3]}`,
		`{"permissions":[null]}`,
		`{"duration_seconds":1e400}`,
		`{"duration_seconds":99999999999999999999999999}`,
		`{"duration_seconds":-9223372036854775808}`,
		`{"duration_seconds":1.5}`,
		`{"expires_at":"not a time"}`,
		`{"expires_at":"0001-01-01T00:00:00Z"}`,
		`{"expires_at":"9999-12-31T23:59:59Z"}`,
		`{"name":"\u0000\ud800","email":"\u00e9@\u00e9.example"}`,
		"{\"name\":\"nul\x00byte\"}",
		"\xef\xbb\xbf{}",
		"{\"name\":\"\xff\xfe\"}",
		`{"name":"a","name":"b"}`,
		`{"members":[{"$ref":"#"}]}`,
		`{"destinations":[{"type":"webhook","target":"https://[::1","min_severity":"warning"}]}`,
		`{"a":` + strings.Repeat(`[`, 200) + strings.Repeat(`]`, 200) + `}`,
		`{"permissions":[` + strings.Repeat(`"x",`, 200) + `"x"]}`,
	}
}

var createRoutes = []route{
	{"POST", "/v1/environments", false},
	{"POST", "/v1/users", false},
	{"POST", "/v1/groups", false},
	{"POST", "/v1/roles", false},
	{"POST", "/v1/environments/{id}/grants", false},
	{"POST", "/v1/environments/{id}/support-access", false},
	{"POST", "/v1/access-requests", true},
	{"POST", "/v1/authorize", false},
	{"POST", "/v1/roles/{id}/assignments", false},
	{"POST", "/v1/users/{id}/tokens", false},
	{"POST", "/v1/access-requests/{id}/approve", false},
	{"POST", "/v1/access-requests/{id}/deny", false},
	{"POST", "/v1/access-requests/{id}/revoke", false},
	{"POST", "/v1/environments/{id}/support-access/revoke", false},
}

// seed is a body meant for one route (an index into the target's route table).
type seed struct {
	route int
	body  string
}

func FuzzCreateDecoders(f *testing.F) {
	fx := newFuzzFixture(f)
	valid := []seed{
		{0, `{"name":"e1","cloud":"aws"}`}, {0, `{"name":"e2","cloud":"gcp","resource_prefix":"x_"}`}, {0, `{"name":"e3","cloud":"azure"}`},
		{1, `{"email":"a@example.com","kind":"vendor"}`}, {1, `{"email":"b@example.com","kind":"robot"}`},
		{2, `{"name":"g1","members":["usr_missing"]}`}, {2, fmt.Sprintf(`{"name":"g2","members":[%q,%q]}`, fx.userID, fx.userID)},
		{3, `{"name":"r1","permissions":["users.read","conduct.c1.admin"]}`}, {3, `{"name":"r2","permissions":["users.reed","account_owner"]}`},
		{4, `{"role_id":"role_deploy_owner","permissions":["ops","ops","deploymnt"]}`}, {4, `{"role_id":"","permissions":[]}`},
		{4, fmt.Sprintf(`{"role_id":%q,"permissions":["environment_admin","ops"]}`, fx.roleID)},
		{5, `{"tier":"operator","port_forwarding":true}`}, {5, `{"tier":"co_maintainer"}`}, {5, `{"tier":"support","port_forwarding":true}`},
		{6, fmt.Sprintf(`{"environment_id":%q,"tier":"support","duration_seconds":60}`, fx.gcpEnv)},
		{6, fmt.Sprintf(`{"environment_id":%q,"tier":"operater","duration_seconds":59}`, fx.awsEnv)},
		{7, fmt.Sprintf(`{"principal_id":%q,"environment_id":%q,"action":"apps.deploy"}`, fx.userID, fx.awsEnv)},
		{7, fmt.Sprintf(`{"principal_id":%q,"environment_id":%q,"action":"operator.reboot_host","resource":"aw_x"}`, fx.vendorID, fx.gcpEnv)},
		{8, fmt.Sprintf(`{"user_id":%q}`, fx.userID)}, {8, `{"user_id":"x","group_id":"y"}`},
		{9, `{"name":"t","expires_at":"2000-01-01T00:00:00Z"}`}, {9, `{"name":"t2"}`},
		{10, `{}`}, {11, ``}, {12, `null`},
		{13, `{}`}, {13, fmt.Sprintf(`{"user_id":%q,"reason":"INC-1"}`, fx.vendorID)}, {13, `{"user_id":"usr_missing"}`},
		{13, fmt.Sprintf(`{"user_id":%q}`, fx.userID)}, {13, `{"reason":"\u001b[31m"}`}, {13, `{"user_id":7}`},
	}
	for _, s := range valid {
		f.Add(uint8(s.route), []byte(s.body), "", "")
	}
	for i, b := range bodySeeds() {
		f.Add(uint8(i), []byte(b), "", "")
	}
	f.Add(uint8(0), []byte(`{"name":"idem","cloud":"aws"}`), "key-1", "")
	f.Add(uint8(1), []byte(`{"email":"idem@example.com"}`), "key-1", "application/json; charset=utf-8")
	f.Add(uint8(2), []byte(`{"name":"x"}`), strings.Repeat("k", 300), "text/plain")
	f.Add(uint8(3), []byte(`{"name":"x"}`), "ключ", "application/x-www-form-urlencoded")
	f.Add(uint8(4), []byte(`{}`), "", "application/cbor")
	f.Fuzz(func(t *testing.T, sel uint8, body []byte, idemKey, contentType string) {
		if len(body) > maxFuzzBody || !validHeader(idemKey) || !validHeader(contentType) {
			t.Skip()
		}
		r := createRoutes[int(sel)%len(createRoutes)]
		fx.send(t, r, fx.expand(r, ""), body, "Idempotency-Key", idemKey, "Content-Type", contentType)
	})
}

var updateRoutes = []route{
	{"PATCH", "/v1/environments/{id}", false},
	{"PATCH", "/v1/users/{id}", false},
	{"PATCH", "/v1/groups/{id}", false},
	{"PATCH", "/v1/roles/{id}", false},
	{"PATCH", "/v1/environments/{id}/grants/{sub}", false},
	{"PATCH", "/v1/environments/{id}/support-access", false},
	{"PUT", "/v1/environments/{id}/alert-routing", false},
	{"DELETE", "/v1/environments/{id}", false},
	{"DELETE", "/v1/users/{id}/tokens/{sub}", false},
	{"DELETE", "/v1/roles/{id}/assignments/{sub}", false},
	{"DELETE", "/v1/environments/{id}/grants/{sub}", false},
	{"GET", "/v1/environments/{id}/effective-access", false},
	{"GET", "/v1/access-requests/{id}", true},
	{"POST", "/v1/environments/{id}/grants/{sub}/nonsense", false},
}

func FuzzUpdateDecoders(f *testing.F) {
	fx := newFuzzFixture(f)
	valid := []seed{
		{0, `{"name":"renamed"}`}, {0, `{"resource_prefix":""}`}, {0, `{"name":""}`},
		{1, `{"email":"new@example.com","name":"N"}`}, {1, `{"email":"x"}`},
		{2, `{"members":[]}`}, {2, `{"members":null}`}, {2, `{"description":"d"}`},
		{3, `{"permissions":["users.admin","users.read"]}`}, {3, `{"permissions":["integrations.admin"]}`},
		{4, `{"permissions":["ops","environment_admin"]}`}, {4, `{"permissions":[]}`},
		{5, `{"tier":"support","port_forwarding":true}`}, {5, `{"expires_at":"2000-01-01T00:00:00Z"}`}, {5, `{"clear_expiry":true}`},
		{5, `{"tier":"operator","expires_at":"2999-01-01T00:00:00Z"}`},
		{6, `{"vendor_routing":false,"destinations":[{"type":"email","target":"o@example.com","min_severity":"info"}]}`},
		{6, `{"vendor_routing":true,"destinations":[{"type":"slack","target":"#x","min_severity":"urgent"},{"type":"email","target":"o@example.com","min_severity":"info"},{"type":"email","target":"o@example.com","min_severity":"info"}]}`},
	}
	for _, s := range valid {
		f.Add(uint8(s.route), "", []byte(s.body), "", "")
	}
	for i, b := range bodySeeds() {
		f.Add(uint8(i), "", []byte(b), "", "")
	}
	// Fuzzed ids, with and without a version to match.
	for i, id := range []string{"missing", ".", "..", "%2F", "a/b", "é", "env_" + strings.Repeat("x", 300), " ", "\x00", "?q=1", "#frag"} {
		f.Add(uint8(i), id, []byte(`{}`), `"1"`, "")
	}
	for i, im := range []string{`"1"`, `W/"1"`, `*`, `"99999999999999999999"`, `"-1"`, `1`, `"`, `""`, `"1", "2"`, `"١"`} {
		f.Add(uint8(i), "", []byte(`{"name":"im"}`), im, "")
	}
	f.Add(uint8(0), "", []byte(`{"name":"idem"}`), "", "k")
	f.Add(uint8(0), "", []byte(`{"name":"idem2"}`), "", "k")
	f.Fuzz(func(t *testing.T, sel uint8, id string, body []byte, ifMatch, idemKey string) {
		if len(body) > maxFuzzBody || !validHeader(ifMatch) || !validHeader(idemKey) {
			t.Skip()
		}
		r := updateRoutes[int(sel)%len(updateRoutes)]
		if r.method == "DELETE" && id == "" {
			// Deleting the fixture would leave every later iteration at "not found".
			id = "missing"
		}
		var b []byte
		if r.method != "DELETE" && r.method != "GET" {
			b = body
		}
		fx.send(t, r, fx.expand(r, id), b, "If-Match", ifMatch, "Idempotency-Key", idemKey)
	})
}

var queryRoutes = []route{
	{"GET", "/v1/audit-events", false},
	{"GET", "/v1/environments", false},
	{"GET", "/v1/users", false},
	{"GET", "/v1/groups", false},
	{"GET", "/v1/roles", false},
	{"GET", "/v1/access-requests", false},
	{"GET", "/v1/access-requests", true},
	{"GET", "/v1/environments/{id}/grants", false},
	{"GET", "/v1/roles/{id}/assignments", false},
}

func FuzzQueryDecoders(f *testing.F) {
	fx := newFuzzFixture(f)
	for i, q := range []string{
		"", "since=2024-01-01T00:00:00Z", "since=2024-01-01T00:00:00%2B02:00&until=2030-01-01T00:00:00Z",
		"since=yesterday", "since=0001-01-01T00:00:00Z", "since=9999-12-31T23:59:59.999999999Z", "until=2024-13-45T99:99:99Z",
		"since=&until=", "since=2024-01-01", "since=1700000000",
		"limit=0", "limit=1", "limit=1000", "limit=1001", "limit=-1", "limit=1e3", "limit=99999999999999999999", "limit=%00",
		"cursor=abc", "cursor=" + url.QueryEscape("\x00\xff"), "cursor=%ZZ", "limit=1&cursor=",
		"status=pending", "status=expired", "status=bogus", "email=" + BootstrapEmail, "name=fuzz-aws",
		"actor_id=usr_x&environment_id=env_x&object_id=obj", "limit=1&limit=2", "%", "&&&", "=;=", "since=%E2%98%83",
	} {
		f.Add(uint8(i), q, "")
	}
	f.Add(uint8(0), "", "2024-01-01T00:00:00Z")
	f.Add(uint8(0), "limit=2", "\x00")
	f.Add(uint8(0), "", "2024-02-30T25:61:61+25:00")
	f.Fuzz(func(t *testing.T, sel uint8, rawQuery, since string) {
		if len(rawQuery)+len(since) > 4096 || !validTarget(rawQuery) {
			t.Skip()
		}
		r := queryRoutes[int(sel)%len(queryRoutes)]
		q := rawQuery
		if since != "" {
			// since as a client library would encode it, beside the raw query.
			q = strings.TrimPrefix(q+"&since="+url.QueryEscape(since), "&")
		}
		target := fx.expand(r, "")
		if q != "" {
			target += "?" + q
		}
		fx.send(t, r, target, nil)
	})
}
