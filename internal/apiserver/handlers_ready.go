package apiserver

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// readyTimeout bounds the readiness probe's database read: a load balancer's probe must get
// an answer well within its own timeout, and a database that takes longer is not ready.
const readyTimeout = 2 * time.Second

const codeNotReady = "not_ready"

type readyOutput struct {
	Body struct {
		Status string `json:"status" doc:"ready when the database answers and its migrations have run."`
	}
}

// registerReady adds GET /v1/ready. /v1/health says the process answers (liveness: restart
// it when this fails); /v1/ready says it can serve requests (readiness: send it traffic only
// when this passes), which needs the database.
func (s *Server) registerReady(hapi huma.API) {
	op := operation(http.MethodGet, "/v1/ready", "ready", "Readiness check: the database answers", http.StatusOK)
	op.Errors = append(op.Errors, http.StatusServiceUnavailable)
	huma.Register(hapi, op, s.ready)
}

func (s *Server) ready(ctx context.Context, _ *struct{}) (*readyOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	// The generation lives in policy_state, which exists only once the migrations have run:
	// one cheap read proves both the connection and the schema.
	err := s.store.View(ctx, func(tx Tx) error {
		_, err := tx.Generation()
		return err
	})
	if err != nil {
		s.log.Warn("not ready: the database did not answer", "error", err)
		return nil, newProblem(http.StatusServiceUnavailable, codeNotReady, "",
			"The server cannot read its database (unreachable, closed, or not migrated); see the server log. "+
				"Liveness is GET /v1/health.")
	}
	out := &readyOutput{}
	out.Body.Status = "ready"
	return out, nil
}
