package apiserver

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Support access: the vendor's tier ceiling in an environment, one per environment. Its
// deletion ends the access requests under it (the break-glass revoke is handlers_vendor_revoke.go).

type supportCreateInput struct {
	IdempotencyParam
	ID   string `path:"id" doc:"The environment id."`
	Body api.SupportAccessCreate
}

// Resolve checks what needs no environment (the tier name, port forwarding); the cloud
// rule runs in the handler once the environment is loaded.
func (in *supportCreateInput) Resolve(huma.Context) []error {
	return findingErrors(access.ValidateSupportAccess(in.Body.Tier, in.Body.PortForwarding, ""))
}

type supportIDInput struct {
	ID string `path:"id" doc:"The environment id."`
}

type supportUpdateInput struct {
	IfMatchParam
	IdempotencyParam
	ID   string `path:"id" doc:"The environment id."`
	Body api.SupportAccessUpdate
}

type supportDeleteInput struct {
	IfMatchParam
	IdempotencyParam
	ID string `path:"id" doc:"The environment id."`
}

// supportView fills the computed fields of a support access.
func (s *Server) supportView(a api.SupportAccess) api.SupportAccess {
	a.Status = access.SupportStatus(policySupport(a), s.now())
	a.Capabilities = access.Capabilities(a.Tier, a.PortForwarding)
	return a
}

func futureExpiry(t *time.Time, now time.Time) error {
	if fs := access.ValidateFutureExpiry(t, now); access.HasErrors(fs) {
		return findingsProblem(fs)
	}
	return nil
}

// revokeRequests revokes the access requests that deleting the environment's support access
// ends (access.Policy.SupportAccessEnds: approved and pending): without support access there
// is no ceiling left for them to sit under, nor one to be approved against.
func (s *Server) revokeRequests(tx Tx, p *principal, envID string) error {
	now := s.now()
	for _, e := range s.pol().SupportAccessEnds(envID) {
		r, err := tx.AccessRequest(e.ID)
		if err != nil {
			return err
		}
		next := r
		next.Status = requestRevoked
		next.DecidedBy = p.User.ID
		next.DecidedAt = timePtr(now)
		bump(&next.Meta, now)
		if err := tx.UpdateAccessRequest(next); err != nil {
			return err
		}
		if err := s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectAccessRequest, Verb: "revoke", ID: r.ID, Env: envID, Before: r, After: next}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) registerSupportAccess(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodPost, "/v1/environments/{id}/support-access", "create-support-access", "Grant the vendor a support tier ceiling in an environment", http.StatusCreated), s.createSupportAccess)
	huma.Register(hapi, operation(http.MethodGet, "/v1/environments/{id}/support-access", "get-support-access", "Read an environment's support access (expired access still reads back, status expired)", http.StatusOK), s.getSupportAccess)
	huma.Register(hapi, operation(http.MethodPatch, "/v1/environments/{id}/support-access", "update-support-access", "Change support access; a later expires_at re-activates expired access in place", http.StatusOK), s.updateSupportAccess)
	huma.Register(hapi, operation(http.MethodDelete, "/v1/environments/{id}/support-access", "delete-support-access", "Revoke support access (and the environment's approved and pending access requests)", http.StatusNoContent), s.deleteSupportAccess)
}

func (s *Server) createSupportAccess(ctx context.Context, in *supportCreateInput) (*objectOutput[api.SupportAccess], error) {
	return idempotent(ctx, s, in.IdempotencyKey, in.Body, http.StatusCreated, func(tx Tx, p *principal) (api.SupportAccess, int64, error) {
		if err := futureExpiry(in.Body.ExpiresAt, s.now()); err != nil {
			return api.SupportAccess{}, 0, err
		}
		env, err := tx.Environment(in.ID)
		if err != nil {
			return api.SupportAccess{}, 0, storeErr(err, objectEnvironment, in.ID)
		}
		if fs := access.ValidateSupportAccess(in.Body.Tier, in.Body.PortForwarding, env.Cloud); access.HasErrors(fs) {
			return api.SupportAccess{}, 0, findingsProblem(fs)
		}
		a := api.SupportAccess{Meta: newMeta("sup", s.now()), EnvironmentID: env.ID, Tier: in.Body.Tier,
			PortForwarding: in.Body.PortForwarding, ExpiresAt: in.Body.ExpiresAt,
			RequireApproval: in.Body.RequireApproval == nil || *in.Body.RequireApproval}
		if err := tx.InsertSupportAccess(a); err != nil {
			var ce *ConflictError
			if errors.As(err, &ce) {
				return a, 0, newProblem(http.StatusConflict, codeConflict, "",
					"This environment already has support access.")
			}
			return a, 0, err
		}
		a = s.supportView(a)
		return a, a.Version, s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectSupportAccess, Verb: "create", ID: a.ID, Env: env.ID, After: a})
	})
}

