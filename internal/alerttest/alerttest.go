// Package alerttest holds the real parts that alert routing is tested against, each on
// 127.0.0.1 on a free port for one test: a Prometheus Alertmanager sending to Warden's ingest
// URL (built once from its module source by .ci/build-alertmanager.sh), a webhook receiver
// that checks Standard Webhooks signatures with the specification's reference library, the
// vendor's PagerDuty Events API v2 endpoint, and an SMTP server. The receivers record what
// they got and fail on command (a status, a hang, going down, an SMTP 451 or 550), so tests
// can watch retries, dead letters and deduplication happen.
//
// Waits are bounded and driven by arrivals, not by sleeping. Only tests and test helpers
// import it.
package alerttest

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"
)

// Always, given as a count of requests or messages to a fault, keeps it in force until healed.
const Always = -1

// recorded is what a Journal holds: one request or message and whether it was accepted.
type recorded interface{ accepted() bool }

// Journal is the record of everything a receiver was sent, in arrival order, faulted and
// rejected requests included. Its methods may be called from any goroutine.
type Journal[T recorded] struct {
	mu    sync.Mutex
	items []T
	// changed is closed (and replaced) on every arrival, waking waiters.
	changed chan struct{}
}

func (j *Journal[T]) add(v T) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.items = append(j.items, v)
	if j.changed != nil {
		close(j.changed)
		j.changed = nil
	}
}

// snapshot returns a copy of the items and a channel closed on the next arrival.
func (j *Journal[T]) snapshot() ([]T, <-chan struct{}) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.changed == nil {
		j.changed = make(chan struct{})
	}
	return append([]T(nil), j.items...), j.changed
}

// All is everything received, accepted or not.
func (j *Journal[T]) All() []T {
	all, _ := j.snapshot()
	return all
}

// Accepted is what the receiver accepted (a 2xx; an SMTP 250), in arrival order.
func (j *Journal[T]) Accepted() []T { return accepted(j.All()) }

// Count is how many were accepted.
func (j *Journal[T]) Count() int { return len(j.Accepted()) }

// WaitFor waits up to timeout until at least n were accepted and returns the accepted ones;
// it fails the test when they do not arrive in time.
func (j *Journal[T]) WaitFor(t testing.TB, n int, timeout time.Duration) []T {
	t.Helper()
	return accepted(j.Await(t, timeout, func(all []T) bool { return len(accepted(all)) >= n }))
}

// Await waits up to timeout until done holds for everything received so far (All), and
// returns that; it fails the test when done does not hold in time.
func (j *Journal[T]) Await(t testing.TB, timeout time.Duration, done func(all []T) bool) []T {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		all, changed := j.snapshot()
		if done(all) {
			return all
		}
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("alerttest: not there after %v: %d received, %d accepted", timeout, len(all), len(accepted(all)))
		}
	}
}

func accepted[T recorded](all []T) []T { return filter(all, T.accepted) }

func filter[T any](all []T, keep func(T) bool) []T {
	var out []T
	for _, v := range all {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// faults holds the fault in force and how many more times it applies.
type faults[F any] struct {
	mu    sync.Mutex
	fault F
	left  int
}

func (q *faults[F]) set(f F, n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.fault, q.left = f, n
}

func (q *faults[F]) clear() { q.set(*new(F), 0) }

// take returns the fault for one arrival, when one is in force.
func (q *faults[F]) take() (F, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.left == 0 {
		return *new(F), false
	}
	if q.left > 0 {
		q.left--
	}
	return q.fault, true
}

func listen(t testing.TB, addr string) net.Listener {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatalf("alerttest: listen on %s: %v", addr, err)
	}
	return ln
}

// freeAddr is a 127.0.0.1 address no one listened on a moment ago, for a child process to
// bind: a race with other processes the caller must survive (StartAlertmanager retries).
func freeAddr(t testing.TB) string {
	t.Helper()
	ln := listen(t, "127.0.0.1:0")
	defer func() { _ = ln.Close() }()
	return ln.Addr().String()
}
