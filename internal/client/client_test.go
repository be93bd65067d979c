package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The tests in this file need no Warden server: their httptest servers are fixtures of HTTP
// behaviour (a 503, a 429, a lost connection), which is what the transport layer must handle.

// fixture starts handler on 127.0.0.1 and returns a client with fast retries pointed at it.
func fixture(t *testing.T, handler http.HandlerFunc, tweak ...func(*Config)) *Client {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	cfg := Config{
		Endpoint:     srv.URL,
		Token:        "test-token",
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
		UserAgent:    "client-test/1.0",
	}
	for _, f := range tweak {
		f(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeProblem(w http.ResponseWriter, p api.Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func TestNew_endpointValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		endpoint string
		ok       bool
	}{
		{"http://127.0.0.1:8080", true},
		{"https://warden.example.com/", true},
		{"https://warden.example.com/prefix", true},
		{"", false},
		{"127.0.0.1:8080", false},
		{"localhost", false},
		{"/v1", false},
		{"ftp://warden.example.com", false},
		{"http://", false},
		{"https://warden.example.com?x=1", false},
		{"http://[::1", false},
	} {
		_, err := New(Config{Endpoint: tc.endpoint})
		if (err == nil) != tc.ok {
			t.Errorf("New(%q): err = %v, want ok=%v", tc.endpoint, err, tc.ok)
		}
	}
}

func TestNew_defaults(t *testing.T) {
	t.Parallel()
	c, err := New(Config{Endpoint: "https://warden.example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint() != "https://warden.example.com" {
		t.Errorf("Endpoint() = %q", c.Endpoint())
	}
	if c.http.RetryMax != 4 || c.http.RetryWaitMin != 200*time.Millisecond || c.http.RetryWaitMax != 5*time.Second {
		t.Errorf("retry defaults = %d, %s, %s", c.http.RetryMax, c.http.RetryWaitMin, c.http.RetryWaitMax)
	}
	if c.http.Logger != nil {
		t.Errorf("Logger = %#v, want nil so nothing is written to stderr", c.http.Logger)
	}
	if c.http.HTTPClient == nil || c.http.HTTPClient.Transport == nil {
		t.Fatal("no pooled transport")
	}

	noRetry, err := New(Config{Endpoint: "http://h", RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	if noRetry.http.RetryMax != 0 {
		t.Errorf("RetryMax -1 gives %d retries, want 0", noRetry.http.RetryMax)
	}
	if _, err := New(Config{Endpoint: "http://h", RetryWaitMin: time.Second, RetryWaitMax: time.Millisecond}); err == nil {
		t.Error("RetryWaitMax < RetryWaitMin accepted")
	}
}

func TestAPIError_problemDecoded(t *testing.T) {
	t.Parallel()
	c := fixture(t, func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, api.Problem{
			Title: "Validation failed", Status: 422, Code: "validation_failed", Field: "cloud",
			Detail: `cloud must be "aws" or "gcp", not "azure"`, RequestID: "req-42",
			Findings: []api.FindingDetail{{Severity: "error", Code: "invalid_cloud", Field: "cloud", Value: "azure", Message: "unknown cloud"}},
		})
	})
	_, err := c.CreateEnvironment(t.Context(), api.EnvironmentCreate{Name: "x", Cloud: "azure"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want *APIError", err, err)
	}
	if apiErr.Status != 422 || apiErr.Code != "validation_failed" || apiErr.Field != "cloud" || apiErr.RequestID != "req-42" || apiErr.Title != "Validation failed" {
		t.Errorf("APIError = %+v", apiErr)
	}
	if len(apiErr.Findings) != 1 || apiErr.Findings[0].Value != "azure" {
		t.Errorf("Findings = %+v", apiErr.Findings)
	}
	want := `warden API: 422 validation_failed (field cloud): cloud must be "aws" or "gcp", not "azure" (request req-42)`
	if err.Error() != want {
		t.Errorf("Error() =\n%s\nwant\n%s", err.Error(), want)
	}
	for _, s := range []error{ErrNotFound, ErrConflict, ErrPreconditionFailed} {
		if errors.Is(err, s) {
			t.Errorf("422 matches %v", s)
		}
	}
}

func TestAPIError_sentinels(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		want   error
	}{
		{http.StatusNotFound, ErrNotFound},
		{http.StatusConflict, ErrConflict},
		{http.StatusPreconditionFailed, ErrPreconditionFailed},
		{http.StatusBadRequest, nil},
		{http.StatusForbidden, nil},
		{http.StatusInternalServerError, nil},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			t.Parallel()
			c := fixture(t, func(w http.ResponseWriter, r *http.Request) {
				writeProblem(w, api.Problem{Title: http.StatusText(tc.status), Status: tc.status, Code: "some_code"})
			}, func(cfg *Config) { cfg.RetryMax = -1 })
			_, err := c.GetRole(t.Context(), "r1")
			wrapped := fmt.Errorf("reading role: %w", err)
			for _, s := range []error{ErrNotFound, ErrConflict, ErrPreconditionFailed} {
				if got := errors.Is(wrapped, s); got != errors.Is(tc.want, s) {
					t.Errorf("errors.Is(%d, %v) = %v", tc.status, s, got)
				}
			}
			var apiErr *APIError
			if !errors.As(wrapped, &apiErr) || apiErr.Status != tc.status || apiErr.Code != "some_code" {
				t.Errorf("APIError = %+v", apiErr)
			}
		})
	}
}

func TestAPIError_nonProblemBody(t *testing.T) {
	t.Parallel()
	c := fixture(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/roles/html":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html>upstream is down "+strings.Repeat("é", 300)+"</html>")
		default:
			w.WriteHeader(http.StatusNotFound) // no body at all
		}
	}, func(cfg *Config) { cfg.RetryMax = -1 })

	_, err := c.GetRole(t.Context(), "html")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 502 || apiErr.Title != "Bad Gateway" {
		t.Fatalf("err = %v, want a 502 APIError", err)
	}
	if !strings.HasPrefix(apiErr.Detail, "<html>upstream is down") || !strings.HasSuffix(apiErr.Detail, "é…") {
		t.Errorf("Detail = %q, want a rune-safe excerpt of the body", apiErr.Detail)
	}

	_, err = c.GetRole(t.Context(), "gone")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty 404: err = %v, want ErrNotFound", err)
	}
	if err.Error() != "warden API: 404: Not Found" {
		t.Errorf("Error() = %q", err.Error())
	}
}

