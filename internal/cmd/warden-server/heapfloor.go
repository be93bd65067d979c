package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
)

// The heap floor. Go's collector starts a cycle when the heap has grown by GOGC percent of
// what the last one left live. The server's live heap is small (about 10 MiB with make
// bench-api's 10,000 grants) and authorize allocates about 4.5 KB a check, most of it
// net/http's, so at 25,000 checks/s it collected five times a second, each time marking for
// 10 to 40 ms with a share of the CPU taken from requests: most of authorize's p99 above what
// the load generator alone causes. The floor lets the heap grow to -gc-heap-floor before
// collecting (there: every 2 s); above it, GOGC governs as usual. It is memory traded for
// latency and CPU, as GOMEMLIMIT trades the other way, and bounded: at most a quarter of the
// memory limit of the server's cgroup and half of GOMEMLIMIT.

// defaultHeapFloor is -gc-heap-floor's default.
const defaultHeapFloor = 256 << 20

// heapFloor keeps the collector's goal at or above floor bytes: after each collection it
// sets the GC percent so that the next one starts at max(floor, live × (1 + percent/100)).
type heapFloor struct {
	floor   uint64
	percent int
	stopped atomic.Bool
	live    []metrics.Sample
}

// startHeapFloor sets the GC percent to percent, raised after each collection while the live
// heap is under floor. stop restores percent and ends the adjustments.
func startHeapFloor(floor uint64, percent int) (stop func()) {
	h := &heapFloor{floor: floor, percent: percent, live: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	h.adjust()
	h.watch()
	return func() {
		h.stopped.Store(true)
		debug.SetGCPercent(percent)
	}
}

// watch calls adjust after the next collection: the sentinel is unreachable at once, so the
// next cycle runs its cleanup, which watches again.
func (h *heapFloor) watch() {
	runtime.AddCleanup(new(gcSentinel), func(h *heapFloor) {
		if h.stopped.Load() {
			return
		}
		h.adjust()
		h.watch()
	}, h)
}

// gcSentinel is large enough to be an object of its own (the tiny allocator packs smaller
// pointer-free ones together, which would delay its cleanup).
type gcSentinel struct{ _ [64]byte }

// adjust sets the GC percent for the live heap the last collection left.
func (h *heapFloor) adjust() {
	metrics.Read(h.live)
	debug.SetGCPercent(floorPercent(h.floor, h.live[0].Value.Uint64(), h.percent))
}

// floorPercent is the GC percent that starts the next collection at floor bytes for a live
// heap of live bytes, never under percent.
func floorPercent(floor, live uint64, percent int) int {
	if live == 0 || live >= floor {
		return percent
	}
	return max(percent, int((floor-live)*100/live))
}

// parseBytes reads a size as GOMEMLIMIT writes it: a number of bytes, optionally with a
// B, KiB, MiB or GiB suffix.
func parseBytes(v string) (uint64, error) {
	s := strings.TrimSpace(v)
	mult := uint64(1)
	for _, u := range []struct {
		suffix string
		mult   uint64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"B", 1}} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = n, u.mult
			break
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || (mult > 1 && n > ^uint64(0)/mult) {
		return 0, fmt.Errorf("%q is not a size: write bytes, or a whole number of KiB, MiB or GiB (e.g. 256MiB; 0 for none)", v)
	}
	return n * mult, nil
}

// cgroupMemoryLimit is the memory limit of the server's cgroup (v2, else v1), or 0 when it
// has none or it cannot be read.
func cgroupMemoryLimit() uint64 {
	for _, path := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil && n < 1<<62 {
			return n // v1 writes a huge number for "no limit"
		}
		return 0
	}
	return 0
}

// effectiveHeapFloor is the floor asked for, at most a quarter of limit (when there is one).
func effectiveHeapFloor(asked, limit uint64) uint64 {
	if limit > 0 {
		return min(asked, limit/4)
	}
	return asked
}
