// Package pgtest gives each test its own empty PostgreSQL database, so tests that need
// PostgreSQL run in parallel without seeing each other's rows.
//
// The databases live on a server the developer names in WARDEN_TEST_POSTGRES_URL or, when that
// is unset, on a throwaway cluster that the test binary starts on first use (initdb + pg_ctl
// in a temp dir, durability switched off for speed) and stops when Main returns. A machine
// with neither fails the test with what to install: a skipped PostgreSQL test looks like a
// passing one.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable holding a postgres:// URL of a server the tests may create and
// drop databases on; set, it replaces the throwaway cluster.
const EnvURL = "WARDEN_TEST_POSTGRES_URL"

// dbTimeout bounds CREATE and DROP DATABASE: a stuck server should fail the test, not hang it
// until go test's global timeout.
const dbTimeout = 30 * time.Second

// underMain records that Main wraps the test binary, the only place a started cluster can be
// stopped: Go has no exit hook, so without Main the server would outlive the tests.
var underMain atomic.Bool

// URL returns a connection URL for a fresh, empty database created for this test (dropped at
// test end), on a cluster shared by the whole test binary (started on first use, stopped by
// Main when the tests are done).
func URL(t testing.TB) string {
	t.Helper()
	// The cluster start must not be cut short by the test that happens to trigger it, and the
	// test's context ends before its cleanups run: keep its values, drop its cancellation.
	ctx := context.WithoutCancel(t.Context())
	admin := os.Getenv(EnvURL)
	if admin == "" {
		if !underMain.Load() {
			t.Fatalf("pgtest: a throwaway PostgreSQL needs TestMain to call os.Exit(pgtest.Main(m)), which stops it; or set %s", EnvURL)
		}
		c, err := shared(ctx)
		if err != nil {
			t.Fatalf("pgtest: %v", err)
		}
		admin = c.adminURL
	}
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("pgtest: %s must be a postgres:// URL, got %q", EnvURL, admin)
	}

	name := dbName(t.Name())
	ident := pgx.Identifier{name}.Sanitize()
	// template0 because nobody may connect to it: CREATE DATABASE fails while another
	// session uses the template, which template1 on a shared server often is.
	if err := execSQL(ctx, admin, "CREATE DATABASE "+ident+" TEMPLATE template0"); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// FORCE ends the test's own connections (a pool the test forgot to close included),
		// which would otherwise make the drop fail and leak the database.
		if err := execSQL(ctx, admin, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})

	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

// Main wraps testing.M: code := pgtest.Main(m) runs the tests, then stops a cluster it
// started. A cluster that cannot be stopped fails the run, since it keeps a server running.
func Main(m *testing.M) int {
	underMain.Store(true)
	code := m.Run()
	if err := stop(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// execSQL runs one statement on its own connection: CREATE and DROP DATABASE cannot run in a
// transaction, and a connection per call keeps parallel tests from sharing session state.
func execSQL(ctx context.Context, connURL, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, dbTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, connURL)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(ctx) }()
	_, err = conn.Exec(ctx, sql)
	return err
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9]+`)

// dbName is unique per call and starts with the test's name, so a database leaked on a shared
// server says which test made it. PostgreSQL cuts identifiers at 63 bytes; stay under.
func dbName(testName string) string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	slug := strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(testName), "_"), "_")
	if len(slug) > 40 {
		slug = slug[:40]
	}
	return "warden_" + slug + "_" + hex.EncodeToString(b[:])
}
