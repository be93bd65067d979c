package apiserver

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/decisionlog"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// The decision log: what POST /v1/authorize answered about whom. Every decision about a
// vendor user is kept, members' as DecisionLogConfig.Members says. authorize only queues
// the decision (decisionlog: never waiting, counting what a full queue drops); one writer
// per server commits them in batches, and Close writes what is still queued, after the
// HTTP server has drained. GET /v1/authorization-decisions lists them newest first.

// DecisionLogConfig configures the decision log.
type DecisionLogConfig struct {
	// Members says which member users' decisions are kept (off, sample:<rate>, all);
	// the zero value is off. Vendor users' decisions are always kept.
	Members decisionlog.Members
	// Queue is how many decisions may wait for the writer; 0 is decisionlog.DefaultQueue.
	Queue int
	// Interval is how long the writer gathers a batch; 0 is decisionlog.DefaultInterval.
	Interval time.Duration
	// Retention is how long decisions are kept; 0 is decisionlog.DefaultRetention.
	Retention time.Duration
}

func (c DecisionLogConfig) withDefaults() DecisionLogConfig {
	if c.Retention <= 0 {
		c.Retention = decisionlog.DefaultRetention
	}
	return c
}

// DecisionLogStats are the decision log's counters since the server started.
type DecisionLogStats = decisionlog.Stats

// DecisionLogStats returns the decision log's counters: queued now, written, dropped (the
// queue was full) and failed (a batch the database refused).
func (s *Server) DecisionLogStats() DecisionLogStats { return s.decisions.Stats() }

// FlushDecisions returns once every decision queued before the call is written: for tests
// and tools that read the log right after deciding. The server never needs it (Close
// flushes).
func (s *Server) FlushDecisions(ctx context.Context) error { return s.decisions.Flush(ctx) }

func (s *Server) startDecisionLog() {
	s.decisions = decisionlog.Start(decisionlog.Config{Write: s.writeDecisions, Queue: s.decisionCfg.Queue,
		Interval: s.decisionCfg.Interval, Logger: s.log})
}

// decisionChunk is how many decisions one INSERT of the writer carries. After each, the
// writer rests half as long as the statement took, so that a batch's SQLite work (about
// 20 µs of CPU a decision) is spread over its transaction instead of taking a core for
// milliseconds at a time: in one burst it showed in authorize's p99 (make bench-api, about
// 0.6 ms of it on two cores). The writer keeps two thirds of its speed, far more than the
// queue needs.
const decisionChunk = 16

// writeDecisions commits one batch, naming each decision on the way: ids are made here, off
// the request path.
func (s *Server) writeDecisions(ctx context.Context, batch []api.AuthorizationDecision) error {
	for i := range batch {
		if batch[i].ID == "" {
			batch[i].ID = newTimeID("dec", batch[i].At)
		}
	}
	return s.store.Update(ctx, func(tx Tx) error {
		for rest := batch; len(rest) > 0; {
			n := min(len(rest), decisionChunk)
			start := time.Now()
			if err := tx.InsertDecisions(rest[:n]); err != nil {
				return err
			}
			if rest = rest[n:]; len(rest) > 0 {
				time.Sleep(time.Since(start) / 2)
			}
		}
		return nil
	})
}

// recordDecision queues one authorize answer when the log keeps it: every vendor user's, a
// member's as configured. It never waits.
func (s *Server) recordDecision(ctx context.Context, askedBy string, req api.AuthorizeRequest, d access.Decision, at time.Time) {
	rate := 1.0
	if d.Kind != access.KindVendor {
		m := s.decisionCfg.Members
		if !m.Keep() {
			return
		}
		rate = m.Rate()
	}
	rec := api.AuthorizationDecision{At: at, PrincipalID: req.PrincipalID, PrincipalKind: string(d.Kind), EnvironmentID: req.EnvironmentID,
		Action: req.Action, Resource: req.Resource, Allowed: d.Allowed, Reason: d.Reason, AskedBy: askedBy, SampleRate: rate}
	if d.Allowed {
		v := apiVia(d.Via)
		rec.Via = &v
	}
	if ri := requestInfoFrom(ctx); ri != nil {
		rec.RequestID = ri.id
	}
	s.decisions.Record(rec)
}

// pruneDecisions deletes the decisions older than the retention.
func (s *Server) pruneDecisions(ctx context.Context) (int64, error) {
	var n int64
	err := s.store.Update(ctx, func(tx Tx) error {
		var err error
		n, err = tx.PruneDecisions(s.now().Add(-s.decisionCfg.Retention))
		return err
	})
	return n, err
}

type decisionsInput struct {
	PageParams
	PrincipalID     string    `query:"principal_id" doc:"Only decisions about this user."`
	EnvironmentID   string    `query:"environment_id" doc:"Only decisions in this environment."`
	AccessRequestID string    `query:"access_request_id" doc:"Only decisions allowed through this approved access request."`
	Allowed         string    `query:"allowed" enum:"true,false" doc:"Only allowed (true) or only denied (false) decisions."`
	Since           time.Time `query:"since" doc:"Only decisions made at or after this instant (RFC 3339)."`
	Until           time.Time `query:"until" doc:"Only decisions made at or before this instant (RFC 3339)."`
	// since and until are set when the parameter was sent: the zero instant is a bound too.
	since, until *time.Time
}

// decisionBounds are the decision log's filters: each one sent is honoured exactly or refused.
var decisionBounds = []string{"principal_id", "environment_id", "access_request_id", "allowed", "since", "until"}

// decisionParams are every parameter the decision log takes.
var decisionParams = append(slices.Clone(decisionBounds), "limit", "cursor")

// Resolve refuses what would otherwise widen the list unseen, as the audit log does (auditInput).
func (in *decisionsInput) Resolve(ctx huma.Context) []error {
	u := ctx.URL()
	q := u.Query()
	if err := checkFilters(q, decisionParams, decisionBounds, "the decision log", "decisions"); err != nil {
		return []error{err}
	}
	if _, ok := q["since"]; ok {
		in.since = &in.Since
	}
	if _, ok := q["until"]; ok {
		in.until = &in.Until
	}
	return nil
}

func (s *Server) registerDecisions(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodGet, "/v1/authorization-decisions", "list-authorization-decisions",
		"The decision log: POST /v1/authorize's answers about vendor users (and sampled members), newest first", http.StatusOK), s.listDecisions)
}

func (s *Server) listDecisions(ctx context.Context, in *decisionsInput) (*listOutput[api.AuthorizationDecision], error) {
	p, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	f := store.DecisionFilter{PrincipalID: in.PrincipalID, EnvironmentID: in.EnvironmentID, AccessRequestID: in.AccessRequestID,
		Since: in.since, Until: in.until}
	if in.Allowed != "" {
		allowed := in.Allowed == "true"
		f.Allowed = &allowed
	}
	if sc := access.DecisionReads(p); !sc.All {
		r := &store.DecisionReadable{Self: sc.Self}
		for _, k := range sc.Kinds {
			r.Kinds = append(r.Kinds, string(k))
		}
		f.Readable = r
	}
	return listPage(ctx, s, objectDecision, func(tx Tx) ([]api.AuthorizationDecision, string, error) {
		return tx.Decisions(f, in.page())
	})
}
