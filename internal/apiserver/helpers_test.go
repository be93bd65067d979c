package apiserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/testclock"
	"github.com/wardenhq/terraform-provider-warden/internal/testserver"
)

const ownerToken = "test-bootstrap-token"

type testServer struct {
	t   *testing.T
	url string
	// clock is the server's Config.Now (when newTestServer made it): expiry is tested by
	// moving it, without sleeping.
	clock *testclock.Clock
	srv   *Server
	db    string // Config.DB
	// held signals, per X-Test-Hold key, that the server began reading a request's body:
	// its authentication and route check are done (see startRequest).
	held sync.Map // string → chan struct{}
}

// newTestServer runs the real handler over real HTTP on 127.0.0.1 with a fresh SQLite file.
func newTestServer(t *testing.T, mutate ...func(*Config)) *testServer {
	t.Helper()
	c := testclock.New(time.Now().UTC().Truncate(time.Second))
	// Receivers in tests listen on 127.0.0.1; the SSRF guard's own tests turn this off.
	cfg := Config{DB: testDB(t), BootstrapToken: ownerToken, Now: c.Now, Alerting: AlertingConfig{AllowPrivateDestinations: true}}
	for _, m := range mutate {
		m(&cfg)
	}
	return serve(t, cfg, c)
}

// serve runs a Server for cfg over real HTTP on 127.0.0.1 until the test ends; c is the
// clock the test moves, normally cfg.Now's.
func serve(t *testing.T, cfg Config, c *testclock.Clock) *testServer {
	t.Helper()
	srv, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := &testServer{t: t, clock: c, srv: srv, db: cfg.DB}
	// Registered first, so it runs after the HTTP server has closed.
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	ts.url = testserver.Start(t, ts.holdable(srv.Handler()))
	return ts
}

// holdable wraps the server's handler so that a test learns when a request's body is first
// read: the server reads a body only after authenticating the request and running its
// route's check, so from then on the request is in flight with a decision already taken.
func (ts *testServer) holdable(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if key := r.Header.Get("X-Test-Hold"); key != "" {
			if v, ok := ts.held.Load(key); ok {
				if ch, ok := v.(chan struct{}); ok {
					r.Body = &signalBody{ReadCloser: r.Body, ch: ch}
				}
			}
		}
		h.ServeHTTP(w, r)
	})
}

type signalBody struct {
	io.ReadCloser
	ch   chan struct{}
	once sync.Once
}

func (b *signalBody) Read(p []byte) (int, error) {
	b.once.Do(func() { close(b.ch) })
	return b.ReadCloser.Read(p)
}

// inflight is a request whose headers the server has taken and whose body it awaits.
type inflight struct {
	ts     *testServer
	conn   net.Conn
	body   []byte
	answer chan response
}

// startRequest sends a request's headers and returns once the server is reading its body —
// after it authenticated the request and ran the route's check — with the body unsent. A
// server that answers without reading the body fails the test.
func (ts *testServer) startRequest(method, path, token string, body any) *inflight {
	ts.t.Helper()
	f, early := ts.tryStartRequest(method, path, token, body)
	if f == nil {
		ts.t.Fatalf("%s %s: answered %d before reading the body: %s", method, path, early.status, early.body)
	}
	return f
}

// tryStartRequest is startRequest for a request the server may answer at its headers (a
// 401 or 403): then it returns nil and that answer.
func (ts *testServer) tryStartRequest(method, path, token string, body any) (*inflight, response) {
	ts.t.Helper()
	raw, ok := body.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			ts.t.Fatal(err)
		}
	}
	key := newID("hold")
	reading := make(chan struct{})
	ts.held.Store(key, reading)
	defer ts.held.Delete(key)
	conn, err := (&net.Dialer{}).DialContext(ts.t.Context(), "tcp", strings.TrimPrefix(ts.url, "http://"))
	if err != nil {
		ts.t.Fatal(err)
	}
	ts.t.Cleanup(func() { _ = conn.Close() })
	_, err = fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: warden\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nX-Test-Hold: %s\r\nConnection: close\r\n\r\n", method, path, token, len(raw), key)
	if err != nil {
		ts.t.Fatal(err)
	}
	f := &inflight{ts: ts, conn: conn, body: raw, answer: make(chan response, 1)}
	go func() {
		var r response
		if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err == nil {
			raw, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			r = response{status: resp.StatusCode, header: resp.Header, body: raw}
		}
		f.answer <- r
	}()
	select {
	case <-reading:
		return f, response{}
	case r := <-f.answer:
		return nil, r
	}
}

// finish sends the body and returns the answer.
func (f *inflight) finish() response {
	f.ts.t.Helper()
	if _, err := f.conn.Write(f.body); err != nil {
		f.ts.t.Fatal(err)
	}
	r := <-f.answer
	if r.status == 0 {
		f.ts.t.Fatal("the connection closed without an answer")
	}
	return r
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
