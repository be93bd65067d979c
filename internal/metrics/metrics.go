// Package metrics is the Warden server's Prometheus metrics: every metric's name, type, help
// and labels in one place, on a registry of its own (never the process-wide default, so that
// several servers in one test process each count their own), with the Go runtime, process and
// database pool collectors beside them.
//
// The recording methods are safe on a nil *Metrics, which records nothing: the dispatcher and
// the tests that build one without a server need no metrics of their own. Every label value
// comes from a closed set (a route template, a status code, a denial code, a delivery kind),
// never from a request's raw path or a caller's input, so the number of series stays bounded.
package metrics

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// Options are the server's parts that metrics read at scrape time.
type Options struct {
	// Version is the server's version, for warden_build_info.
	Version string
	// Generation returns the in-memory policy snapshot's generation.
	Generation func() int64
	// Outbox reads the outbox's backlog (store.Tx.Outbox); it is asked at scrape time, with
	// OutboxTimeout, and its answer kept for OutboxCacheFor.
	Outbox func(context.Context) (store.OutboxStats, error)
	// Now is the clock the outbox's oldest pending delivery is aged with; nil is time.Now.
	Now func() time.Time
	// Pools are the database/sql pools, by name (store.DB.Pools).
	Pools map[string]*sql.DB
	// Logger receives scrape errors (a collector that failed); nil discards.
	Logger *slog.Logger
	// DecisionLog reads the decision log's counters (decisionlog.Log.Stats) at scrape time;
	// nil registers none.
	DecisionLog func() DecisionLogStats
}

// DecisionLogStats are the decision log's counters since the server started.
type DecisionLogStats struct {
	Queued                   int
	Written, Dropped, Failed uint64
}

// The outbox is read at scrape time: boundedly (a scrape must answer even when the database
// does not), and at most once per OutboxCacheFor, whatever the number of scrapers (an HA pair
// of Prometheus servers scrapes each target twice).
const (
	OutboxTimeout  = time.Second
	OutboxCacheFor = 5 * time.Second
)

// Metrics is the server's set of metrics and the registry that serves them.
type Metrics struct {
	reg *prometheus.Registry
	log *slog.Logger

	// inFlight backs warden_http_requests_in_flight: one atomic add per change, where a
	// Gauge's float needs a compare-and-swap loop.
	inFlight  atomic.Int64
	requests  *prometheus.CounterVec
	durations *prometheus.HistogramVec
	// series caches each request key's children (requestKey → *requestSeries): a vector's
	// lookup hashes every label value and takes a read lock every core contends for, on every
	// request; a sync.Map read takes neither.
	series sync.Map

	allowed, denied prometheus.Counter
	refused         *prometheus.CounterVec
	reloads         *prometheus.CounterVec
	reloadSeconds   prometheus.Histogram
	replays         prometheus.Counter

	ingestedNew, ingestedDuplicate prometheus.Counter
	attempts                       *prometheus.CounterVec
	attemptSeconds                 *prometheus.HistogramVec
	undeliverable                  *prometheus.CounterVec
}

