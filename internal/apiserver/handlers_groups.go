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

// Groups and their members: members sent with the group are its complete set; the members
// routes add and remove one at a time (additive). A group's members are one or the other.

type groupCreateInput struct {
	IdempotencyParam
	Body api.GroupCreate
}

func (in *groupCreateInput) Resolve(huma.Context) []error {
	return findingErrors(nameAndDescription(&in.Body.Name, &in.Body.Description))
}

type groupIDInput struct {
	ID string `path:"id" doc:"The group id."`
}

type groupListInput struct {
	PageParams
	Name string `query:"name" doc:"Only the group with exactly this name."`
}

type groupUpdateInput struct {
	IfMatchParam
	IdempotencyParam
	ID   string `path:"id" doc:"The group id."`
	Body api.GroupUpdate
}

func (in *groupUpdateInput) Resolve(huma.Context) []error {
	return findingErrors(nameAndDescription(in.Body.Name, in.Body.Description))
}

type groupMemberAddInput struct {
	IdempotencyParam
	ID   string `path:"id" doc:"The group id."`
	Body api.GroupMemberAdd
}

type groupMemberDeleteInput struct {
	IdempotencyParam
	ID     string `path:"id" doc:"The group id."`
	UserID string `path:"user_id" doc:"The member's user id."`
}

type groupDeleteInput struct {
	IfMatchParam
	IdempotencyParam
	ID string `path:"id" doc:"The group id."`
}

// checkMembers requires every member to be an existing user and returns the set sorted,
// so that the order a client sends never shows up as a change.
func checkMembers(tx Tx, members []string) ([]string, error) {
	set := sortedUnique(members)
	for _, id := range set {
		if _, err := tx.User(id); err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil, invalid(codeInvalidField, "members", fmt.Sprintf("No user with id %q exists; members must be user ids.", id))
			}
			return nil, err
		}
	}
	return set, nil
}

func (s *Server) registerGroups(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodPost, "/v1/groups", "create-group", "Create a group", http.StatusCreated), s.createGroup)
	huma.Register(hapi, operation(http.MethodGet, "/v1/groups", "list-groups", "List groups", http.StatusOK), s.listGroups)
	huma.Register(hapi, operation(http.MethodGet, "/v1/groups/{id}", "get-group", "Read a group", http.StatusOK), s.getGroup)
	huma.Register(hapi, operation(http.MethodPatch, "/v1/groups/{id}", "update-group", "Change a group; members, when sent, replace the whole set", http.StatusOK), s.updateGroup)
	huma.Register(hapi, operation(http.MethodDelete, "/v1/groups/{id}", "delete-group", "Delete a group (its role assignments go with it)", http.StatusNoContent), s.deleteGroup)
	huma.Register(hapi, operation(http.MethodPost, "/v1/groups/{id}/members", "add-group-member", "Add one member to a group (additive); adding a member again changes nothing", http.StatusOK), s.addGroupMember)
	huma.Register(hapi, operation(http.MethodDelete, "/v1/groups/{id}/members/{user_id}", "remove-group-member", "Remove one member from a group (additive)", http.StatusNoContent), s.removeGroupMember)
}

func (s *Server) createGroup(ctx context.Context, in *groupCreateInput) (*objectOutput[api.Group], error) {
	return idempotent(ctx, s, in.IdempotencyKey, in.Body, http.StatusCreated, func(tx Tx, p *principal) (api.Group, int64, error) {
		var members []string
		var err error
		mode := access.ModeUnmanaged
		if in.Body.Members != nil {
			// Sent members, even none, are the complete set: the group owns them.
			mode = access.ModeAuthoritative
			if members, err = checkMembers(tx, *in.Body.Members); err != nil {
				return api.Group{}, 0, err
			}
		}
		if members == nil {
			members = []string{}
		}
		if d := s.pol().CanBeMembers(members); d != nil {
			return api.Group{}, 0, d
		}
		g := api.Group{Meta: newMeta("grp", s.now()), Name: in.Body.Name, Description: in.Body.Description,
			Members: members, MembersMode: string(mode)}
		if err := tx.InsertGroup(g); err != nil {
			return g, 0, storeErr(err, objectGroup, g.ID)
		}
		return g, g.Version, s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectGroup, Verb: "create", ID: g.ID, After: g})
	})
}

func (s *Server) listGroups(ctx context.Context, in *groupListInput) (*listOutput[api.Group], error) {
	return listPage(ctx, s, objectGroup, func(tx Tx) ([]api.Group, string, error) {
		return tx.Groups(in.Name, in.page())
	})
}

func (s *Server) getGroup(ctx context.Context, in *groupIDInput) (*objectOutput[api.Group], error) {
	return viewObject(ctx, s, objectGroup, in.ID, func(tx Tx) (api.Group, error) { return tx.Group(in.ID) })
}

