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

// Stored access request statuses; "expired" is never stored, it is computed on read for an
// approved request whose expires_at has passed.
const (
	requestPending  = "pending"
	requestApproved = "approved"
	requestDenied   = "denied"
	requestRevoked  = "revoked"
)

type requestCreateInput struct {
	IdempotencyParam
	Body api.AccessRequestCreate
}

func (in *requestCreateInput) Resolve(huma.Context) []error {
	return findingErrors(append(access.ValidateSupportAccess(in.Body.Tier, false, ""), access.ValidateText("reason", in.Body.Reason)...))
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
	if r.Status == requestApproved && expired(r.ExpiresAt, s.now()) {
		r.Status = statusExpired
	}
	return r
}

// activeSupport returns the environment's support access when it exists and has not expired.
func (s *Server) activeSupport(tx Tx, envID string) (api.SupportAccess, bool, error) {
	a, err := tx.SupportAccess(envID)
	if errors.Is(err, ErrNotFound) {
		return a, false, nil
	}
	if err != nil {
		return a, false, err
	}
	return a, !expired(a.ExpiresAt, s.now()), nil
}

func (s *Server) registerAccessRequests(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodPost, "/v1/access-requests", "create-access-request",
		"File an access request (vendor users) for a tier up to the environment's support access", http.StatusCreated),
		func(ctx context.Context, in *requestCreateInput) (*objectOutput[api.AccessRequest], error) {
			p, err := actor(ctx)
			if err != nil {
				return nil, err
			}
			if p.User.Kind != kindVendor {
				return nil, newProblem(http.StatusForbidden, codeNotVendor, "",
					"Only vendor users file access requests; members are given access through roles and grants.")
			}
			return idempotent(ctx, s, p, in.IdempotencyKey, in.Body, http.StatusCreated, func(tx Tx) (api.AccessRequest, int64, error) {
				var zero api.AccessRequest
				if _, err := tx.Environment(in.Body.EnvironmentID); errors.Is(err, ErrNotFound) {
					return zero, 0, invalid(codeInvalidField, "environment_id", fmt.Sprintf("No environment with id %q exists.", in.Body.EnvironmentID))
				} else if err != nil {
					return zero, 0, err
				}
				sa, active, err := s.activeSupport(tx, in.Body.EnvironmentID)
				if err != nil {
					return zero, 0, err
				}
				if !active {
					return zero, 0, invalid(codeSupportInactive, "environment_id",
						"This environment has no active support access, so there is no tier to request; ask the customer to grant (or extend) support access.")
				}
				if access.TierRank(in.Body.Tier) > access.TierRank(sa.Tier) {
					return zero, 0, invalid(codeTierAboveCeiling, "tier",
						fmt.Sprintf("The environment's support access allows at most %q; request that tier or a lower one.", sa.Tier))
				}
				r := api.AccessRequest{Meta: newMeta("arq", s.now()), EnvironmentID: in.Body.EnvironmentID, RequesterID: p.User.ID,
					Tier: in.Body.Tier, DurationSeconds: in.Body.DurationSeconds, Reason: in.Body.Reason, Status: requestPending}
				if err := tx.InsertAccessRequest(r); err != nil {
					return r, 0, err
				}
				return r, r.Version, s.audit(tx, p.User.ID, "access_request.create", "access_request", r.ID, r.EnvironmentID, nil, r)
			})
		})

	huma.Register(hapi, operation(http.MethodGet, "/v1/access-requests", "list-access-requests", "List access requests", http.StatusOK),
		func(ctx context.Context, in *requestListInput) (*listOutput[api.AccessRequest], error) {
			p, err := actor(ctx)
			if err != nil {
				return nil, err
			}
			f := AccessRequestFilter{Status: in.Status, EnvironmentID: in.EnvironmentID, RequesterID: in.RequesterID}
			if !p.has("cluster.admin") {
				if p.User.Kind != kindVendor {
					return nil, p.require("cluster.admin")
				}
				f.RequesterID = p.User.ID // a vendor sees only its own requests
			}
			if f.Status == statusExpired {
				f.Status = requestApproved // expired is approved-and-past, decided below
			}
			var next string
			items, err := view(ctx, s, func(tx Tx) ([]api.AccessRequest, error) {
				var items []api.AccessRequest
				var err error
				items, next, err = tx.AccessRequests(f, in.page())
				return items, err
			})
			if err != nil {
				return nil, storeErr(err, "access request", "")
			}
			out := []api.AccessRequest{}
			for _, r := range items {
				r = s.requestView(r)
				if in.Status == "" || r.Status == in.Status {
					out = append(out, r)
				}
			}
			return listOf(out, next), nil
		})

	huma.Register(hapi, operation(http.MethodGet, "/v1/access-requests/{id}", "get-access-request", "Read an access request", http.StatusOK),
		func(ctx context.Context, in *requestIDInput) (*objectOutput[api.AccessRequest], error) {
			p, err := actor(ctx)
			if err != nil {
				return nil, err
			}
			r, err := view(ctx, s, func(tx Tx) (api.AccessRequest, error) { return tx.AccessRequest(in.ID) })
			if err != nil {
				return nil, storeErr(err, "access request", in.ID)
			}
			if r.RequesterID != p.User.ID {
				if err := p.require("cluster.admin"); err != nil {
					return nil, err
				}
			}
			return output(http.StatusOK, s.requestView(r), r.Version), nil
		})

	// decide registers one state transition of an access request.
	decide := func(verb, summary string, from []string, apply func(tx Tx, r *api.AccessRequest, now time.Time) error) {
		huma.Register(hapi, operation(http.MethodPost, "/v1/access-requests/{id}/"+verb, verb+"-access-request", summary, http.StatusOK),
			func(ctx context.Context, in *requestDecideInput) (*objectOutput[api.AccessRequest], error) {
				p, err := actor(ctx)
				if err != nil {
					return nil, err
				}
				if err := p.require("cluster.admin"); err != nil {
					return nil, err
				}
				return idempotent(ctx, s, p, in.IdempotencyKey, struct{}{}, http.StatusOK, func(tx Tx) (api.AccessRequest, int64, error) {
					cur, err := tx.AccessRequest(in.ID)
					if err != nil {
						return cur, 0, storeErr(err, "access request", in.ID)
					}
					shown := s.requestView(cur)
					allowed := false
					for _, f := range from {
						allowed = allowed || shown.Status == f
					}
					if !allowed {
						return cur, 0, newProblem(http.StatusConflict, codeInvalidState, "",
							fmt.Sprintf("The request is %s; only a request that is %v can be %s.", shown.Status, from, verb+"d"))
					}
					now := s.now()
					next := cur
					next.DecidedBy = p.User.ID
					next.DecidedAt = timePtr(now)
					if err := apply(tx, &next, now); err != nil {
						return cur, 0, err
					}
					bump(&next.Meta, now)
					if err := tx.UpdateAccessRequest(next); err != nil {
						return cur, 0, err
					}
					next = s.requestView(next)
					return next, next.Version, s.audit(tx, p.User.ID, "access_request."+verb, "access_request", next.ID, next.EnvironmentID, shown, next)
				})
			})
	}

	decide("approve", "Approve a pending access request: the tier is held from now for its duration", []string{requestPending},
		func(tx Tx, r *api.AccessRequest, now time.Time) error {
			sa, active, err := s.activeSupport(tx, r.EnvironmentID)
			if err != nil {
				return err
			}
			if !active || access.TierRank(r.Tier) > access.TierRank(sa.Tier) {
				return newProblem(http.StatusConflict, codeSupportInactive, "",
					"The environment's support access is missing, expired or now below the requested tier; it cannot be approved.")
			}
			// The duration counts from the approval, never past the support access's own expiry.
			exp := now.Add(time.Duration(r.DurationSeconds) * time.Second)
			if sa.ExpiresAt != nil && sa.ExpiresAt.Before(exp) {
				exp = *sa.ExpiresAt
			}
			r.Status, r.ExpiresAt = requestApproved, &exp
			return nil
		})
	decide("deny", "Deny a pending access request", []string{requestPending},
		func(_ Tx, r *api.AccessRequest, _ time.Time) error {
			r.Status = requestDenied
			return nil
		})
	decide("revoke", "Revoke a pending or approved access request", []string{requestPending, requestApproved},
		func(_ Tx, r *api.AccessRequest, now time.Time) error {
			r.Status = requestRevoked
			if r.ExpiresAt != nil && now.Before(*r.ExpiresAt) {
				r.ExpiresAt = timePtr(now)
			}
			return nil
		})
}