// Buckets of the request latency histogram: POST /v1/authorize answers in well under a
// millisecond, a large list or a grant that rewrites many rows in tens of milliseconds, and
// anything near the write timeout (60 s) is a problem whatever its exact value.
var requestBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Buckets of a delivery attempt: a receiver's answer, up to the attempt timeout (10 s).
var attemptBuckets = []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// New builds the metrics and registers them, with the Go runtime, process, database pool and
// scrape-time collectors o asks for.
func New(o Options) *Metrics {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{reg: prometheus.NewRegistry(), log: o.Logger}
	inFlight := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "warden_http_requests_in_flight",
		Help: "API requests being served."}, func() float64 { return float64(m.inFlight.Load()) })
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "warden_http_requests_total",
		Help: "API requests answered, by method, route template and status code; route is \"unmatched\" for a request no route matched (404/405)."},
		[]string{"method", "route", "code"})
	m.durations = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "warden_http_request_duration_seconds",
		Help: "Time from a request's arrival to the end of its response, by method and route template.", Buckets: requestBuckets},
		[]string{"method", "route"})
	decisions := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "warden_authorize_decisions_total",
		Help: "POST /v1/authorize answers, by decision (allowed or denied)."}, []string{"decision"})
	m.allowed, m.denied = decisions.WithLabelValues("allowed"), decisions.WithLabelValues("denied")
	m.refused = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "warden_refused_requests_total",
		Help: "Requests the engine refused (each is an audit event with verb denied), by denial code: changes refused (a write that would escalate, remove the last owner, …) and reads refused."},
		[]string{"code"})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "warden_policy_reloads_total",
		Help: "Full reloads of the in-memory policy snapshot from the store, by reason: start, generation (another replica changed the policy), stale (a commit's outcome was unknown)."},
		[]string{"reason"})
	m.reloadSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "warden_policy_reload_duration_seconds",
		Help: "Time a full reload of the policy snapshot took.", Buckets: prometheus.ExponentialBuckets(.001, 4, 8)})
	m.replays = prometheus.NewCounter(prometheus.CounterOpts{Name: "warden_idempotent_replays_total",
		Help: "Changes answered from their Idempotency-Key record (a retry) instead of acting again."})
	ingested := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "warden_alerts_ingested_total",
		Help: "Alerts committed by ingestion, by outcome: new, or duplicate (a repeat within the dedup window, stored once)."}, []string{"outcome"})
	m.ingestedNew, m.ingestedDuplicate = ingested.WithLabelValues("new"), ingested.WithLabelValues("duplicate")
	m.attempts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "warden_alert_delivery_attempts_total",
		Help: "Alert delivery attempts, by recipient kind (webhook, email, vendor) and outcome (delivered, retry, failed, gone)."},
		[]string{"kind", "outcome"})
	m.attemptSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "warden_alert_delivery_attempt_duration_seconds",
		Help: "Time one delivery attempt took, connection to answer, by recipient kind.", Buckets: attemptBuckets}, []string{"kind"})
	m.undeliverable = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "warden_alert_deliveries_undeliverable_total",
		Help: "Deliveries recorded undeliverable without an attempt, by recipient kind: the server has no vendor URL or SMTP server to send them with."},
		[]string{"kind"})

	version := o.Version
	if version == "" {
		version = "unknown"
	}
	m.reg.MustRegister(inFlight, m.requests, m.durations, decisions, m.refused, m.reloads, m.reloadSeconds, m.replays,
		ingested, m.attempts, m.attemptSeconds, m.undeliverable,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "warden_build_info", Help: "Always 1; its labels say which warden-server runs.",
			ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()}}, func() float64 { return 1 }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if o.Generation != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "warden_policy_generation",
			Help: "The policy generation the in-memory snapshot reflects: it moves with every change to who may do what."},
			func() float64 { return float64(o.Generation()) }))
	}
	if o.Outbox != nil {
		m.reg.MustRegister(newOutboxCollector(o.Outbox, o.Now))
	}
	if o.DecisionLog != nil {
		registerDecisionLog(m.reg, o.DecisionLog)
	}
	for name, db := range o.Pools {
		m.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
	}
	return m
}

// Gatherer is the registry, for tests that lint it.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// Handler serves the metrics in the Prometheus text format (or OpenMetrics or protobuf, as
// the scraper asks). A collector that fails (the outbox query) leaves its metrics out and is
// logged (Options.Logger) and counted in promhttp_metric_handler_errors_total; the rest is
// served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.reg,
		// A scrape never piles up behind a slow one: concurrent scrapes share one gather.
		CoalesceGather: true,
	})
}

// RequestStarted counts a request in flight; RequestDone ends it.
func (m *Metrics) RequestStarted() {
	if m != nil {
		m.inFlight.Add(1)
	}
}

