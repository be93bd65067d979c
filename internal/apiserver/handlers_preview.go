package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The access preview (POST /v1/access-preview): proposed changes are validated by the engine
// and made, in order, on a copy of the snapshot, each as the wire object the real change would
// store, turned into the engine's by the store's own conversions (store.Policy…) and put with
// the mutators its reload and its recorded writes use; the engine then diffs the copy against
// the snapshot. Nothing is written: the copy is dropped with the answer.

type previewInput struct {
	Body api.AccessPreviewRequest
}

type previewOutput struct {
	Body api.AccessPreview
}

func (s *Server) registerPreview(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodPost, "/v1/access-preview", "preview-access",
		"What proposed changes would give or take from whom: per environment and user, the actions and tier capabilities gained and lost, with their reasons; nothing is written", http.StatusOK),
		s.previewAccess)
}

func (s *Server) previewAccess(ctx context.Context, in *previewInput) (*previewOutput, error) {
	p, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var (
		diff   access.AccessDiff
		bad    error
		denial *access.Denial
	)
	err = s.read(ctx, func(pol *access.Policy) error {
		now := s.now()
		next := pol.Clone()
		for i, ch := range in.Body.Changes {
			c := engineChange(ch)
			if fs := next.ValidateChange(c, now); access.HasErrors(fs) {
				bad = findingsProblem(atChange(fs, i))
				return nil
			}
			applyChange(next, c, i)
		}
		diff = access.DiffAccess(pol, next, now)
		for _, id := range diff.Reached {
			if denial = pol.CanReadAccessOf(p, id); denial != nil {
				return nil
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case bad != nil:
		return nil, bad
	case denial != nil:
		return nil, s.refused(ctx, denial)
	}
	return &previewOutput{Body: apiPreview(diff)}, nil
}

// atChange names each finding's field by its place in the request: changes[i].field.
func atChange(fs []access.Finding, i int) []access.Finding {
	out := slices.Clone(fs)
	for j := range out {
		out[j].Field = fmt.Sprintf("changes[%d].%s", i, out[j].Field)
	}
	return out
}

// engineChange is a wire change as the engine validates it.
func engineChange(c api.AccessChange) access.Change {
	return access.Change{Kind: access.ChangeKind(c.Kind), EnvironmentID: c.EnvironmentID, RoleID: c.RoleID, UserID: c.UserID,
		GroupID: c.GroupID, Permissions: c.Permissions, Members: c.Members, Tier: c.Tier, PortForwarding: c.PortForwarding,
		ExpiresAt: c.ExpiresAt, RequireApproval: c.RequireApproval, UserKind: c.UserKind}
}

// previewID names an object a change creates in the copy (a grant, an assignment, support
// access); it is never stored, and appears in reasons as the real id would.
func previewID(prefix string, i int) string { return fmt.Sprintf("%s_preview_%d", prefix, i) }

// applyChange makes one validated change (the i-th) on the copy pol, as the API's own
// handler for it would store it, side effects included.
func applyChange(pol *access.Policy, c access.Change, i int) {
	switch c.Kind {
	case access.ChangeGrantUpsert:
		g := api.Grant{Meta: api.Meta{ID: previewID("grt", i)}, EnvironmentID: c.EnvironmentID, RoleID: c.RoleID, Permissions: *c.Permissions}
		if cur, ok := pol.GrantOf(c.EnvironmentID, c.RoleID); ok {
			g.ID = cur.ID
		}
		pol.PutGrant(policyGrant(g))
	case access.ChangeGrantDelete:
		pol.DeleteGrant(c.EnvironmentID, c.RoleID)
	case access.ChangeRoleUpdate:
		r, _ := pol.RoleByID(c.RoleID)
		pol.PutRole(policyRole(api.Role{Meta: api.Meta{ID: r.ID}, Name: r.Name, Permissions: *c.Permissions, Builtin: r.Builtin}))
	case access.ChangeRoleDelete:
		pol.DeleteRole(c.RoleID)
	case access.ChangeAssignmentAdd:
		if _, ok := pol.Assignment(c.RoleID, c.UserID, c.GroupID); !ok {
			pol.PutAssignment(policyAssignment(api.RoleAssignment{Meta: api.Meta{ID: previewID("asg", i)}, RoleID: c.RoleID,
				UserID: c.UserID, GroupID: c.GroupID}))
		}
	case access.ChangeAssignmentRemove:
		if a, ok := pol.Assignment(c.RoleID, c.UserID, c.GroupID); ok {
			pol.DeleteAssignment(a.ID)
		}
	case access.ChangeMemberAdd, access.ChangeMemberRemove, access.ChangeMembersSet:
		g, _ := pol.GroupByID(c.GroupID)
		members := slices.DeleteFunc(g.Members, func(m string) bool { return m == c.UserID })
		switch c.Kind {
		case access.ChangeMemberAdd:
			members = append(members, c.UserID)
		case access.ChangeMembersSet:
			members = slices.Compact(slices.Sorted(slices.Values(*c.Members)))
		}
		pol.PutGroup(policyGroup(api.Group{Meta: api.Meta{ID: g.ID}, Name: g.Name, Members: members}))
	case access.ChangeSupportUpsert:
		a := api.SupportAccess{Meta: api.Meta{ID: previewID("sup", i)}, EnvironmentID: c.EnvironmentID, Tier: c.Tier,
			PortForwarding: c.PortForwarding, ExpiresAt: c.ExpiresAt, RequireApproval: c.RequireApproval == nil || *c.RequireApproval}
		if cur, ok := pol.SupportAccessOf(c.EnvironmentID); ok {
			a.ID = cur.ID
		}
		pol.PutSupportAccess(policySupport(a))
	case access.ChangeSupportDelete:
		// As deleteSupportAccess does: the requests under it end (revokeRequests).
		ends := pol.SupportAccessEnds(c.EnvironmentID)
		pol.DeleteSupportAccess(c.EnvironmentID)
		for _, r := range ends {
			r.Status = access.RequestRevoked
			pol.PutAccessRequest(r)
		}
	case access.ChangeUserDelete:
		pol.DeleteUser(c.UserID)
	case access.ChangeUserKind:
		// A kind change replaces the user: the new one holds nothing the old one did.
		u, _ := pol.UserByID(c.UserID)
		pol.DeleteUser(u.ID)
		pol.PutUser(policyUser(api.User{Meta: api.Meta{ID: u.ID}, Email: u.Email, Kind: c.UserKind}))
	}
}

// apiPreview is the wire form of a diff; the only mapping site.
func apiPreview(d access.AccessDiff) api.AccessPreview {
	out := api.AccessPreview{Environments: []api.EnvironmentAccessChange{}, Platform: []api.PlatformAccessChange{}}
	items := func(as []access.Allowance) []api.AccessChangeItem {
		out := make([]api.AccessChangeItem, len(as))
		for i, a := range as {
			out[i] = api.AccessChangeItem{Action: a.Action, Via: apiVias(a.Via)}
		}
		return out
	}
	for _, e := range d.Environments {
		ec := api.EnvironmentAccessChange{EnvironmentID: e.Environment.ID, EnvironmentName: e.Environment.Name, Users: []api.UserAccessChange{}}
		for _, u := range e.Users {
			ec.Users = append(ec.Users, api.UserAccessChange{UserID: u.User.ID, Email: u.User.Email, Kind: string(u.User.Kind),
				Gained: items(u.Gained), Lost: items(u.Lost)})
		}
		out.Environments = append(out.Environments, ec)
	}
	platform := func(hs []access.PlatformHolding) []api.PlatformChangeItem {
		out := make([]api.PlatformChangeItem, len(hs))
		for i, h := range hs {
			out[i] = api.PlatformChangeItem{Permission: h.Permission, Via: make([]api.PlatformSource, len(h.Via))}
			for j, src := range h.Via {
				out[i].Via[j] = api.PlatformSource(src)
			}
		}
		return out
	}
	for _, u := range d.Platform {
		out.Platform = append(out.Platform, api.PlatformAccessChange{UserID: u.User.ID, Email: u.User.Email, Kind: string(u.User.Kind),
			Gained: platform(u.Gained), Lost: platform(u.Lost)})
	}
	return out
}
