// Package decisionlog keeps POST /v1/authorize's decisions off the request path: a bounded
// in-memory queue that a request adds to without ever waiting, and one writer goroutine that
// drains it in batches (one transaction, multi-row inserts, per batch) through a write
// function the server gives it. Stop flushes whatever is queued, so a clean shutdown loses
// nothing; a full queue drops the newest decision and counts it, never blocking authorize.
//
// Which decisions are kept is the server's to say (every vendor user's; members' per
// Members); the package knows only the queue, the batches and the counters.
package decisionlog

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Defaults of Config's zero fields.
const (
	// DefaultQueue holds about 40 s of vendor decisions at the benchmark's rate (5% of
	// 25,000 checks/s), or 2 s of every decision with members all logged: long enough to ride
	// out a slow commit, small enough (tens of MB at most) to bound memory.
	DefaultQueue = 50_000
	// DefaultBatch is the most decisions one transaction writes.
	DefaultBatch = 500
	// DefaultInterval is how long the writer gathers a batch after its first decision: a
	// decision reaches the database within about this long under light load, and a few
	// transactions a second suffice under heavy load.
	DefaultInterval = 100 * time.Millisecond
	// DefaultRetention is how long written decisions are kept before pruning.
	DefaultRetention = 90 * 24 * time.Hour
)

// writeAttempts is how often one batch is tried before it is counted as failed; writeTimeout
// bounds each try, so that Stop cannot hang on a database that no longer answers.
const (
	writeAttempts = 3
	writeTimeout  = 30 * time.Second
	retryWait     = 200 * time.Millisecond
	// dropLogEvery bounds how often a full queue is logged.
	dropLogEvery = 10 * time.Second
)

// Members says which member users' decisions are kept: none (off, the default), a random
// share of them (sample:<rate>), or every one (all). Vendor users' decisions are always kept.
type Members struct{ rate float64 }

// MembersOff keeps no member decision; MembersAll keeps every one.
var (
	MembersOff = Members{}
	MembersAll = Members{rate: 1}
)

// ParseMembers reads a -decision-log-members value: off, all, or sample:<rate> with a rate
// above 0 and at most 1 (sample:0.01 keeps one member decision in a hundred).
func ParseMembers(s string) (Members, error) {
	switch s {
	case "off", "":
		return MembersOff, nil
	case "all":
		return MembersAll, nil
	}
	v, ok := strings.CutPrefix(s, "sample:")
	if !ok {
		return Members{}, fmt.Errorf("%q is not off, all or sample:<rate> (e.g. sample:0.01 keeps one member decision in a hundred)", s)
	}
	rate, err := strconv.ParseFloat(v, 64)
	if err != nil || !(rate > 0 && rate <= 1) {
		return Members{}, fmt.Errorf("sample:%s: the rate is the share of member decisions kept, a number above 0 and at most 1 (e.g. sample:0.01)", v)
	}
	return Members{rate: rate}, nil
}

// String is the value ParseMembers reads back.
func (m Members) String() string {
	switch m.rate {
	case 0:
		return "off"
	case 1:
		return "all"
	}
	return "sample:" + strconv.FormatFloat(m.rate, 'g', -1, 64)
}

// Rate is the share of member decisions kept: 0 off, 1 all.
func (m Members) Rate() float64 { return m.rate }

// Keep draws whether to keep one member decision.
func (m Members) Keep() bool {
	switch m.rate {
	case 0:
		return false
	case 1:
		return true
	}
	return rand.Float64() < m.rate
}

// Config configures a Log.
type Config struct {
	// Write stores one batch in one transaction. It must not keep the slice, which the
	// writer reuses. It runs on the writer goroutine only, never two at once.
	Write func(ctx context.Context, batch []api.AuthorizationDecision) error
	// Queue is how many decisions may wait for the writer; 0 is DefaultQueue.
	Queue int
	// Batch is the most decisions one Write takes; 0 is DefaultBatch.
	Batch int
	// Interval is how long the writer gathers a batch; 0 is DefaultInterval.
	Interval time.Duration
	// Logger receives drops and write failures; nil discards.
	Logger *slog.Logger
}

// Stats are a Log's counters since it started.
type Stats struct {
	// Queued decisions wait for the writer now.
	Queued int
	// Written decisions are committed.
	Written uint64
	// Dropped decisions found the queue full (or the log stopped) and were never kept.
	Dropped uint64
	// Failed decisions were in a batch that Write refused writeAttempts times.
	Failed uint64
}

// Log is the queue and its writer.
type Log struct {
	write    func(context.Context, []api.AuthorizationDecision) error
	batch    int
	interval time.Duration
	log      *slog.Logger

	// queue holds pointers: a buffered channel allocates its whole capacity at once, and
	// 50,000 decisions by value were 9 MB for the garbage collector to scan on every cycle,
	// queued or not.
	queue chan *api.AuthorizationDecision
	// mu orders Record against Stop: once Stop holds it, nothing more is queued, so the
	// writer's last drain empties the queue for good.
	mu      sync.RWMutex
	stopped bool
	stop    chan struct{}
	done    chan struct{}
	// flushes asks the writer to write everything queued now, then close the channel.
	flushes chan chan struct{}

	written, dropped, failed atomic.Uint64
}

