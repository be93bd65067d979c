package decisionlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// sink is a Write that keeps what it is given, and can be held (a slow database) or made
// to fail.
type sink struct {
	mu      sync.Mutex
	got     []string
	batches []int
	hold    chan struct{} // when non-nil, each Write waits for it to close
	entered chan struct{} // receives once per Write, when non-nil
	fail    int           // the next fail Writes fail
}

func (s *sink) write(_ context.Context, b []api.AuthorizationDecision) error {
	if s.entered != nil {
		s.entered <- struct{}{}
	}
	if s.hold != nil {
		<-s.hold
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail > 0 {
		s.fail--
		return errors.New("database is locked")
	}
	for _, d := range b {
		s.got = append(s.got, d.ID)
	}
	s.batches = append(s.batches, len(b))
	return nil
}

func (s *sink) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

func decision(i int) api.AuthorizationDecision {
	return api.AuthorizationDecision{ID: fmt.Sprintf("dec_%05d", i), PrincipalKind: "vendor", SampleRate: 1}
}

func seq(n int) []string {
	out := make([]string, n)
	for i := range n {
		out[i] = decision(i).ID
	}
	return out
}

// Stop writes every queued decision, in order, in batches no larger than Batch, however
// long the gathering interval: a clean shutdown loses none.
func TestLog_stopFlushesEverythingQueued(t *testing.T) {
	s := &sink{}
	l := Start(Config{Write: s.write, Queue: 10_000, Batch: 64, Interval: time.Hour})
	const n = 5000
	for i := range n {
		if !l.Record(decision(i)) {
			t.Fatalf("decision %d dropped with room in the queue", i)
		}
	}
	l.Stop()
	if got := s.ids(); !slices.Equal(got, seq(n)) {
		t.Fatalf("wrote %d decisions, want %d in order", len(got), n)
	}
	for _, b := range s.batches {
		if b > 64 {
			t.Fatalf("a batch of %d, above Batch 64", b)
		}
	}
	if st := l.Stats(); st.Written != n || st.Dropped != 0 || st.Failed != 0 || st.Queued != 0 {
		t.Fatalf("stats %+v", st)
	}
	// After Stop nothing is queued any more: it is counted, not lost silently.
	if l.Record(decision(n)) {
		t.Fatal("Record after Stop reported the decision kept")
	}
	if st := l.Stats(); st.Dropped != 1 {
		t.Fatalf("dropped %d after Stop, want 1", st.Dropped)
	}
	l.Stop() // a second Stop returns too
}

// A full queue drops and counts, and Record never waits, while the writer is stuck in a
// slow Write; what was queued is written once the database answers again.
func TestLog_fullQueueDropsWithoutBlocking(t *testing.T) {
	var logs bytes.Buffer
	s := &sink{hold: make(chan struct{}), entered: make(chan struct{}, 1)}
	l := Start(Config{Write: s.write, Queue: 10, Batch: 1, Interval: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	l.Record(decision(0))
	<-s.entered // the writer holds decision 0 inside Write, the queue is empty
	kept := 0
	for i := 1; i <= 25; i++ { // returns at once although nobody reads the queue
		if l.Record(decision(i)) {
			kept++
		}
	}
	if kept != 10 {
		t.Fatalf("kept %d with a queue of 10", kept)
	}
	if st := l.Stats(); st.Dropped != 15 || st.Queued != 10 {
		t.Fatalf("stats %+v, want 15 dropped and 10 queued", st)
	}
	s.entered = nil
	close(s.hold)
	l.Stop()
	if got := s.ids(); !slices.Equal(got, seq(11)) {
		t.Fatalf("wrote %v, want the first decision and the ten queued", got)
	}
	if !strings.Contains(logs.String(), "decision log queue full") || !strings.Contains(logs.String(), "dropped_total=15") {
		t.Fatalf("the drops were not logged:\n%s", logs.String())
	}
}

// A Write that fails is tried again; one that keeps failing is counted as failed and logged,
// and the writer goes on with the next batch.
func TestLog_failedWritesRetriedThenCounted(t *testing.T) {
	var logs bytes.Buffer
	s := &sink{fail: 1}
	l := Start(Config{Write: s.write, Batch: 1, Interval: time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	l.Record(decision(0)) // fails once, then lands
	l.Stop()
	if got := s.ids(); !slices.Equal(got, seq(1)) {
		t.Fatalf("a write that failed once: wrote %v", got)
	}

	s = &sink{fail: writeAttempts}
	l = Start(Config{Write: s.write, Batch: 1, Interval: time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	l.Record(decision(0)) // fails every attempt
	l.Stop()
	if st := l.Stats(); st.Failed != 1 || st.Written != 0 {
		t.Fatalf("stats %+v, want 1 failed", st)
	}
	if !strings.Contains(logs.String(), "could not be written and is lost") {
		t.Fatalf("the lost batch was not logged:\n%s", logs.String())
	}
}

// Record from many goroutines at once, racing Stop: every decision Record kept is written
// exactly once, and every other one is counted as dropped.
func TestLog_concurrentRecordAndStop(t *testing.T) {
	s := &sink{}
	l := Start(Config{Write: s.write, Queue: 1000, Batch: 50, Interval: time.Millisecond})
	var kept sync.Map
	var wg, started sync.WaitGroup
	started.Add(8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				d := decision(g*10_000 + i)
				if l.Record(d) {
					kept.Store(d.ID, true)
				}
				if i == 100 {
					started.Done()
				}
			}
		})
	}
	started.Wait() // every goroutine is under way when Stop comes
	l.Stop()
	wg.Wait()
	got := s.ids()
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			t.Fatalf("%s written twice", id)
		}
		seen[id] = true
		if _, ok := kept.Load(id); !ok {
			t.Fatalf("%s written but Record reported it dropped", id)
		}
	}
	n := 0
	kept.Range(func(k, _ any) bool {
		n++
		if id, _ := k.(string); !seen[id] {
			t.Errorf("%s kept but never written", k)
		}
		return true
	})
	if st := l.Stats(); int(st.Written) != n || int(st.Written+st.Dropped) != 8*2000 {
		t.Fatalf("stats %+v: written + dropped must be every decision (%d), written %d kept", st, 8*2000, n)
	}
}

func TestParseMembers(t *testing.T) {
	for in, want := range map[string]string{"off": "off", "": "off", "all": "all", "sample:0.01": "sample:0.01", "sample:1": "all", "sample:0.5": "sample:0.5"} {
		m, err := ParseMembers(in)
		if err != nil || m.String() != want {
			t.Errorf("ParseMembers(%q) = %v, %v; want %s", in, m, err, want)
		}
	}
	for _, in := range []string{"on", "sample:", "sample:0", "sample:-0.1", "sample:1.5", "sample:NaN", "sample:abc", "Sample:0.1", "some"} {
		if _, err := ParseMembers(in); err == nil {
			t.Errorf("ParseMembers(%q) accepted", in)
		}
	}
	if MembersOff.Keep() || !MembersAll.Keep() {
		t.Error("off keeps, or all does not")
	}
	m, _ := ParseMembers("sample:0.25")
	kept := 0
	for range 100_000 {
		if m.Keep() {
			kept++
		}
	}
	// 25,000 expected; the standard deviation is about 137, so this bound fails once in
	// far more runs than will ever be made.
	if kept < 23_500 || kept > 26_500 {
		t.Errorf("sample:0.25 kept %d of 100,000", kept)
	}
}

// Flush returns once what was recorded before it is written, without stopping the log,
// whether the writer was idle or gathering a batch.
func TestLog_flushWritesWhatWasRecorded(t *testing.T) {
	s := &sink{}
	l := Start(Config{Write: s.write, Batch: 1000, Interval: time.Hour})
	defer l.Stop()
	for round := range 3 {
		for i := range 10 {
			l.Record(decision(round*10 + i))
		}
		if err := l.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := s.ids(); !slices.Equal(got, seq(10*(round+1))) {
			t.Fatalf("round %d: written %v", round, got)
		}
	}
	if err := l.Flush(t.Context()); err != nil { // nothing queued
		t.Fatal(err)
	}
	l.Stop()
	if err := l.Flush(t.Context()); err != nil { // after Stop
		t.Fatal(err)
	}
}