// RequestDone records a request answered: method as sent (methods outside HTTP's own are
// "OTHER"), route the template that matched ("" for none), code the status, d its duration.
func (m *Metrics) RequestDone(method, route string, code int, d time.Duration) {
	if m == nil {
		return
	}
	m.inFlight.Add(-1)
	method = methodLabel(method)
	if route == "" {
		route = "unmatched"
	}
	k := requestKey{method: method, route: route, code: code}
	rs, ok := m.series.Load(k)
	if !ok {
		// Raced, both store the same children: a vector hands out one child per labels.
		rs, _ = m.series.LoadOrStore(k, &requestSeries{count: m.requests.WithLabelValues(method, route, codeLabel(code)),
			duration: m.durations.WithLabelValues(method, route)})
	}
	if rs, ok := rs.(*requestSeries); ok {
		rs.count.Inc()
		rs.duration.Observe(d.Seconds())
	}
}

// requestKey is a request's labels, the code as a number.
type requestKey struct {
	method, route string
	code          int
}

type requestSeries struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// AuthorizeDecision counts one POST /v1/authorize answer.
func (m *Metrics) AuthorizeDecision(allowed bool) {
	switch {
	case m == nil:
	case allowed:
		m.allowed.Inc()
	default:
		m.denied.Inc()
	}
}

// Refused counts a request the engine refused with code (an access.Denial's code).
func (m *Metrics) Refused(code string) {
	if m != nil {
		m.refused.WithLabelValues(code).Inc()
	}
}

// The reasons of a full reload of the policy snapshot.
const (
	ReloadStart      = "start"
	ReloadGeneration = "generation"
	ReloadStale      = "stale"
)

// PolicyReloaded records a full reload of the snapshot, for reason, that took d.
func (m *Metrics) PolicyReloaded(reason string, d time.Duration) {
	if m != nil {
		m.reloads.WithLabelValues(reason).Inc()
		m.reloadSeconds.Observe(d.Seconds())
	}
}

// IdempotentReplay counts a change answered from its idempotency record.
func (m *Metrics) IdempotentReplay() {
	if m != nil {
		m.replays.Inc()
	}
}

// AlertIngested counts an alert committed by ingestion; duplicate when it repeated one.
func (m *Metrics) AlertIngested(duplicate bool) {
	switch {
	case m == nil:
	case duplicate:
		m.ingestedDuplicate.Inc()
	default:
		m.ingestedNew.Inc()
	}
}

// DeliveryAttempt records an attempt to a recipient of kind that came to outcome (an
// api.Attempt… value) in d.
func (m *Metrics) DeliveryAttempt(kind, outcome string, d time.Duration) {
	if m != nil {
		m.attempts.WithLabelValues(kind, outcome).Inc()
		m.attemptSeconds.WithLabelValues(kind).Observe(d.Seconds())
	}
}

// Undeliverable counts a delivery to a recipient of kind recorded undeliverable.
func (m *Metrics) Undeliverable(kind string) {
	if m != nil {
		m.undeliverable.WithLabelValues(kind).Inc()
	}
}

// methodLabel keeps the method label to HTTP's own methods: anything else a client sends
// would be a new series.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "OTHER"
}

// codeLabels are the status codes' labels, made once: strconv allocates for codes over 99,
// on every request.
var codeLabels = func() []string {
	l := make([]string, 600)
	for i := range l {
		l[i] = strconv.Itoa(i)
	}
	return l
}()

func codeLabel(code int) string {
	if code >= 0 && code < len(codeLabels) {
		return codeLabels[code]
	}
	return strconv.Itoa(code)
}

// registerDecisionLog adds the decision log's queue and counters, read when scraped.
func registerDecisionLog(reg *prometheus.Registry, stats func() DecisionLogStats) {
	counter := func(name, help string, v func(DecisionLogStats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(v(stats())) })
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "warden_decision_log_queued",
			Help: "Authorization decisions waiting in memory for the decision log's writer."}, func() float64 { return float64(stats().Queued) }),
		counter("warden_decision_log_written_total", "Authorization decisions committed to the decision log.",
			func(s DecisionLogStats) uint64 { return s.Written }),
		counter("warden_decision_log_dropped_total", "Authorization decisions never logged because the queue was full (authorize still answered).",
			func(s DecisionLogStats) uint64 { return s.Dropped }),
		counter("warden_decision_log_failed_total", "Authorization decisions lost in batches the database refused on every attempt.",
			func(s DecisionLogStats) uint64 { return s.Failed }),
	)
}
