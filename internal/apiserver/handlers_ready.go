package apiserver

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// readyTimeout bounds the readiness probe's database read: a load balancer's probe must get
// an answer well within its own timeout, and a database that takes longer is not ready.
const readyTimeout = 2 * time.Second

const codeNotReady = "not_ready"

type readyOutput struct {
	Body struct {
		Status   string        `json:"status" doc:"ready when the database answers and its migrations have run."`
		Alerting readyAlerting `json:"alerting" doc:"What alert delivery can do and how far behind it is; informational: it does not make the server unready."`
		// This server's own counters: each replica has its queue.
		DecisionLog readyDecisionLog `json:"decision_log" doc:"This server's decision log: what it keeps and whether it keeps up; informational: it does not make the server unready."`
	}
}

type readyDecisionLog struct {
	Members string `json:"members" doc:"Which member users' decisions are kept: off, sample:<rate> or all (-decision-log-members); vendor users' always are."`
	Queued  int    `json:"queued" doc:"Decisions waiting for the writer now."`
	Dropped uint64 `json:"dropped" doc:"Decisions dropped since the server started because the queue was full (authorize never waits for the log); raise -decision-log-queue or look at the database when this grows."`
	Failed  uint64 `json:"failed" doc:"Decisions lost since the server started because the database refused their batch (see the server log)."`
}

type readyAlerting struct {
	VendorDelivery string     `json:"vendor_delivery" enum:"configured,not_configured" doc:"not_configured: no -vendor-alert-url, so alerts routed to the vendor are recorded as undeliverable."`
	EmailDelivery  string     `json:"email_delivery" enum:"configured,not_configured" doc:"not_configured: no -smtp-url, so e-mail deliveries are recorded as undeliverable."`
	Pending        int        `json:"pending_deliveries" doc:"Deliveries waiting for an attempt, across every replica."`
	OldestPending  *time.Time `json:"oldest_pending_at,omitempty" doc:"When the oldest of them was made."`
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
	var outbox store.OutboxStats
	err := s.store.View(ctx, func(tx Tx) error {
		if _, err := tx.Generation(); err != nil {
			return err
		}
		var err error
		outbox, err = tx.Outbox()
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
	email := "configured"
	if s.alerting.SMTPURL == "" {
		email = "not_configured"
	}
	out.Body.Alerting = readyAlerting{VendorDelivery: s.vendorDelivery(), EmailDelivery: email, Pending: outbox.Pending, OldestPending: outbox.OldestPending}
	st := s.DecisionLogStats()
	out.Body.DecisionLog = readyDecisionLog{Members: s.decisionCfg.Members.String(), Queued: st.Queued, Dropped: st.Dropped, Failed: st.Failed}
	return out, nil
}
