package bench

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The alert benchmarks' webhook destination.

// hookReceiver is a webhook destination that answers 204 to every POST and keeps, for each
// webhook-id, the first arrival and the alert it carries, but checks no signature:
// alerttest's WebhookReceiver verifies each request with the reference library, keeps it
// whole and copies its whole journal on every wait, which at tens of thousands of deliveries
// takes CPU from the server being measured on the same two cores. Down and Up close and
// reopen its port, as alerttest's receivers do.
type hookReceiver struct {
	addr string

	mu             sync.Mutex
	first          map[string]hookArrival
	last           time.Time // the latest first arrival
	posts, repeats int
	srv            *http.Server
}

type hookArrival struct {
	at      time.Time
	alertID string
}

func newHookReceiver(tb testing.TB) *hookReceiver {
	tb.Helper()
	ln, err := (&net.ListenConfig{}).Listen(tb.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	h := &hookReceiver{addr: ln.Addr().String(), first: map[string]hookArrival{}}
	h.serve(ln)
	tb.Cleanup(h.Down)
	return h
}

// URL is the receiver's address with path (any path is accepted).
func (h *hookReceiver) URL(path string) string { return "http://" + h.addr + path }

func (h *hookReceiver) serve(ln net.Listener) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	h.mu.Lock()
	h.srv = srv
	h.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Down closes the port and every connection: senders are refused until Up.
func (h *hookReceiver) Down() {
	h.mu.Lock()
	srv := h.srv
	h.srv = nil
	h.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Up listens on the same port again.
func (h *hookReceiver) Up(tb testing.TB) {
	tb.Helper()
	ln, err := (&net.ListenConfig{}).Listen(tb.Context(), "tcp", h.addr)
	if err != nil {
		tb.Fatalf("receiver back up on %s: %v", h.addr, err)
	}
	h.serve(ln)
}

var alertIDPrefix = []byte(`"alert":{"id":"`)

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// The alert's id is the first field of data.alert (alerting.WebhookPayload); found
	// without decoding the body, which would cost more than the rest of the handler.
	var alertID string
	if _, rest, ok := bytes.Cut(raw, alertIDPrefix); ok {
		if end := bytes.IndexByte(rest, '"'); end > 0 {
			alertID = string(rest[:end])
		}
	}
	id := r.Header.Get("webhook-id")
	now := time.Now()
	h.mu.Lock()
	h.posts++
	if id != "" {
		if _, seen := h.first[id]; seen {
			h.repeats++
		} else {
			h.first[id] = hookArrival{at: now, alertID: alertID}
			h.last = now
		}
	}
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookReceiver) distinct() int {
	n, _, _ := h.counts()
	return n
}

// counts is how many webhook-ids arrived, how many POSTs, and how many repeated an id.
func (h *hookReceiver) counts() (distinct, posts, repeats int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.first), h.posts, h.repeats
}

func (h *hookReceiver) lastFirst() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// forget drops what the warm-up delivered.
func (h *hookReceiver) forget() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.first, h.posts, h.repeats = map[string]hookArrival{}, 0, 0
}

// The receiver keeps the first arrival of each webhook-id with the alert it carries, counts
// repeats, and refuses connections while down, on the same URL after.
func TestHookReceiver(t *testing.T) {
	h := newHookReceiver(t)
	c := &http.Client{Timeout: 5 * time.Second}
	post := func(id string) error {
		body := `{"type":"alert.firing","timestamp":"2026-06-01T12:00:00Z","data":{"alert":{"id":"alr_one","environment_id":"env_x"},"delivery":{"id":"` + id + `"}}}`
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, h.URL("/hook-0"), strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("webhook-id", id)
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	for _, id := range []string{"dlv_a", "dlv_b", "dlv_a"} {
		if err := post(id); err != nil {
			t.Fatal(err)
		}
	}
	if distinct, posts, repeats := h.counts(); distinct != 2 || posts != 3 || repeats != 1 {
		t.Errorf("distinct %d, posts %d, repeats %d; want 2, 3, 1", distinct, posts, repeats)
	}
	r := &alertsRig{hooks: []*hookReceiver{h}}
	if at := r.arrivals()["alr_one"]; len(at) != 2 || !slices.Contains(at, h.lastFirst()) {
		t.Errorf("alr_one arrived at %v (the last first arrival %v)", at, h.lastFirst())
	}
	h.Down()
	c.CloseIdleConnections()
	if err := post("dlv_c"); err == nil {
		t.Error("a receiver that is down took a delivery")
	}
	h.Up(t)
	if err := post("dlv_c"); err != nil || h.distinct() != 3 {
		t.Errorf("after Up: %v, %d distinct", err, h.distinct())
	}
}