func TestAPIError_findingsWhenNoDetail(t *testing.T) {
	t.Parallel()
	e := &APIError{Status: 422, Code: "validation_failed", Findings: []api.FindingDetail{
		{Severity: "error", Field: "permissions", Message: "unknown permission"},
		{Severity: "warning", Field: "permissions", Message: "redundant"},
	}}
	want := "warden API: 422 validation_failed: Unprocessable Entity; permissions: unknown permission"
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
}

func TestParseRetryAfter(t *testing.T) {
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	old := now
	now = func() time.Time { return base }
	t.Cleanup(func() { now = old })

	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, true},
		{"-1", 0, false},
		{"", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
		{base.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second, true},
		{base.Add(90 * time.Second).Format(time.RFC850), 90 * time.Second, true},
		{base.Add(time.Minute).Format(time.ANSIC), time.Minute, true},
		{base.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"99999999999999999", time.Duration(1 << 62), true},
	} {
		got, ok := parseRetryAfter(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %s, %v; want %s, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBackoff_exponentialCappedWithJitter(t *testing.T) {
	t.Parallel()
	const lo, hi = 200 * time.Millisecond, 5 * time.Second
	for attempt, ceiling := range []time.Duration{200, 400, 800, 1600, 3200, 5000, 5000} {
		ceiling *= time.Millisecond
		seen := map[time.Duration]bool{}
		for range 200 {
			d := backoff(lo, hi, attempt, nil)
			if d < ceiling/2 || d > ceiling {
				t.Fatalf("attempt %d: backoff %s outside [%s, %s]", attempt, d, ceiling/2, ceiling)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("attempt %d: only %d distinct waits in 200 draws; no jitter?", attempt, len(seen))
		}
	}
	// A huge attempt number must neither overflow nor pass the cap.
	if d := backoff(lo, hi, 1000, nil); d < hi/2 || d > hi {
		t.Errorf("attempt 1000: backoff %s", d)
	}
	// A 500 with Retry-After is not a rate limit: exponential backoff applies.
	resp := &http.Response{StatusCode: 500, Header: http.Header{"Retry-After": {"4"}}}
	if d := backoff(lo, hi, 0, resp); d > lo {
		t.Errorf("500 with Retry-After: backoff %s, want ≤ %s", d, lo)
	}
}

func TestBackoff_retryAfter(t *testing.T) {
	t.Parallel()
	const lo, hi = 200 * time.Millisecond, 5 * time.Second
	for _, tc := range []struct {
		status int
		header string
		want   time.Duration
	}{
		{429, "2", 2 * time.Second},
		{503, "1", time.Second},
		{429, "3600", hi}, // capped by RetryWaitMax
		{429, "0", 0},
	} {
		resp := &http.Response{StatusCode: tc.status, Header: http.Header{"Retry-After": {tc.header}}}
		if got := backoff(lo, hi, 3, resp); got != tc.want {
			t.Errorf("%d Retry-After %s: backoff %s, want %s", tc.status, tc.header, got, tc.want)
		}
	}
	// Unparseable Retry-After falls back to the exponential schedule.
	resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"later"}}}
	if got := backoff(lo, hi, 0, resp); got < lo/2 || got > lo {
		t.Errorf("bad Retry-After: backoff %s", got)
	}
}

