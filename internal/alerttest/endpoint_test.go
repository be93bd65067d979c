package alerttest

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"testing"
	"time"
)

func TestEndpoint_failsTheNextNThenAnswersItself(t *testing.T) {
	t.Parallel()
	wr := NewUnsignedReceiver(t)
	wr.Inject(Fault{Status: http.StatusServiceUnavailable, RetryAfter: "2"}, 2)
	for i, want := range []int{503, 503, 200} {
		status, header, _, err := send(t, http.DefaultClient, wr.URL(), nil, []byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		if status != want {
			t.Errorf("request %d: status %d, want %d", i+1, status, want)
		}
		if ra := header.Get("Retry-After"); (want == 503) != (ra == "2") {
			t.Errorf("request %d: Retry-After %q", i+1, ra)
		}
	}
	all := wr.All()
	if len(all) != 3 || all[0].Fault == nil || all[0].Status != 503 || all[2].Fault != nil || wr.Count() != 1 {
		t.Fatalf("recorded %d requests (%d accepted): %+v", len(all), wr.Count(), all)
	}
}

func TestEndpoint_failsAlwaysUntilHealed(t *testing.T) {
	t.Parallel()
	wr := NewUnsignedReceiver(t)
	wr.Fail(http.StatusGone, Always)
	for range 3 {
		if status, _ := mustSend(t, wr.URL(), nil, nil); status != http.StatusGone {
			t.Fatalf("status %d, want 410", status)
		}
	}
	wr.Heal()
	if status, _ := mustSend(t, wr.URL(), nil, nil); status != http.StatusOK {
		t.Fatalf("healed: status %d, want 200", status)
	}
}

func TestEndpoint_hangsUntilTheClientGivesUp(t *testing.T) {
	t.Parallel()
	wr := NewUnsignedReceiver(t)
	wr.Hang(1)
	c := &http.Client{Timeout: 100 * time.Millisecond}
	if _, _, _, err := send(t, c, wr.URL(), nil, nil); err == nil {
		t.Fatal("a hung request got an answer")
	} else if !errors.Is(err, context.DeadlineExceeded) && !isTimeout(err) {
		t.Fatalf("want a timeout, got %v", err)
	}
	if d := wr.All(); len(d) != 1 || d[0].Status != 0 || d[0].Fault == nil || !d[0].Fault.Hang {
		t.Fatalf("recorded %+v", d)
	}
	if status, _ := mustSend(t, wr.URL(), nil, nil); status != http.StatusOK {
		t.Fatalf("after the hang: status %d, want 200", status)
	}
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

func TestEndpoint_downRefusesAndUpServesTheSameURL(t *testing.T) {
	t.Parallel()
	wr := NewUnsignedReceiver(t)
	url := wr.URL()
	wr.Down()
	if _, _, _, err := send(t, http.DefaultClient, url, nil, nil); err == nil {
		t.Fatal("a request reached the endpoint while it was down")
	}
	wr.Down() // twice is harmless
	wr.Up()
	wr.Up()
	if wr.URL() != url {
		t.Fatalf("URL changed from %s to %s", url, wr.URL())
	}
	if status, _ := mustSend(t, url, nil, nil); status != http.StatusOK {
		t.Fatalf("up again: status %d, want 200", status)
	}
	if len(wr.All()) != 1 {
		t.Errorf("recorded %d requests, want 1", len(wr.All()))
	}
}

func TestEndpoint_downEndsAHungRequest(t *testing.T) {
	t.Parallel()
	wr := NewUnsignedReceiver(t)
	wr.Hang(Always)
	errc := make(chan error, 1)
	go func() {
		_, _, _, err := send(t, http.DefaultClient, wr.URL(), nil, nil)
		errc <- err
	}()
	wr.Await(t, 5*time.Second, func(all []Delivery) bool { return len(all) == 1 })
	wr.Down()
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("the hung request got an answer")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the hung request outlived Down")
	}
}

func TestJournal_waitForFailsWhenNothingArrives(t *testing.T) {
	t.Parallel()
	wr := NewUnsignedReceiver(t)
	ft := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		wr.WaitFor(ft, 1, 50*time.Millisecond)
	}()
	<-done
	if !ft.failed {
		t.Fatal("WaitFor returned although nothing arrived")
	}
}

// fatalRecorder notes a Fatalf and ends the goroutine instead of failing the test.
type fatalRecorder struct {
	testing.TB
	failed bool
}

func (f *fatalRecorder) Fatalf(string, ...any) {
	f.failed = true
	runtime.Goexit()
}
