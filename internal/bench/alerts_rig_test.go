package bench

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/alerting"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/apiserver"
)

// The alert benchmarks' rig: a Warden server with one environment routed to three
// receivers, and what the figures read back from it.

// alertsRig is a Warden server with one environment routed to three receivers, vendor
// routing off, and a client posting to its ingest URL.
type alertsRig struct {
	url, envID string
	owner      *apiClient
	token      string
	ingest     *ingestClient
	hooks      []*hookReceiver
	pid        int // the server's process; this one's when it runs in process
	inProcess  bool
	profileDir string
}

// startAlertsRig starts bin/warden-server (in process under alertsCPUProfileEnv) with
// private destinations allowed and schedule as its retry schedule ("" for the default).
func startAlertsRig(b *testing.B, schedule string) *alertsRig {
	b.Helper()
	dir := os.Getenv(alertsCPUProfileEnv)
	if dir == "" {
		return startAlertsRigOn(b, serverBinary(b), schedule)
	}
	sched, err := alerting.ParseSchedule(cmpOr(schedule, alerting.DefaultSchedule.String()))
	if err != nil {
		b.Fatal(err)
	}
	r := &alertsRig{token: randomToken(b), profileDir: dir, pid: os.Getpid(), inProcess: true}
	r.url = startInProcessServer(b, r.token, func(c *apiserver.Config) {
		c.Alerting.AllowPrivateDestinations, c.Alerting.RetrySchedule = true, sched
	})
	r.setUp(b)
	return r
}

// startAlertsRigOn is startAlertsRig on the warden-server binary bin.
func startAlertsRigOn(b *testing.B, bin, schedule string) *alertsRig {
	b.Helper()
	r := &alertsRig{token: randomToken(b)}
	flags := []string{"-allow-private-destinations"}
	if schedule != "" {
		flags = append(flags, "-alert-retry-schedule", schedule)
	}
	r.url, r.pid = startServerBinary(b, bin, r.token, flags...)
	r.setUp(b)
	return r
}

// setUp makes the environment, its receivers and its routing on the server at r.url.
func (r *alertsRig) setUp(b *testing.B) {
	b.Helper()
	r.owner = newAPIClient(r.url)
	ctx := b.Context()
	var env api.Environment
	if err := r.owner.call(ctx, http.MethodPost, "/v1/environments", r.token, api.EnvironmentCreate{Name: "bench-alerts", Cloud: "aws"}, &env, http.StatusCreated); err != nil {
		b.Fatal(err)
	}
	r.envID = env.ID
	var creds api.AlertCredentials
	if err := r.owner.call(ctx, http.MethodGet, "/v1/environments/"+env.ID+"/alert-routing/credentials", r.token, nil, &creds, http.StatusOK); err != nil {
		b.Fatal(err)
	}
	var dests []api.Destination
	for i := range alertsDestinations {
		h := newHookReceiver(b)
		r.hooks = append(r.hooks, h)
		dests = append(dests, api.Destination{Type: "webhook", Target: h.URL(fmt.Sprintf("/hook-%d", i)), MinSeverity: "info"})
	}
	if err := r.owner.call(ctx, http.MethodPut, "/v1/environments/"+env.ID+"/alert-routing", r.token,
		api.AlertRoutingUpdate{VendorRouting: false, Destinations: &dests}, nil, http.StatusOK); err != nil {
		b.Fatal(err)
	}
	r.ingest = newIngestClient(r.url, env.ID, creds.IngestKey)
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// warmUp sends alertsWarmup alerts and waits until they are delivered, then forgets them.
func (r *alertsRig) warmUp(b *testing.B) {
	b.Helper()
	if _, err := ingestClosed(b.Context(), r.ingest, alertsConns, 0, alertsWarmup); err != nil {
		b.Fatalf("warm-up: %v", err)
	}
	if _, ok := r.waitDelivered(b.Context(), time.Minute); !ok {
		b.Fatalf("warm-up: %d of %d delivered after a minute", r.delivered(), alertsWarmup*alertsDestinations)
	}
	r.ingest.accepted.Store(0)
	for _, h := range r.hooks {
		h.forget()
	}
}

// profile starts a CPU profile of the in-process server into figure.pprof, when asked to.
func (r *alertsRig) profile(b *testing.B, figure string) (stop func()) {
	b.Helper()
	if r.profileDir == "" {
		return func() {}
	}
	if err := os.MkdirAll(r.profileDir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(r.profileDir, figure+".pprof")
	stopProfile := startCPUProfile(b, path)
	return func() {
		stopProfile()
		fmt.Printf("server CPU profile of %s: %s (go tool pprof -top -cum %s)\n", figure, path, path)
	}
}

// delivered is how many distinct deliveries the receivers have accepted.
func (r *alertsRig) delivered() int {
	n := 0
	for _, h := range r.hooks {
		n += h.distinct()
	}
	return n
}

// waitDelivered waits until every alert the ingest client had accepted has arrived at every
// receiver, and returns the last first arrival; false when timeout passed first.
func (r *alertsRig) waitDelivered(ctx context.Context, timeout time.Duration) (time.Time, bool) {
	want := int(r.ingest.accepted.Load()) * alertsDestinations
	deadline := time.Now().Add(timeout)
	for r.delivered() < want {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return time.Time{}, false
		}
		time.Sleep(10 * time.Millisecond)
	}
	var last time.Time
	for _, h := range r.hooks {
		if l := h.lastFirst(); l.After(last) {
			last = l
		}
	}
	return last, true
}

// arrivals is, per alert id, the first 2xx of each of its deliveries.
func (r *alertsRig) arrivals() map[string][]time.Time {
	out := map[string][]time.Time{}
	for _, h := range r.hooks {
		h.mu.Lock()
		for _, a := range h.first {
			out[a.alertID] = append(out[a.alertID], a.at)
		}
		h.mu.Unlock()
	}
	return out
}

// reportRepeats prints deliveries accepted more than once (at least once, not exactly once:
// a lease that expires, or a result not recorded, sends again).
func (r *alertsRig) reportRepeats() {
	posts, repeats := 0, 0
	for _, h := range r.hooks {
		_, p, rp := h.counts()
		posts, repeats = posts+p, repeats+rp
	}
	if repeats > 0 {
		fmt.Printf("  %d deliveries were accepted more than once (%d POSTs in all)\n", repeats, posts)
	}
}

// outbox is the readiness probe's view of the backlog.
type outbox struct {
	Pending       int        `json:"pending_deliveries"`
	OldestPending *time.Time `json:"oldest_pending_at"`
	at            time.Time
}

func (o outbox) oldestAge() string {
	if o.OldestPending == nil {
		return ""
	}
	return fmt.Sprintf(" (the oldest made %.1f s before)", o.at.Sub(*o.OldestPending).Seconds())
}

func (r *alertsRig) outbox(ctx context.Context) (outbox, error) {
	var ready struct {
		Alerting outbox `json:"alerting"`
	}
	err := r.owner.call(ctx, http.MethodGet, "/v1/ready", r.token, nil, &ready, http.StatusOK)
	ready.Alerting.at = time.Now()
	return ready.Alerting, err
}

// failedDeliveries is how many deliveries the server has given up on (at most a page's).
func (r *alertsRig) failedDeliveries(ctx context.Context) (int, error) {
	var l api.List[api.AlertDelivery]
	err := r.owner.call(ctx, http.MethodGet, "/v1/environments/"+r.envID+"/alert-deliveries?status=failed&limit=100", r.token, nil, &l, http.StatusOK)
	return len(l.Items), err
}
