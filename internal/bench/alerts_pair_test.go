package bench

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
)

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
