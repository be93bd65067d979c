package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// Alert credentials: an environment's ingest key and signing secret, made with it, read and
// rotated by cluster.admin (access.CanReadAlertCredentials, the routes' check). The secrets
// never reach the audit log (credentialsAudit) nor the idempotency table (redactSecrets).

type credentialsInput struct {
	ID string `path:"id" doc:"The environment id."`
}

type credentialsRotateInput struct {
	IdempotencyParam
	ID string `path:"id" doc:"The environment id."`
}

func (s *Server) registerAlertCredentials(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodGet, "/v1/environments/{id}/alert-routing/credentials", "get-alert-credentials", "Read an environment's alert credentials: ingest URL and key, signing secrets", http.StatusOK), s.getAlertCredentials)
	huma.Register(hapi, operation(http.MethodPost, "/v1/environments/{id}/alert-routing/ingest-key/rotate", "rotate-ingest-key", "Replace an environment's ingest key; the old one stops at once", http.StatusOK), s.rotateIngestKey)
	huma.Register(hapi, operation(http.MethodPost, "/v1/environments/{id}/alert-routing/signing-secret/rotate", "rotate-signing-secret", "Replace an environment's signing secret; the old one stays in use for 24 hours", http.StatusOK), s.rotateSigningSecret)
}

func (s *Server) getAlertCredentials(ctx context.Context, in *credentialsInput) (*objectOutput[api.AlertCredentials], error) {
	c, err := view(ctx, s, func(tx Tx) (store.AlertCredentialsRecord, error) {
		if _, err := tx.Environment(in.ID); err != nil {
			return store.AlertCredentialsRecord{}, storeErr(err, objectEnvironment, in.ID)
		}
		return tx.AlertCredentials(in.ID)
	})
	if err != nil {
		return nil, storeErr(err, objectAlertCredentials, in.ID)
	}
	return s.credentialsOutput(ctx, c), nil
}

func (s *Server) rotateIngestKey(ctx context.Context, in *credentialsRotateInput) (*objectOutput[api.AlertCredentials], error) {
	return s.rotateCredentials(ctx, in, "ingest_key_rotate", store.AlertCredentialsRecord.WithNewIngestKey)
}

func (s *Server) rotateSigningSecret(ctx context.Context, in *credentialsRotateInput) (*objectOutput[api.AlertCredentials], error) {
	return s.rotateCredentials(ctx, in, "signing_secret_rotate", store.AlertCredentialsRecord.WithNewSigningSecret)
}

// rotateCredentials is both rotations: it replaces what rotate replaces, stores it and
// audits the change (without the secrets), all in one transaction.
func (s *Server) rotateCredentials(ctx context.Context, in *credentialsRotateInput, verb string,
	rotate func(store.AlertCredentialsRecord, time.Time) store.AlertCredentialsRecord,
) (*objectOutput[api.AlertCredentials], error) {
	out, err := idempotent(ctx, s, in.IdempotencyKey, nil, http.StatusOK, func(tx Tx, p *principal) (api.AlertCredentials, int64, error) {
		if _, err := tx.Environment(in.ID); err != nil {
			return api.AlertCredentials{}, 0, storeErr(err, objectEnvironment, in.ID)
		}
		cur, err := tx.AlertCredentials(in.ID)
		if err != nil {
			return api.AlertCredentials{}, 0, err
		}
		cur = cur.Current(s.now())
		next := rotate(cur, s.now())
		if err := tx.UpdateAlertCredentials(next); err != nil {
			return api.AlertCredentials{}, 0, err
		}
		if err := s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectAlertCredentials, Verb: verb, ID: in.ID, Env: in.ID,
			Before: credentialsAudit(cur), After: credentialsAudit(next)}); err != nil {
			return api.AlertCredentials{}, 0, err
		}
		return s.credentialsOutput(ctx, next).Body, 0, nil
	})
	s.dispatcher.Forget(in.ID) // the next attempt signs with the new signing secret
	if err != nil {
		return nil, storeErr(err, objectAlertCredentials, in.ID)
	}
	out.ETag = "" // credentials carry no version
	return out, nil
}

// credentialsOutput answers with c as the caller reads it: its ingest URL filled in, an
// expired previous signing secret left out.
func (s *Server) credentialsOutput(ctx context.Context, c store.AlertCredentialsRecord) *objectOutput[api.AlertCredentials] {
	w := c.Current(s.now()).AlertCredentials
	w.IngestURL = s.ingestURL(ctx, c.EnvironmentID)
	return unversioned(w)
}

// ingestURL is where environment envID's alerts are posted: under -public-url when the
// server has one, else under the scheme and host this request was sent to.
func (s *Server) ingestURL(ctx context.Context, envID string) string {
	base := s.publicURL
	if ri := requestInfoFrom(ctx); base == "" && ri != nil {
		base = ri.base
	}
	return base + "/v1/environments/" + url.PathEscape(envID) + "/alerts"
}

// credentialsAudit is what the audit log records of an environment's credentials: when each
// was made and until when the previous signing secret stays, never a secret.
func credentialsAudit(c store.AlertCredentialsRecord) map[string]any {
	m := map[string]any{"environment_id": c.EnvironmentID, "ingest_key_rotated_at": c.IngestKeyRotatedAt,
		"signing_secret_rotated_at": c.SigningSecretRotatedAt}
	if c.PreviousSigningSecretExpiresAt != nil {
		m["previous_signing_secret_expires_at"] = *c.PreviousSigningSecretExpiresAt
	}
	return m
}

// newAlertCredentials makes and audits environment envID's credentials, in its creating
// transaction.
func (s *Server) newAlertCredentials(tx Tx, actorID, envID string) error {
	c := store.NewAlertCredentials(envID, s.now())
	if err := tx.InsertAlertCredentials(c); err != nil {
		return err
	}
	return s.audit(tx, auditEntry{Actor: actorID, Kind: objectAlertCredentials, Verb: "create", ID: envID, Env: envID, After: credentialsAudit(c)})
}

// CheckPublicURL accepts "" or an absolute http(s) URL with a host and no query: the base of
// the URLs the server hands out (-public-url).
func CheckPublicURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("-public-url %q must be an absolute http:// or https:// URL with a host and no query, e.g. https://warden.example.com", raw)
	}
	return nil
}
