package apiserver

import (
	"context"
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

type roleCreateInput struct {
	IdempotencyParam
	Body api.RoleCreate
}

func (in *roleCreateInput) Resolve(huma.Context) []error {
	fs := append(access.ValidatePlatformPermissions(in.Body.Permissions), access.ValidateRoleName("name", in.Body.Name)...)
	return findingErrors(append(fs, nameAndDescription(&in.Body.Name, &in.Body.Description)...))
}

type roleIDInput struct {
	ID string `path:"id" doc:"The role id."`
}

type roleListInput struct {
	PageParams
	Name string `query:"name" doc:"Only the role with exactly this name."`
}

type roleUpdateInput struct {
	IfMatchParam
	IdempotencyParam
	ID   string `path:"id" doc:"The role id."`
	Body api.RoleUpdate
}

func (in *roleUpdateInput) Resolve(huma.Context) []error {
	fs := nameAndDescription(in.Body.Name, in.Body.Description)
	if in.Body.Name != nil {
		fs = append(fs, access.ValidateRoleName("name", *in.Body.Name)...)
	}
	if in.Body.Permissions == nil {
		return findingErrors(fs)
	}
	return findingErrors(append(access.ValidatePlatformPermissions(*in.Body.Permissions), fs...))
}

type roleDeleteInput struct {
	IfMatchParam
	IdempotencyParam
	ID string `path:"id" doc:"The role id."`
}

func (s *Server) registerRoles(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodPost, "/v1/roles", "create-role", "Create a role", http.StatusCreated), s.createRole)
	huma.Register(hapi, operation(http.MethodGet, "/v1/roles", "list-roles", "List roles (built-in ones included)", http.StatusOK), s.listRoles)
	huma.Register(hapi, operation(http.MethodGet, "/v1/roles/{id}", "get-role", "Read a role", http.StatusOK), s.getRole)
	huma.Register(hapi, operation(http.MethodPatch, "/v1/roles/{id}", "update-role", "Change a role; permissions, when sent, replace the whole set", http.StatusOK), s.updateRole)
	huma.Register(hapi, operation(http.MethodDelete, "/v1/roles/{id}", "delete-role", "Delete a role (its assignments and grants go with it)", http.StatusNoContent), s.deleteRole)
}

func (s *Server) createRole(ctx context.Context, in *roleCreateInput) (*objectOutput[api.Role], error) {
	return idempotent(ctx, s, in.IdempotencyKey, in.Body, http.StatusCreated, func(tx Tx, p *principal) (api.Role, int64, error) {
		r := api.Role{Meta: newMeta("role", s.now()), Name: in.Body.Name, Description: in.Body.Description,
			Permissions: sortedUnique(in.Body.Permissions)}
		if err := tx.InsertRole(r); err != nil {
			return r, 0, storeErr(err, objectRole, r.ID)
		}
		if err := s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectRole, Verb: "create", ID: r.ID, After: r}); err != nil {
			return r, 0, err
		}
		r.Warnings = warnings(access.ValidatePlatformPermissions(in.Body.Permissions))
		return r, r.Version, nil
	})
}

func (s *Server) listRoles(ctx context.Context, in *roleListInput) (*listOutput[api.Role], error) {
	return listPage(ctx, s, objectRole, func(tx Tx) ([]api.Role, string, error) {
		return tx.Roles(in.Name, in.page())
	})
}

func (s *Server) getRole(ctx context.Context, in *roleIDInput) (*objectOutput[api.Role], error) {
	return viewObject(ctx, s, objectRole, in.ID, func(tx Tx) (api.Role, error) { return tx.Role(in.ID) })
}

func (s *Server) updateRole(ctx context.Context, in *roleUpdateInput) (*objectOutput[api.Role], error) {
	out, err := idempotent(ctx, s, in.IdempotencyKey, in.Body, http.StatusOK, func(tx Tx, p *principal) (api.Role, int64, error) {
		cur, err := current(in.IfMatch, func() (api.Role, error) { return tx.Role(in.ID) })
		if err != nil {
			return cur, 0, err
		}
		if d := access.CanChangeRole(policyRole(cur)); d != nil {
			return cur, 0, d
		}
		next := cur
		if in.Body.Name != nil {
			next.Name = *in.Body.Name
		}
		if in.Body.Description != nil {
			next.Description = *in.Body.Description
		}
		if in.Body.Permissions != nil {
			next.Permissions = sortedUnique(*in.Body.Permissions)
		}
		// The warnings of the permissions sent or, when none were, of the set kept.
		perms := next.Permissions
		if in.Body.Permissions != nil {
			perms = *in.Body.Permissions
		}
		warned := warnings(access.ValidatePlatformPermissions(perms))
		if next.Name == cur.Name && next.Description == cur.Description && slices.Equal(next.Permissions, cur.Permissions) {
			cur.Warnings = warned
			return cur, cur.Version, nil
		}
		next, version, err := saveChange(s, tx, cur, next, tx.UpdateRole, auditEntry{Actor: p.User.ID, Kind: objectRole, Verb: "update"})
		next.Warnings = warned
		return next, version, err
	})
	if err != nil {
		return nil, storeErr(err, objectRole, in.ID)
	}
	return out, nil
}

func (s *Server) deleteRole(ctx context.Context, in *roleDeleteInput) (*noContentOutput, error) {
	out, err := idempotentDelete(ctx, s, in.IdempotencyKey, func(tx Tx, p *principal) error {
		cur, err := current(in.IfMatch, func() (api.Role, error) { return tx.Role(in.ID) })
		if err != nil {
			return err
		}
		if d := access.CanChangeRole(policyRole(cur)); d != nil {
			return d
		}
		if err := s.auditCascade(tx, p.User.ID, "role", cur.ID); err != nil {
			return err
		}
		if err := tx.DeleteRole(in.ID); err != nil {
			return err
		}
		return s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectRole, Verb: "delete", ID: cur.ID, Before: cur})
	})
	if err != nil {
		return nil, storeErr(err, objectRole, in.ID)
	}
	return out, nil
}
