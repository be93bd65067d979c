package bench

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// What the alert benchmarks measure besides time: the server's memory, quantiles, and the
// share of the CPU other processes took.

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

func TestReadRSS(t *testing.T) {
	kib, err := readRSS(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if kib < 1024 {
		t.Errorf("this test's RSS is %d KiB", kib)
	}
}
