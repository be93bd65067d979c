package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The break-glass revoke: POST /v1/environments/{id}/support-access/revoke.

type vendorRevokeInput struct {
	IdempotencyParam
	ID   string `path:"id" doc:"The environment id."`
	Body api.VendorAccessRevoke
}

func (in *vendorRevokeInput) Resolve(huma.Context) []error {
	return findingErrors(access.ValidateText("reason", in.Body.Reason))
}

// revocationOutput answers the break-glass revoke: an outcome, not an object, so no ETag.
type revocationOutput struct {
	Replayed string `header:"Idempotent-Replayed" doc:"true when this is the stored response to an earlier request with the same Idempotency-Key."`
	Body     api.VendorAccessRevocation
}

func (s *Server) registerVendorRevoke(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodPost, "/v1/environments/{id}/support-access/revoke", "revoke-vendor-access", "Break-glass: end every vendor user's access to an environment now (approved and pending requests, standing access)", http.StatusOK), s.revokeVendorAccess)
}

// revokeVendorAccess is the break-glass revoke: in one transaction it ends everything the
// engine says gives vendor users a tier in the environment (access.RevokeVendorAccess),
// auditing each object it changes and the revoke itself. What it ends is no longer there to
// end, so a second call changes nothing and answers with empty lists.
func (s *Server) revokeVendorAccess(ctx context.Context, in *vendorRevokeInput) (*revocationOutput, error) {
	p, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	out := &revocationOutput{}
	err = s.withIdempotency(ctx, p, in.IdempotencyKey, in.Body,
		func(rec IdempotencyRecord) error {
			out.Replayed = "true"
			return json.Unmarshal(rec.Body, &out.Body)
		},
		func(tx Tx) (int, any, error) {
			res, err := s.endVendorAccess(tx, p, in.ID, in.Body)
			out.Body = res
			return http.StatusOK, res, err
		})
	if err != nil {
		return nil, storeErr(err, objectEnvironment, in.ID)
	}
	return out, nil
}

func (s *Server) endVendorAccess(tx Tx, p *principal, envID string, body api.VendorAccessRevoke) (api.VendorAccessRevocation, error) {
	res := api.VendorAccessRevocation{EnvironmentID: envID, UserID: body.UserID, Reason: body.Reason,
		RevokedApprovals: []api.AccessRequest{}, RevokedPending: []api.AccessRequest{}}
	env, err := tx.Environment(envID)
	if err != nil {
		return res, storeErr(err, objectEnvironment, envID)
	}
	res.EnvironmentName = env.Name
	if body.UserID != "" {
		if _, err := tx.User(body.UserID); errors.Is(err, ErrNotFound) {
			return res, invalid(codeInvalidField, "user_id", fmt.Sprintf("No user with id %q exists.", body.UserID))
		} else if err != nil {
			return res, err
		}
	}
	now := s.now()
	plan, d := s.pol().RevokeVendorAccess(p, envID, body.UserID, now)
	if d != nil {
		return res, d
	}
	revoke := func(r access.AccessRequest) (api.AccessRequest, error) {
		cur, err := tx.AccessRequest(r.ID)
		if err != nil {
			return cur, err
		}
		next := cur
		next.Status = requestRevoked
		next.DecidedBy = p.User.ID
		next.DecidedAt = timePtr(now)
		if next.ExpiresAt != nil && now.Before(*next.ExpiresAt) {
			next.ExpiresAt = timePtr(now)
		}
		bump(&next.Meta, now)
		if err := tx.UpdateAccessRequest(next); err != nil {
			return next, err
		}
		return next, s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectAccessRequest, Verb: "revoke", ID: next.ID, Env: envID, Before: s.requestView(cur), After: next})
	}
	for _, r := range plan.Approved {
		next, err := revoke(r)
		if err != nil {
			return res, err
		}
		res.RevokedApprovals = append(res.RevokedApprovals, next)
	}
	for _, r := range plan.Pending {
		next, err := revoke(r)
		if err != nil {
			return res, err
		}
		res.RevokedPending = append(res.RevokedPending, next)
	}
	sa, err := tx.SupportAccess(envID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return res, err
	}
	if err == nil {
		if plan.EndStanding {
			next := sa
			next.RequireApproval = true
			bump(&next.Meta, now)
			if err := tx.UpdateSupportAccess(next); err != nil {
				return res, err
			}
			if err := s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectSupportAccess, Verb: "update", ID: next.ID, Env: envID, Before: s.supportView(sa), After: s.supportView(next)}); err != nil {
				return res, err
			}
			res.StandingAccessEnded, sa = true, next
		}
		view := s.supportView(sa)
		res.SupportAccess = &view
	}
	// The revoke itself is audited even when it ended nothing: who broke the glass, and why.
	return res, s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectEnvironment, Verb: "vendor_access.revoke", ID: envID, Env: envID, After: res})
}
