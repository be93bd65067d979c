package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/apiserver"
)

// The server's log. Request lines (one per API request, apiserver.RequestLogMessage) are
// gathered in memory and written together at most requestLogDelay later, or at once when
// logBufferSize bytes wait, as nginx's access_log buffer= and flush= do: a write per request
// was the largest cost of POST /v1/authorize left after its fast path, and a slow reader of
// stderr (a full pipe) would have stalled every request. Every other line — starting,
// stopping, warnings, errors, a request that failed — is written at once, after the request
// lines before it, so the order is kept and nothing an operator must see waits. Close writes
// what is left; a killed process loses at most requestLogDelay of request lines.

const (
	requestLogDelay = 100 * time.Millisecond
	logBufferSize   = 64 << 10
)

// logBuffer is the io.Writer the log's handler writes lines into.
type logBuffer struct {
	w     io.Writer
	delay time.Duration

	mu  sync.Mutex // guards buf
	buf []byte
	// wmu orders the writes to w: a flush takes the whole buffer under it, so lines reach w
	// in the order they were logged.
	wmu sync.Mutex

	wake       chan struct{}
	stop, done chan struct{}
	stopOnce   sync.Once
}

func newLogBuffer(w io.Writer, delay time.Duration) *logBuffer {
	b := &logBuffer{w: w, delay: delay, buf: make([]byte, 0, logBufferSize),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go b.run()
	return b
}

// Write keeps one line; slog's handlers write each record with one call.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	b.buf = append(b.buf, p...)
	full := len(b.buf) >= logBufferSize
	b.mu.Unlock()
	if full {
		b.flush()
	}
	return len(p), nil
}

// flush writes every line kept so far.
func (b *logBuffer) flush() {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	b.mu.Lock()
	out := b.buf
	b.buf = make([]byte, 0, logBufferSize)
	b.mu.Unlock()
	if len(out) > 0 {
		_, _ = b.w.Write(out) // as slog does, a log that cannot be written is not an error of the request
	}
}

// later asks the flusher to write within delay.
func (b *logBuffer) later() {
	select {
	case b.wake <- struct{}{}:
	default: // a flush is already due
	}
}

func (b *logBuffer) run() {
	defer close(b.done)
	t := time.NewTimer(b.delay)
	t.Stop()
	for {
		select {
		case <-b.wake:
			t.Reset(b.delay)
			select {
			case <-t.C:
			case <-b.stop:
				t.Stop()
				b.flush()
				return
			}
			b.flush()
		case <-b.stop:
			b.flush()
			return
		}
	}
}

// Close writes what is left and stops the flusher.
func (b *logBuffer) Close() {
	b.stopOnce.Do(func() { close(b.stop) })
	<-b.done
}

// bufferedHandler is a handler writing into a logBuffer that decides, per record, whether
// the line may wait.
type bufferedHandler struct {
	slog.Handler
	b *logBuffer
}

// newBufferedLogger is the server's logger: text lines into b.
func newBufferedLogger(b *logBuffer) *slog.Logger {
	return slog.New(bufferedHandler{Handler: slog.NewTextHandler(b, nil), b: b})
}

func (h bufferedHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Message == apiserver.RequestLogMessage && r.Level < slog.LevelWarn {
		h.b.later()
	} else {
		h.b.flush()
	}
	return err
}

func (h bufferedHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return bufferedHandler{Handler: h.Handler.WithAttrs(attrs), b: h.b}
}

func (h bufferedHandler) WithGroup(name string) slog.Handler {
	return bufferedHandler{Handler: h.Handler.WithGroup(name), b: h.b}
}