func (s *Server) updateGroup(ctx context.Context, in *groupUpdateInput) (*objectOutput[api.Group], error) {
	out, err := idempotent(ctx, s, in.IdempotencyKey, in.Body, http.StatusOK, func(tx Tx, p *principal) (api.Group, int64, error) {
		cur, err := current(in.IfMatch, func() (api.Group, error) { return tx.Group(in.ID) })
		if err != nil {
			return cur, 0, err
		}
		next := cur
		if in.Body.Name != nil {
			next.Name = *in.Body.Name
		}
		if in.Body.Description != nil {
			next.Description = *in.Body.Description
		}
		switch {
		case in.Body.Members != nil:
			if d := access.CanWriteMembers(cur.Name, access.ListMode(cur.MembersMode), access.ModeAuthoritative, len(cur.Members)); d != nil {
				return cur, 0, d
			}
			next.MembersMode = string(access.ModeAuthoritative)
			if next.Members, err = checkMembers(tx, *in.Body.Members); err != nil {
				return cur, 0, err
			}
			// Joining hands the group's roles over, leaving takes them away.
			if d := s.pol().CanChangeMembers(p, cur.ID, next.Members, s.now()); d != nil {
				return cur, 0, d
			}
		case in.Body.ReleaseMembers && cur.MembersMode == string(access.ModeAuthoritative):
			// The members stay; only the claim on them goes.
			next.MembersMode = string(access.ModeUnmanaged)
		}
		if next.Name == cur.Name && next.Description == cur.Description && slices.Equal(next.Members, cur.Members) &&
			next.MembersMode == cur.MembersMode {
			return cur, cur.Version, nil
		}
		return saveChange(s, tx, cur, next, tx.UpdateGroup, auditEntry{Actor: p.User.ID, Kind: objectGroup, Verb: "update"})
	})
	if err != nil {
		return nil, storeErr(err, objectGroup, in.ID)
	}
	return out, nil
}

func (s *Server) deleteGroup(ctx context.Context, in *groupDeleteInput) (*noContentOutput, error) {
	out, err := idempotentDelete(ctx, s, in.IdempotencyKey, func(tx Tx, p *principal) error {
		cur, err := current(in.IfMatch, func() (api.Group, error) { return tx.Group(in.ID) })
		if err != nil {
			return err
		}
		if d := s.pol().CanDeleteGroup(p, cur.ID, s.now()); d != nil {
			return d
		}
		if err := s.auditCascade(tx, p.User.ID, "group", cur.ID); err != nil {
			return err
		}
		if err := tx.DeleteGroup(in.ID); err != nil {
			return err
		}
		return s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectGroup, Verb: "delete", ID: cur.ID, Before: cur})
	})
	if err != nil {
		return nil, storeErr(err, objectGroup, in.ID)
	}
	return out, nil
}

// changeMember is the one path of the additive member routes: the engine decides on the
// resulting member set exactly as for a complete-set write, and the group's members become
// additive — or unmanaged again when the last one leaves, so that the group may be given a
// complete set later.
func (s *Server) changeMember(tx Tx, p *principal, cur api.Group, members []string, verb string) (api.Group, error) {
	if d := access.CanWriteMembers(cur.Name, access.ListMode(cur.MembersMode), access.ModeAdditive, len(cur.Members)); d != nil {
		return cur, d
	}
	if d := s.pol().CanChangeMembers(p, cur.ID, members, s.now()); d != nil {
		return cur, d
	}
	next := cur
	next.Members = members
	next.MembersMode = string(access.ModeAdditive)
	if len(members) == 0 {
		next.MembersMode = string(access.ModeUnmanaged)
	}
	if slices.Equal(next.Members, cur.Members) && next.MembersMode == cur.MembersMode {
		return cur, nil
	}
	g, _, err := saveChange(s, tx, cur, next, tx.UpdateGroup, auditEntry{Actor: p.User.ID, Kind: objectGroup, Verb: verb})
	return g, err
}

func (s *Server) addGroupMember(ctx context.Context, in *groupMemberAddInput) (*objectOutput[api.Group], error) {
	out, err := idempotent(ctx, s, in.IdempotencyKey, in.Body, http.StatusOK, func(tx Tx, p *principal) (api.Group, int64, error) {
		cur, err := tx.Group(in.ID)
		if err != nil {
			return cur, 0, err
		}
		if _, err := tx.User(in.Body.UserID); err != nil {
			if errors.Is(err, ErrNotFound) {
				return cur, 0, invalid(codeInvalidField, "user_id", fmt.Sprintf("No user with id %q exists.", in.Body.UserID))
			}
			return cur, 0, err
		}
		g, err := s.changeMember(tx, p, cur, sortedUnique(append(slices.Clone(cur.Members), in.Body.UserID)), "member_add")
		return g, g.Version, err
	})
	if err != nil {
		return nil, storeErr(err, objectGroup, in.ID)
	}
	return out, nil
}

func (s *Server) removeGroupMember(ctx context.Context, in *groupMemberDeleteInput) (*noContentOutput, error) {
	out, err := idempotentDelete(ctx, s, in.IdempotencyKey, func(tx Tx, p *principal) error {
		cur, err := tx.Group(in.ID)
		if err != nil {
			return err
		}
		i := slices.Index(cur.Members, in.UserID)
		if i < 0 {
			return notFound(objectGroupMember, in.ID+"/"+in.UserID)
		}
		_, err = s.changeMember(tx, p, cur, slices.Delete(slices.Clone(cur.Members), i, i+1), "member_remove")
		return err
	})
	if err != nil {
		return nil, storeErr(err, objectGroup, in.ID)
	}
	return out, nil
}
