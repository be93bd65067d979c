package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Stored access request statuses (access owns the words); "expired" is never stored, it is
// computed on read for an approved request whose expires_at has passed.
const (
	requestPending  = access.RequestPending
	requestApproved = access.RequestApproved
	requestDenied   = access.RequestDenied
	requestRevoked  = access.RequestRevoked
)

type requestCreateInput struct {
	IdempotencyParam
	Body api.AccessRequestCreate
}

func (in *requestCreateInput) Resolve(huma.Context) []error {
	fs := append(access.ValidateSupportAccess(in.Body.Tier, false, ""), access.ValidateRequestDuration(in.Body.DurationSeconds)...)
	return findingErrors(append(fs, access.ValidateText("reason", in.Body.Reason)...))
}

type requestListInput struct {
	PageParams
	Status        string `query:"status" enum:"pending,approved,denied,revoked,expired" doc:"Only requests in this status."`
	EnvironmentID string `query:"environment_id" doc:"Only requests for this environment."`
	RequesterID   string `query:"requester_id" doc:"Only requests by this user."`
}

type requestIDInput struct {
	ID string `path:"id" doc:"The access request id."`
}

type requestDecideInput struct {
	IdempotencyParam
	ID string `path:"id" doc:"The access request id."`
}

func (s *Server) requestView(r api.AccessRequest) api.AccessRequest {
	r.Status = access.RequestStatus(r.Status, r.ExpiresAt, s.now())
	return r
}

func (s *Server) registerAccessRequests(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodPost, "/v1/access-requests", "create-access-request", "File an access request (vendor users) for a tier up to the environment's support access", http.StatusCreated), s.createAccessRequest)
	huma.Register(hapi, operation(http.MethodGet, "/v1/access-requests", "list-access-requests", "List access requests", http.StatusOK), s.listAccessRequests)
	huma.Register(hapi, operation(http.MethodGet, "/v1/access-requests/{id}", "get-access-request", "Read an access request", http.StatusOK), s.getAccessRequest)
	huma.Register(hapi, operation(http.MethodPost, "/v1/access-requests/{id}/approve", "approve-access-request", "Approve a pending access request: the tier is held from now for its duration", http.StatusOK), s.approveAccessRequest)
	huma.Register(hapi, operation(http.MethodPost, "/v1/access-requests/{id}/deny", "deny-access-request", "Deny a pending access request", http.StatusOK), s.denyAccessRequest)
	huma.Register(hapi, operation(http.MethodPost, "/v1/access-requests/{id}/revoke", "revoke-access-request", "Revoke a pending or approved access request", http.StatusOK), s.revokeAccessRequest)
}

func (s *Server) createAccessRequest(ctx context.Context, in *requestCreateInput) (*objectOutput[api.AccessRequest], error) {
	return idempotent(ctx, s, in.IdempotencyKey, in.Body, http.StatusCreated, func(tx Tx, p *principal) (api.AccessRequest, int64, error) {
		var zero api.AccessRequest
		if _, err := tx.Environment(in.Body.EnvironmentID); errors.Is(err, ErrNotFound) {
			return zero, 0, invalid(codeInvalidField, "environment_id", fmt.Sprintf("No environment with id %q exists.", in.Body.EnvironmentID))
		} else if err != nil {
			return zero, 0, err
		}
		if d := s.pol().CanFileRequest(p, in.Body.EnvironmentID, in.Body.Tier, s.now()); d != nil {
			return zero, 0, d
		}
		r := api.AccessRequest{Meta: newMeta("arq", s.now()), EnvironmentID: in.Body.EnvironmentID, RequesterID: p.User.ID,
			Tier: in.Body.Tier, DurationSeconds: in.Body.DurationSeconds, Reason: in.Body.Reason, Status: requestPending}
		if err := tx.InsertAccessRequest(r); err != nil {
			return r, 0, err
		}
		return r, r.Version, s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectAccessRequest, Verb: "create", ID: r.ID, Env: r.EnvironmentID, After: r})
	})
}