func TestCheckRetry(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	connErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	for _, tc := range []struct {
		name   string
		status int
		err    error
		want   bool
	}{
		{"connection error", 0, connErr, true},
		{"429", 429, nil, true},
		{"500", 500, nil, true},
		{"502", 502, nil, true},
		{"503", 503, nil, true},
		{"504", 504, nil, true},
		{"501", 501, nil, false},
		{"400", 400, nil, false},
		{"404", 404, nil, false},
		{"409", 409, nil, false},
		{"412", 412, nil, false},
		{"422", 422, nil, false},
		{"200", 200, nil, false},
	} {
		var resp *http.Response
		if tc.err == nil {
			resp = &http.Response{StatusCode: tc.status, Header: http.Header{}}
		}
		got, _ := checkRetry(ctx, resp, tc.err)
		if got != tc.want {
			t.Errorf("%s: retry = %v, want %v", tc.name, got, tc.want)
		}
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if retry, err := checkRetry(cancelled, nil, connErr); retry || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: retry = %v, err = %v", retry, err)
	}
}

// attempt is what a fixture server saw of one request.
type attempt struct {
	method, uri, key, ifMatch, auth, ua, contentType string
	body                                             string
}

type recorder struct {
	mu       sync.Mutex
	attempts []attempt
}

func (rec *recorder) record(r *http.Request) int {
	b, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.attempts = append(rec.attempts, attempt{
		method: r.Method, uri: r.RequestURI, key: r.Header.Get("Idempotency-Key"), ifMatch: r.Header.Get("If-Match"),
		auth: r.Header.Get("Authorization"), ua: r.Header.Get("User-Agent"), contentType: r.Header.Get("Content-Type"),
		body: string(b),
	})
	return len(rec.attempts)
}

func (rec *recorder) all() []attempt {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]attempt(nil), rec.attempts...)
}

func TestRetry_idempotencyKeyStableAndBodyReplayed(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	c := fixture(t, func(w http.ResponseWriter, r *http.Request) {
		n := rec.record(r)
		if n <= 2 {
			writeProblem(w, api.Problem{Title: "Unavailable", Status: 503, Code: "unavailable"})
			return
		}
		writeJSON(w, http.StatusCreated, api.Environment{Meta: api.Meta{ID: "env-1", Version: 1}, Name: "prod", Cloud: "aws"})
	})

	env, err := c.CreateEnvironment(t.Context(), api.EnvironmentCreate{Name: "prod", Cloud: "aws"})
	if err != nil {
		t.Fatalf("CreateEnvironment: %v", err)
	}
	if env.ID != "env-1" || env.Name != "prod" || env.Version != 1 {
		t.Errorf("env = %+v", env)
	}
	got := rec.all()
	if len(got) != 3 {
		t.Fatalf("%d attempts, want 3 (two 503s, then 201)", len(got))
	}
	if _, err := uuid.Parse(got[0].key); err != nil {
		t.Fatalf("Idempotency-Key %q is not a UUID: %v", got[0].key, err)
	}
	for i, a := range got {
		if a.key != got[0].key {
			t.Errorf("attempt %d Idempotency-Key %q, want %q (same as the first)", i, a.key, got[0].key)
		}
		if a.body != `{"name":"prod","cloud":"aws"}` {
			t.Errorf("attempt %d body %q: not replayed intact", i, a.body)
		}
	}

	// A new call is a new operation: a new key.
	if _, err := c.CreateEnvironment(t.Context(), api.EnvironmentCreate{Name: "prod", Cloud: "aws"}); err != nil {
		t.Fatal(err)
	}
	if k := rec.all()[3].key; k == "" || k == got[0].key {
		t.Errorf("second call reused key %q", k)
	}
}

