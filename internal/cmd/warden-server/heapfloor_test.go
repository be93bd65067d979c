package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestFloorPercent(t *testing.T) {
	for _, c := range []struct {
		floor, live uint64
		percent     int
		want        int
	}{
		{256 << 20, 8 << 20, 200, 3100},  // the next collection at 256 MiB: 8 MiB × 32
		{256 << 20, 100 << 20, 200, 200}, // 100 MiB × 3 is above the floor already
		{256 << 20, 64 << 20, 200, 300},  // 64 MiB × 4 = 256 MiB
		{256 << 20, 300 << 20, 200, 200}, // above the floor, GOGC governs
		{256 << 20, 0, 200, 200},         // nothing measured yet
		{0, 8 << 20, 150, 150},           // no floor
		{1 << 30, 1 << 20, 100, 102300},  // a tiny heap under a large floor
		{256 << 20, 256 << 20, 200, 200}, // at the floor
	} {
		if got := floorPercent(c.floor, c.live, c.percent); got != c.want {
			t.Errorf("floorPercent(%d, %d, %d) = %d, want %d", c.floor, c.live, c.percent, got, c.want)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]uint64{"0": 0, "1048576": 1 << 20, "512B": 512, "64KiB": 64 << 10, "256MiB": 256 << 20, " 2GiB ": 2 << 30} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "lots", "256MB", "1.5GiB", "-1", "MiB", "20000000000GiB"} {
		if got, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q) = %d, want an error", in, got)
		}
	}
}

func TestEffectiveHeapFloor(t *testing.T) {
	if got := effectiveHeapFloor(256<<20, 0); got != 256<<20 {
		t.Errorf("no cgroup limit: %d", got)
	}
	if got := effectiveHeapFloor(256<<20, 512<<20); got != 128<<20 {
		t.Errorf("a 512 MiB container: %d, want a quarter of it", got)
	}
	if got := effectiveHeapFloor(256<<20, 8<<30); got != 256<<20 {
		t.Errorf("an 8 GiB container: %d", got)
	}
}

// gcPercent reads the GC percent (SetGCPercent only reads it by setting it).
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// The floor raises the GC percent at once (once a collection has measured the live heap),
// sets it again after every collection (here
// after one that ran with another percent), and stop gives the base percent back.
func TestStartHeapFloor(t *testing.T) {
	before := gcPercent()
	defer debug.SetGCPercent(before)

	runtime.GC()
	stop := startHeapFloor(1<<30, 150)
	if p := gcPercent(); p <= 150 {
		t.Fatalf("with a 1 GiB floor over a test's heap, GC percent %d, want above 150", p)
	}
	debug.SetGCPercent(120)
	deadline := time.Now().Add(10 * time.Second)
	for gcPercent() == 120 {
		if time.Now().After(deadline) {
			t.Fatal("no adjustment after collections: the floor stopped watching")
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if p := gcPercent(); p <= 150 {
		t.Errorf("after a collection, GC percent %d, want above 150", p)
	}
	stop()
	if p := gcPercent(); p != 150 {
		t.Errorf("after stop, GC percent %d, want 150", p)
	}
	runtime.GC()
	time.Sleep(50 * time.Millisecond)
	if p := gcPercent(); p != 150 {
		t.Errorf("a collection after stop set GC percent %d, want 150 kept", p)
	}
}
