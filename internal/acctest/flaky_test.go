package acctest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestFlakyProxy_cyclesFaults(t *testing.T) {
	var committed atomic.Int64
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		committed.Add(1)
		_, _ = io.WriteString(w, "ok "+r.Method+" "+r.URL.Path)
	}))
	t.Cleanup(backend.Close)
	p := NewFlakyProxy(t, backend.URL, 2)

	do := func(method string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(context.Background(), method, p.URL+"/v1/things", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		// A fresh connection per request, so that the client's own transport never retries.
		req.Close = true
		return http.DefaultClient.Do(req)
	}
	status := func(method string) int {
		t.Helper()
		resp, err := do(method)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		defer func() { _ = resp.Body.Close() }()
		return resp.StatusCode
	}

	if got := status(http.MethodGet); got != http.StatusOK {
		t.Errorf("request 1 (passes): %d", got)
	}
	if got := status(http.MethodGet); got != http.StatusServiceUnavailable {
		t.Errorf("request 2 (first fault): %d, want 503", got)
	}
	if got := status(http.MethodGet); got != http.StatusOK {
		t.Errorf("request 3 (passes): %d", got)
	}
	resp, err := do(http.MethodGet)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "0" {
		t.Errorf("request 4 (second fault): %d Retry-After %q, want 429 with 0", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	before := committed.Load()
	if got := status(http.MethodPost); got != http.StatusOK {
		t.Errorf("request 5 (passes): %d", got)
	}
	if resp, err := do(http.MethodPost); err == nil {
		_ = resp.Body.Close()
		t.Errorf("request 6 (third fault): got %d, want the connection dropped", resp.StatusCode)
	}
	if got := committed.Load() - before; got != 2 {
		t.Errorf("the server handled %d of requests 5–6, want 2: the dropped one must reach it", got)
	}
	if p.DroppedPosts() != 1 || p.Injected(FaultUnavailable) != 1 || p.Injected(FaultRateLimited) != 1 || p.Injected(FaultDroppedAfterCommit) != 1 {
		t.Errorf("counters: %s", p)
	}
}

func TestLatencyProxy_delaysEachRequest(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok "+r.Method+" "+r.URL.Path)
	}))
	t.Cleanup(backend.Close)
	const delay = 50 * time.Millisecond
	p := NewLatencyProxy(t, backend.URL, delay)

	get := func() (string, time.Duration, error) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, p.URL+"/v1/things", nil)
		if err != nil {
			return "", 0, err
		}
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", 0, err
		}
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(resp.Body)
		return string(body), time.Since(start), err
	}

	// Concurrent requests each wait the delay, side by side: a round trip, not a queue.
	const n = 8
	type answer struct {
		body string
		took time.Duration
		err  error
	}
	answers := make(chan answer, n)
	start := time.Now()
	for range n {
		go func() {
			body, took, err := get()
			answers <- answer{body, took, err}
		}()
	}
	for range n {
		a := <-answers
		if a.err != nil {
			t.Fatal(a.err)
		}
		if a.body != "ok GET /v1/things" {
			t.Errorf("body %q, want the backend's answer", a.body)
		}
		if a.took < delay {
			t.Errorf("a request took %v, want at least the delay %v", a.took, delay)
		}
	}
	if total := time.Since(start); total >= n*delay/2 {
		t.Errorf("%d concurrent requests took %v: the delays ran one after another", n, total)
	}
	if got := p.Requests(); got != n {
		t.Errorf("Requests() = %d, want %d", got, n)
	}
}
