package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

const ownerToken = "test-bootstrap-token"

// clock is a controllable Config.Now, so that expiry is tested without sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type testServer struct {
	t     *testing.T
	url   string
	clock *clock
	srv   *Server
}

// newTestServer runs the real handler over real HTTP on 127.0.0.1 with a fresh SQLite file.
func newTestServer(t *testing.T, mutate ...func(*Config)) *testServer {
	t.Helper()
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	cfg := Config{DB: testDB(t), BootstrapToken: ownerToken, Now: c.Now}
	for _, m := range mutate {
		m(&cfg)
	}
	return serve(t, cfg, c)
}

// serve runs a Server for cfg over real HTTP on 127.0.0.1 until the test ends.
func serve(t *testing.T, cfg Config, c *clock) *testServer {
	t.Helper()
	srv, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs := httptest.NewUnstartedServer(srv.Handler())
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs.Listener = ln
	hs.Start()
	t.Cleanup(func() {
		hs.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &testServer{t: t, url: hs.URL, clock: c, srv: srv}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) problem(t *testing.T) api.Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d: Content-Type %q, want application/problem+json; body %s", r.status, ct, r.body)
	}
	var p api.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("decode problem: %v; body %s", err, r.body)
	}
	if p.Status != r.status || p.Code == "" || p.Title == "" || p.RequestID == "" {
		t.Fatalf("incomplete problem %+v", p)
	}
	return p
}

// do sends one request; body may be nil, a []byte (sent verbatim) or a value to encode.
// headers are name, value pairs.
func (ts *testServer) do(method, path, token string, body any, headers ...string) response {
	ts.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			ts.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, ts.url+path, rd)
	if err != nil {
		ts.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

// call sends a request, requires the status, and decodes the body into out (if non-nil).
func (ts *testServer) call(method, path, token string, body any, want int, out any, headers ...string) response {
	ts.t.Helper()
	r := ts.do(method, path, token, body, headers...)
	if r.status != want {
		ts.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, want, r.body)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			ts.t.Fatalf("decode %s: %v", r.body, err)
		}
	}
	return r
}

func (ts *testServer) createEnv(name, cloud string) api.Environment {
	ts.t.Helper()
	var e api.Environment
	ts.call("POST", "/v1/environments", ownerToken, api.EnvironmentCreate{Name: name, Cloud: cloud}, 201, &e)
	return e
}

// createUser makes a user and a token for it.
func (ts *testServer) createUser(email, kind string) (api.User, string) {
	ts.t.Helper()
	var u api.User
	ts.call("POST", "/v1/users", ownerToken, api.UserCreate{Email: email, Kind: kind}, 201, &u)
	var tok api.Token
	ts.call("POST", "/v1/users/"+u.ID+"/tokens", ownerToken, api.TokenCreate{Name: "test"}, 201, &tok)
	if tok.Secret == "" {
		ts.t.Fatal("token created without a secret")
	}
	return u, tok.Secret
}

func (ts *testServer) createRole(name string, perms ...string) api.Role {
	ts.t.Helper()
	var r api.Role
	ts.call("POST", "/v1/roles", ownerToken, api.RoleCreate{Name: name, Permissions: perms}, 201, &r)
	return r
}

func (ts *testServer) assign(roleID string, a api.RoleAssignmentCreate) api.RoleAssignment {
	ts.t.Helper()
	var out api.RoleAssignment
	ts.call("POST", "/v1/roles/"+roleID+"/assignments", ownerToken, a, 201, &out)
	return out
}

func (ts *testServer) grant(envID, roleID string, perms ...string) api.Grant {
	ts.t.Helper()
	var g api.Grant
	ts.call("POST", "/v1/environments/"+envID+"/grants", ownerToken, api.GrantCreate{RoleID: roleID, Permissions: perms}, 201, &g)
	return g
}

func (ts *testServer) authorize(token string, req api.AuthorizeRequest) api.AuthorizeResponse {
	ts.t.Helper()
	var out api.AuthorizeResponse
	ts.call("POST", "/v1/authorize", token, req, 200, &out)
	return out
}

// ownerID returns the bootstrap user's id.
func (ts *testServer) ownerID() string {
	ts.t.Helper()
	var l api.List[api.User]
	ts.call("GET", "/v1/users?email="+BootstrapEmail, ownerToken, nil, 200, &l)
	if len(l.Items) != 1 {
		ts.t.Fatalf("bootstrap user: %+v", l)
	}
	return l.Items[0].ID
}

func requireContains(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%q does not contain %q", s, sub)
		}
	}
}
