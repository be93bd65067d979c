package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmtCache keeps one pool's statements prepared, by query text: SQLite's driver parses and
// plans a statement anew on every call otherwise, which took a sixth of the server's CPU
// under alert ingestion. A statement is prepared after the transaction that first ran it
// (unprepared) has ended: the write pool's only connection is held by that transaction, so
// preparing inside it would wait for itself. database/sql then binds the statement to each
// transaction's connection, preparing it there the first time.
type stmtCache struct {
	mu      sync.RWMutex
	stmts   map[string]*sql.Stmt
	pending map[string]bool
	closed  bool
}

// maxStmts bounds the statements kept: queries made for a filter or an IN list of some
// length differ in their text, and beyond the bound run unprepared.
const maxStmts = 512

func newStmtCache() *stmtCache {
	return &stmtCache{stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

func (c *stmtCache) get(q string) (*sql.Stmt, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	st, ok := c.stmts[q]
	return st, ok
}

// prepareLater prepares the queries of qs not held yet on db, in the background: the caller
// has just ended its transaction and returns at once.
func (c *stmtCache) prepareLater(db *sql.DB, qs []string) {
	if c == nil || len(qs) == 0 {
		return
	}
	c.mu.Lock()
	var todo []string
	for _, q := range qs {
		if _, ok := c.stmts[q]; ok || c.pending[q] || c.closed || len(c.stmts)+len(c.pending) >= maxStmts {
			continue
		}
		c.pending[q] = true
		todo = append(todo, q)
	}
	c.mu.Unlock()
	if len(todo) == 0 {
		return
	}
	go func() {
		for _, q := range todo {
			// A statement that fails to prepare (the pool is closing) runs unprepared.
			st, err := db.PrepareContext(context.Background(), q)
			c.mu.Lock()
			delete(c.pending, q)
			if err == nil && !c.closed {
				c.stmts[q], st = st, nil
			}
			c.mu.Unlock()
			if st != nil {
				_ = st.Close()
			}
		}
	}()
}

// close closes the statements held; none is prepared after.
func (c *stmtCache) close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	var errs []error
	for q, st := range c.stmts {
		errs = append(errs, st.Close())
		delete(c.stmts, q)
	}
	return errors.Join(errs...)
}
