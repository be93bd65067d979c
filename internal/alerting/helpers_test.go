package alerting

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/pgtest"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
	"github.com/wardenhq/terraform-provider-warden/internal/testclock"
)

// TestMain stops the throwaway PostgreSQL cluster the tests start under
// WARDEN_TEST_STORE=postgres.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var epoch = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// fixture is a real store (SQLite in the test's temp dir, or PostgreSQL under
// WARDEN_TEST_STORE=postgres) holding environment env_1 ("production") and its credentials,
// on a fake clock.
type fixture struct {
	t     testing.TB
	st    store.Store
	clock *testclock.Clock
	creds store.AlertCredentialsRecord
	seq   int
}

func newFixture(t testing.TB, clock *testclock.Clock) *fixture {
	t.Helper()
	st, unlock, err := store.Open(t.Context(), pgtest.DB(t), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = errors.Join(st.Close(), unlock()) })
	f := &fixture{t: t, st: st, clock: clock, creds: store.NewAlertCredentials("env_1", clock.Now())}
	env := api.Environment{Meta: api.Meta{ID: "env_1", Version: 1, CreatedAt: clock.Now(), UpdatedAt: clock.Now()},
		Name: "production", Cloud: "aws", ResourcePrefix: "aw_"}
	if _, err := st.UpdatePolicy(t.Context(), func(tx store.Tx) error {
		return errors.Join(tx.InsertEnvironment(env), tx.InsertAlertCredentials(f.creds))
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

// rotate gives env_1 a new signing secret; the old one stays valid for the overlap.
func (f *fixture) rotate() {
	f.t.Helper()
	f.creds = f.creds.WithNewSigningSecret(f.clock.Now())
	f.update(func(tx store.Tx) error { return tx.UpdateAlertCredentials(f.creds) })
}

func (f *fixture) update(fn func(store.Tx) error) {
	f.t.Helper()
	if err := f.st.Update(f.t.Context(), fn); err != nil {
		f.t.Fatal(err)
	}
}

// dispatcher is a dispatcher on f's store and clock, with no jitter (Rand 0.5 is the
// middle), private targets allowed and a short attempt timeout; cfg's fields win.
func (f *fixture) dispatcher(cfg Config) *Dispatcher {
	cfg.Store, cfg.Now, cfg.Owner = f.st, f.clock.Now, "test-owner"
	cfg.Rand = func() float64 { return 0.5 }
	if cfg.AttemptTimeout == 0 {
		cfg.AttemptTimeout = 2 * time.Second
	}
	return New(cfg)
}

// testAlert is a firing (or resolved) critical alert of env_1.
func testAlert(id, status string, at time.Time) api.Alert {
	a := api.Alert{ID: id, EnvironmentID: "env_1", Source: api.AlertSourceAlertmanager, Status: status, DedupKey: "fp-disk",
		Severity: "critical", Summary: "Disk almost full", Labels: map[string]string{"alertname": "DiskFull", "instance": "db-1"},
		Annotations: map[string]string{"description": "<b>95%</b> of /var used"}, StartsAt: epoch.Add(-2 * time.Minute),
		GeneratorURL: "https://prometheus.example.com/graph?g0.expr=disk", ReceivedAt: at,
		Routing: []api.AlertRecipient{{Kind: api.RecipientWebhook, Target: "https://other.example.com/hook", Chosen: true}}}
	if status == api.AlertResolved {
		end := at
		a.EndsAt = &end
	}
	return a
}

// add stores alert a (once) and a pending delivery of it to kind/target, due now.
func (f *fixture) add(a api.Alert, kind, target string) api.AlertDelivery {
	f.t.Helper()
	return f.addMany(a, kind, target, 1)[0]
}

// addMany stores alert a (once) and n pending deliveries of it to kind/target, due now,
// in one transaction.
func (f *fixture) addMany(a api.Alert, kind, target string, n int) []api.AlertDelivery {
	f.t.Helper()
	now := f.clock.Now()
	event := api.EventTrigger
	if a.Status == api.AlertResolved {
		event = api.EventResolve
	}
	ds := make([]api.AlertDelivery, n)
	for i := range ds {
		f.seq++
		ds[i] = api.AlertDelivery{ID: fmt.Sprintf("dlv_%d", f.seq), AlertID: a.ID, EnvironmentID: a.EnvironmentID, Kind: kind, Target: target,
			Event: event, Status: api.DeliveryPending, NextAttemptAt: &now, CreatedAt: now, UpdatedAt: now}
	}
	f.update(func(tx store.Tx) error {
		if _, err := tx.Alert(a.EnvironmentID, a.ID); errors.Is(err, store.ErrNotFound) {
			if err := tx.InsertAlert(a); err != nil {
				return err
			}
		}
		return tx.InsertDeliveries(store.Lease{}, ds)
	})
	return ds
}

// delivery reads delivery id back, attempts and all.
func (f *fixture) delivery(id string) api.AlertDelivery {
	f.t.Helper()
	var d api.AlertDelivery
	if err := f.st.View(f.t.Context(), func(tx store.Tx) (err error) {
		d, err = tx.Delivery("env_1", id)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return d
}

// runOnce makes one round and requires it to have leased want deliveries.
func runOnce(t *testing.T, d *Dispatcher, want int) {
	t.Helper()
	n, err := d.RunOnce(t.Context())
	if err != nil || n != want {
		t.Fatalf("RunOnce = %d, %v; want %d leased", n, err, want)
	}
}

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
}

// receiver is a real HTTP server on 127.0.0.1 that answers its i-th request with
// answers[i] (the last one ever after) and records every request.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
}

func newReceiver(t testing.TB, answers ...http.HandlerFunc) *receiver {
	t.Helper()
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		i := len(r.reqs)
		r.reqs = append(r.reqs, received{req.Header.Clone(), body})
		r.mu.Unlock()
		answers[min(i, len(answers)-1)](w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

// newIDReceiver is a receiver that accepts every delivery and sends its webhook-id on the
// channel it returns (buffered for n).
func newIDReceiver(t testing.TB, n int) (*receiver, chan string) {
	t.Helper()
	got := make(chan string, n)
	return newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("webhook-id")
		w.WriteHeader(http.StatusOK)
	}), got
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.reqs...)
}

// answer is a handler answering code with the header lines given as "Name: value".
func answer(code int, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for _, h := range header {
			k, v, _ := strings.Cut(h, ": ")
			w.Header().Set(k, v)
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, http.StatusText(code))
	}
}

// verify checks r's signature with the Standard Webhooks reference library under secret;
// timestamps are checked against real time only when the clock runs.
func verify(secret string, r received, checkTime bool) error {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return err
	}
	if checkTime {
		return wh.Verify(r.body, r.header)
	}
	return wh.VerifyIgnoringTimestamp(r.body, r.header)
}

// requireContains fails unless s contains every sub.
func requireContains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s %q does not contain %q", what, s, sub)
		}
	}
}
