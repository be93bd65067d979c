package alerttest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Fault is what an Endpoint does to a request instead of its own answer.
type Fault struct {
	// Status is the status to answer, such as 500 or 410; 503 when zero.
	Status int
	// RetryAfter is the Retry-After header sent with Status, when not empty: seconds ("2") or
	// an HTTP date.
	RetryAfter string
	// Hang holds the request unanswered until the client gives up (or the endpoint goes
	// down): what a sender's timeout is for. Status is then ignored.
	Hang bool
}

// Request is what every HTTP receiver records of a request, whatever it answered.
type Request struct {
	At     time.Time
	Method string
	Path   string
	Header http.Header
	Raw    []byte
	// Status is what the receiver answered; 0 when it hung without answering.
	Status int
	// Fault is the injected fault that answered instead of the receiver, if one did.
	Fault *Fault
}

func (r Request) accepted() bool { return r.Status >= 200 && r.Status < 300 }

// Decode unmarshals the body into v: for a test that wants the payload typed.
func (r Request) Decode(v any) error { return json.Unmarshal(r.Raw, v) }

// judge parses a request no fault may have touched yet and returns the answer it gets when
// none does, and keep, which records it once its final status is known.
type judge func(req Request) (status int, answer any, keep func(Request))

// Endpoint is the HTTP server under a receiver: it stays on one 127.0.0.1 port for the whole
// test, so the URL a sender was configured with keeps working across Down and Up, and it
// injects faults. Its methods may be called from any goroutine, Up from the test's only.
type Endpoint struct {
	t     testing.TB
	addr  string
	path  string
	judge judge
	faults[Fault]

	mu  sync.Mutex
	srv *http.Server
}

func newEndpoint(t testing.TB, path string, j judge) *Endpoint {
	t.Helper()
	e := &Endpoint{t: t, path: path, judge: j}
	ln := listen(t, "127.0.0.1:0")
	e.addr = ln.Addr().String()
	e.serve(ln)
	t.Cleanup(e.Down)
	return e
}

// URL is where senders send: http://127.0.0.1:port followed by the receiver's path.
func (e *Endpoint) URL() string { return "http://" + e.addr + e.path }

// Inject puts f in force for the next n requests (Always: until Heal).
func (e *Endpoint) Inject(f Fault, n int) {
	if f.Status == 0 {
		f.Status = http.StatusServiceUnavailable
	}
	e.set(f, n)
}

// Fail answers status to the next n requests (Always: until Heal).
func (e *Endpoint) Fail(status, n int) { e.Inject(Fault{Status: status}, n) }

// Hang holds the next n requests unanswered (Always: until Heal).
func (e *Endpoint) Hang(n int) { e.Inject(Fault{Hang: true}, n) }

// Heal ends the fault in force: requests get the receiver's own answer again.
func (e *Endpoint) Heal() { e.clear() }

// Down closes the listener and every connection, hung requests included: senders are
// refused until Up.
func (e *Endpoint) Down() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.srv != nil {
		_ = e.srv.Close()
		e.srv = nil
	}
}

// Up listens again on the same port after Down; it fails the test if the port was taken
// meanwhile.
func (e *Endpoint) Up() {
	e.t.Helper()
	e.mu.Lock()
	up := e.srv != nil
	e.mu.Unlock()
	if !up {
		e.serve(listen(e.t, e.addr))
	}
}

func (e *Endpoint) serve(ln net.Listener) {
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	e.mu.Lock()
	e.srv = srv
	e.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

func (e *Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != e.path {
		http.NotFound(w, r)
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 10<<20))
	if err != nil {
		http.Error(w, "alerttest: reading the body: "+err.Error(), http.StatusBadRequest)
		return
	}
	req := Request{At: time.Now(), Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Raw: raw}
	status, answer, keep := e.judge(req)
	f, faulted := e.take()
	if !faulted {
		req.Status = status
		keep(req)
		writeJSON(w, status, answer)
		return
	}
	req.Fault = &f
	if !f.Hang {
		req.Status = f.Status
	}
	// Recorded before answering, so a test that hears of the answer from the sender finds it.
	keep(req)
	if f.Hang {
		<-r.Context().Done()
		return
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	http.Error(w, fmt.Sprintf("alerttest: injected %d", f.Status), f.Status)
}

func writeJSON(w http.ResponseWriter, status int, answer any) {
	if answer == nil {
		w.WriteHeader(status)
		return
	}
	b, err := json.Marshal(answer)
	if err != nil {
		http.Error(w, "alerttest: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
