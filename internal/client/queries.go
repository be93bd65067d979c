package client

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// auditPageSize bounds the page size asked for when a small Limit is given; larger limits
// are reached by following cursors rather than by asking for one huge page.
const auditPageSize = 100

// AuditFilter selects audit events; zero fields do not filter.
type AuditFilter struct {
	ActorID       string
	EnvironmentID string
	ObjectID      string
	Since, Until  time.Time
	// Limit caps how many events are returned (0 = all of them, across every page).
	Limit int
}

// Authorize asks whether a principal may perform an action in an environment, and which
// grant allows it.
func (c *Client) Authorize(ctx context.Context, body api.AuthorizeRequest) (*api.AuthorizeResponse, error) {
	return call[api.AuthorizeResponse](ctx, c, request{method: http.MethodPost, path: "/v1/authorize", body: body})
}

// WhoCan lists every user who may do action (a matrix action or a tier capability) in an
// environment, each with every grant, role, group or vendor tier that allows it.
func (c *Client) WhoCan(ctx context.Context, envID, action string) (*api.WhoCan, error) {
	return call[api.WhoCan](ctx, c, request{method: http.MethodGet, path: "/v1/environments/%s/principals", args: []string{envID},
		query: values("action", action)})
}

// PreviewAccess answers what the changes, made in order, would give or take from whom, per
// environment and user, without making them.
func (c *Client) PreviewAccess(ctx context.Context, changes []api.AccessChange) (*api.AccessPreview, error) {
	return call[api.AccessPreview](ctx, c, request{method: http.MethodPost, path: "/v1/access-preview", body: api.AccessPreviewRequest{Changes: changes}})
}

// PermissionMatrix returns the server's permission matrix and its version.
func (c *Client) PermissionMatrix(ctx context.Context) (*api.PermissionMatrix, error) {
	return call[api.PermissionMatrix](ctx, c, request{method: http.MethodGet, path: "/v1/permission-matrix"})
}

// ListAuditEvents returns the audit events matching f, across pages.
func (c *Client) ListAuditEvents(ctx context.Context, f AuditFilter) ([]api.AuditEvent, error) {
	q := values("actor_id", f.ActorID, "environment_id", f.EnvironmentID, "object_id", f.ObjectID,
		"since", formatTime(f.Since), "until", formatTime(f.Until))
	return listAll[api.AuditEvent](ctx, c, "/v1/audit-events", nil, q, min(f.Limit, auditPageSize), f.Limit)
}

// DecisionFilter selects authorization decisions; zero fields do not filter.
type DecisionFilter struct {
	PrincipalID     string
	EnvironmentID   string
	AccessRequestID string
	// Allowed, when non-nil, keeps only allowed (true) or only denied (false) decisions.
	Allowed      *bool
	Since, Until time.Time
	// Limit caps how many decisions are returned (0 = all of them, across every page).
	Limit int
}

// ListAuthorizationDecisions returns the decision log's entries matching f, newest first,
// across pages: those the token may read (audit.read every one, cluster.admin every vendor
// user's, anyone its own).
func (c *Client) ListAuthorizationDecisions(ctx context.Context, f DecisionFilter) ([]api.AuthorizationDecision, error) {
	allowed := ""
	if f.Allowed != nil {
		allowed = strconv.FormatBool(*f.Allowed)
	}
	q := values("principal_id", f.PrincipalID, "environment_id", f.EnvironmentID, "access_request_id", f.AccessRequestID,
		"allowed", allowed, "since", formatTime(f.Since), "until", formatTime(f.Until))
	return listAll[api.AuthorizationDecision](ctx, c, "/v1/authorization-decisions", nil, q, min(f.Limit, auditPageSize), f.Limit)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
