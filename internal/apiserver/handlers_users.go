package apiserver

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The user kinds: the customer's people, and the vendor's on-call engineers (who act only
// through support tiers and access requests).
const kindMember = string(access.KindMember)

// userFindings: a user's display name is optional, its e-mail is not.
func userFindings(email, name *string) []access.Finding {
	return append(optional(email, emailRule), optional(name, nameRule("name"))...)
}

type userCreateInput struct {
	IdempotencyParam
	Body api.UserCreate
}

func (in *userCreateInput) Resolve(huma.Context) []error {
	fs := append(access.ValidateUserID(in.Body.ID), userFindings(&in.Body.Email, &in.Body.Name)...)
	return findingErrors(append(fs, access.ValidateUserKind(in.Body.Kind)...))
}

type userIDInput struct {
	ID string `path:"id" doc:"The user id."`
}

type userListInput struct {
	PageParams
	Email string `query:"email" doc:"Only the user with exactly this e-mail address."`
}

type userUpdateInput struct {
	IfMatchParam
	IdempotencyParam
	ID   string `path:"id" doc:"The user id."`
	Body api.UserUpdate
}

func (in *userUpdateInput) Resolve(huma.Context) []error {
	return findingErrors(userFindings(in.Body.Email, in.Body.Name))
}

type userDeleteInput struct {
	IfMatchParam
	IdempotencyParam
	ID string `path:"id" doc:"The user id."`
}

func (s *Server) registerUsers(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodPost, "/v1/users", "create-user", "Create a user, with an id of the client's choice or the API's", http.StatusCreated), s.createUser)
	huma.Register(hapi, operation(http.MethodGet, "/v1/users", "list-users", "List users", http.StatusOK), s.listUsers)
	huma.Register(hapi, operation(http.MethodGet, "/v1/users/{id}", "get-user", "Read a user", http.StatusOK), s.getUser)
	huma.Register(hapi, operation(http.MethodPatch, "/v1/users/{id}", "update-user", "Change a user's e-mail or name (kind cannot change)", http.StatusOK), s.updateUser)
	huma.Register(hapi, operation(http.MethodDelete, "/v1/users/{id}", "delete-user", "Delete a user with its tokens, group memberships and role assignments", http.StatusNoContent), s.deleteUser)
}

func (s *Server) createUser(ctx context.Context, in *userCreateInput) (*objectOutput[api.User], error) {
	return idempotent(ctx, s, in.IdempotencyKey, in.Body, http.StatusCreated, func(tx Tx, p *principal) (api.User, int64, error) {
		u := api.User{Meta: newMeta("usr", s.now()), Email: in.Body.Email, Name: in.Body.Name, Kind: in.Body.Kind}
		if in.Body.ID != "" {
			u.ID = in.Body.ID // the client's choice, of the form newMeta makes (Resolve checked it)
		}
		if u.Kind == "" {
			u.Kind = kindMember
		}
		if err := tx.InsertUser(u); err != nil {
			return u, 0, storeErr(err, objectUser, u.ID)
		}
		return u, u.Version, s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectUser, Verb: "create", ID: u.ID, After: u})
	})
}

func (s *Server) listUsers(ctx context.Context, in *userListInput) (*listOutput[api.User], error) {
	return listPage(ctx, s, objectUser, func(tx Tx) ([]api.User, string, error) {
		return tx.Users(in.Email, in.page())
	})
}

func (s *Server) getUser(ctx context.Context, in *userIDInput) (*objectOutput[api.User], error) {
	return viewObject(ctx, s, objectUser, in.ID, func(tx Tx) (api.User, error) { return tx.User(in.ID) })
}

func (s *Server) updateUser(ctx context.Context, in *userUpdateInput) (*objectOutput[api.User], error) {
	out, err := idempotent(ctx, s, in.IdempotencyKey, in.Body, http.StatusOK, func(tx Tx, p *principal) (api.User, int64, error) {
		cur, err := current(in.IfMatch, func() (api.User, error) { return tx.User(in.ID) })
		if err != nil {
			return cur, 0, err
		}
		if d := s.pol().CanChangeUser(p, cur.ID, s.now()); d != nil {
			return cur, 0, d
		}
		next := cur
		if in.Body.Email != nil {
			next.Email = *in.Body.Email
		}
		if in.Body.Name != nil {
			next.Name = *in.Body.Name
		}
		if next == cur {
			return cur, cur.Version, nil
		}
		return saveChange(s, tx, cur, next, tx.UpdateUser, auditEntry{Actor: p.User.ID, Kind: objectUser, Verb: "update"})
	})
	if err != nil {
		return nil, storeErr(err, objectUser, in.ID)
	}
	return out, nil
}

func (s *Server) deleteUser(ctx context.Context, in *userDeleteInput) (*noContentOutput, error) {
	out, err := idempotentDelete(ctx, s, in.IdempotencyKey, func(tx Tx, p *principal) error {
		cur, err := current(in.IfMatch, func() (api.User, error) { return tx.User(in.ID) })
		if err != nil {
			return err
		}
		if d := s.pol().CanDeleteUser(p, cur.ID, s.now()); d != nil {
			return d
		}
		if err := s.auditCascade(tx, p.User.ID, "user", cur.ID); err != nil {
			return err
		}
		if err := tx.DeleteUser(in.ID, s.now()); err != nil {
			return err
		}
		return s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectUser, Verb: "delete", ID: cur.ID, Before: cur})
	})
	if err != nil {
		return nil, storeErr(err, objectUser, in.ID)
	}
	return out, nil
}
