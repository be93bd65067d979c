package bench

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/alerting"
	"github.com/wardenhq/terraform-provider-warden/internal/alerttest"
)

// The alert figures (make bench-alerts) and their targets. The server they load and what
// they read back from it are in alerts_rig_test.go, the senders in alerts_senders_test.go,
// the webhook destination in alerts_receiver_test.go, memory, CPU and quantiles in
// alerts_measure_test.go, and BenchmarkAlertsPair in alerts_pair_test.go.

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
	alertsCountEnv = "WARDEN_BENCH_ALERTS_COUNT" // alerts of the ingestion figure, half the backlog's; default 20,000
	alertsPaceEnv  = "WARDEN_BENCH_ALERTS_PACE"  // how long the latency figure's steady load lasts; default 20s
	// alertsCPUProfileEnv names a directory: the server then runs inside the benchmark
	// process (the handler and dispatcher the binary runs) and each figure's measured part is
	// profiled into <figure>.pprof there, for `go tool pprof -top -cum`. The RSS figures are
	// then the benchmark's own process, receivers and senders included.
	alertsCPUProfileEnv = "WARDEN_BENCH_ALERTS_CPUPROFILE"
	// alertsBaselineEnv names another warden-server binary for BenchmarkAlertsPair, which
	// runs alertsPairRoundsEnv rounds (default 3) of alertsPairCount alerts.
	alertsBaselineEnv   = "WARDEN_BENCH_ALERTS_BASELINE"
	alertsPairRoundsEnv = "WARDEN_BENCH_ALERTS_PAIR_ROUNDS"
	// alertsRoundsEnv is how many rounds (Alertmanager, then Warden) the ingestion figure
	// runs; default 3.
	alertsRoundsEnv = "WARDEN_BENCH_ALERTS_ROUNDS"
	alertsPairCount = 4000
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
	// Twice as many for the backlog: the RSS slope is taken over the second half, once the
	// heap has met its floor and the database's page caches have filled, which 10,000 alerts
	// were too few to leave behind (slopes of 0.4 to 4 MiB per 10,000 from run to run, where
	// 20,000 gave 0.2 and 0.5).
	b.Run("backlog", func(b *testing.B) { benchAlertBacklog(b, 2*count) })
}

// benchAlertIngest posts count alerts over 16 connections, one alert per request, first to
// Alertmanager's /api/v2/alerts (alerttest.IngestRate), then to Warden while its dispatcher
// delivers to the three receivers, in alertsRoundsEnv rounds (default 3), and reports both
// rates, their ratio and how far delivery lags: each round, and the medians, which the
// verdict takes (one run's rates move by a tenth from run to run on a quiet machine, each
// server's on its own).
func benchAlertIngest(b *testing.B, count int) {
	rig := startAlertsRig(b, "")
	rounds := envInt(b, alertsRoundsEnv, 3)

	// Alertmanager ingesting only, once (no notification yet with group_wait 30s); each
	// Alertmanager is a fresh one, stopped before what follows, so that nothing it still
	// sends shares the CPU with it.
	amQuiet, amQuietOther := alertmanagerRate(b, count, 30*time.Second)

	rig.warmUp(b)
	type round struct {
		am, rate, amOther, other float64
		elapsed, drain           time.Duration
		delivered                int
		atEnd                    outbox
		drained                  bool
	}
	var runs []round
	first := alertsWarmup
	for b.Loop() {
		runs = runs[:0]
		for range rounds {
			var r round
			r.am, r.amOther = alertmanagerRate(b, count, 100*time.Millisecond)
			stop := rig.profile(b, "ingest")
			before := rig.delivered()
			cpu := watchCPU()
			start := time.Now()
			var err error
			r.elapsed, err = ingestClosed(b.Context(), rig.ingest, alertsConns, first, count)
			end := start.Add(r.elapsed)
			r.other = cpu.other()
			if err != nil {
				b.Fatalf("ingesting: %v", err)
			}
			r.delivered = rig.delivered() - before
			if r.atEnd, err = rig.outbox(b.Context()); err != nil {
				b.Fatal(err)
			}
			var last time.Time
			last, r.drained = rig.waitDelivered(b.Context(), alertsDeliveryWait)
			stop()
			r.drain = max(0, last.Sub(end))
			r.rate = float64(count) / r.elapsed.Seconds()
			first += count
			runs = append(runs, r)
		}
	}
	med := func(f func(round) float64) float64 { return medianBy(runs, f) }
	rate, amRate := med(func(r round) float64 { return r.rate }), med(func(r round) float64 { return r.am })
	ratio := med(func(r round) float64 { return r.rate / r.am })
	other := med(func(r round) float64 { return max(r.other, r.amOther) })
	lastRun := runs[len(runs)-1]
	want := count * alertsDestinations
	b.ReportMetric(rate, "alerts/s")
	b.ReportMetric(amRate, "am-alerts/s")
	b.ReportMetric(amQuiet, "am-quiet-alerts/s")
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(float64(lastRun.atEnd.Pending), "pending-at-end")
	b.ReportMetric(med(func(r round) float64 { return r.drain.Seconds() }), "drain-s")

	fmt.Printf("alert ingestion on %s: %s alerts, %d connections, one alert per request, each routed to %d webhooks on 127.0.0.1; %d rounds\n",
		benchStore(), thousands(int64(count)), alertsConns, alertsDestinations, len(runs))
	fmt.Printf("  Alertmanager ingesting only (group_wait 30s: no notification yet): %s alerts/s%s\n", thousands(int64(amQuiet+0.5)), otherNote(amQuietOther))
	for i, r := range runs {
		fmt.Printf("  round %d: Alertmanager /api/v2/alerts (in memory), notifying as it ingests: %s alerts/s%s; Warden (202 once committed), delivering as it ingests: %s alerts/s%s = %.2f×\n",
			i+1, thousands(int64(r.am+0.5)), otherNote(r.amOther), thousands(int64(r.rate+0.5)), otherNote(r.other), r.rate/r.am)
		fmt.Printf("    delivery at the end of ingestion: %s of %s delivered (%s/s while ingesting), %s pending%s\n",
			thousands(int64(r.delivered)), thousands(int64(want)), thousands(int64(float64(r.delivered)/r.elapsed.Seconds()+0.5)),
			thousands(int64(r.atEnd.Pending)), r.atEnd.oldestAge())
		if r.drained {
			fmt.Printf("    all delivered %.1f s after the last alert was accepted (%.1f s after the first)\n", r.drain.Seconds(), (r.elapsed + r.drain).Seconds())
		} else {
			b.Errorf("round %d: not all delivered %v after ingestion: %d of %d", i+1, alertsDeliveryWait, rig.delivered(), want)
		}
	}
	fmt.Printf("  medians: Alertmanager %s alerts/s, Warden %s alerts/s, Warden ÷ Alertmanager %.2f× (%.2f× Alertmanager ingesting only)\n",
		thousands(int64(amRate+0.5)), thousands(int64(rate+0.5)), ratio, rate/amQuiet)
	rig.reportRepeats()
	warnOther(b, other)
	verdict(b, fmt.Sprintf("ingestion ≥ Alertmanager's rate and ≥ %s alerts/s, medians of the rounds", thousands(targetIngestFloor)),
		ratio >= 1 && rate >= targetIngestFloor, rate*alertsWildly < max(targetIngestFloor, amRate), other)
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
