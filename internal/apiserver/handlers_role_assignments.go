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

// Role assignments: a role given to a user or a group, under /v1/roles/{role_id}/assignments.

type assignmentCreateInput struct {
	IdempotencyParam
	RoleID string `path:"role_id" doc:"The role id."`
	Body   api.RoleAssignmentCreate
}

type assignmentListInput struct {
	PageParams
	RoleID string `path:"role_id" doc:"The role id."`
}

// AssignmentParams name one of a role's assignments. (Exported only because huma reads
// parameters from exported embedded structs.)
type AssignmentParams struct {
	RoleID       string `path:"role_id" doc:"The role id."`
	AssignmentID string `path:"assignment_id" doc:"The assignment id."`
}

type assignmentIDInput struct {
	AssignmentParams
}

type assignmentDeleteInput struct {
	IfMatchParam
	IdempotencyParam
	AssignmentParams
}

func (s *Server) registerRoleAssignments(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodPost, "/v1/roles/{role_id}/assignments", "create-role-assignment", "Assign a role to a user or a group", http.StatusCreated), s.createRoleAssignment)
	huma.Register(hapi, operation(http.MethodGet, "/v1/roles/{role_id}/assignments", "list-role-assignments", "List a role's assignments", http.StatusOK), s.listRoleAssignments)
	huma.Register(hapi, operation(http.MethodGet, "/v1/roles/{role_id}/assignments/{assignment_id}", "get-role-assignment", "Read a role assignment", http.StatusOK), s.getRoleAssignment)
	huma.Register(hapi, operation(http.MethodDelete, "/v1/roles/{role_id}/assignments/{assignment_id}", "delete-role-assignment", "Remove a role assignment", http.StatusNoContent), s.deleteRoleAssignment)
}

func (s *Server) createRoleAssignment(ctx context.Context, in *assignmentCreateInput) (*objectOutput[api.RoleAssignment], error) {
	if (in.Body.UserID == "") == (in.Body.GroupID == "") {
		return nil, invalid(codeInvalidField, "user_id", "Set exactly one of user_id and group_id.")
	}
	return idempotent(ctx, s, in.IdempotencyKey, in.Body, http.StatusCreated, func(tx Tx, p *principal) (api.RoleAssignment, int64, error) {
		a := api.RoleAssignment{Meta: newMeta("asg", s.now()), RoleID: in.RoleID, UserID: in.Body.UserID, GroupID: in.Body.GroupID}
		role, err := tx.Role(in.RoleID)
		if err != nil {
			return a, 0, storeErr(err, objectRole, in.RoleID)
		}
		if a.UserID != "" {
			if _, err := tx.User(a.UserID); errors.Is(err, ErrNotFound) {
				return a, 0, invalid(codeInvalidField, "user_id", fmt.Sprintf("No user with id %q exists.", a.UserID))
			} else if err != nil {
				return a, 0, err
			}
		} else {
			if _, err := tx.Group(a.GroupID); errors.Is(err, ErrNotFound) {
				return a, 0, invalid(codeInvalidField, "group_id", fmt.Sprintf("No group with id %q exists.", a.GroupID))
			} else if err != nil {
				return a, 0, err
			}
		}
		if d := s.pol().CanAssign(p, role.ID, a.UserID, a.GroupID); d != nil {
			return a, 0, d
		}
		if err := tx.InsertAssignment(a); err != nil {
			return a, 0, storeErr(err, objectRoleAssignment, a.ID)
		}
		return a, a.Version, s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectRoleAssignment, Verb: "create", ID: a.ID, After: a})
	})
}

func (s *Server) listRoleAssignments(ctx context.Context, in *assignmentListInput) (*listOutput[api.RoleAssignment], error) {
	out, err := listPage(ctx, s, objectRoleAssignment, func(tx Tx) ([]api.RoleAssignment, string, error) {
		if _, err := tx.Role(in.RoleID); err != nil {
			return nil, "", storeErr(err, objectRole, in.RoleID)
		}
		return tx.Assignments(in.RoleID, in.page())
	})
	if err != nil {
		return nil, err
	}
	p, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	// Each caller sees the assignments it may read (access.CanReadAssignment).
	out.Body.Items = slices.DeleteFunc(out.Body.Items, func(a api.RoleAssignment) bool {
		return access.CanReadAssignment(p, a.UserID, a.GroupID) != nil
	})
	return out, nil
}

func (s *Server) getRoleAssignment(ctx context.Context, in *assignmentIDInput) (*objectOutput[api.RoleAssignment], error) {
	a, err := view(ctx, s, func(tx Tx) (api.RoleAssignment, error) { return tx.Assignment(in.RoleID, in.AssignmentID) })
	if err != nil {
		return nil, storeErr(err, objectRoleAssignment, in.AssignmentID)
	}
	p, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if d := access.CanReadAssignment(p, a.UserID, a.GroupID); d != nil {
		return nil, s.refused(ctx, d)
	}
	return output(http.StatusOK, a, a.Version), nil
}

func (s *Server) deleteRoleAssignment(ctx context.Context, in *assignmentDeleteInput) (*noContentOutput, error) {
	out, err := idempotentDelete(ctx, s, in.IdempotencyKey, func(tx Tx, p *principal) error {
		cur, err := current(in.IfMatch, func() (api.RoleAssignment, error) { return tx.Assignment(in.RoleID, in.AssignmentID) })
		if err != nil {
			return err
		}
		if d := s.pol().CanUnassign(p, cur.ID, s.now()); d != nil {
			return d
		}
		if err := tx.DeleteAssignment(cur.ID); err != nil {
			return err
		}
		return s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectRoleAssignment, Verb: "delete", ID: cur.ID, Before: cur})
	})
	if err != nil {
		return nil, storeErr(err, objectRoleAssignment, in.AssignmentID)
	}
	return out, nil
}
