package apiserver

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

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
}

func (s *Server) registerMeta(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodGet, "/v1/health", "health", "Health check", http.StatusOK),
		func(context.Context, *struct{}) (*healthOutput, error) {
			out := &healthOutput{}
			out.Body.Status = "ok"
			return out, nil
		})
	s.registerReady(hapi)

	huma.Register(hapi, operation(http.MethodGet, "/v1/permission-matrix", "get-permission-matrix",
		"The permissions matrix, platform catalogue and tiers, with their version", http.StatusOK),
		func(context.Context, *struct{}) (*matrixOutput, error) {
			return &matrixOutput{Body: permissionMatrix()}, nil
		})

	huma.Register(hapi, operation(http.MethodGet, "/v1/audit-events", "list-audit-events",
		"The audit log, oldest first", http.StatusOK),
		func(ctx context.Context, in *auditInput) (*listOutput[api.AuditEvent], error) {
			var items []api.AuditEvent
			var next string
			err := s.store.View(ctx, func(tx Tx) error {
				var err error
				items, next, err = tx.AuditEvents(AuditFilter{ActorID: in.ActorID, EnvironmentID: in.EnvironmentID,
					ObjectID: in.ObjectID, Since: in.Since, Until: in.Until}, in.page())
				return err
			})
			if err == nil {
				err = s.stillAllowed(ctx)
			}
			if err != nil {
				return nil, storeErr(err, "audit event", "")
			}
			return listOf(items, next), nil
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
		m.PlatformPermissions = append(m.PlatformPermissions, api.NamedDescription{Name: p.Name, Description: p.Description})
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
