package apiserver

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
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
			if err := s.reloadFrom(tx); err != nil {
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

// refused audits an engine refusal and answers it as a problem (a 401 with its challenge).
func (s *Server) refused(ctx context.Context, d *access.Denial) error {
	s.auditRefusal(ctx, d)
	prob := denialProblem(d)
	if d.Kind == access.Unauthenticated {
		return huma.ErrorWithHeaders(prob, http.Header{"WWW-Authenticate": {`Bearer realm="warden"`}})
	}
	return prob
}

// reloadFrom replaces the snapshot with the store's, read in tx. The caller holds wmu.
func (s *Server) reloadFrom(tx Tx) error {
	pol, gen, err := loadPolicy(tx)
	if err != nil {
		return err
	}
	s.state.mu.Lock()
	s.state.pol, s.state.gen, s.state.stale = pol, gen, false
	s.state.mu.Unlock()
	return nil
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
		return s.reloadFrom(tx)
	})
}

// generationBarrier answers "what is the store's policy generation now?" with a read that
// started after the question was asked — what exactness across replicas needs — while
// sharing each read among every request waiting when it starts. maxInFlight bounds the
// overlapping reads; measured with make bench-api on PostgreSQL, one (the widest sharing)
// beat four at 8 and at 32 connections: the reads' own CPU, not their latency, is the cost.
type generationBarrier struct {
	read     func(context.Context) (int64, error)
	mu       sync.Mutex
	next     *barrierRound // the round new waiters join; nil when none is forming
	inFlight int
}

const maxInFlight = 1

type barrierRound struct {
	done chan struct{}
	gen  int64
	err  error
}

func (b *generationBarrier) wait(ctx context.Context) (int64, error) {
	b.mu.Lock()
	if b.next == nil {
		b.next = &barrierRound{done: make(chan struct{})}
	}
	r := b.next
	if b.inFlight < maxInFlight {
		b.inFlight++
		b.next = nil
		go b.serve(r)
	}
	b.mu.Unlock()
	select {
	case <-r.done:
		return r.gen, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// serve reads for round r, then for whichever round formed meanwhile, until none did. A
// round's read starts after the round was taken, and every waiter joined it before that, so
// each waiter's answer is no older than its arrival.
func (b *generationBarrier) serve(r *barrierRound) {
	for r != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		r.gen, r.err = b.read(ctx)
		cancel()
		close(r.done)
		b.mu.Lock()
		r, b.next = b.next, nil
		if r == nil {
			b.inFlight--
		}
		b.mu.Unlock()
	}
}

// auditRefusal records a refused change: who asked, for what, and why it was refused. It runs
// in a transaction of its own, after the refused change rolled back, so the log never misses
// an attempt and the attempt changes nothing else.
func (s *Server) auditRefusal(ctx context.Context, d *access.Denial) {
	ctx = context.WithoutCancel(ctx)
	actorID := ""
	if p := principalFrom(ctx); p != nil {
		actorID = p.User.ID
	}
	attempt := map[string]string{"code": d.Code, "reason": d.Message}
	reqID := ""
	if ri := requestInfoFrom(ctx); ri != nil {
		attempt["method"], attempt["path"], reqID = ri.method, ri.path, ri.id
	}
	// The request is the object: named by the server's own id, never by the caller's
	// X-Request-Id (which the event carries apart, as client_request_id).
	err := s.store.Update(ctx, func(tx Tx) error {
		return s.audit(&requestTx{Tx: tx, req: requestInfoFrom(ctx)}, actorID, "request.denied", "request", reqID, "", nil, attempt)
	})
	if err != nil {
		s.log.ErrorContext(ctx, "audit of a refused request failed", "error", err, "request_id", reqID)
	}
}
