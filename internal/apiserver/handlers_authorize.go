package apiserver

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

type authorizeInput struct {
	Body api.AuthorizeRequest
}

type authorizeOutput struct {
	Body api.AuthorizeResponse
}

type effectiveInput struct {
	ID      string `path:"id" doc:"The environment id."`
	UserID  string `query:"user_id" doc:"The user asked about (exactly one of user_id, group_id)."`
	GroupID string `query:"group_id" doc:"The group asked about (exactly one of user_id, group_id)."`
}

type effectiveOutput struct {
	Body api.EffectiveAccess
}

func deny(format string, args ...any) api.AuthorizeResponse {
	return api.AuthorizeResponse{Allowed: false, Reason: fmt.Sprintf(format, args...)}
}

// isCapability reports whether name is a vendor tier capability.
func isCapability(name string) bool {
	return slices.ContainsFunc(access.AllCapabilities(), func(c access.Capability) bool { return c.Name == name })
}

// authorizeMember answers for a customer member: a grant in the environment of a role the
// user holds (directly or through a group) whose permissions allow the action, or an
// organization role.
func authorizeMember(tx Tx, u api.User, env api.Environment, action string) (api.AuthorizeResponse, error) {
	if !access.IsAction(action) {
		if isCapability(action) {
			return deny("%q is a vendor support capability; member users act through matrix actions.", action), nil
		}
		return deny("%q is not an action of the permissions matrix.", action), nil
	}
	roles, err := tx.HeldRoles(u.ID)
	if err != nil {
		return api.AuthorizeResponse{}, err
	}
	grants, err := envGrants(tx, roles, env.ID)
	if err != nil {
		return api.AuthorizeResponse{}, err
	}
	for _, g := range grants {
		if perm := access.AllowingPermission(g.Grant.Permissions, action); perm != "" {
			return api.AuthorizeResponse{Allowed: true,
				Reason: fmt.Sprintf("Role %q holds %s in environment %q.", g.Held.Role.Name, perm, env.Name),
				Via:    &api.Via{Permission: perm, GrantID: g.Grant.ID, RoleID: g.Held.Role.ID, RoleName: g.Held.Role.Name, GroupID: g.Held.GroupID}}, nil
		}
	}
	owner := principal{User: u, Roles: roles}
	if h, ok := owner.ownerRole(); ok {
		return api.AuthorizeResponse{Allowed: true,
			Reason: fmt.Sprintf("The organization role %q holds environment_admin in every environment.", h.Role.Name),
			Via:    &api.Via{Permission: string(access.EnvironmentAdmin), RoleID: h.Role.ID, RoleName: h.Role.Name, GroupID: h.GroupID}}, nil
	}
	need, _ := access.PermissionsFor(action)
	return deny("No grant in environment %q allows %q; it needs one of %s.", env.Name, action, strings.Join(need, ", ")), nil
}

// authorizeVendor answers for a vendor engineer: a tier capability, on a resource carrying
// the environment's prefix, under active support access, through an approved and unexpired
// access request whose tier has the capability.
func (s *Server) authorizeVendor(tx Tx, u api.User, env api.Environment, action, resource string) (api.AuthorizeResponse, error) {
	if !isCapability(action) {
		return deny("%q is not a support tier capability; vendor users act only through support tiers.", action), nil
	}
	sa, active, err := s.activeSupport(tx, env.ID)
	if err != nil {
		return api.AuthorizeResponse{}, err
	}
	if sa.ID == "" {
		return deny("Environment %q has no support access.", env.Name), nil
	}
	if !active {
		return deny("The support access of environment %q expired at %s.", env.Name, sa.ExpiresAt.Format("2006-01-02T15:04:05Z07:00")), nil
	}
	if !strings.HasPrefix(resource, env.ResourcePrefix) {
		return deny("Vendor access is limited to resources whose name starts with %q; %q does not.", env.ResourcePrefix, resource), nil
	}
	reqs, _, err := tx.AccessRequests(AccessRequestFilter{Status: requestApproved, EnvironmentID: env.ID, RequesterID: u.ID}, Page{})
	if err != nil {
		return api.AuthorizeResponse{}, err
	}
	for _, r := range reqs {
		if expired(r.ExpiresAt, s.now()) {
			continue
		}
		if slices.Contains(access.Capabilities(r.Tier, sa.PortForwarding), action) {
			return api.AuthorizeResponse{Allowed: true,
				Reason: fmt.Sprintf("Approved access request %s holds tier %q in environment %q until %s.", r.ID, r.Tier, env.Name,
					r.ExpiresAt.Format("2006-01-02T15:04:05Z07:00")),
				Via: &api.Via{Permission: action, AccessRequestID: r.ID, Tier: r.Tier}}, nil
		}
	}
	return deny("No approved, unexpired access request in environment %q holds a tier with %q.", env.Name, action), nil
}

