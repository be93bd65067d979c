package apiserver

import (
	"maps"
	"math"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"

	"github.com/wardenhq/terraform-provider-warden/internal/alerttest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/decisionlog"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
	"github.com/wardenhq/terraform-provider-warden/internal/testserver"
)

// families is one scrape, parsed by Prometheus' own text parser.
type families map[string]*dto.MetricFamily

// scrape GETs path on base with token ("" for none), requires 200 in the text format and
// parses it.
func scrape(t *testing.T, base, token string) families {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: Content-Type %q, want the text format", ct)
	}
	p := expfmt.NewTextParser(pmodel.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the scrape does not parse: %v", err)
	}
	return mfs
}

// family returns the family name, which must exist with type typ.
func (f families) family(t *testing.T, name string, typ dto.MetricType) *dto.MetricFamily {
	t.Helper()
	mf, ok := f[name]
	if !ok {
		t.Fatalf("no metric family %s", name)
	}
	if mf.GetType() != typ {
		t.Fatalf("%s is a %v, want a %v", name, mf.GetType(), typ)
	}
	return mf
}

// metric returns the series of family name (of type typ) whose labels are exactly labels
// (name, value pairs), or nil.
func (f families) metric(t *testing.T, name string, typ dto.MetricType, labels ...string) *dto.Metric {
	t.Helper()
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	for _, m := range f.family(t, name, typ).GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		if len(got) == len(want) && func() bool {
			for k, v := range want {
				if got[k] != v {
					return false
				}
			}
			return true
		}() {
			return m
		}
	}
	return nil
}

// value is the value of a counter's or gauge's series (0 when the series does not exist: a
// vector's series appears with its first count).
func (f families) value(t *testing.T, name string, typ dto.MetricType, labels ...string) float64 {
	t.Helper()
	m := f.metric(t, name, typ, labels...)
	switch {
	case m == nil:
		return 0
	case typ == dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	default:
		return m.GetGauge().GetValue()
	}
}

