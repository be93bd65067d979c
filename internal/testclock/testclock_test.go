package testclock

import (
	"sync"
	"testing"
	"time"
)

var epoch = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func TestNew_standsStillUntilMoved(t *testing.T) {
	c := New(epoch)
	if got := c.Now(); !got.Equal(epoch) {
		t.Fatalf("Now() = %v, want %v", got, epoch)
	}
	c.Advance(90 * time.Second)
	if got, want := c.Now(), epoch.Add(90*time.Second); !got.Equal(want) {
		t.Errorf("after Advance: %v, want %v", got, want)
	}
	c.Set(epoch)
	if got := c.Now(); !got.Equal(epoch) {
		t.Errorf("after Set: %v, want %v", got, epoch)
	}
	c.AdvanceTo(epoch.Add(-time.Hour))
	if got := c.Now(); !got.Equal(epoch) {
		t.Errorf("AdvanceTo the past moved the clock to %v", got)
	}
	c.AdvanceTo(epoch.Add(time.Hour))
	if got, want := c.Now(), epoch.Add(time.Hour); !got.Equal(want) {
		t.Errorf("after AdvanceTo: %v, want %v", got, want)
	}
}

func TestRunning_keepsRealTimeShiftedByMoves(t *testing.T) {
	c := Running()
	// within reports whether c reads real time plus ahead, give or take the time the test takes.
	within := func(ahead time.Duration) bool {
		before := time.Now().Add(ahead)
		got := c.Now()
		after := time.Now().Add(ahead)
		return !got.Before(before) && !got.After(after)
	}
	if !within(0) {
		t.Fatalf("an unmoved running clock reads %v, real time is %v", c.Now(), time.Now())
	}
	c.Advance(time.Hour)
	if !within(time.Hour) {
		t.Errorf("after Advance(1h): %v, real time is %v", c.Now(), time.Now())
	}
	c.AdvanceTo(time.Now())
	if !within(time.Hour) {
		t.Errorf("AdvanceTo the past moved the clock: %v", c.Now())
	}
	c.AdvanceTo(time.Now().Add(2 * time.Hour))
	if got := time.Until(c.Now()); got < 2*time.Hour-time.Minute || got > 2*time.Hour {
		t.Errorf("after AdvanceTo(now+2h): %v ahead of real time", got)
	}
	c.Set(time.Now())
	if got := time.Until(c.Now()); got < -time.Minute || got > time.Minute {
		t.Errorf("after Set(now): %v ahead of real time", got)
	}
	a := c.Now()
	time.Sleep(time.Millisecond)
	if b := c.Now(); !b.After(a) {
		t.Errorf("a running clock stood still: %v, then %v", a, b)
	}
}

// Run with -race: readers on other goroutines while the test moves the clock.
func TestClock_concurrentUse(t *testing.T) {
	for name, c := range map[string]*Clock{"standing": New(epoch), "running": Running()} {
		t.Run(name, func(t *testing.T) {
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for range 100 {
						_ = c.Now()
					}
				})
			}
			for range 100 {
				c.Advance(time.Second)
				c.AdvanceTo(c.Now().Add(time.Second))
			}
			wg.Wait()
		})
	}
}
