package client

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

type logEntry struct {
	level, msg string
	fields     map[string]any
	ctx        context.Context
}

type logRecorder struct {
	mu      sync.Mutex
	entries []logEntry
}

func (r *logRecorder) log(ctx context.Context, level, msg string, fields map[string]any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = append(r.entries, logEntry{level, msg, fields, ctx})
}

type ctxMark struct{}

func TestLog_retriesAndRequestIDs(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	rec := &logRecorder{}
	c := fixture(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("X-Request-Id", "req_first")
			writeProblem(w, api.Problem{Title: "Service Unavailable", Status: 503, Code: "unavailable"})
			return
		}
		w.Header().Set("X-Request-Id", "req_second")
		writeJSON(w, http.StatusOK, api.PermissionMatrix{Version: "v"})
	}, func(cfg *Config) { cfg.Log = rec.log })

	ctx := context.WithValue(t.Context(), ctxMark{}, "caller")
	if _, err := c.PermissionMatrix(ctx); err != nil {
		t.Fatal(err)
	}
	if len(rec.entries) != 2 {
		t.Fatalf("want a retry and a response logged, got %+v", rec.entries)
	}
	retry, done := rec.entries[0], rec.entries[1]
	if retry.level != "debug" || retry.msg != "retrying Warden API request" || retry.fields["attempt"] != 2 ||
		retry.fields["status"] != 503 || retry.fields["request_id"] != "req_first" || retry.fields["waited"] == "" ||
		retry.fields["method"] != "GET" {
		t.Errorf("retry entry %+v", retry)
	}
	if done.level != "debug" || done.fields["status"] != 200 || done.fields["request_id"] != "req_second" {
		t.Errorf("response entry %+v", done)
	}
	for _, e := range rec.entries {
		if e.ctx.Value(ctxMark{}) != "caller" {
			t.Errorf("%q was not logged with the caller's context", e.msg)
		}
	}
}

func TestLog_connectionErrorRetryNamesTheError(t *testing.T) {
	t.Parallel()
	rec := &logRecorder{}
	c, err := New(Config{Endpoint: "http://127.0.0.1:1", Token: "t", RetryMax: 1, Log: rec.log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PermissionMatrix(t.Context()); err == nil {
		t.Fatal("want an error from a closed port")
	}
	if len(rec.entries) != 1 || rec.entries[0].fields["error"] == nil || rec.entries[0].fields["status"] != nil {
		t.Errorf("want one retry naming the connection error, got %+v", rec.entries)
	}
}
