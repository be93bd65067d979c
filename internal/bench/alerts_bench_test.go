package bench

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/alerting"
	"github.com/wardenhq/terraform-provider-warden/internal/alerttest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/apiserver"
)

// The load the alert targets are stated for.
const (
	alertsConns        = 16 // as Alertmanager is measured
	alertsDestinations = 3
	// alertsWarmup alerts go through each server before its measured run, and are delivered
	// before it starts: connections, caches and the heap settle.
	alertsWarmup   = 500
	alertsPaceRate = 500 // alerts/s, the latency figure's steady load
	// alertsHoldDown is how long the destinations stay down after the last alert of the
	// backlog figure, while the dispatcher keeps retrying and memory is still sampled.
	alertsHoldDown = 5 * time.Second
	// alertsRetrySchedule is the backlog figure's retry schedule: short, so that "delivered
	// within the schedule" is seen in minutes rather than in days, long enough (248 s) to
	// outlast the outage on a slow machine; the step in force when the destinations come
	// back bounds how long the last delivery waits.
	alertsRetrySchedule = "0s,1s,2s,5s,10s,20s,30s,60s,60s,60s"
	rssEvery            = 100 * time.Millisecond
	// alertsDeliveryWait bounds every wait for deliveries: far beyond what any target allows.
	alertsDeliveryWait = 5 * time.Minute
)

// The targets. A figure is printed with PASS or MISS beside its target and fails the
// benchmark only when it is alertsWildly times worse: the machine running it may be slower
// than the 2-core reference, but not by that much.
const (
	targetIngestFloor = 2000.0 // alerts/s, and at least Alertmanager's own rate in the same run
	targetDeliveryP99 = time.Second
	// targetRSSSlope bounds the growth of the server's RSS over the second half of the
	// outage, in MiB per 10,000 alerts: a backlog kept in memory (30,000 deliveries with
	// their alerts per 10,000 alerts) would grow it by tens of MiB.
	targetRSSSlope = 2.0
	alertsWildly   = 10
	// alertsBusy is the share of the machine other processes may use before a figure wildly
	// off no longer fails the benchmark.
	alertsBusy = 0.25
)

// Knobs.
const (
	alertsCountEnv = "WARDEN_BENCH_ALERTS_COUNT" // alerts of the ingestion and backlog figures; default 20,000
	alertsPaceEnv  = "WARDEN_BENCH_ALERTS_PACE"  // how long the latency figure's steady load lasts; default 20s
	// alertsCPUProfileEnv names a directory: the server then runs inside the benchmark
	// process (the handler and dispatcher the binary runs) and each figure's measured part is
	// profiled into <figure>.pprof there, for `go tool pprof -top -cum`. The RSS figures are
	// then the benchmark's own process, receivers and senders included.
	alertsCPUProfileEnv = "WARDEN_BENCH_ALERTS_CPUPROFILE"
	// alertsBaselineEnv names another warden-server binary for BenchmarkAlertsPair, which
	// runs alertsPairRoundsEnv rounds (default 3) of alertsPairCount alerts.
	alertsBaselineEnv   = "WARDEN_BENCH_ALERTS_BASELINE"
	alertsPairRoundsEnv = "WARDEN_BENCH_ALERTS_ROUNDS"
	alertsPairCount     = 4000
)

// BenchmarkAlerts measures alert routing on bin/warden-server, each alert of an Alertmanager
// webhook routed to three webhook destinations on 127.0.0.1, in three figures, each on a
// fresh server: ingestion beside Alertmanager's own in the same run (ingest), the latency from
// ingestion to a destination's 2xx at a steady rate (latency), and a backlog built while
// every destination is down (backlog).
func BenchmarkAlerts(b *testing.B) {
	count := envInt(b, alertsCountEnv, 20000)
	pace := time.Duration(envSeconds(b, alertsPaceEnv, 20*time.Second)) * time.Second
	b.Run("ingest", func(b *testing.B) { benchAlertIngest(b, count) })
	b.Run("latency", func(b *testing.B) { benchAlertLatency(b, pace) })
	b.Run("backlog", func(b *testing.B) { benchAlertBacklog(b, count) })
}

