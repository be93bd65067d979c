package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

type grantCreateInput struct {
	IdempotencyParam
	ID   string `path:"id" doc:"The environment id."`
	Body api.GrantCreate
}

func (in *grantCreateInput) Resolve(huma.Context) []error {
	return findingErrors(access.ValidateGrant(in.Body.Permissions, nil))
}

type grantListInput struct {
	PageParams
	ID string `path:"id" doc:"The environment id."`
}

// GrantParams name one grant: a role's in an environment. (Exported only because huma reads
// parameters from exported embedded structs.)
type GrantParams struct {
	ID     string `path:"id" doc:"The environment id."`
	RoleID string `path:"role_id" doc:"The role id."`
}

type grantIDInput struct {
	GrantParams
}

type grantUpdateInput struct {
	IfMatchParam
	IdempotencyParam
	GrantParams
	Body api.GrantUpdate
}

func (in *grantUpdateInput) Resolve(huma.Context) []error {
	return findingErrors(access.ValidateGrant(in.Body.Permissions, nil))
}

type grantDeleteInput struct {
	IfMatchParam
	IdempotencyParam
	GrantParams
}

// withActions fills the computed allowed_actions from internal/access.
func withActions(g api.Grant) api.Grant {
	g.AllowedActions = access.AllowedActions(g.Permissions)
	return g
}

func (s *Server) registerGrants(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodPost, "/v1/environments/{id}/grants", "create-grant", "Grant environment permissions to a role", http.StatusCreated), s.createGrant)
	huma.Register(hapi, operation(http.MethodGet, "/v1/environments/{id}/grants", "list-grants", "List an environment's grants", http.StatusOK), s.listGrants)
	huma.Register(hapi, operation(http.MethodGet, "/v1/environments/{id}/grants/{role_id}", "get-grant", "Read a role's grant in an environment", http.StatusOK), s.getGrant)
	huma.Register(hapi, operation(http.MethodPatch, "/v1/environments/{id}/grants/{role_id}", "update-grant", "Replace a grant's permissions in one transaction", http.StatusOK), s.updateGrant)
	huma.Register(hapi, operation(http.MethodDelete, "/v1/environments/{id}/grants/{role_id}", "delete-grant", "Revoke a role's grant in an environment", http.StatusNoContent), s.deleteGrant)
}

func (s *Server) createGrant(ctx context.Context, in *grantCreateInput) (*objectOutput[api.Grant], error) {
	return idempotent(ctx, s, in.IdempotencyKey, in.Body, http.StatusCreated, func(tx Tx, p *principal) (api.Grant, int64, error) {
		if _, err := tx.Environment(in.ID); err != nil {
			return api.Grant{}, 0, storeErr(err, objectEnvironment, in.ID)
		}
		if _, err := tx.Role(in.Body.RoleID); errors.Is(err, ErrNotFound) {
			return api.Grant{}, 0, invalid(codeInvalidField, "role_id", fmt.Sprintf("No role with id %q exists.", in.Body.RoleID))
		} else if err != nil {
			return api.Grant{}, 0, err
		}
		perms := sortedUnique(in.Body.Permissions)
		if d := s.pol().CanGrant(p, in.ID, perms); d != nil {
			return api.Grant{}, 0, d
		}
		g := withActions(api.Grant{Meta: newMeta("grt", s.now()), RoleID: in.Body.RoleID, EnvironmentID: in.ID, Permissions: perms})
		if err := tx.InsertGrant(g); err != nil {
			var ce *ConflictError
			if errors.As(err, &ce) {
				return g, 0, newProblem(http.StatusConflict, codeConflict, "role_id",
					"This role already has a grant in this environment.")
			}
			return g, 0, err
		}
		if err := s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectGrant, Verb: "create", ID: g.ID, Env: in.ID, After: g}); err != nil {
			return g, 0, err
		}
		g.Warnings = warnings(access.ValidateGrant(in.Body.Permissions, nil))
		return g, g.Version, nil
	})
}

func (s *Server) listGrants(ctx context.Context, in *grantListInput) (*listOutput[api.Grant], error) {
	out, err := listPage(ctx, s, objectGrant, func(tx Tx) ([]api.Grant, string, error) {
		if _, err := tx.Environment(in.ID); err != nil {
			return nil, "", storeErr(err, objectEnvironment, in.ID)
		}
		return tx.Grants(in.ID, in.page())
	})
	if err != nil {
		return nil, err
	}
	for i, g := range out.Body.Items {
		out.Body.Items[i] = withActions(g)
	}
	return out, nil
}

func (s *Server) getGrant(ctx context.Context, in *grantIDInput) (*objectOutput[api.Grant], error) {
	g, err := view(ctx, s, func(tx Tx) (api.Grant, error) { return tx.Grant(in.ID, in.RoleID) })
	if err != nil {
		return nil, storeErr(err, objectGrant, in.ID+"/"+in.RoleID)
	}
	return output(http.StatusOK, withActions(g), g.Version), nil
}

func (s *Server) updateGrant(ctx context.Context, in *grantUpdateInput) (*objectOutput[api.Grant], error) {
	// One transaction: an action allowed by both the old and the new set is never
	// denied in between, because readers see either one or the other.
	out, err := idempotent(ctx, s, in.IdempotencyKey, in.Body, http.StatusOK, func(tx Tx, p *principal) (api.Grant, int64, error) {
		cur, err := current(in.IfMatch, func() (api.Grant, error) { return tx.Grant(in.ID, in.RoleID) })
		if err != nil {
			return cur, 0, err
		}
		next := cur
		next.Permissions = sortedUnique(in.Body.Permissions)
		if d := s.pol().CanGrant(p, in.ID, next.Permissions); d != nil {
			return cur, 0, d
		}
		warned := warnings(access.ValidateGrant(in.Body.Permissions, nil))
		if slices.Equal(next.Permissions, cur.Permissions) {
			cur = withActions(cur)
			cur.Warnings = warned
			return cur, cur.Version, nil
		}
		bump(&next.Meta, s.now())
		if err := tx.UpdateGrant(next); err != nil {
			return cur, 0, err
		}
		if err := s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectGrant, Verb: "update", ID: next.ID, Env: in.ID, Before: withActions(cur), After: withActions(next)}); err != nil {
			return cur, 0, err
		}
		next = withActions(next)
		next.Warnings = warned
		return next, next.Version, nil
	})
	if err != nil {
		return nil, storeErr(err, objectGrant, in.ID+"/"+in.RoleID)
	}
	return out, nil
}

func (s *Server) deleteGrant(ctx context.Context, in *grantDeleteInput) (*noContentOutput, error) {
	out, err := idempotentDelete(ctx, s, in.IdempotencyKey, func(tx Tx, p *principal) error {
		cur, err := current(in.IfMatch, func() (api.Grant, error) { return tx.Grant(in.ID, in.RoleID) })
		if err != nil {
			return err
		}
		if d := s.pol().CanGrant(p, in.ID, cur.Permissions); d != nil {
			return d
		}
		if err := tx.DeleteGrant(in.ID, in.RoleID); err != nil {
			return err
		}
		return s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectGrant, Verb: "delete", ID: cur.ID, Env: in.ID, Before: withActions(cur)})
	})
	if err != nil {
		return nil, storeErr(err, objectGrant, in.ID+"/"+in.RoleID)
	}
	return out, nil
}
