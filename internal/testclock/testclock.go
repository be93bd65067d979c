// Package testclock is a fake clock for tests of code that reads the time through a
// func() time.Time, as apiserver.Config.Now: a test moves the clock past an expiry instead of
// sleeping until it. It is terraform-provider-time's timetesting.FakeClock made safe for
// concurrent use, since a server reads it from its request goroutines while the test moves it.
//
// Only tests and test helpers import it.
package testclock

import (
	"sync"
	"time"
)

// Clock is a fake clock. One made by New stands still until moved; one made by Running keeps
// real time, shifted by however far it was moved. Its methods are safe for concurrent use.
type Clock struct {
	mu      sync.Mutex
	running bool
	at      time.Time     // the reading of a standing clock
	offset  time.Duration // how far a running clock is ahead of real time
}

// New returns a clock that reads at until it is moved.
func New(at time.Time) *Clock { return &Clock{at: at} }

// Running returns a clock that reads real time until it is moved: a server on it behaves
// exactly as on time.Now, and a test can still move it past an expiry.
func Running() *Clock { return &Clock{running: true} }

// Now is the clock's reading; pass the method value c.Now as a clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now()
}

func (c *Clock) now() time.Time {
	if c.running {
		return time.Now().Add(c.offset)
	}
	return c.at
}

// Advance moves the clock by d (back, when d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		c.offset += d
	} else {
		c.at = c.at.Add(d)
	}
}

// Set moves the clock to t; a running clock goes on running from there.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.set(t)
}

func (c *Clock) set(t time.Time) {
	if c.running {
		c.offset = time.Until(t)
	} else {
		c.at = t
	}
}

// AdvanceTo moves the clock forward to t, and leaves a clock already past t alone: what
// sleeping until t would do, without the wait.
func (c *Clock) AdvanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now()) {
		c.set(t)
	}
}