// Start makes a Log and starts its writer; Stop ends it.
func Start(cfg Config) *Log {
	if cfg.Write == nil {
		panic("decisionlog: Config.Write is nil")
	}
	l := &Log{write: cfg.Write, batch: cfg.Batch, interval: cfg.Interval, log: cfg.Logger,
		stop: make(chan struct{}), done: make(chan struct{}), flushes: make(chan chan struct{})}
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	if l.batch <= 0 {
		l.batch = DefaultBatch
	}
	if l.interval <= 0 {
		l.interval = DefaultInterval
	}
	if l.log == nil {
		l.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	l.queue = make(chan *api.AuthorizationDecision, cfg.Queue)
	go l.run()
	return l
}

// Record queues d for the writer without waiting. It reports false, and counts d as
// dropped, when the queue is full or the log has stopped.
func (l *Log) Record(d api.AuthorizationDecision) bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if !l.stopped {
		select {
		case l.queue <- &d:
			return true
		default:
		}
	}
	l.dropped.Add(1)
	return false
}

// Stop refuses further decisions, writes every queued one, and returns once the writer has
// ended. Calling it again waits for the same end.
func (l *Log) Stop() {
	l.mu.Lock()
	first := !l.stopped
	l.stopped = true
	l.mu.Unlock()
	if first {
		close(l.stop)
	}
	<-l.done
}

// Flush returns once every decision Record kept before the call is written (or counted as
// failed), or ctx ends: for tests and tools that read the log right after deciding. It does
// not stop the log.
func (l *Log) Flush(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case l.flushes <- done:
	case <-l.done:
		return nil // stopped: Stop wrote everything
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats returns the counters.
func (l *Log) Stats() Stats {
	return Stats{Queued: len(l.queue), Written: l.written.Load(), Dropped: l.dropped.Load(), Failed: l.failed.Load()}
}

func (l *Log) run() {
	defer close(l.done)
	batch := make([]api.AuthorizationDecision, 0, l.batch)
	gather := time.NewTimer(l.interval)
	gather.Stop()
	var loggedDrops uint64
	var loggedAt time.Time
	for {
		select {
		case d := <-l.queue:
			batch = append(batch[:0], *d)
		case done := <-l.flushes:
			l.drain(batch[:0])
			close(done)
			continue
		case <-l.stop:
			l.finish(batch[:0])
			return
		}
		gather.Reset(l.interval)
		stopping := false
	fill:
		for len(batch) < l.batch {
			select {
			case d := <-l.queue:
				batch = append(batch, *d)
			case <-gather.C:
				break fill
			case done := <-l.flushes:
				l.writeBatch(batch)
				l.drain(batch[:0])
				close(done)
				batch = batch[:0]
				break fill
			case <-l.stop:
				stopping = true
				break fill
			}
		}
		gather.Stop()
		l.writeBatch(batch)
		if stopping {
			l.finish(batch[:0])
			return
		}
		if n := l.dropped.Load(); n > loggedDrops && time.Since(loggedAt) >= dropLogEvery {
			l.log.Warn("decision log queue full: decisions dropped (authorize never waits for the log)",
				"dropped", n-loggedDrops, "dropped_total", n, "queue", cap(l.queue))
			loggedDrops, loggedAt = n, time.Now()
		}
	}
}

// finish writes everything queued, once Stop has closed the queue to new decisions.
func (l *Log) finish(batch []api.AuthorizationDecision) {
	flushed := l.drain(batch)
	st := l.Stats()
	l.log.Info("decision log stopped", "flushed_at_stop", flushed, "written", st.Written, "dropped", st.Dropped, "failed", st.Failed)
}

// drain writes what is queued, in batches, until the queue is empty, and returns how many.
func (l *Log) drain(batch []api.AuthorizationDecision) int {
	flushed := 0
	for {
		batch = batch[:0]
	take:
		for len(batch) < l.batch {
			select {
			case d := <-l.queue:
				batch = append(batch, *d)
			default:
				break take
			}
		}
		if len(batch) == 0 {
			break
		}
		flushed += len(batch)
		l.writeBatch(batch)
	}
	return flushed
}

// writeBatch writes one batch, trying again a few times: a busy database (SQLite's writer,
// a PostgreSQL failover) usually answers the second time. A batch that still fails is
// counted and logged, never retried forever: the queue behind it would fill.
func (l *Log) writeBatch(batch []api.AuthorizationDecision) {
	if len(batch) == 0 {
		return
	}
	var err error
	for attempt := range writeAttempts {
		if attempt > 0 {
			time.Sleep(retryWait * time.Duration(attempt))
		}
		ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
		err = l.write(ctx, batch)
		cancel()
		if err == nil {
			l.written.Add(uint64(len(batch)))
			return
		}
	}
	l.failed.Add(uint64(len(batch)))
	l.log.Error("decision log: a batch could not be written and is lost", "decisions", len(batch), "attempts", writeAttempts, "error", err)
}
