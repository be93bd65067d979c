package apiserver

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/metrics"
)

// The server keeps the engine's policy snapshot (access.Policy) in memory, so that
// authentication and authorization cost no database read. It stays exact this way:
//
//   - every write goes through s.update, which holds s.wmu (one writer at a time), brings the
//     snapshot up to the store's policy generation at the start of the transaction (another
//     process may have written); the store records every policy write the handler makes and
//     bumps the generation (store.UpdatePolicy), and after the commit s.update applies the
//     recorded writes to the snapshot before the response leaves: a change is in the
//     snapshot before anyone hears of it;
//   - in a shared store (several replicas on one database: Config.SharedStore), a read first
//     learns the store's current generation through a read barrier started after the request
//     arrived, and reloads when it moved, so a revoke answered by one replica is denied by
//     every replica from then on. Alone on its store (the SQLite default, guarded by a lock
//     file), the server is the only writer and its snapshot is always current.

// policyState is the snapshot with the generation it reflects.
type policyState struct {
	mu  sync.RWMutex // readers decide under RLock; the writer applies under Lock
	wmu sync.Mutex   // one writer at a time (s.update, reloads)
	pol *access.Policy
	gen int64
	// stale is set when a commit's outcome is unknown: the next read reloads.
	stale bool
}

// update runs fn as one write transaction and mirrors its writes into the snapshot. It is
// the only way the server writes. Inside fn, s.pol() is the snapshot as of the transaction's
// start, current with the store: decisions made there see exactly what the transaction sees.
// Before fn runs, the request's own authentication and route check are taken again at that
// generation (recheck): a write whose actor lost its token or its right while the request
// was in flight commits nothing. A refusal by the engine (*access.Denial) is audited in a
// transaction of its own, since the change's own rolls back, and answered as a problem.
func (s *Server) update(ctx context.Context, fn func(Tx) error) error {
	s.state.wmu.Lock()
	defer s.state.wmu.Unlock()
	auth := authFrom(ctx)
	c, err := s.store.UpdatePolicy(ctx, func(tx Tx) error {
		cur, err := tx.Generation()
		if err != nil {
			return err
		}
		if cur != s.state.gen || s.state.stale {
			if err := s.reloadFrom(tx, s.reloadReason()); err != nil {
				return err
			}
		}
		if d := s.recheck(s.state.pol, cur, auth); d != nil {
			return d
		}
		return fn(&requestTx{Tx: tx, req: requestInfoFrom(ctx)})
	})
	var d *access.Denial
	if errors.As(err, &d) {
		return s.refused(ctx, d)
	}
	if err != nil {
		if c.Changed() {
			s.state.mu.Lock()
			s.state.stale = true // the commit may have happened
			s.state.mu.Unlock()
		}
		return err
	}
	s.state.mu.Lock()
	c.Apply(s.state.pol)
	s.state.gen = c.Gen
	s.state.mu.Unlock()
	return nil
}

// reloadFrom replaces the snapshot with the store's, read in tx, for reason (a
// metrics.Reload… value). The caller holds wmu.
func (s *Server) reloadFrom(tx Tx, reason string) error {
	start := time.Now()
	pol, gen, err := loadPolicy(tx)
	if err != nil {
		return err
	}
	s.state.mu.Lock()
	s.state.pol, s.state.gen, s.state.stale = pol, gen, false
	s.state.mu.Unlock()
	s.metrics.PolicyReloaded(reason, time.Since(start))
	return nil
}

// reloadReason says why a snapshot behind the store is reloaded: a commit whose outcome was
// unknown, or another replica's change. The caller holds wmu.
func (s *Server) reloadReason() string {
	if s.state.stale {
		return metrics.ReloadStale
	}
	return metrics.ReloadGeneration
}

// generation is the snapshot's generation, for metrics.
func (s *Server) generation() int64 {
	s.state.mu.RLock()
	defer s.state.mu.RUnlock()
	return s.state.gen
}

// pol is the snapshot for a decision inside s.update (the writer holds wmu, so nothing
// changes it underneath).
func (s *Server) pol() *access.Policy { return s.state.pol }

// read runs fn with a current snapshot under the read lock, after taking the request's
// authentication and route check again on that snapshot when it moved on since they were
// taken (recheck): an answer given after a revoke was answered is refused, whenever the
// request's body arrived.
func (s *Server) read(ctx context.Context, fn func(*access.Policy) error) error {
	if err := s.ensureCurrent(ctx); err != nil {
		return err
	}
	d, err := s.readLocked(authFrom(ctx), fn)
	if d != nil {
		return s.refused(ctx, d)
	}
	return err
}

func (s *Server) readLocked(auth *authState, fn func(*access.Policy) error) (*access.Denial, error) {
	s.state.mu.RLock()
	defer s.state.mu.RUnlock()
	if d := s.recheck(s.state.pol, s.state.gen, auth); d != nil {
		return d, nil
	}
	return nil, fn(s.state.pol)
}

// stillAllowed takes the request's decision again once a read has gathered its answer from
// the store, so that the answer is given only if the caller may still have it.
func (s *Server) stillAllowed(ctx context.Context) error {
	return s.read(ctx, func(*access.Policy) error { return nil })
}

// ensureCurrent brings the snapshot up to the store's generation when other writers may
// exist (a shared store) or a commit's outcome was unknown.
func (s *Server) ensureCurrent(ctx context.Context) error {
	s.state.mu.RLock()
	stale, gen := s.state.stale, s.state.gen
	s.state.mu.RUnlock()
	if !s.shared && !stale {
		return nil
	}
	if s.shared && !stale {
		cur, err := s.barrier.wait(ctx)
		if err != nil {
			return err
		}
		if cur == gen {
			return nil
		}
	}
	s.state.wmu.Lock()
	defer s.state.wmu.Unlock()
	return s.store.View(ctx, func(tx Tx) error {
		cur, err := tx.Generation()
		if err != nil || (cur == s.state.gen && !s.state.stale) {
			return err
		}
		return s.reloadFrom(tx, s.reloadReason())
	})
}

// view runs fn in a read transaction and returns what it produced, once the caller's right
// to it has been taken again after the read (stillAllowed).
func view[T any](ctx context.Context, s *Server, fn func(tx Tx) (T, error)) (T, error) {
	var out T
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	if err == nil {
		err = s.stillAllowed(ctx)
	}
	return out, err
}
