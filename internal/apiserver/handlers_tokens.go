package apiserver

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// API tokens: a user's bearer secrets, issued once and revoked, never changed.

type tokenCreateInput struct {
	IdempotencyParam
	ID   string `path:"id" doc:"The user id."`
	Body api.TokenCreate
}

func (in *tokenCreateInput) Resolve(ctx huma.Context) []error {
	fs := access.ValidateOptionalName("name", in.Body.Name)
	fs = append(fs, access.ValidateTokenExpiry(in.Body.ExpiresAt, requestNow(ctx))...)
	return findingErrors(fs)
}

type tokenDeleteInput struct {
	IdempotencyParam
	ID      string `path:"id" doc:"The user id."`
	TokenID string `path:"token_id" doc:"The token id."`
}

func (s *Server) registerTokens(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodPost, "/v1/users/{id}/tokens", "create-token", "Issue an API token; the secret is returned only in this response", http.StatusCreated), s.createToken)
	huma.Register(hapi, operation(http.MethodDelete, "/v1/users/{id}/tokens/{token_id}", "delete-token", "Revoke an API token", http.StatusNoContent), s.deleteToken)
}

func (s *Server) createToken(ctx context.Context, in *tokenCreateInput) (*objectOutput[api.Token], error) {
	out, err := idempotent(ctx, s, in.IdempotencyKey, in.Body, http.StatusCreated, func(tx Tx, p *principal) (api.Token, int64, error) {
		// After the replay lookup, so that a retry is answered even once expires_at is near.
		if err := futureExpiry(in.Body.ExpiresAt, s.now()); err != nil {
			return api.Token{}, 0, err
		}
		if _, err := tx.User(in.ID); err != nil {
			return api.Token{}, 0, storeErr(err, objectUser, in.ID)
		}
		if d := s.pol().CanMintToken(p, in.ID, s.now()); d != nil {
			return api.Token{}, 0, d
		}
		if d := access.CanMintTokenUntil(p, in.Body.ExpiresAt); d != nil {
			return api.Token{}, 0, d
		}
		secret := newTokenSecret()
		t := TokenRecord{Token: api.Token{ID: newID("tok"), UserID: in.ID, Name: in.Body.Name,
			ExpiresAt: in.Body.ExpiresAt, CreatedAt: s.now()}, Hash: hashToken(secret)}
		if err := tx.InsertToken(t); err != nil {
			return api.Token{}, 0, err
		}
		// The audit log records the token, never its secret.
		if err := s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectToken, Verb: "create", ID: t.ID, After: t.Token}); err != nil {
			return api.Token{}, 0, err
		}
		t.Secret = secret
		return t.Token, 0, nil
	})
	if out != nil {
		out.ETag = "" // tokens are immutable: no version
	}
	return out, err
}

func (s *Server) deleteToken(ctx context.Context, in *tokenDeleteInput) (*noContentOutput, error) {
	out, err := idempotentDelete(ctx, s, in.IdempotencyKey, func(tx Tx, p *principal) error {
		t, err := tx.Token(in.ID, in.TokenID)
		if err != nil {
			return err
		}
		if d := s.pol().CanRevokeToken(p, in.ID, t.ID, s.now()); d != nil {
			return d
		}
		if err := tx.DeleteToken(t.ID); err != nil {
			return err
		}
		return s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectToken, Verb: "delete", ID: t.ID, Before: t.Token})
	})
	if err != nil {
		return nil, storeErr(err, objectToken, in.TokenID)
	}
	return out, nil
}
