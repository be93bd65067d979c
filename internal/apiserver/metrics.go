package apiserver

import (
	"context"
	"database/sql"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/wardenhq/terraform-provider-warden/internal/metrics"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// Prometheus metrics (internal/metrics): GET /metrics on the API listener, authenticated like
// every route (cluster.read, access.Routes), and MetricsHandler for a listener of the
// operator's own (-metrics-listen), where it needs no token.

// newMetrics builds the server's metrics, reading the snapshot's generation, the outbox and
// the database pools at scrape time.
func (s *Server) newMetrics(version string, pools map[string]*sql.DB) *metrics.Metrics {
	return metrics.New(metrics.Options{
		Version:    version,
		Generation: s.generation,
		Outbox: func(ctx context.Context) (store.OutboxStats, error) {
			var o store.OutboxStats
			err := s.store.View(ctx, func(tx Tx) error {
				var err error
				o, err = tx.Outbox()
				return err
			})
			return o, err
		},
		Now:    s.now,
		Pools:  pools,
		Logger: s.log,
		DecisionLog: func() metrics.DecisionLogStats {
			if s.decisions == nil {
				return metrics.DecisionLogStats{}
			}
			d := s.decisions.Stats()
			return metrics.DecisionLogStats{Queued: d.Queued, Written: d.Written, Dropped: d.Dropped, Failed: d.Failed}
		},
	})
}

// MetricsHandler serves GET /metrics without authentication, for a listener only the
// operator's scrapers reach (-metrics-listen); everything else there is 404.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	return mux
}

// registerMetrics adds GET /metrics to the API: the same metrics, to a token holding
// cluster.read.
func (s *Server) registerMetrics(hapi huma.API) {
	op := operation(http.MethodGet, "/metrics", "get-metrics",
		"Prometheus metrics: requests, authorize decisions, the policy snapshot, alert delivery and the outbox, database pools, the Go runtime", http.StatusOK)
	op.Responses = map[string]*huma.Response{"200": {
		Description: "The metrics in the Prometheus text exposition format (OpenMetrics when the scraper asks for it).",
		Content:     map[string]*huma.MediaType{"text/plain; version=0.0.4; charset=utf-8": {Schema: &huma.Schema{Type: huma.TypeString}}},
	}}
	h := s.metrics.Handler()
	huma.Register(hapi, op, func(ctx context.Context, _ *struct{}) (*huma.StreamResponse, error) {
		// As every read, answered only if the caller may still have it.
		if err := s.stillAllowed(ctx); err != nil {
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			r, w := humago.Unwrap(hctx)
			h.ServeHTTP(w, r)
		}}, nil
	})
}

// withRoute is huma middleware that names the request's route (its template, from the
// operation) for the request metrics, before anything can refuse the request.
func (s *Server) withRoute(ctx huma.Context, next func(huma.Context)) {
	if ri := requestInfoFrom(ctx.Context()); ri != nil {
		ri.route = ctx.Operation().Path
	}
	next(ctx)
}
