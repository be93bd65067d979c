package store

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
)

// LockSQLite takes an exclusive lock on a file beside the SQLite database db, so that a
// second server (or recover-owner) cannot write to it behind this one's in-memory policy
// snapshot: replicas share a database only as a shared store, which checks the generation
// instead. The returned func releases it (once; later calls return the same result).
func LockSQLite(db string) (func() error, error) {
	path := strings.TrimPrefix(db, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" || path == ":memory:" {
		return func() error { return nil }, nil
	}
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("the database %s is in use by another warden-server (lock %s.lock held); stop it first, "+
				"or run replicas on PostgreSQL", path, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	var once sync.Once
	var err2 error
	return func() error {
		once.Do(func() { err2 = errors.Join(syscall.Flock(int(f.Fd()), syscall.LOCK_UN), f.Close()) })
		return err2
	}, nil
}