// effectiveSources lists, for each matrix action, every grant reached through roles that
// allows it; owners get every action through their organization role.
func effectiveSources(tx Tx, roles []HeldRole, envID string) ([]api.ActionSource, error) {
	var out []api.ActionSource
	grants, err := envGrants(tx, roles, envID)
	if err != nil {
		return nil, err
	}
	for _, g := range grants {
		for _, a := range access.AllowedActions(g.Grant.Permissions) {
			out = append(out, api.ActionSource{Action: a, Permission: access.AllowingPermission(g.Grant.Permissions, a),
				GrantID: g.Grant.ID, RoleID: g.Held.Role.ID, RoleName: g.Held.Role.Name, GroupID: g.Held.GroupID})
		}
	}
	for _, h := range roles {
		if h.Role.Builtin && access.IsOrgRole(h.Role.Name) {
			for _, a := range access.Actions() {
				out = append(out, api.ActionSource{Action: a, Permission: string(access.EnvironmentAdmin),
					RoleID: h.Role.ID, RoleName: h.Role.Name, GroupID: h.GroupID})
			}
		}
	}
	slices.SortFunc(out, func(a, b api.ActionSource) int {
		return cmp.Or(cmp.Compare(a.Action, b.Action), cmp.Compare(a.RoleName, b.RoleName), cmp.Compare(a.GroupID, b.GroupID))
	})
	return out, nil
}

func (s *Server) registerAuthorize(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodPost, "/v1/authorize", "authorize",
		"May principal P do action A in environment E? Answers with what allows it", http.StatusOK),
		func(ctx context.Context, in *authorizeInput) (*authorizeOutput, error) {
			b := in.Body
			// One read transaction: the answer reflects one consistent snapshot, so a
			// grant being replaced is seen either before or after, never half-way.
			resp, err := view(ctx, s, func(tx Tx) (api.AuthorizeResponse, error) {
				u, err := tx.User(b.PrincipalID)
				if err != nil {
					return api.AuthorizeResponse{}, storeErr(err, "user", b.PrincipalID)
				}
				env, err := tx.Environment(b.EnvironmentID)
				if err != nil {
					return api.AuthorizeResponse{}, storeErr(err, "environment", b.EnvironmentID)
				}
				if u.Kind == kindVendor {
					return s.authorizeVendor(tx, u, env, b.Action, b.Resource)
				}
				return authorizeMember(tx, u, env, b.Action)
			})
			if err != nil {
				return nil, err
			}
			return &authorizeOutput{Body: resp}, nil
		})

	huma.Register(hapi, operation(http.MethodGet, "/v1/environments/{id}/effective-access", "get-effective-access",
		"Every action a user or group may do in an environment, and each grant, role or group that allows it", http.StatusOK),
		func(ctx context.Context, in *effectiveInput) (*effectiveOutput, error) {
			if (in.UserID == "") == (in.GroupID == "") {
				return nil, invalid(codeInvalidField, "user_id", "Set exactly one of user_id and group_id.")
			}
			ea, err := view(ctx, s, func(tx Tx) (api.EffectiveAccess, error) {
				ea := api.EffectiveAccess{EnvironmentID: in.ID, UserID: in.UserID, GroupID: in.GroupID, Actions: []string{}, Support: []string{}}
				if _, err := tx.Environment(in.ID); err != nil {
					return ea, storeErr(err, "environment", in.ID)
				}
				var roles []HeldRole
				var err error
				if in.UserID != "" {
					if _, err := tx.User(in.UserID); err != nil {
						return ea, storeErr(err, "user", in.UserID)
					}
					roles, err = tx.HeldRoles(in.UserID)
				} else {
					if _, err := tx.Group(in.GroupID); err != nil {
						return ea, storeErr(err, "group", in.GroupID)
					}
					roles, err = tx.GroupRoles(in.GroupID)
				}
				if err != nil {
					return ea, err
				}
				if ea.Grants, err = effectiveSources(tx, roles, in.ID); err != nil {
					return ea, err
				}
				for _, src := range ea.Grants {
					ea.Actions = append(ea.Actions, src.Action)
				}
				ea.Actions = sortedUnique(ea.Actions)
				if in.UserID != "" {
					ea.Support, err = s.supportCapabilities(tx, in.UserID, in.ID)
				}
				return ea, err
			})
			if err != nil {
				return nil, err
			}
			if ea.Grants == nil {
				ea.Grants = []api.ActionSource{}
			}
			return &effectiveOutput{Body: ea}, nil
		})
}

// supportCapabilities lists the tier capabilities a user holds in an environment through
// active approved access requests under active support access.
func (s *Server) supportCapabilities(tx Tx, userID, envID string) ([]string, error) {
	out := []string{}
	sa, active, err := s.activeSupport(tx, envID)
	if err != nil || !active {
		return out, err
	}
	reqs, _, err := tx.AccessRequests(AccessRequestFilter{Status: requestApproved, EnvironmentID: envID, RequesterID: userID}, Page{})
	if err != nil {
		return out, err
	}
	for _, r := range reqs {
		if expired(r.ExpiresAt, s.now()) {
			continue
		}
		for _, c := range access.Capabilities(r.Tier, sa.PortForwarding) {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out, nil
}