// BenchmarkAlertsPair loads bin/warden-server and the binary alertsBaselineEnv names with
// the ingestion figure's load at the same time, each with its own senders and receivers, and
// prints the ratios of their rates and of their CPU per alert (from the first alert sent to
// the last delivery's 2xx). On a machine that other work shares, separate runs say what the
// machine did; two servers loaded at once meet the same contention, so their ratio says
// what a change did.
func BenchmarkAlertsPair(b *testing.B) {
	baseline := os.Getenv(alertsBaselineEnv)
	if baseline == "" {
		b.Skip(alertsBaselineEnv + " names no warden-server to compare bin/warden-server with")
	}
	bins := []string{baseline, serverBinary(b)}
	rounds := envInt(b, alertsPairRoundsEnv, 3)
	var rateRatios, cpuRatios []float64
	// Sub-benchmarks, so that each round's servers stop before the next round starts.
	for round := range rounds {
		b.Run(fmt.Sprintf("round-%d", round), func(b *testing.B) {
			rates, cpus := pairRound(b, bins)
			rateRatios, cpuRatios = append(rateRatios, rates[1]/rates[0]), append(cpuRatios, cpus[1]/cpus[0])
			fmt.Printf("round %d: baseline %s alerts/s, %.3f ms CPU per alert; bin/warden-server %s alerts/s, %.3f ms: %.2f× the rate, %.2f× the CPU\n",
				round, thousands(int64(rates[0]+0.5)), cpus[0], thousands(int64(rates[1]+0.5)), cpus[1], rates[1]/rates[0], cpus[1]/cpus[0])
		})
	}
	slices.Sort(rateRatios)
	slices.Sort(cpuRatios)
	if n := len(rateRatios); n > 0 {
		fmt.Printf("bin/warden-server ÷ %s, median of %d rounds: %.2f× the ingestion rate, %.2f× the server CPU per alert\n",
			baseline, n, rateRatios[n/2], cpuRatios[n/2])
	}
}