// dropFirst fails the first round trip with a connection error after the server has
// answered it, as when a connection dies on the way back.
type dropFirst struct {
	next  http.RoundTripper
	calls atomic.Int32
}

func (d *dropFirst) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := d.next.RoundTrip(r)
	if d.calls.Add(1) == 1 && err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return nil, errors.New("read tcp: connection reset by peer")
	}
	return resp, err
}

func TestRetry_connectionErrorKeepsKey(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	rt := &dropFirst{next: http.DefaultTransport}
	c := fixture(t, func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		writeJSON(w, http.StatusCreated, api.Group{Meta: api.Meta{ID: "g1", Version: 1}, Name: "ops"})
	}, func(cfg *Config) { cfg.HTTPClient = &http.Client{Transport: rt} })

	g, err := c.CreateGroup(t.Context(), api.GroupCreate{Name: "ops"})
	if err != nil || g.ID != "g1" {
		t.Fatalf("CreateGroup = %+v, %v", g, err)
	}
	got := rec.all()
	if len(got) != 2 || got[0].key == "" || got[0].key != got[1].key {
		t.Fatalf("attempts = %+v, want two with the same Idempotency-Key", got)
	}
}

func TestRetry_429HonoursRetryAfter(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c := fixture(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			writeProblem(w, api.Problem{Title: "Too Many Requests", Status: 429, Code: "rate_limited"})
			return
		}
		writeJSON(w, http.StatusOK, api.PermissionMatrix{Version: "v"})
	}, func(cfg *Config) { cfg.RetryWaitMax = 3 * time.Second })

	start := time.Now()
	m, err := c.PermissionMatrix(t.Context())
	if err != nil || m.Version != "v" {
		t.Fatalf("PermissionMatrix = %+v, %v", m, err)
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Errorf("retried after %s; Retry-After: 1 asked for a second", el)
	}
	if calls.Load() != 2 {
		t.Errorf("%d calls, want 2", calls.Load())
	}
}

func TestRetry_retryAfterCappedByWaitMax(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c := fixture(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		writeJSON(w, http.StatusOK, api.PermissionMatrix{Version: "v"})
	}, func(cfg *Config) { cfg.RetryWaitMax = 50 * time.Millisecond })

	start := time.Now()
	if _, err := c.PermissionMatrix(t.Context()); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %s: Retry-After was not capped by RetryWaitMax", el)
	}
}

func TestRetry_exhaustedReturnsLastProblem(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c := fixture(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeProblem(w, api.Problem{Title: "Unavailable", Status: 503, Code: "store_unavailable", Detail: "database is locked", RequestID: "r9"})
	}, func(cfg *Config) { cfg.RetryMax = 2 })

	_, err := c.GetEnvironment(t.Context(), "e1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 503 || apiErr.Code != "store_unavailable" || apiErr.RequestID != "r9" {
		t.Fatalf("err = %v, want the last 503 problem", err)
	}
	if calls.Load() != 3 {
		t.Errorf("%d attempts, want 3 (RetryMax 2)", calls.Load())
	}
}

func TestRetry_notRetried(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusNotImplemented, http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity} {
		var calls atomic.Int32
		c := fixture(t, func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			writeProblem(w, api.Problem{Title: http.StatusText(status), Status: status, Code: "x"})
		})
		if _, err := c.CreateRole(t.Context(), api.RoleCreate{Name: "r"}); err == nil {
			t.Errorf("%d: no error", status)
		}
		if calls.Load() != 1 {
			t.Errorf("%d: %d attempts, want 1", status, calls.Load())
		}
	}
}

func TestRetry_connectionRefusedGivesUp(t *testing.T) {
	t.Parallel()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there any more

	c, err := New(Config{Endpoint: "http://" + addr, RetryMax: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetUser(t.Context(), "u1")
	var apiErr *APIError
	if err == nil || errors.As(err, &apiErr) || errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want a transport error", err)
	}
	if !strings.Contains(err.Error(), "GET /v1/users/u1") || !strings.Contains(err.Error(), "3 attempt(s)") {
		t.Errorf("err = %q, want the call and the attempt count", err)
	}
}

func TestRetry_contextCancelStopsWaiting(t *testing.T) {
	t.Parallel()
	c := fixture(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusServiceUnavailable)
	}, func(cfg *Config) { cfg.RetryWaitMax = time.Minute })

	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetEnvironment(ctx, "e1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("took %s to notice the deadline", el)
	}
}

