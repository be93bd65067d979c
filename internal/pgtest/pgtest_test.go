package pgtest

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// connect opens a connection that the test closes at its end.
func connect(t *testing.T, connURL string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), connURL)
	if err != nil {
		t.Fatalf("connect %s: %v", connURL, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.WithoutCancel(t.Context())) })
	return conn
}

func dbOf(t *testing.T, connURL string) string {
	t.Helper()
	u, err := url.Parse(connURL)
	if err != nil {
		t.Fatalf("parse %q: %v", connURL, err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

// useDatabase proves the database is the one the URL names, starts empty and takes writes.
func useDatabase(t *testing.T, conn *pgx.Conn, want string) {
	t.Helper()
	ctx := t.Context()
	var got string
	var tables int
	if err := conn.QueryRow(ctx, `SELECT current_database(), (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')`).Scan(&got, &tables); err != nil {
		t.Fatalf("query: %v", err)
	}
	if got != want || tables != 0 {
		t.Fatalf("connected to %q with %d tables, want %q with 0", got, tables, want)
	}
	// The same table name in every test: it only works if the databases are really apart.
	if _, err := conn.Exec(ctx, `CREATE TABLE roles (name text PRIMARY KEY)`); err != nil {
		t.Fatalf("create table: %v", err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO roles VALUES ($1)`, want); err != nil {
		t.Fatalf("insert: %v", err)
	}
	var name string
	if err := conn.QueryRow(ctx, `SELECT name FROM roles`).Scan(&name); err != nil || name != want {
		t.Fatalf("read back %q, %v; want %q", name, err, want)
	}
}

// existing returns which of names are databases on the server behind conn.
func existing(t *testing.T, conn *pgx.Conn, names []string) []string {
	t.Helper()
	rows, err := conn.Query(t.Context(), `SELECT datname FROM pg_database WHERE datname = ANY($1)`, names)
	if err != nil {
		t.Fatalf("list databases: %v", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("list databases: %v", err)
	}
	return found
}

// Runs first, before any parallel test, so that its first URL pays for the cluster start.
func TestURL_startCost(t *testing.T) {
	began := time.Now()
	first := URL(t)
	firstTook := time.Since(began)
	began = time.Now()
	second := URL(t)
	secondTook := time.Since(began)

	if first == second {
		t.Fatalf("two calls returned the same URL %q", first)
	}
	// Only without the variable: with it, shared would start a cluster nobody asked for.
	if os.Getenv(EnvURL) == "" {
		if c, err := shared(t.Context()); err == nil {
			t.Logf("cluster start (initdb + pg_ctl start): %v", c.startup.Round(time.Millisecond))
		}
	}
	t.Logf("first URL (with any cluster start): %v; next URL (CREATE DATABASE only): %v",
		firstTook.Round(time.Millisecond), secondTook.Round(time.Millisecond))
}

func TestURL_parallelTestsGetTheirOwnDatabase(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		names []string
		// Left open past the subtest's end: the drop must end it rather than fail.
		leaked *pgx.Conn
	)
	t.Run("group", func(t *testing.T) {
		for _, name := range []string{"a", "b"} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				u := URL(t)
				db := dbOf(t, u)
				mu.Lock()
				names = append(names, db)
				mu.Unlock()

				conn, err := pgx.Connect(t.Context(), u)
				if err != nil {
					t.Fatalf("connect: %v", err)
				}
				if name == "b" {
					leaked = conn
				} else {
					t.Cleanup(func() { _ = conn.Close(context.WithoutCancel(t.Context())) })
				}
				useDatabase(t, conn, db)
			})
		}
	})
	if leaked != nil {
		defer func() { _ = leaked.Close(t.Context()) }()
	}
	if len(names) != 2 || names[0] == names[1] {
		t.Fatalf("databases %q, want two distinct", names)
	}
	// The subtests have ended, so their cleanups have run: from a third database on the
	// same server, neither may be left.
	observer := connect(t, URL(t))
	if left := existing(t, observer, names); len(left) != 0 {
		t.Fatalf("databases %q survived their tests", left)
	}
}

// The server named in WARDEN_TEST_POSTGRES_URL: here one of the throwaway cluster's databases,
// standing in for a server the developer runs.
func TestURL_externalServer(t *testing.T) {
	base := URL(t)
	t.Setenv(EnvURL, base)

	var sub string
	t.Run("test", func(t *testing.T) {
		sub = URL(t)
		useDatabase(t, connect(t, sub), dbOf(t, sub))
	})
	b, _ := url.Parse(base)
	s, _ := url.Parse(sub)
	if s.Host != b.Host || s.User.String() != b.User.String() || s.RawQuery != b.RawQuery || s.Path == b.Path {
		t.Fatalf("URL %q does not name a new database on the server of %q", sub, base)
	}
	if left := existing(t, connect(t, base), []string{dbOf(t, sub)}); len(left) != 0 {
		t.Fatalf("database %q survived its test", left)
	}
}

func TestFindBinDir(t *testing.T) {
	t.Parallel()
	empty, onlyInitdb, both := t.TempDir(), t.TempDir(), t.TempDir()
	for dir, progs := range map[string][]string{onlyInitdb: {"initdb"}, both: {"initdb", "pg_ctl"}} {
		for _, p := range progs {
			if err := os.WriteFile(filepath.Join(dir, p), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}

	if got, err := findBinDir([]string{empty, onlyInitdb, both}); err != nil || got != both {
		t.Errorf("findBinDir = %q, %v; want %q: the first dir with both programs", got, err, both)
	}
	_, err := findBinDir([]string{empty, onlyInitdb})
	if !errors.Is(err, errNoServer) {
		t.Fatalf("findBinDir without PostgreSQL = %v, want errNoServer", err)
	}
	for _, want := range []string{"apt-get install postgresql", EnvURL} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestMajorVersion(t *testing.T) {
	t.Parallel()
	for dir, want := range map[string]int{
		"/usr/lib/postgresql/15/bin":  15,
		"/usr/lib/postgresql/9.6/bin": 9,
		"/usr/lib/postgresql/x/bin":   0,
	} {
		if got := majorVersion(dir); got != want {
			t.Errorf("majorVersion(%q) = %d, want %d", dir, got, want)
		}
	}
}

func TestDBName(t *testing.T) {
	t.Parallel()
	long := "TestSomething/with_a_very_long_subtest_name_that_goes_on_and_on#01"
	a, b := dbName(long), dbName(long)
	if a == b {
		t.Errorf("dbName gave %q twice", a)
	}
	for _, n := range []string{a, b, dbName("")} {
		if len(n) > 63 || !strings.HasPrefix(n, "warden_") || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
			t.Errorf("dbName = %q: want warden_ prefix, [a-z0-9_] and at most 63 bytes", n)
		}
	}
	if !strings.HasPrefix(a, "warden_testsomething_with_a_very_long") {
		t.Errorf("dbName = %q, want the test's name in it", a)
	}
}
