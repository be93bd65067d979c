package apiserver

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The engine's questions, answered from the snapshot without a write: may a principal do an
// action (POST /v1/authorize), and what may a user or group do in an environment.

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

type whoCanInput struct {
	ID     string `path:"id" doc:"The environment id."`
	Action string `query:"action" required:"true" doc:"A matrix action (apps.deploy) or a vendor tier capability (operator.reboot_host)."`
}

type whoCanOutput struct {
	Body api.WhoCan
}

func (s *Server) registerAuthorize(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodPost, "/v1/authorize", "authorize", "May principal P do action A in environment E? Answers with what allows it", http.StatusOK), s.authorize)
	huma.Register(hapi, operation(http.MethodGet, "/v1/environments/{id}/principals", "who-can", "Every user who may do an action in an environment, each with every grant, role, group, organization role or vendor tier that allows it", http.StatusOK), s.whoCan)
	huma.Register(hapi, operation(http.MethodGet, "/v1/environments/{id}/effective-access", "get-effective-access", "Every action a user or group may do in an environment and every platform permission it holds, each with the grant, role or group that allows it", http.StatusOK), s.getEffectiveAccess)
}

func (s *Server) authorize(ctx context.Context, in *authorizeInput) (*authorizeOutput, error) {
	b := in.Body
	p, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var d access.Decision
	var denial *access.Denial
	now := s.now()
	err = s.read(ctx, func(pol *access.Policy) error {
		if denial = pol.CanReadAccessOf(p, b.PrincipalID); denial != nil {
			return nil
		}
		var err error
		d, err = pol.Authorize(b.PrincipalID, b.EnvironmentID, b.Action, b.Resource, now)
		return err
	})
	switch {
	case denial != nil:
		return nil, s.refused(ctx, denial)
	case errors.Is(err, access.ErrUnknownUser):
		return nil, notFound(objectUser, b.PrincipalID)
	case errors.Is(err, access.ErrUnknownEnvironment):
		return nil, notFound(objectEnvironment, b.EnvironmentID)
	case err != nil:
		return nil, err
	}
	s.metrics.AuthorizeDecision(d.Allowed)
	// Queued, never awaited: the log is written in batches off the request path.
	s.recordDecision(ctx, p.User.ID, b, d, now)
	out := &authorizeOutput{Body: api.AuthorizeResponse{Allowed: d.Allowed, Reason: d.Reason}}
	if d.Allowed {
		v := apiVia(d.Via)
		out.Body.Via = &v
	}
	return out, nil
}

func (s *Server) getEffectiveAccess(ctx context.Context, in *effectiveInput) (*effectiveOutput, error) {
	if (in.UserID == "") == (in.GroupID == "") {
		return nil, invalid(codeInvalidField, "user_id", "Set exactly one of user_id and group_id.")
	}
	ea := api.EffectiveAccess{EnvironmentID: in.ID, UserID: in.UserID, GroupID: in.GroupID,
		Actions: []string{}, Grants: []api.ActionSource{}, Platform: []api.PlatformSource{}}
	err := s.read(ctx, func(pol *access.Policy) error {
		eff, err := pol.Effective(in.ID, in.UserID, in.GroupID, s.now())
		ea.Support = eff.Support
		for _, src := range eff.Actions {
			ea.Grants = append(ea.Grants, api.ActionSource(src))
			ea.Actions = append(ea.Actions, src.Action)
		}
		for _, src := range eff.Platform {
			ea.Platform = append(ea.Platform, api.PlatformSource(src))
		}
		return err
	})
	switch {
	case errors.Is(err, access.ErrUnknownEnvironment):
		return nil, notFound(objectEnvironment, in.ID)
	case errors.Is(err, access.ErrUnknownUser):
		return nil, notFound(objectUser, in.UserID)
	case errors.Is(err, access.ErrUnknownGroup):
		return nil, notFound(objectGroup, in.GroupID)
	case err != nil:
		return nil, err
	}
	ea.Actions = slices.Compact(ea.Actions)
	return &effectiveOutput{Body: ea}, nil
}

// whoCan answers the reverse of authorize: every principal who may do the action there. The
// route's check (access.CanReadWhoCan) has already read the action; an unknown one is 422.
func (s *Server) whoCan(ctx context.Context, in *whoCanInput) (*whoCanOutput, error) {
	if fs := access.ValidateWhoCanAction("action", in.Action); access.HasErrors(fs) {
		return nil, findingsProblem(fs)
	}
	out := api.WhoCan{EnvironmentID: in.ID, Action: in.Action, Principals: []api.PrincipalAccess{}}
	err := s.read(ctx, func(pol *access.Policy) error {
		env, ok := pol.EnvironmentByID(in.ID)
		if !ok {
			return access.ErrUnknownEnvironment
		}
		out.EnvironmentName = env.Name
		holders, err := pol.WhoCan(in.ID, in.Action, s.now())
		for _, h := range holders {
			out.Principals = append(out.Principals, api.PrincipalAccess{UserID: h.User.ID, Email: h.User.Email, Kind: string(h.User.Kind), Via: apiVias(h.Via)})
		}
		return err
	})
	if errors.Is(err, access.ErrUnknownEnvironment) {
		return nil, notFound(objectEnvironment, in.ID)
	}
	if err != nil {
		return nil, err
	}
	return &whoCanOutput{Body: out}, nil
}

// apiVia is the wire form of a reason; the only mapping site.
func apiVia(v access.Via) api.Via {
	out := api.Via{Permission: v.Permission, GrantID: v.GrantID, RoleID: v.RoleID, RoleName: v.RoleName, GroupID: v.GroupID,
		GroupName: v.GroupName, AccessRequestID: v.AccessRequestID, SupportAccessID: v.SupportAccessID, Tier: v.Tier}
	if !v.ExpiresAt.IsZero() {
		t := v.ExpiresAt.UTC()
		out.ExpiresAt = &t
	}
	return out
}

func apiVias(vs []access.Via) []api.Via {
	out := make([]api.Via, len(vs))
	for i, v := range vs {
		out[i] = apiVia(v)
	}
	return out
}
