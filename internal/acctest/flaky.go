package acctest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/testserver"
)

// Fault is one kind of failure a FlakyProxy injects.
type Fault int

// The faults, in the order the proxy cycles through them.
const (
	// FaultUnavailable answers 503 without reaching the server.
	FaultUnavailable Fault = iota
	// FaultRateLimited answers 429 with Retry-After 0 or 1 (alternately) without reaching the server.
	FaultRateLimited
	// FaultDroppedAfterCommit forwards the request, lets the server finish it, then closes the
	// client's connection without a response: the client cannot know the change happened.
	FaultDroppedAfterCommit
	faultKinds
)

func (f Fault) String() string {
	switch f {
	case FaultUnavailable:
		return "503"
	case FaultRateLimited:
		return "429"
	case FaultDroppedAfterCommit:
		return "dropped-after-commit"
	}
	return "fault(" + strconv.Itoa(int(f)) + ")"
}

// FlakyProxy is a reverse proxy on 127.0.0.1 that fails one request in every N, cycling
// through the faults. It proves that clients retry safely: in particular, a POST dropped
// after the server committed it must not create a second object when retried.
type FlakyProxy struct {
	URL string

	every    int64
	target   *url.URL
	forward  *httputil.ReverseProxy
	upstream *http.Client

	requests atomic.Int64
	faults   [faultKinds]atomic.Int64
	// droppedPosts counts POSTs the server committed but whose answer never arrived: the
	// case only an idempotency key makes safe to retry.
	droppedPosts atomic.Int64
}

// NewFlakyProxy starts a FlakyProxy in front of target (a base URL such as Server.URL) that
// fails one request in every; it stops when the test ends.
func NewFlakyProxy(t testing.TB, target string, every int) *FlakyProxy {
	t.Helper()
	if every < 1 {
		t.Fatalf("NewFlakyProxy: every must be at least 1, got %d", every)
	}
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("NewFlakyProxy: target %q: %v", target, err)
	}
	p := &FlakyProxy{
		every:    int64(every),
		target:   u,
		forward:  httputil.NewSingleHostReverseProxy(u),
		upstream: &http.Client{},
	}
	p.URL = testserver.Start(t, p)
	return p
}

// Requests is how many requests reached the proxy.
func (p *FlakyProxy) Requests() int64 { return p.requests.Load() }

// Injected is how many times fault f was injected.
func (p *FlakyProxy) Injected(f Fault) int64 { return p.faults[f].Load() }

// DroppedPosts is how many POSTs the server committed without the client hearing of it.
func (p *FlakyProxy) DroppedPosts() int64 { return p.droppedPosts.Load() }

// String summarizes what the proxy did, for test logs.
func (p *FlakyProxy) String() string {
	return fmt.Sprintf("%d requests; injected %d × 503, %d × 429, %d × dropped after commit (%d of them POSTs)",
		p.Requests(), p.Injected(FaultUnavailable), p.Injected(FaultRateLimited), p.Injected(FaultDroppedAfterCommit), p.DroppedPosts())
}

func (p *FlakyProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := p.requests.Add(1)
	if n%p.every != 0 {
		p.forward.ServeHTTP(w, r)
		return
	}
	nth := n/p.every - 1
	fault := Fault(nth % int64(faultKinds))
	p.faults[fault].Add(1)
	switch fault {
	case FaultUnavailable:
		http.Error(w, "flaky proxy: injected 503", http.StatusServiceUnavailable)
	case FaultRateLimited:
		w.Header().Set("Retry-After", strconv.FormatInt((nth/int64(faultKinds))%2, 10))
		http.Error(w, "flaky proxy: injected 429", http.StatusTooManyRequests)
	case FaultDroppedAfterCommit:
		p.dropAfterCommit(w, r)
	}
}

// dropAfterCommit sends r to the server and reads its whole answer, so the change is
// committed, then closes the client's connection without writing anything.
func (p *FlakyProxy) dropAfterCommit(w http.ResponseWriter, r *http.Request) {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Scheme, out.URL.Host = p.target.Scheme, p.target.Host
	out.Host = p.target.Host
	resp, err := p.upstream.Do(out)
	if err != nil {
		http.Error(w, "flaky proxy: upstream: "+err.Error(), http.StatusBadGateway)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if r.Method == http.MethodPost && resp.StatusCode < 300 {
		p.droppedPosts.Add(1)
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "flaky proxy: cannot hijack an HTTP/2 connection", http.StatusBadGateway)
		return
	}
	if conn, _, err := hj.Hijack(); err == nil {
		_ = conn.Close()
	}
}

// LatencyProxy is a reverse proxy on 127.0.0.1 that holds every request for a fixed delay
// before forwarding it: one added network round trip per request, as a provider far from its
// API sees. It measures how much of a plan's time is spent waiting on the network rather
// than computing.
type LatencyProxy struct {
	URL string

	delay    time.Duration
	forward  *httputil.ReverseProxy
	requests atomic.Int64
}

// NewLatencyProxy starts a LatencyProxy in front of target (a base URL such as Server.URL)
// that adds delay to every request; it stops when the test ends.
func NewLatencyProxy(t testing.TB, target string, delay time.Duration) *LatencyProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("NewLatencyProxy: target %q: %v", target, err)
	}
	forward := httputil.NewSingleHostReverseProxy(u)
	// The default transport keeps 2 idle connections per host: with terraform's 10
	// concurrent requests the proxy would open a new upstream connection for most of them,
	// a cost that is the proxy's, not the provider's.
	tr, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		t.Fatalf("NewLatencyProxy: http.DefaultTransport is a %T", http.DefaultTransport)
	}
	tr = tr.Clone()
	tr.MaxIdleConnsPerHost = 64
	forward.Transport = tr
	p := &LatencyProxy{delay: delay, forward: forward}
	// Registered first, so it runs after the proxy has closed.
	t.Cleanup(tr.CloseIdleConnections)
	p.URL = testserver.Start(t, p)
	return p
}

// Requests is how many requests reached the proxy.
func (p *LatencyProxy) Requests() int64 { return p.requests.Load() }

// Delay is what the proxy adds to every request.
func (p *LatencyProxy) Delay() time.Duration { return p.delay }

func (p *LatencyProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.requests.Add(1)
	if p.delay > 0 {
		timer := time.NewTimer(p.delay)
		select {
		case <-timer.C:
		case <-r.Context().Done():
			// The client gave up: there is nobody left to answer.
			timer.Stop()
			return
		}
	}
	p.forward.ServeHTTP(w, r)
}
