package apiserver

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Routes about the API itself: health (readiness is handlers_ready.go), the permission matrix,
// and the audit log.

type healthOutput struct {
	Body struct {
		Status string `json:"status" doc:"ok when the server is up."`
	}
}

type matrixOutput struct {
	Body api.PermissionMatrix
}

type auditInput struct {
	PageParams
	ActorID       string    `query:"actor_id" doc:"Only events by this principal."`
	EnvironmentID string    `query:"environment_id" doc:"Only events concerning this environment."`
	ObjectID      string    `query:"object_id" doc:"Only events about this object."`
	Since         time.Time `query:"since" doc:"Only events at or after this instant (RFC 3339)."`
	Until         time.Time `query:"until" doc:"Only events at or before this instant (RFC 3339)."`
	// since and until are set when the parameter was sent: the zero instant is a bound too.
	since, until *time.Time
}

// auditBounds are the audit log's filters: each one sent is honoured exactly or refused.
var auditBounds = []string{"actor_id", "environment_id", "object_id", "since", "until"}

// auditParams are every query parameter the audit log reads: its filters and paging.
var auditParams = append(slices.Clone(auditBounds), "limit", "cursor")

// Resolve refuses a bound that would otherwise be read as no bound at all: one this route
// does not have (action=grant.update would answer with every event), one sent empty (huma
// treats it as absent) or sent twice (huma takes the first); and it records which instants
// were sent, so that 0001-01-01T00:00:00Z filters like any other instant.
func (in *auditInput) Resolve(ctx huma.Context) []error {
	u := ctx.URL()
	q := u.Query()
	if err := checkFilters(q, auditParams, auditBounds, "the audit log", "events"); err != nil {
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

// checkFilters refuses a query that would widen a filtered list unseen: a parameter that is
// none of params, or a bound (one of bounds) given twice or empty. list names the list ("the
// audit log"), items what its cursor pages through ("events").
func checkFilters(q url.Values, params, bounds []string, list, items string) error {
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if slices.Contains(params, name) {
			continue
		}
		detail := fmt.Sprintf("%q is not a filter of %s; filter with %s (limit and cursor page through the %s).",
			name, list, access.OrList(bounds), items)
		if s := access.Suggest(name, params); s != "" {
			detail += " " + s
		}
		return invalid(codeInvalidField, name, detail)
	}
	for _, name := range bounds {
		vs, sent := q[name]
		switch {
		case !sent:
		case len(vs) > 1:
			return invalid(codeInvalidField, name, fmt.Sprintf("%s is given %d times; give it once, or leave it out for no bound.", name, len(vs)))
		case vs[0] == "":
			return invalid(codeInvalidField, name, fmt.Sprintf("%s is empty; give a value, or leave the parameter out for no bound.", name))
		}
	}
	return nil
}

func (s *Server) registerMeta(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodGet, "/v1/health", "health", "Health check", http.StatusOK), s.health)
	s.registerReady(hapi)

	huma.Register(hapi, operation(http.MethodGet, "/v1/permission-matrix", "get-permission-matrix", "The permissions matrix, platform catalogue and tiers, with their version", http.StatusOK), s.getPermissionMatrix)
	huma.Register(hapi, operation(http.MethodGet, "/v1/audit-events", "list-audit-events", "The audit log, oldest first", http.StatusOK), s.listAuditEvents)
}

func (s *Server) health(context.Context, *struct{}) (*healthOutput, error) {
	out := &healthOutput{}
	out.Body.Status = "ok"
	return out, nil
}

func (s *Server) getPermissionMatrix(context.Context, *struct{}) (*matrixOutput, error) {
	return &matrixOutput{Body: permissionMatrix()}, nil
}

func (s *Server) listAuditEvents(ctx context.Context, in *auditInput) (*listOutput[api.AuditEvent], error) {
	f := AuditFilter{ActorID: in.ActorID, EnvironmentID: in.EnvironmentID, ObjectID: in.ObjectID, Since: in.since, Until: in.until}
	return listPage(ctx, s, objectAuditEvent, func(tx Tx) ([]api.AuditEvent, string, error) {
		return tx.AuditEvents(f, in.page())
	})
}

// permissionMatrix renders internal/access as the wire document; the server invents nothing.
func permissionMatrix() api.PermissionMatrix {
	m := api.PermissionMatrix{Version: access.MatrixVersion}
	for _, p := range access.Permissions() {
		m.Permissions = append(m.Permissions, api.NamedDescription{Name: string(p.Name), Description: p.Description})
	}
	for _, r := range access.Matrix() {
		perms, _ := access.PermissionsFor(r.Action)
		m.Actions = append(m.Actions, api.MatrixAction{Action: r.Action, Permissions: perms})
	}
	for _, p := range access.Catalogue() {
		m.PlatformPermissions = append(m.PlatformPermissions, api.NamedDescription{Name: string(p.Name), Description: p.Description})
	}
	for _, p := range access.PlatformPatterns {
		m.PlatformPermissions = append(m.PlatformPermissions, api.NamedDescription{Name: p.Name, Description: p.Description})
	}
	for _, t := range access.Tiers {
		tc := api.TierCapabilities{Tier: string(t), Capabilities: access.Capabilities(string(t), false)}
		if access.PortForwardingAllowed(string(t)) {
			tc.PortForward = access.CapabilityPortForward
		}
		m.Tiers = append(m.Tiers, tc)
	}
	return m
}
