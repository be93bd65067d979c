package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Commits leave the WAL to the background checkpointer: what a write transaction added
// reaches the database file without the writer checkpointing (its own threshold,
// walBackstopPages, is far beyond this test's writes), and Close stops the checkpointer.
func TestSQLiteBackgroundCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "warden.db")
	s, err := OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	var pages int
	if err := s.write.QueryRowContext(t.Context(), `PRAGMA wal_autocheckpoint`).Scan(&pages); err != nil || pages != walBackstopPages {
		t.Fatalf("the writer checkpoints at %d pages (%v), want %d", pages, err, walBackstopPages)
	}
	before := fileSize(t, path)
	if _, err := s.write.ExecContext(t.Context(), `CREATE TABLE filler (v TEXT)`); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if _, err := s.write.ExecContext(t.Context(), `INSERT INTO filler VALUES (?)`, strings.Repeat("x", 8000)); err != nil {
			t.Fatal(err)
		}
	}
	// Polled, with a deadline far beyond the checkpointer's interval.
	deadline := time.Now().Add(time.Minute)
	for fileSize(t, path) <= before {
		if time.Now().After(deadline) {
			t.Fatalf("the database file is still %d bytes a minute after the writes: nothing checkpointed", before)
		}
		time.Sleep(checkpointEvery / 2)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.stopCheckpoints != nil {
		t.Error("Close left the checkpointer running")
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
