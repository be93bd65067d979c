package apiserver

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/testclock"
)

// userEmails lists the users of a running test server.
func userEmails(ts *testServer) []string {
	var l api.List[api.User]
	ts.call("GET", "/v1/users?limit=1000", ownerToken, nil, 200, &l)
	var emails []string
	for _, u := range l.Items {
		emails = append(emails, u.Email)
	}
	slices.Sort(emails)
	return emails
}

func TestBackup_liveServer(t *testing.T) {
	db := filepath.Join(t.TempDir(), "warden.db")
	ts := newTestServer(t, func(c *Config) { c.DB = db })
	for _, e := range []string{"alice@example.com", "bob@example.com"} {
		ts.call("POST", "/v1/users", ownerToken, api.UserCreate{Email: e, Name: "x"}, 201, nil)
	}
	want := userEmails(ts)

	// While the server runs and holds its lock.
	to := filepath.Join(t.TempDir(), "backup.db")
	if err := Backup(t.Context(), db, to); err != nil {
		t.Fatalf("Backup of a live database: %v", err)
	}
	// The server keeps working, and what it writes next is not in the copy.
	ts.call("POST", "/v1/users", ownerToken, api.UserCreate{Email: "carol@example.com", Name: "x"}, 201, nil)

	// The copy is a complete Warden database: a server starts on it (no bootstrap token
	// needed, it is not empty) and holds exactly the users of the moment of the backup.
	restored := serve(t, Config{DB: to}, testclock.New(time.Time{}))
	if got := userEmails(restored); !slices.Equal(got, want) {
		t.Errorf("restored users %v, want %v", got, want)
	}

	if err := Backup(t.Context(), db, to); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("existing destination: %v", err)
	}
}

// After a clean stop the WAL is gone: a read-only open must still work.
func TestBackup_stoppedServer(t *testing.T) {
	db := filepath.Join(t.TempDir(), "warden.db")
	srv, err := New(context.Background(), Config{DB: db, BootstrapToken: ownerToken})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(t.TempDir(), "backup.db")
	if err := Backup(t.Context(), db, to); err != nil {
		t.Fatalf("Backup of a stopped database: %v", err)
	}
	if fi, err := os.Stat(to); err != nil || fi.Size() == 0 {
		t.Fatalf("backup file: %v", err)
	}
}

func TestBackup_refusals(t *testing.T) {
	dir := t.TempDir()
	notWarden := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notWarden, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct{ db, to, want string }{
		"missing database": {filepath.Join(dir, "nope.db"), filepath.Join(dir, "a.db"), "no Warden database"},
		"not a database":   {notWarden, filepath.Join(dir, "b.db"), "not a Warden database"},
		"postgres":         {"postgres://db.example.com/warden", filepath.Join(dir, "c.db"), "pg_dump"},
		"no destination":   {notWarden, "", "-to"},
	} {
		err := Backup(t.Context(), c.db, c.to)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", name, err, c.want)
		}
		if c.to != "" {
			if _, err := os.Stat(c.to); err == nil {
				t.Errorf("%s: left a file at %s", name, c.to)
			}
		}
	}
}
