package apiserver

import (
	"context"
	"time"
)

// DefaultIdempotencyTTL is how long an Idempotency-Key is remembered when
// Config.IdempotencyTTL is 0: longer than any client's retry schedule, short enough that
// the table does not grow with every change ever made.
const DefaultIdempotencyTTL = 24 * time.Hour

// maxPruneInterval bounds how long expired records may linger between two prunes.
const maxPruneInterval = 10 * time.Minute

// idempotencyCutoff is the creation instant before which a record has expired, on the
// server's clock.
func (s *Server) idempotencyCutoff() time.Time {
	return s.now().Add(-s.idemTTL)
}

// pruneIdempotency deletes the expired idempotency records. Lookups already ignore them;
// this only reclaims their space.
func (s *Server) pruneIdempotency(ctx context.Context) (int64, error) {
	var n int64
	err := s.store.Update(ctx, func(tx Tx) error {
		var err error
		n, err = tx.PruneIdempotency(s.idempotencyCutoff())
		return err
	})
	return n, err
}

// startPruner prunes once now and then every quarter TTL (at most every maxPruneInterval)
// until stopPruner. The ticker runs on the wall clock; what counts as expired follows
// Config.Now.
func (s *Server) startPruner(ctx context.Context) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	s.stopPruner = func() {
		cancel()
		<-done
	}
	interval := max(min(s.idemTTL/4, maxPruneInterval), time.Second)
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			n, err := s.pruneIdempotency(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				s.log.Error("pruning idempotency records", "error", err)
			case n > 0:
				s.log.Info("pruned expired idempotency records", "deleted", n)
			}
			n, err = s.pruneAlerts(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				s.log.Error("pruning alerts", "error", err)
			case n > 0:
				s.log.Info("pruned alerts past their retention", "deleted", n)
			}
			n, err = s.pruneDecisions(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				s.log.Error("pruning authorization decisions", "error", err)
			case n > 0:
				s.log.Info("pruned authorization decisions past their retention", "deleted", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}
