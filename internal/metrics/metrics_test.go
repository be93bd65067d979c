package metrics

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/wardenhq/terraform-provider-warden/internal/store"
	"github.com/wardenhq/terraform-provider-warden/internal/testclock"
)

// A nil *Metrics records nothing and never panics: the dispatcher runs without one in its
// own tests.
func TestMetrics_nilRecordsNothing(t *testing.T) {
	var m *Metrics
	m.RequestStarted()
	m.RequestDone("GET", "/v1/health", 200, time.Millisecond)
	m.AuthorizeDecision(true)
	m.Refused("forbidden")
	m.PolicyReloaded(ReloadStart, time.Millisecond)
	m.IdempotentReplay()
	m.AlertIngested(false)
	m.DeliveryAttempt("webhook", "delivered", time.Millisecond)
	m.Undeliverable("vendor")
}

// Label values come from closed sets: a method no HTTP verb names is OTHER, a request no
// route matched is "unmatched", and codes are their numbers.
func TestMetrics_requestLabelsAreBounded(t *testing.T) {
	m := New(Options{})
	for _, method := range []string{"GET", "BREW", "PROPFIND", "get"} {
		m.RequestStarted()
		m.RequestDone(method, "", 404, time.Millisecond)
	}
	m.RequestStarted()
	m.RequestDone("POST", "/v1/authorize", 200, time.Millisecond)
	for _, c := range []struct {
		labels []string
		want   float64
	}{
		{[]string{"GET", "unmatched", "404"}, 1},
		{[]string{"OTHER", "unmatched", "404"}, 3},
		{[]string{"POST", "/v1/authorize", "200"}, 1},
	} {
		if got := testutil.ToFloat64(m.requests.WithLabelValues(c.labels...)); got != c.want {
			t.Errorf("%v: %v, want %v", c.labels, got, c.want)
		}
	}
	if got := m.inFlight.Load(); got != 0 {
		t.Errorf("in flight after every request ended: %v", got)
	}
	if got := codeLabel(999); got != "999" {
		t.Errorf("codeLabel(999) = %q", got)
	}
}

// The outbox is read at scrape time, at most once per OutboxCacheFor whatever the number of
// scrapes; the age is the clock's, taken at each scrape. A read that fails serves the rest of
// the scrape (the error is counted) and is retried at the next one.
func TestOutbox_readAtScrapeCachedAndAged(t *testing.T) {
	clock := testclock.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	oldest := clock.Now().Add(-time.Minute)
	var reads atomic.Int32
	var fail atomic.Bool
	m := New(Options{Now: clock.Now, Outbox: func(ctx context.Context) (store.OutboxStats, error) {
		reads.Add(1)
		if _, ok := ctx.Deadline(); !ok {
			t.Error("the outbox read has no deadline")
		}
		if fail.Load() {
			return store.OutboxStats{}, errors.New("database is locked")
		}
		return store.OutboxStats{Pending: 7, OldestPending: &oldest}, nil
	}})
	h := m.Handler()
	get := func() (int, string) {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", nil))
		return rec.Code, rec.Body.String()
	}
	_, body := get()
	requireLine(t, body, "warden_alert_outbox_pending_deliveries 7", "warden_alert_outbox_oldest_pending_age_seconds 60")
	clock.Advance(OutboxCacheFor / 2)
	_, body = get()
	requireLine(t, body, "warden_alert_outbox_pending_deliveries 7", "warden_alert_outbox_oldest_pending_age_seconds 62.5")
	if n := reads.Load(); n != 1 {
		t.Errorf("%d outbox reads for two scrapes within %v, want 1", n, OutboxCacheFor)
	}

	// The cache expires; the read fails: the scrape answers without the outbox, and the next
	// scrape reads again, counting the error.
	clock.Advance(OutboxCacheFor)
	fail.Store(true)
	code, body := get()
	if code != http.StatusOK || strings.Contains(body, "warden_alert_outbox_pending_deliveries ") || !strings.Contains(body, "warden_http_requests_in_flight") {
		t.Errorf("a scrape whose outbox read failed: %d\n%s", code, body)
	}
	fail.Store(false)
	_, body = get()
	requireLine(t, body, "warden_alert_outbox_pending_deliveries 7", "warden_alert_outbox_oldest_pending_age_seconds 67.5",
		`promhttp_metric_handler_errors_total{cause="gathering"} 1`)
	if n := reads.Load(); n != 3 {
		t.Errorf("%d outbox reads, want 3: a failed read is not cached", n)
	}
}

func requireLine(t *testing.T, body string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains("\n"+body, "\n"+l+"\n") {
			t.Errorf("no line %q in:\n%s", l, body)
		}
	}
}

// everyMetric is a Metrics on which every method recorded once, so that every vector has a
// series to gather.
func everyMetric() *Metrics {
	m := New(Options{Generation: func() int64 { return 1 }, Outbox: func(context.Context) (store.OutboxStats, error) {
		return store.OutboxStats{}, nil
	}, DecisionLog: func() DecisionLogStats { return DecisionLogStats{Queued: 1, Written: 2} }})
	m.RequestStarted()
	m.RequestDone("GET", "/v1/health", 200, time.Millisecond)
	m.AuthorizeDecision(true)
	m.Refused("forbidden")
	m.PolicyReloaded(ReloadStart, time.Millisecond)
	m.IdempotentReplay()
	m.AlertIngested(false)
	m.DeliveryAttempt("webhook", "delivered", time.Millisecond)
	m.Undeliverable("vendor")
	return m
}

// Every metric the server defines passes Prometheus' linter (names, units, _total, help).
func TestMetrics_lint(t *testing.T) {
	mfs, err := everyMetric().Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}