func (s *Server) listAccessRequests(ctx context.Context, in *requestListInput) (*listOutput[api.AccessRequest], error) {
	p, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	f := AccessRequestFilter{Status: in.Status, EnvironmentID: in.EnvironmentID, RequesterID: in.RequesterID}
	if only := access.RequestListScope(p); only != "" {
		f.RequesterID = only
	}
	if f.Status == access.StatusExpired {
		f.Status = requestApproved // expired is approved-and-past, decided below
	}
	out, err := listPage(ctx, s, objectAccessRequest, func(tx Tx) ([]api.AccessRequest, string, error) {
		return tx.AccessRequests(f, in.page())
	})
	if err != nil {
		return nil, err
	}
	shown := []api.AccessRequest{}
	for _, r := range out.Body.Items {
		r = s.requestView(r)
		if in.Status == "" || r.Status == in.Status {
			shown = append(shown, r)
		}
	}
	out.Body.Items = shown
	return out, nil
}

func (s *Server) getAccessRequest(ctx context.Context, in *requestIDInput) (*objectOutput[api.AccessRequest], error) {
	p, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	r, err := view(ctx, s, func(tx Tx) (api.AccessRequest, error) { return tx.AccessRequest(in.ID) })
	if err != nil {
		return nil, storeErr(err, objectAccessRequest, in.ID)
	}
	if d := access.CanSeeRequest(p, r.RequesterID); d != nil {
		return nil, denialProblem(d)
	}
	return output(http.StatusOK, s.requestView(r), r.Version), nil
}

func (s *Server) approveAccessRequest(ctx context.Context, in *requestDecideInput) (*objectOutput[api.AccessRequest], error) {
	return s.decideRequest(ctx, in, "approve", []string{requestPending}, func(p *principal, r *api.AccessRequest, now time.Time) error {
		exp, d := s.pol().Approve(p, policyRequest(*r), time.Duration(r.DurationSeconds)*time.Second, now)
		if d != nil {
			return d
		}
		r.Status, r.ExpiresAt = requestApproved, &exp
		return nil
	})
}

func (s *Server) denyAccessRequest(ctx context.Context, in *requestDecideInput) (*objectOutput[api.AccessRequest], error) {
	return s.decideRequest(ctx, in, "deny", []string{requestPending}, func(_ *principal, r *api.AccessRequest, _ time.Time) error {
		r.Status = requestDenied
		return nil
	})
}

func (s *Server) revokeAccessRequest(ctx context.Context, in *requestDecideInput) (*objectOutput[api.AccessRequest], error) {
	return s.decideRequest(ctx, in, "revoke", []string{requestPending, requestApproved}, func(_ *principal, r *api.AccessRequest, now time.Time) error {
		r.Status = requestRevoked
		if r.ExpiresAt != nil && now.Before(*r.ExpiresAt) {
			r.ExpiresAt = timePtr(now)
		}
		return nil
	})
}

// decideRequest is one state transition of an access request (verb): allowed only from the
// statuses in from, as the request reads now (an approved one past its expiry is expired);
// apply makes the change.
func (s *Server) decideRequest(ctx context.Context, in *requestDecideInput, verb string, from []string,
	apply func(p *principal, r *api.AccessRequest, now time.Time) error,
) (*objectOutput[api.AccessRequest], error) {
	return idempotent(ctx, s, in.IdempotencyKey, struct{}{}, http.StatusOK, func(tx Tx, p *principal) (api.AccessRequest, int64, error) {
		cur, err := tx.AccessRequest(in.ID)
		if err != nil {
			return cur, 0, storeErr(err, objectAccessRequest, in.ID)
		}
		shown := s.requestView(cur)
		allowed := false
		for _, f := range from {
			allowed = allowed || shown.Status == f
		}
		if !allowed {
			return cur, 0, newProblem(http.StatusConflict, codeInvalidState, "",
				fmt.Sprintf("The request is %s; only a request that is %s can be %s.", shown.Status, access.OrList(from), verb+"d"))
		}
		now := s.now()
		next := cur
		next.DecidedBy = p.User.ID
		next.DecidedAt = timePtr(now)
		if err := apply(p, &next, now); err != nil {
			return cur, 0, err
		}
		bump(&next.Meta, now)
		if err := tx.UpdateAccessRequest(next); err != nil {
			return cur, 0, err
		}
		next = s.requestView(next)
		return next, next.Version, s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectAccessRequest, Verb: verb, ID: next.ID, Env: next.EnvironmentID, Before: shown, After: next})
	})
}

// timePtr is t as an optional instant (decided_at, a shortened expires_at).
func timePtr(t time.Time) *time.Time { return &t }