func TestRequest_headersPathsAndQueries(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	c := fixture(t, func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		switch r.Method {
		case http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		case http.MethodGet:
			if r.URL.Path == "/v1/users" || r.URL.Path == "/v1/audit-events" {
				writeJSON(w, http.StatusOK, map[string]any{"items": []any{}})
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"environment_id": "e1"})
		default:
			writeJSON(w, http.StatusOK, map[string]any{"id": "x", "version": 8})
		}
	})
	ctx := t.Context()

	name := "renamed"
	if _, err := c.UpdateEnvironment(ctx, "env/1 x", api.EnvironmentUpdate{Name: &name}, 7); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteGrant(ctx, "e1", "r?1", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EffectiveAccess(ctx, "e1", "u1", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WhoCan(ctx, "e1", "apps.deploy"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListAuditEvents(ctx, AuditFilter{ActorID: "u 1", Since: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), Limit: 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.FindUserByEmail(ctx, "a+b@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("FindUserByEmail with no match: err = %v, want ErrNotFound", err)
	}
	if _, err := c.ApproveAccessRequest(ctx, "ar1"); err != nil {
		t.Fatal(err)
	}

	got := rec.all()
	want := []attempt{
		{method: "PATCH", uri: "/v1/environments/env%2F1%20x", ifMatch: `"7"`, contentType: "application/json", body: `{"name":"renamed"}`},
		{method: "DELETE", uri: "/v1/environments/e1/grants/r%3F1"},
		{method: "GET", uri: "/v1/environments/e1/effective-access?user_id=u1"},
		{method: "GET", uri: "/v1/environments/e1/principals?action=apps.deploy"},
		{method: "GET", uri: "/v1/audit-events?actor_id=u+1&limit=5&since=2026-01-02T02%3A04%3A05Z"},
		{method: "GET", uri: "/v1/users?email=a%2Bb%40example.com"},
		{method: "POST", uri: "/v1/access-requests/ar1/approve"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d requests, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.auth != "Bearer test-token" || g.ua != "client-test/1.0" {
			t.Errorf("request %d: Authorization %q, User-Agent %q", i, g.auth, g.ua)
		}
		if (g.method != "GET") != (g.key != "") {
			t.Errorf("request %d (%s): Idempotency-Key %q; want one on every change (POST, PUT, PATCH, DELETE) and none on GET", i, g.method, g.key)
		}
		g.auth, g.ua, g.key = "", "", ""
		if g != w {
			t.Errorf("request %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func TestRequest_emptyIDRefused(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c := fixture(t, func(w http.ResponseWriter, r *http.Request) { calls.Add(1) })
	if _, err := c.GetEnvironment(t.Context(), ""); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("GetEnvironment(\"\"): err = %v", err)
	}
	if err := c.DeleteGrant(t.Context(), "e1", "", 0); err == nil {
		t.Error("DeleteGrant with an empty role id: no error")
	}
	if calls.Load() != 0 {
		t.Errorf("%d requests sent for empty ids", calls.Load())
	}
}

func TestList_followsCursors(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	pages := map[string]api.List[api.Role]{
		"":   {Items: []api.Role{{Name: "a"}, {Name: "b"}}, NextCursor: "c1"},
		"c1": {Items: []api.Role{{Name: "c"}, {Name: "d"}}, NextCursor: "c2"},
		"c2": {Items: []api.Role{{Name: "e"}}},
	}
	c := fixture(t, func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		writeJSON(w, http.StatusOK, pages[r.URL.Query().Get("cursor")])
	})
	roles, err := c.ListRoles(t.Context(), ListRolesOptions{Name: "x", PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range roles {
		names = append(names, r.Name)
	}
	if strings.Join(names, ",") != "a,b,c,d,e" {
		t.Errorf("names = %v", names)
	}
	var uris []string
	for _, a := range rec.all() {
		uris = append(uris, a.uri)
	}
	if want := "/v1/roles?limit=2&name=x /v1/roles?cursor=c1&limit=2&name=x /v1/roles?cursor=c2&limit=2&name=x"; strings.Join(uris, " ") != want {
		t.Errorf("requests = %v\nwant %s", uris, want)
	}
}

// A caller that stops early (a list resource at Terraform's limit) costs no further page,
// and an error ends the sequence.
func TestListSeq_fetchesOnlyWhatIsRead(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	pages := map[string]api.List[api.User]{
		"":   {Items: []api.User{{Email: "a@x"}, {Email: "b@x"}}, NextCursor: "c1"},
		"c1": {Items: []api.User{{Email: "c@x"}}, NextCursor: "c2"},
	}
	c := fixture(t, func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		p, ok := pages[r.URL.Query().Get("cursor")]
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]any{"status": 404, "code": "not_found"})
			return
		}
		writeJSON(w, http.StatusOK, p)
	})
	var got []string
	for u, err := range c.ListUsersSeq(t.Context(), ListUsersOptions{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u.Email)
		if len(got) == 2 {
			break
		}
	}
	if strings.Join(got, ",") != "a@x,b@x" || len(rec.all()) != 1 {
		t.Errorf("read %v with %d requests; want a@x,b@x with 1", got, len(rec.all()))
	}
	got = nil
	var last error
	for u, err := range c.ListUsersSeq(t.Context(), ListUsersOptions{PageSize: 2}) {
		if err != nil {
			last = err
			continue
		}
		got = append(got, u.Email)
	}
	if strings.Join(got, ",") != "a@x,b@x,c@x" || !errors.Is(last, ErrNotFound) {
		t.Errorf("read %v, then error %v; want every user, then a NotFound", got, last)
	}
}

func TestList_emptyAndLoopingCursor(t *testing.T) {
	t.Parallel()
	c := fixture(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/groups" {
			writeJSON(w, http.StatusOK, api.List[api.Group]{Items: []api.Group{{Name: "g"}}, NextCursor: "same"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": nil})
	})
	envs, err := c.ListEnvironments(t.Context(), ListEnvironmentsOptions{})
	if err != nil || envs == nil || len(envs) != 0 {
		t.Errorf("empty list = %#v, %v; want a non-nil empty slice", envs, err)
	}
	if _, err := c.ListGroups(t.Context(), ListGroupsOptions{}); err == nil || !strings.Contains(err.Error(), "repeats") {
		t.Errorf("looping cursor: err = %v", err)
	}
}

func TestList_auditLimitStopsEarly(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c := fixture(t, func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		writeJSON(w, http.StatusOK, api.List[api.AuditEvent]{
			Items:      []api.AuditEvent{{ID: fmt.Sprint(n, "a")}, {ID: fmt.Sprint(n, "b")}},
			NextCursor: fmt.Sprint("c", n),
		})
	})
	evs, err := c.ListAuditEvents(t.Context(), AuditFilter{Limit: 3})
	if err != nil || len(evs) != 3 || evs[2].ID != "2a" {
		t.Errorf("events = %+v, %v; want exactly 3", evs, err)
	}
	if calls.Load() != 2 {
		t.Errorf("%d pages fetched, want 2", calls.Load())
	}
}

func TestTransport_connectionsReused(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, api.Environment{Meta: api.Meta{ID: "e"}})
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	// The default HTTP client: the pooled transport New builds must keep one connection alive.
	c, err := New(Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if _, err := c.GetEnvironment(t.Context(), "e"); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("20 sequential calls opened %d connections, want 1 (keep-alive pool)", n)
	}
}

func TestDecode_badSuccessBody(t *testing.T) {
	t.Parallel()
	c := fixture(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/roles/empty" {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "<html>")
	})
	if _, err := c.GetRole(t.Context(), "empty"); err == nil || !strings.Contains(err.Error(), "empty body") {
		t.Errorf("empty 200: err = %v", err)
	}
	if _, err := c.GetRole(t.Context(), "html"); err == nil || !strings.Contains(err.Error(), "decoding 200 response") {
		t.Errorf("html 200: err = %v", err)
	}
}

func TestCreateToken_secretLostTwice(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	var n atomic.Int32
	c := fixture(t, func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		// A replayed create: the stored copy has no secret.
		writeJSON(w, http.StatusCreated, api.Token{ID: fmt.Sprint("tok", n.Add(1)), UserID: "u1"})
	})
	_, err := c.CreateToken(t.Context(), "u1", api.TokenCreate{Name: "ci"})
	if err == nil || !strings.Contains(err.Error(), "tok1 and tok2") {
		t.Fatalf("err = %v, want both secretless tokens named", err)
	}
	var calls []string
	for _, a := range rec.all() {
		calls = append(calls, a.method+" "+a.uri)
	}
	want := "POST /v1/users/u1/tokens,DELETE /v1/users/u1/tokens/tok1,POST /v1/users/u1/tokens"
	if strings.Join(calls, ",") != want {
		t.Errorf("calls = %v, want %s", calls, want)
	}
}