// pairRound runs alertsPairCount alerts through a fresh server on each of bins at once and
// returns each one's rate and CPU milliseconds per alert.
func pairRound(b *testing.B, bins []string) (rates, cpus []float64) {
	rigs := make([]*alertsRig, len(bins))
	for i, bin := range bins {
		rigs[i] = startAlertsRigOn(b, bin, "")
		rigs[i].warmUp(b)
	}
	rates, cpus = make([]float64, len(bins)), make([]float64, len(bins))
	var wg sync.WaitGroup
	for i, r := range rigs {
		wg.Go(func() {
			before, ok := sampleCPU([]int{r.pid})
			elapsed, err := ingestClosed(b.Context(), r.ingest, alertsConns, alertsWarmup, alertsPairCount)
			if err != nil {
				b.Error(err)
				return
			}
			if _, ok := r.waitDelivered(b.Context(), alertsDeliveryWait); !ok {
				b.Errorf("%s: not all delivered after %v", bins[i], alertsDeliveryWait)
			}
			after, ok2 := sampleCPU([]int{r.pid})
			rates[i] = alertsPairCount / elapsed.Seconds()
			if ok && ok2 {
				cpus[i] = float64(after.ours-before.ours) * 1000 / clockTicks / alertsPairCount
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	return rates, cpus
}

// benchAlertIngest posts count alerts over 16 connections, one alert per request, first to
// Alertmanager's /api/v2/alerts (alerttest.IngestRate), then to Warden while its dispatcher
// delivers to the three receivers, and reports both rates and how far delivery lags.
func benchAlertIngest(b *testing.B, count int) {
	rig := startAlertsRig(b, "")

	// Alertmanager first, each run on a fresh one stopped before the next run, so that
	// nothing it still sends shares the CPU with what follows.
	amRate, amOther := alertmanagerRate(b, count, 100*time.Millisecond)
	amQuiet, amQuietOther := alertmanagerRate(b, count, 30*time.Second)

	rig.warmUp(b)
	var (
		elapsed    time.Duration
		atEnd      outbox
		deliveredN int
		drain      time.Duration
		drained    bool
		other      float64
		first      = alertsWarmup
	)
	for b.Loop() {
		stop := rig.profile(b, "ingest")
		before := rig.delivered()
		cpu := watchCPU()
		start := time.Now()
		var err error
		elapsed, err = ingestClosed(b.Context(), rig.ingest, alertsConns, first, count)
		end := start.Add(elapsed)
		other = cpu.other()
		if err != nil {
			b.Fatalf("ingesting: %v", err)
		}
		deliveredN = rig.delivered() - before
		if atEnd, err = rig.outbox(b.Context()); err != nil {
			b.Fatal(err)
		}
		var last time.Time
		last, drained = rig.waitDelivered(b.Context(), alertsDeliveryWait)
		stop()
		drain = last.Sub(end)
		first += count
	}
	rate := float64(count) / elapsed.Seconds()
	want := count * alertsDestinations
	b.ReportMetric(rate, "alerts/s")
	b.ReportMetric(amRate, "am-alerts/s")
	b.ReportMetric(amQuiet, "am-quiet-alerts/s")
	b.ReportMetric(rate/amRate, "ratio")
	b.ReportMetric(float64(atEnd.Pending), "pending-at-end")
	b.ReportMetric(drain.Seconds(), "drain-s")

	fmt.Printf("alert ingestion on %s: %s alerts, %d connections, one alert per request, each routed to %d webhooks on 127.0.0.1\n",
		benchStore(), thousands(int64(count)), alertsConns, alertsDestinations)
	fmt.Printf("  Alertmanager /api/v2/alerts (in memory), notifying as it ingests: %s alerts/s%s\n", thousands(int64(amRate+0.5)), otherNote(amOther))
	fmt.Printf("  Alertmanager ingesting only (group_wait 30s: no notification yet): %s alerts/s%s\n", thousands(int64(amQuiet+0.5)), otherNote(amQuietOther))
	fmt.Printf("  Warden (202 once committed), delivering as it ingests: %s alerts/s = %.2f× Alertmanager (%.2f× ingesting only)%s\n",
		thousands(int64(rate+0.5)), rate/amRate, rate/amQuiet, otherNote(other))
	fmt.Printf("  delivery at the end of ingestion: %s of %s delivered (%s/s while ingesting), %s pending%s\n",
		thousands(int64(deliveredN)), thousands(int64(want)), thousands(int64(float64(deliveredN)/elapsed.Seconds()+0.5)),
		thousands(int64(atEnd.Pending)), atEnd.oldestAge())
	if drained {
		fmt.Printf("  all delivered %.1f s after the last alert was accepted (%.1f s after the first)\n", drain.Seconds(), (elapsed + drain).Seconds())
	} else {
		b.Errorf("not all delivered %v after ingestion: %d of %d", alertsDeliveryWait, rig.delivered(), want)
	}
	rig.reportRepeats()
	warnOther(b, other)
	floor := max(targetIngestFloor, amRate)
	verdict(b, fmt.Sprintf("ingestion ≥ Alertmanager's rate and ≥ %s alerts/s", thousands(targetIngestFloor)), rate >= floor, rate*alertsWildly < floor, other)
}

// benchAlertLatency sends alertsPaceRate alerts a second for pace, each on its schedule
// whatever the answers before it (an open loop), and reports the time from sending each
// ingest request to each destination's 2xx.
func benchAlertLatency(b *testing.B, pace time.Duration) {
	rig := startAlertsRig(b, "")
	rig.warmUp(b)
	n := int(pace.Seconds() * alertsPaceRate)
	var sends []pacedSend
	first := alertsWarmup
	drained := false
	other := -1.0
	for b.Loop() {
		stop := rig.profile(b, "latency")
		cpu := watchCPU()
		sends = ingestPaced(b.Context(), rig.ingest, alertsPaceRate, first, n)
		_, drained = rig.waitDelivered(b.Context(), alertsDeliveryWait)
		other = cpu.other()
		stop()
		first += n
	}
	var lat, ack []time.Duration
	var lag time.Duration
	var lastAck time.Time
	arrivals := rig.arrivals()
	for _, s := range sends {
		if s.err != nil {
			b.Fatalf("alert %d: %v", s.n, s.err)
		}
		if s.acked.After(lastAck) {
			lastAck = s.acked
		}
		lag = max(lag, s.sent.Sub(s.due))
		ack = append(ack, s.acked.Sub(s.sent))
		for _, at := range arrivals[s.id] {
			lat = append(lat, at.Sub(s.sent))
		}
	}
	if !drained || len(lat) != n*alertsDestinations {
		b.Errorf("%d of %d deliveries arrived within %v", len(lat), n*alertsDestinations, alertsDeliveryWait)
	}
	slices.Sort(lat)
	slices.Sort(ack)
	p50, p99, worst := quantile(lat, 0.50), quantile(lat, 0.99), quantile(lat, 1)
	b.ReportMetric(ms(p50), "p50-ms")
	b.ReportMetric(ms(p99), "p99-ms")
	b.ReportMetric(ms(worst), "max-ms")
	b.ReportMetric(ms(quantile(ack, 0.99)), "ack-p99-ms")

	fmt.Printf("alert latency on %s: %d alerts/s for %v (%s alerts), each to %d webhooks on 127.0.0.1\n",
		benchStore(), alertsPaceRate, pace, thousands(int64(n)), alertsDestinations)
	fmt.Printf("  ingest request sent → destination's 2xx: p50 %.0f ms, p99 %.0f ms, max %.0f ms (%s deliveries)\n",
		ms(p50), ms(p99), ms(worst), thousands(int64(len(lat))))
	// Below the offered rate the server is overloaded, and the latencies are its queue's.
	answered := float64(n) / lastAck.Sub(sends[0].sent).Seconds()
	fmt.Printf("  ingest request sent → 202: p50 %.1f ms, p99 %.1f ms; answered at %s alerts/s (%d offered); the sender was at most %.1f ms behind its schedule\n",
		ms(quantile(ack, 0.5)), ms(quantile(ack, 0.99)), thousands(int64(answered+0.5)), alertsPaceRate, ms(lag))
	rig.reportRepeats()
	warnOther(b, other)
	verdict(b, fmt.Sprintf("p99 ingestion → destination's 2xx ≤ %v at %d alerts/s", targetDeliveryP99, alertsPaceRate),
		p99 <= targetDeliveryP99, p99 > alertsWildly*targetDeliveryP99, other)
}

// benchAlertBacklog takes count alerts with every destination down, keeps them down a while,
// then brings them up: the server's RSS must stay flat while the backlog builds (it is in the
// database), and every delivery must arrive before its retry schedule runs out.
func benchAlertBacklog(b *testing.B, count int) {
	sched, err := alerting.ParseSchedule(alertsRetrySchedule)
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for _, d := range sched {
		total += d
	}

	rig := startAlertsRig(b, alertsRetrySchedule)
	rig.warmUp(b)
	var (
		rss        []rssSample
		firstAlert time.Time
		up, last   time.Time
		drained    bool
		elapsed    time.Duration
		failed     int
		other      float64
		first      = alertsWarmup
	)
	for b.Loop() {
		stop := rig.profile(b, "backlog")
		cpu := watchCPU()
		for _, h := range rig.hooks {
			h.Down()
		}
		sampler := sampleRSS(rig.pid, &rig.ingest.accepted)
		firstAlert = time.Now()
		elapsed, err = ingestClosed(b.Context(), rig.ingest, alertsConns, first, count)
		if err != nil {
			b.Fatalf("ingesting with the destinations down: %v", err)
		}
		time.Sleep(alertsHoldDown)
		rss = sampler.stop()
		up = time.Now()
		for _, h := range rig.hooks {
			h.Up(b)
		}
		last, drained = rig.waitDelivered(b.Context(), alertsDeliveryWait)
		other = cpu.other()
		stop()
		if failed, err = rig.failedDeliveries(b.Context()); err != nil {
			b.Fatal(err)
		}
		first += count
	}
	start, peak, end := rss[0].kib, slices.MaxFunc(rss, func(a, b rssSample) int { return cmp.Compare(a.kib, b.kib) }).kib, rss[len(rss)-1].kib
	slope := rssSlope(rss, int64(count))
	b.ReportMetric(mib(start), "rss-start-MiB")
	b.ReportMetric(mib(peak), "rss-peak-MiB")
	b.ReportMetric(mib(end), "rss-end-MiB")
	b.ReportMetric(slope, "rss-MiB/10k-alerts")
	b.ReportMetric(last.Sub(up).Seconds(), "recover-s")

	fmt.Printf("alert backlog on %s: %s alerts (%s/s) with all %d webhook destinations down, kept down %v more, then up; retry schedule %s\n",
		benchStore(), thousands(int64(count)), thousands(int64(float64(count)/elapsed.Seconds()+0.5)), alertsDestinations, alertsHoldDown, alertsRetrySchedule)
	who := "warden-server"
	if rig.inProcess {
		who = "the benchmark process (server in process: receivers and senders included)"
	}
	fmt.Printf("  RSS of %s: %.0f MiB at the start, peak %.0f MiB, %.0f MiB at the end (%d samples over %.1f s); %+.2f MiB per 10,000 alerts over the second half\n",
		who, mib(start), mib(peak), mib(end), len(rss), rss[len(rss)-1].at.Sub(rss[0].at).Seconds(), slope)
	if drained {
		fmt.Printf("  all %s delivered %.1f s after the destinations came up, %.0f s after the first alert (its last attempt would be %.0f s after it, ±%.0f%%); %d failed for good\n",
			thousands(int64(count*alertsDestinations)), last.Sub(up).Seconds(), last.Sub(firstAlert).Seconds(), total.Seconds(), 100*alerting.Jitter, failed)
	} else {
		b.Errorf("not all delivered %v after the destinations came up: %d of %d", alertsDeliveryWait, rig.delivered(), count*alertsDestinations)
	}
	rig.reportRepeats()
	warnOther(b, other)
	verdict(b, fmt.Sprintf("server RSS flat during the outage (≤ %.0f MiB per 10,000 alerts)", targetRSSSlope),
		slope <= targetRSSSlope, slope > alertsWildly*targetRSSSlope, other)
	// Within the schedule: none ran out of attempts (failed), each was delivered by one of them.
	verdict(b, "everything delivered within the retry schedule once the destinations are back", drained && failed == 0, false, other)
}

// alertmanagerRate is the rate at which a fresh Alertmanager takes count alerts over 16
// connections (after a warm-up), sending each alert's notification groupWait after it, with
// the other processes' share of the CPU meanwhile. Its group_interval is its own default
// (5m), not alerttest's 1s: with each of tens of thousands of alerts in a group of its own,
// a flush of every group every second takes Alertmanager's CPU and its rate falls to a
// few hundred a second, a load no real Alertmanager carries.
func alertmanagerRate(b *testing.B, count int, groupWait time.Duration) (rate, other float64) {
	b.Helper()
	hook := newHookReceiver(b)
	am := alerttest.StartAlertmanager(b, alerttest.AlertmanagerConfig{URL: hook.URL("/alertmanager"), Token: "wik_bench",
		GroupWait: groupWait, GroupInterval: 5 * time.Minute})
	defer am.Stop()
	if _, err := alerttest.IngestRate(b.Context(), am, alertsConns, alertsWarmup); err != nil {
		b.Fatalf("Alertmanager warm-up: %v", err)
	}
	cpu := watchCPU()
	rate, err := alerttest.IngestRate(b.Context(), am, alertsConns, count)
	if err != nil {
		b.Fatalf("Alertmanager: %v", err)
	}
	return rate, cpu.other()
}

func otherNote(other float64) string {
	if other < 0 {
		return ""
	}
	return fmt.Sprintf(" (others used %.0f%% of the CPU)", 100*other)
}

// verdict prints a target's PASS or MISS. A figure wildly off fails the benchmark, unless
// other processes took more than alertsBusy of the machine meanwhile (other, from 0 to 1):
// then the figure is theirs as much as the server's.
func verdict(b *testing.B, target string, pass, wild bool, other float64) {
	b.Helper()
	word := "PASS"
	if !pass {
		word = "MISS"
	}
	fmt.Printf("target (%s): %s\n", target, word)
	switch {
	case wild && other > alertsBusy:
		fmt.Printf("  (more than %d× off, but other processes used %.0f%% of the CPU: not counted as a failure)\n", alertsWildly, 100*other)
	case wild:
		b.Errorf("%s: more than %d× off the target", target, alertsWildly)
	}
}

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

// ingestClient posts Alertmanager webhooks of one alert each to an environment's ingest URL.
type ingestClient struct {
	url, key, run string
	http          *http.Client
	accepted      atomic.Int64
}

func newIngestClient(base, envID, key string) *ingestClient {
	// Idle connections are kept for every sender: a new one per request would measure the
	// handshake. The paced sender may have more in flight than alertsConns when answers slow.
	return &ingestClient{url: base + "/v1/environments/" + envID + "/alerts", key: key, run: rand.Text()[:8],
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4 * alertsConns}, Timeout: time.Minute}}
}

var severities = []string{"info", "warning", "error", "critical"}

// payload is an Alertmanager version 4 webhook with alert n alone: labels and fingerprint
// no other alert has, so that none is a repeat.
func (c *ingestClient) payload(n int) ([]byte, error) {
	id := strconv.Itoa(n)
	labels := map[string]string{"alertname": "BenchAlert", "instance": "node-" + id, "run": c.run, "severity": severities[n%len(severities)]}
	alert := map[string]any{"status": "firing", "labels": labels,
		"annotations": map[string]string{"summary": "Disk on node-" + id + " almost full", "runbook_url": "https://runbooks.example.com/disk"},
		"startsAt":    time.Now().UTC().Format(time.RFC3339Nano), "endsAt": "0001-01-01T00:00:00Z",
		"generatorURL": "http://prometheus:9090/graph?g0.expr=disk", "fingerprint": c.run + "-" + id}
	return json.Marshal(map[string]any{"version": "4", "groupKey": "{}:{instance=\"node-" + id + "\"}", "truncatedAlerts": 0, "status": "firing",
		"receiver": "warden", "groupLabels": map[string]string{"instance": "node-" + id}, "commonLabels": labels,
		"commonAnnotations": map[string]string{}, "externalURL": "http://alertmanager:9093", "alerts": []any{alert}})
}

// post sends alert n and returns the id Warden gave it.
func (c *ingestClient) post(ctx context.Context, n int) (string, error) {
	body, err := c.payload(n)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("status %d, want 202: %s", resp.StatusCode, bytes.TrimSpace(raw))
	}
	var answer struct {
		Alerts []struct {
			ID        string `json:"id"`
			Duplicate bool   `json:"duplicate"`
		} `json:"alerts"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		return "", err
	}
	if len(answer.Alerts) != 1 || answer.Alerts[0].Duplicate {
		return "", fmt.Errorf("answer %s: want one new alert", raw)
	}
	c.accepted.Add(1)
	return answer.Alerts[0].ID, nil
}

// ingestClosed posts alerts first … first+n-1 over conns connections, each sender's next as
// soon as its last is answered (a closed loop, as alerttest.IngestRate drives Alertmanager),
// and returns the time all took. It stops at the first error.
func ingestClosed(ctx context.Context, c *ingestClient, conns, first, n int) (time.Duration, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n) && ctx.Err() == nil; i = next.Add(1) - 1 {
				if _, err := c.post(ctx, first+int(i)); err != nil {
					cancel(fmt.Errorf("alert %d: %w", first+int(i), err))
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start), context.Cause(ctx)
}

// pacedSend is one alert of an open loop: when it was due, sent and answered.
type pacedSend struct {
	n                int
	due, sent, acked time.Time
	id               string
	err              error
}

// ingestPaced sends alerts first … first+n-1 at rate a second, each at its instant whatever
// became of the ones before (an open loop: a slow server meets the same load, as from a
// fleet of senders), and returns them once all are answered.
func ingestPaced(ctx context.Context, c *ingestClient, rate, first, n int) []pacedSend {
	out := make([]pacedSend, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range out {
		s := &out[i]
		s.n, s.due = first+i, start.Add(time.Duration(i)*time.Second/time.Duration(rate))
		time.Sleep(time.Until(s.due))
		wg.Go(func() {
			s.sent = time.Now()
			s.id, s.err = c.post(ctx, s.n)
			s.acked = time.Now()
		})
	}
	wg.Wait()
	return out
}

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

// rssSample is the server's resident memory at an instant, with the alerts accepted since
// sampling began.
type rssSample struct {
	at       time.Time
	kib      int64
	ingested int64
}

type rssSampler struct {
	stopped chan struct{}
	done    chan []rssSample
}

// sampleRSS reads pid's VmRSS every rssEvery until stop, beside the count of accepted.
func sampleRSS(pid int, accepted *atomic.Int64) *rssSampler {
	s := &rssSampler{stopped: make(chan struct{}), done: make(chan []rssSample, 1)}
	base := accepted.Load()
	go func() {
		var out []rssSample
		t := time.NewTicker(rssEvery)
		defer t.Stop()
		for {
			if kib, err := readRSS(pid); err == nil {
				out = append(out, rssSample{at: time.Now(), kib: kib, ingested: accepted.Load() - base})
			}
			select {
			case <-s.stopped:
				s.done <- out
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) stop() []rssSample {
	close(s.stopped)
	return <-s.done
}

// readRSS is VmRSS from /proc/<pid>/status, in KiB.
func readRSS(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(raw)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
}

// rssSlope is the least-squares slope of RSS against alerts answered over the second half
// of the n alerts, in MiB per 10,000 alerts: the first half holds the heap and the
// database's page caches settling, which a fixed amount of memory ends.
func rssSlope(samples []rssSample, n int64) float64 {
	var xs, ys []float64
	for _, s := range samples {
		if s.ingested >= n/2 && s.ingested < n {
			xs, ys = append(xs, float64(s.ingested)), append(ys, mib(s.kib))
		}
	}
	if len(xs) < 2 {
		return 0
	}
	var mx, my float64
	for i := range xs {
		mx, my = mx+xs[i], my+ys[i]
	}
	mx, my = mx/float64(len(xs)), my/float64(len(xs))
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return 0
	}
	return sxy / sxx * 10000
}

// quantile is the q-quantile of sorted (nearest rank); 0 when empty.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mib(kib int64) float64 { return float64(kib) / 1024 }

// cpuWatch measures the share of the machine's CPU that processes other than this one and
// its children (the server, Alertmanager) used meanwhile: on a shared machine the figures
// are then low, and say so.
type cpuWatch struct {
	pids   []int
	before cpuSample
	ok     bool
}

func watchCPU() *cpuWatch {
	w := &cpuWatch{pids: ourProcesses()}
	w.before, w.ok = sampleCPU(w.pids)
	return w
}

// other is that share, from 0 to 1; -1 when /proc could not tell.
func (w *cpuWatch) other() float64 {
	after, ok := sampleCPU(w.pids)
	if !w.ok || !ok {
		return -1
	}
	return otherCPU(w.before, after, 0)
}

// warnOther prints a warning when others used more than a tenth of the machine.
func warnOther(b *testing.B, other float64) {
	if other >= 0 {
		b.ReportMetric(100*other, "other-cpu-%")
	}
	if other > 0.1 {
		fmt.Printf("  warning: other processes used %.0f%% of the machine's CPU meanwhile: these figures are low\n", 100*other)
	}
}

// ourProcesses is this process and its descendants, from /proc.
func ourProcesses() []int {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …: the command may hold spaces and parentheses.
		_, rest, _ := strings.Cut(string(raw[bytes.LastIndexByte(raw, ')')+1:]), " ")
		if f := strings.Fields(rest); len(f) > 1 {
			if ppid, err := strconv.Atoi(f[1]); err == nil {
				parent[pid] = ppid
			}
		}
	}
	ours := []int{os.Getpid()}
	for changed := true; changed; {
		changed = false
		for pid, ppid := range parent {
			if slices.Contains(ours, ppid) && !slices.Contains(ours, pid) {
				ours, changed = append(ours, pid), true
			}
		}
	}
	return ours
}

// A backlog held in memory shows as a slope over the second half; the first half, where
// caches fill, does not count.
func TestRSSSlope(t *testing.T) {
	const n = 20000
	var settles, grows []rssSample
	for i := range 100 {
		done := int64(i * n / 100)
		kib := int64(40 << 10)
		if done < n/2 {
			kib += done // caches filling: about 10 MiB over the first half
		}
		settles = append(settles, rssSample{kib: kib + int64(i%3), ingested: done})
		grows = append(grows, rssSample{kib: 40<<10 + done*1024/1000, ingested: done}) // 1 MiB per 1,000 alerts
	}
	if got := rssSlope(settles, n); math.Abs(got) > 0.2 {
		t.Errorf("settled: slope %.2f MiB per 10,000 alerts, want about 0", got)
	}
	if got := rssSlope(grows, n); math.Abs(got-10) > 0.01 {
		t.Errorf("growing: slope %.2f MiB per 10,000 alerts, want 10", got)
	}
	if got := rssSlope(grows[:1], n); got != 0 {
		t.Errorf("one sample: slope %.2f, want 0", got)
	}
}

func TestQuantile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for q, want := range map[float64]time.Duration{0.5: 50 * time.Millisecond, 0.99: 99 * time.Millisecond, 1: 100 * time.Millisecond, 0: time.Millisecond} {
		if got := quantile(ds, q); got != want {
			t.Errorf("quantile(%v) = %v, want %v", q, got, want)
		}
	}
	if got := quantile(nil, 0.99); got != 0 {
		t.Errorf("quantile of nothing = %v", got)
	}
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

func TestReadRSS(t *testing.T) {
	kib, err := readRSS(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if kib < 1024 {
		t.Errorf("this test's RSS is %d KiB", kib)
	}
}
