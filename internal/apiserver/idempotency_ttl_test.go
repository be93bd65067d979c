package apiserver

import (
	"database/sql"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// idempotencyRows counts the stored idempotency records, straight from the database.
func (ts *testServer) idempotencyRows() int {
	ts.t.Helper()
	driver := "sqlite"
	if IsPostgresURL(ts.db) {
		driver = "pgx"
	}
	db, err := sql.Open(driver, ts.db)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var n int
	if err := db.QueryRowContext(ts.t.Context(), `SELECT COUNT(*) FROM idempotency_keys`).Scan(&n); err != nil {
		ts.t.Fatal(err)
	}
	return n
}

// An Idempotency-Key is remembered for the TTL, on the server's clock: within it a retry
// replays and another body is refused; past it the key acts anew, and pruning removes the
// expired record.
func TestIdempotency_recordsExpireAfterTTL(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.IdempotencyTTL = time.Hour })
	var first api.Environment
	ts.call("POST", "/v1/environments", ownerToken, api.EnvironmentCreate{Name: "first", Cloud: "aws"}, 201, &first, "Idempotency-Key", "k1")
	ts.call("POST", "/v1/environments", ownerToken, api.EnvironmentCreate{Name: "other", Cloud: "aws"}, 201, nil, "Idempotency-Key", "k2")

	ts.clock.Advance(59 * time.Minute)
	r := ts.call("POST", "/v1/environments", ownerToken, api.EnvironmentCreate{Name: "first", Cloud: "aws"}, 201, nil, "Idempotency-Key", "k1")
	if r.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry within the TTL was not replayed")
	}
	if p := ts.do("POST", "/v1/environments", ownerToken, api.EnvironmentCreate{Name: "second", Cloud: "aws"}, "Idempotency-Key", "k1").problem(t); p.Code != codeIdempotencyKeyReused {
		t.Fatalf("reuse within the TTL: %+v", p)
	}

	ts.clock.Advance(time.Minute + time.Second)
	var second api.Environment
	r = ts.call("POST", "/v1/environments", ownerToken, api.EnvironmentCreate{Name: "second", Cloud: "aws"}, 201, &second, "Idempotency-Key", "k1")
	if r.header.Get("Idempotent-Replayed") != "" || second.ID == first.ID || second.Name != "second" {
		t.Fatalf("key past its TTL did not act anew: replayed %q, %+v", r.header.Get("Idempotent-Replayed"), second)
	}
	// The expired k1 record was replaced by the new one: a retry of the new request replays.
	r = ts.call("POST", "/v1/environments", ownerToken, api.EnvironmentCreate{Name: "second", Cloud: "aws"}, 201, nil, "Idempotency-Key", "k1")
	if r.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry of the renewed key was not replayed")
	}

	if n := ts.idempotencyRows(); n != 2 {
		t.Fatalf("%d idempotency rows before pruning, want 2 (k1 renewed, k2 expired)", n)
	}
	n, err := ts.srv.pruneIdempotency(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("pruned %d (%v), want 1 (k2)", n, err)
	}
	if n := ts.idempotencyRows(); n != 1 {
		t.Fatalf("%d idempotency rows after pruning, want 1", n)
	}
}

func TestIdempotency_defaultTTL(t *testing.T) {
	ts := newTestServer(t)
	if ts.srv.idemTTL != DefaultIdempotencyTTL || DefaultIdempotencyTTL != 24*time.Hour {
		t.Fatalf("TTL %v", ts.srv.idemTTL)
	}
	ts.call("POST", "/v1/environments", ownerToken, api.EnvironmentCreate{Name: "kept", Cloud: "aws"}, 201, nil, "Idempotency-Key", "k")
	ts.clock.Advance(23 * time.Hour)
	if p := ts.do("POST", "/v1/environments", ownerToken, api.EnvironmentCreate{Name: "other", Cloud: "aws"}, "Idempotency-Key", "k").problem(t); p.Code != codeIdempotencyKeyReused {
		t.Fatalf("reuse within a day: %+v", p)
	}
	if n, err := ts.srv.pruneIdempotency(t.Context()); err != nil || n != 0 {
		t.Fatalf("pruned %d (%v) within the TTL", n, err)
	}
}