// The metrics a real server serves after real work, as Prometheus reads them: requests by
// route template and status with their latency, authorize decisions both ways, a refusal, an
// idempotent replay, alerts ingested (new and repeated) and delivered to a real webhook
// receiver, a delivery left pending by a receiver that fails and the outbox's depth and age,
// the snapshot's generation and reloads, the database pools, the Go runtime and the process;
// and every name passes Prometheus' linter.
func TestMetrics_scrapeAfterRealWork(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.Version = "v9.8.7-test"; c.DecisionLog.Members = decisionlog.MembersAll })
	env := ts.createEnv("prod", "aws")
	member, memberToken := ts.createUser("member@example.com", "member")

	// Authorize: the owner may deploy (owners are environment_admin everywhere), the member,
	// holding no role, may not.
	if !ts.authorize(ownerToken, api.AuthorizeRequest{PrincipalID: ts.ownerID(), EnvironmentID: env.ID, Action: "apps.deploy"}).Allowed {
		t.Fatal("the owner may not deploy")
	}
	if ts.authorize(memberToken, api.AuthorizeRequest{PrincipalID: member.ID, EnvironmentID: env.ID, Action: "apps.deploy"}).Allowed {
		t.Fatal("a member without roles may deploy")
	}
	// A change the engine refuses, and a route no template matches.
	ts.call("POST", "/v1/environments", memberToken, api.EnvironmentCreate{Name: "mine", Cloud: "aws"}, 403, nil)
	ts.call("GET", "/v1/no-such-route/42", ownerToken, nil, 404, nil)
	// A retried change: answered from its Idempotency-Key record.
	ts.call("POST", "/v1/roles", ownerToken, api.RoleCreate{Name: "readers", Permissions: []string{"users.read"}}, 201, nil, "Idempotency-Key", "k1")
	if r := ts.call("POST", "/v1/roles", ownerToken, api.RoleCreate{Name: "readers", Permissions: []string{"users.read"}}, 201, nil,
		"Idempotency-Key", "k1"); r.header.Get("Idempotent-Replayed") != "true" {
		t.Fatal("the retry was not replayed")
	}
	ts.call("GET", "/v1/environments/"+env.ID, ownerToken, nil, 200, nil)

	// An alert routed to a real webhook receiver, which verifies its signature, and to one
	// that answers 503 (its delivery stays pending, retried later); the vendor has no URL on
	// this server, so its delivery is undeliverable. Then the same alert again: a repeat.
	creds := ts.credentials(env.ID, ownerToken)
	hook := alerttest.NewWebhookReceiver(t, creds.SigningSecret)
	down := testserver.Start(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	ts.routingWith(env.ID, true, api.Destination{Type: "webhook", Target: hook.URL(), MinSeverity: "info"},
		api.Destination{Type: "webhook", Target: down + "/hook", MinSeverity: "info"})
	labels := map[string]string{"alertname": "DiskFull", "instance": "db1", "severity": "critical"}
	ts.call("POST", "/v1/environments/"+env.ID+"/alerts", creds.IngestKey, amPayload("firing", ts.clock.Now(), labels), 202, nil)
	ts.call("POST", "/v1/environments/"+env.ID+"/alerts", creds.IngestKey, amPayload("firing", ts.clock.Now(), labels), 202, nil)
	hook.WaitFor(t, 1, 10*time.Second)
	alerttestAwait(t, func() bool {
		ds := ts.deliveries(env.ID, "?status=pending")
		return len(ds) == 1 && ds[0].AttemptCount == 1 && len(ts.deliveries(env.ID, "?status=delivered")) == 1
	})
	// The pending delivery was made at the server's clock; three seconds later (before its
	// retry is due) it is three seconds old.
	ts.clock.Advance(3 * time.Second)

	// Who may scrape the API listener: a token with cluster.read (the owner holds it).
	if r := ts.do("GET", "/metrics", "", nil); r.status != 401 {
		t.Fatalf("GET /metrics without a token: %d", r.status)
	}
	if p := ts.do("GET", "/metrics", memberToken, nil).problem(t); p.Status != 403 || !strings.Contains(p.Detail, "cluster.read") {
		t.Fatalf("GET /metrics as a member: %+v", p)
	}
	if err := ts.srv.FlushDecisions(t.Context()); err != nil {
		t.Fatal(err)
	}
	f := scrape(t, ts.url, ownerToken)

	const (
		counter = dto.MetricType_COUNTER
		gauge   = dto.MetricType_GAUGE
	)
	for _, c := range []struct {
		name   string
		typ    dto.MetricType
		labels []string
		want   float64
	}{
		{"warden_http_requests_total", counter, []string{"method", "POST", "route", "/v1/authorize", "code", "200"}, 2},
		{"warden_http_requests_total", counter, []string{"method", "GET", "route", "/v1/environments/{id}", "code", "200"}, 1},
		{"warden_http_requests_total", counter, []string{"method", "POST", "route", "/v1/environments", "code", "403"}, 1},
		{"warden_http_requests_total", counter, []string{"method", "GET", "route", "unmatched", "code", "404"}, 1},
		{"warden_http_requests_total", counter, []string{"method", "POST", "route", "/v1/environments/{id}/alerts", "code", "202"}, 2},
		{"warden_http_requests_total", counter, []string{"method", "GET", "route", "/metrics", "code", "401"}, 1},
		{"warden_http_requests_total", counter, []string{"method", "GET", "route", "/metrics", "code", "403"}, 1},
		{"warden_http_requests_in_flight", gauge, nil, 1}, // the scrape itself
		{"warden_authorize_decisions_total", counter, []string{"decision", "allowed"}, 1},
		{"warden_authorize_decisions_total", counter, []string{"decision", "denied"}, 1},
		// Both decisions, members' kept (-decision-log-members all), flushed before the scrape.
		{"warden_decision_log_written_total", counter, nil, 2},
		{"warden_decision_log_queued", gauge, nil, 0},
		{"warden_decision_log_dropped_total", counter, nil, 0},
		{"warden_decision_log_failed_total", counter, nil, 0},
		// The refused environment and the member's scrape.
		{"warden_refused_requests_total", counter, []string{"code", "forbidden"}, 2},
		{"warden_idempotent_replays_total", counter, nil, 1},
		{"warden_policy_reloads_total", counter, []string{"reason", "start"}, 1},
		{"warden_alerts_ingested_total", counter, []string{"outcome", "new"}, 1},
		{"warden_alerts_ingested_total", counter, []string{"outcome", "duplicate"}, 1},
		{"warden_alert_delivery_attempts_total", counter, []string{"kind", "webhook", "outcome", "delivered"}, 1},
		{"warden_alert_delivery_attempts_total", counter, []string{"kind", "webhook", "outcome", "retry"}, 1},
		{"warden_alert_deliveries_undeliverable_total", counter, []string{"kind", "vendor"}, 1},
		{"warden_alert_outbox_pending_deliveries", gauge, nil, 1},
		{"warden_alert_outbox_oldest_pending_age_seconds", gauge, nil, 3},
		{"warden_build_info", gauge, []string{"version", "v9.8.7-test", "goversion", runtime.Version()}, 1},
	} {
		if got := f.value(t, c.name, c.typ, c.labels...); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}

	// The latency histogram has the requests counted above, in seconds.
	h := f.metric(t, "warden_http_request_duration_seconds", dto.MetricType_HISTOGRAM, "method", "POST", "route", "/v1/authorize").GetHistogram()
	if h.GetSampleCount() != 2 || h.GetSampleSum() <= 0 || h.GetSampleSum() > 60 || len(h.GetBucket()) == 0 {
		t.Errorf("authorize latency histogram: %v", h)
	}
	if h := f.metric(t, "warden_alert_delivery_attempt_duration_seconds", dto.MetricType_HISTOGRAM, "kind", "webhook").GetHistogram(); h.GetSampleCount() != 2 {
		t.Errorf("delivery attempt histogram: %v", h)
	}
	if h := f.family(t, "warden_policy_reload_duration_seconds", dto.MetricType_HISTOGRAM).GetMetric()[0].GetHistogram(); h.GetSampleCount() != 1 {
		t.Errorf("reload histogram: %v", h)
	}
	// Labels come from route templates, never raw paths: no series names an id.
	for _, m := range f.family(t, "warden_http_requests_total", counter).GetMetric() {
		for _, l := range m.GetLabel() {
			if strings.Contains(l.GetValue(), env.ID) || strings.Contains(l.GetValue(), "no-such-route") {
				t.Errorf("a label carries a raw path: %v", m.GetLabel())
			}
		}
	}

	// The snapshot's generation is the server's, and moves with a change.
	gen := f.value(t, "warden_policy_generation", gauge)
	if gen <= 0 || gen != float64(ts.srv.generation()) {
		t.Errorf("warden_policy_generation = %v, the server's %d", gen, ts.srv.generation())
	}
	ts.createRole("writers", "users.admin")
	if again := scrape(t, ts.url, ownerToken).value(t, "warden_policy_generation", gauge); again != gen+1 {
		t.Errorf("after one change the generation is %v, want %v", again, gen+1)
	}

	// Each database pool, the Go runtime and the process.
	db, ok := ts.srv.store.(*store.DB)
	if !ok {
		t.Fatalf("store %T", ts.srv.store)
	}
	for name := range db.Pools() {
		if f.metric(t, "go_sql_max_open_connections", gauge, "db_name", name) == nil {
			t.Errorf("no pool statistics for %s", name)
		}
		f.family(t, "go_sql_wait_count_total", counter)
	}
	f.family(t, "go_goroutines", gauge)
	f.family(t, "process_resident_memory_bytes", gauge)

	// Prometheus' linter finds nothing in any name, type, unit or help.
	mfs := make([]*dto.MetricFamily, 0, len(f))
	for _, name := range slices.Sorted(maps.Keys(f)) {
		mfs = append(mfs, f[name])
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}

// The operator's own listener (-metrics-listen) serves the same metrics without a token, and
// nothing else: the API is not reachable through it.
func TestMetrics_ownListenerNeedsNoToken(t *testing.T) {
	ts := newTestServer(t)
	ts.authorize(ownerToken, api.AuthorizeRequest{PrincipalID: ts.ownerID(), EnvironmentID: ts.createEnv("prod", "aws").ID, Action: "apps.deploy"})
	url := testserver.Start(t, ts.srv.MetricsHandler())
	f := scrape(t, url, "")
	if got := f.value(t, "warden_authorize_decisions_total", dto.MetricType_COUNTER, "decision", "allowed"); got != 1 {
		t.Errorf("allowed decisions %v, want 1", got)
	}
	for _, path := range []string{"/v1/health", "/v1/users", "/"} {
		if status, _, err := testserver.Get(t, http.DefaultClient, url+path); err != nil || status != http.StatusNotFound {
			t.Errorf("GET %s on the metrics listener: %d %v, want 404", path, status, err)
		}
	}
	// Scrapes there are not API requests.
	if got := scrape(t, url, "").value(t, "warden_http_requests_total", dto.MetricType_COUNTER,
		"method", "GET", "route", "/metrics", "code", "200"); got != 0 {
		t.Errorf("scrapes of the metrics listener counted as API requests: %v", got)
	}
}
