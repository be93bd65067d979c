package main

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/apiserver"
)

// Request lines wait (here for an hour) until another line, a full buffer or Close writes
// them; every other line is written at once, after them, in order.
func TestLogBuffer_requestLinesWait(t *testing.T) {
	var out syncBuffer
	b := newLogBuffer(&out, time.Hour)
	log := newBufferedLogger(b)
	log.Info(apiserver.RequestLogMessage, "path", "/v1/authorize", "n", 1)
	log.Info(apiserver.RequestLogMessage, "path", "/v1/authorize", "n", 2)
	if out.String() != "" {
		t.Fatalf("request lines written at once:\n%s", out.String())
	}
	log.Info("draining")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "n=1") || !strings.Contains(lines[1], "n=2") || !strings.Contains(lines[2], "msg=draining") {
		t.Fatalf("after another line, the log is:\n%s", out.String())
	}
	log.Error(apiserver.RequestLogMessage, "status", 500)
	if !strings.Contains(out.String(), "status=500") {
		t.Fatalf("a failed request's line waited:\n%s", out.String())
	}
	log.With("listener", "api").Info(apiserver.RequestLogMessage, "n", 3)
	if strings.Contains(out.String(), "n=3") {
		t.Fatalf("a request line of a derived logger was written at once:\n%s", out.String())
	}
	b.Close()
	if !strings.Contains(out.String(), "listener=api") || !strings.Contains(out.String(), "n=3") {
		t.Fatalf("Close did not write the last request line:\n%s", out.String())
	}
}

// Request lines reach the writer within the delay on their own, and at once when the
// buffer is full.
func TestLogBuffer_flushesLaterAndWhenFull(t *testing.T) {
	var out syncBuffer
	b := newLogBuffer(&out, 10*time.Millisecond)
	defer b.Close()
	log := newBufferedLogger(b)
	log.Info(apiserver.RequestLogMessage, "n", 1)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "n=1") {
		if time.Now().After(deadline) {
			t.Fatal("a request line was never written")
		}
		time.Sleep(time.Millisecond)
	}

	var full syncBuffer
	fb := newLogBuffer(&full, time.Hour)
	defer fb.Close()
	flog := newBufferedLogger(fb)
	line := strings.Repeat("x", 1000)
	for i := 0; full.String() == ""; i++ {
		if i > 2*logBufferSize/len(line) {
			t.Fatalf("%d request lines of 1 kB kept in memory", i)
		}
		flog.Info(apiserver.RequestLogMessage, "pad", line)
	}
}

// Lines logged at once from many goroutines reach the writer whole, each exactly once.
func TestLogBuffer_concurrentLinesWhole(t *testing.T) {
	var out syncBuffer
	b := newLogBuffer(&out, time.Millisecond)
	log := newBufferedLogger(b)
	var wg sync.WaitGroup
	const goroutines, each = 8, 2000
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				msg := apiserver.RequestLogMessage
				if i%500 == 0 {
					msg = "other"
				}
				log.Info(msg, "id", fmt.Sprintf("%d-%d", g, i))
			}
		})
	}
	wg.Wait()
	b.Close()
	seen := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		i := strings.Index(l, " id=")
		if !strings.HasPrefix(l, "time=") || i < 0 {
			t.Fatalf("a broken line: %q", l)
		}
		id := l[i+4:]
		if seen[id] {
			t.Fatalf("line %s written twice", id)
		}
		seen[id] = true
	}
	if len(seen) != goroutines*each {
		t.Fatalf("%d lines written, want %d", len(seen), goroutines*each)
	}
}

var _ slog.Handler = bufferedHandler{}