func (s *Server) getSupportAccess(ctx context.Context, in *supportIDInput) (*objectOutput[api.SupportAccess], error) {
	a, err := view(ctx, s, func(tx Tx) (api.SupportAccess, error) {
		if _, err := tx.Environment(in.ID); err != nil {
			return api.SupportAccess{}, storeErr(err, objectEnvironment, in.ID)
		}
		a, err := tx.SupportAccess(in.ID)
		if errors.Is(err, ErrNotFound) {
			return a, newProblem(http.StatusNotFound, codeNotFound, "", "This environment has no support access.")
		}
		return a, err
	})
	if err != nil {
		return nil, storeErr(err, objectSupportAccess, in.ID)
	}
	return output(http.StatusOK, s.supportView(a), a.Version), nil
}

func (s *Server) updateSupportAccess(ctx context.Context, in *supportUpdateInput) (*objectOutput[api.SupportAccess], error) {
	if in.Body.ClearExpiry && in.Body.ExpiresAt != nil {
		return nil, invalid(codeInvalidField, "clear_expiry", "Send either expires_at or clear_expiry, not both.")
	}
	out, err := idempotent(ctx, s, in.IdempotencyKey, in.Body, http.StatusOK, func(tx Tx, p *principal) (api.SupportAccess, int64, error) {
		// Checked after the replay lookup: a retry whose first attempt committed must
		// get that answer even when expires_at has come closer than the clock allows.
		if err := futureExpiry(in.Body.ExpiresAt, s.now()); err != nil {
			return api.SupportAccess{}, 0, err
		}
		env, err := tx.Environment(in.ID)
		if err != nil {
			return api.SupportAccess{}, 0, storeErr(err, objectEnvironment, in.ID)
		}
		cur, err := tx.SupportAccess(in.ID)
		if errors.Is(err, ErrNotFound) {
			return cur, 0, newProblem(http.StatusNotFound, codeNotFound, "", "This environment has no support access.")
		} else if err != nil {
			return cur, 0, err
		}
		if err := checkIfMatch(in.IfMatch, cur.Version); err != nil {
			return cur, 0, err
		}
		next := cur
		if in.Body.Tier != nil {
			next.Tier = *in.Body.Tier
		}
		if in.Body.PortForwarding != nil {
			next.PortForwarding = *in.Body.PortForwarding
		}
		if in.Body.ExpiresAt != nil {
			next.ExpiresAt = in.Body.ExpiresAt
		}
		if in.Body.ClearExpiry {
			next.ExpiresAt = nil
		}
		if in.Body.RequireApproval != nil {
			next.RequireApproval = *in.Body.RequireApproval
		}
		if fs := access.ValidateSupportAccess(next.Tier, next.PortForwarding, env.Cloud); access.HasErrors(fs) {
			return cur, 0, findingsProblem(fs)
		}
		bump(&next.Meta, s.now())
		if err := tx.UpdateSupportAccess(next); err != nil {
			return cur, 0, err
		}
		return s.supportView(next), next.Version, s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectSupportAccess, Verb: "update", ID: next.ID, Env: env.ID, Before: s.supportView(cur), After: s.supportView(next)})
	})
	if err != nil {
		return nil, storeErr(err, objectSupportAccess, in.ID)
	}
	return out, nil
}

func (s *Server) deleteSupportAccess(ctx context.Context, in *supportDeleteInput) (*noContentOutput, error) {
	out, err := idempotentDelete(ctx, s, in.IdempotencyKey, func(tx Tx, p *principal) error {
		if _, err := tx.Environment(in.ID); err != nil {
			return storeErr(err, objectEnvironment, in.ID)
		}
		cur, err := tx.SupportAccess(in.ID)
		if errors.Is(err, ErrNotFound) {
			return newProblem(http.StatusNotFound, codeNotFound, "", "This environment has no support access.")
		} else if err != nil {
			return err
		}
		if err := checkIfMatch(in.IfMatch, cur.Version); err != nil {
			return err
		}
		if err := tx.DeleteSupportAccess(in.ID); err != nil {
			return err
		}
		if err := s.revokeRequests(tx, p, in.ID); err != nil {
			return err
		}
		return s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectSupportAccess, Verb: "delete", ID: cur.ID, Env: in.ID, Before: s.supportView(cur)})
	})
	if err != nil {
		return nil, storeErr(err, objectSupportAccess, in.ID)
	}
	return out, nil
}
