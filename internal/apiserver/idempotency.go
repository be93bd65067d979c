package apiserver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Idempotency: a change sent with an Idempotency-Key acts once; a retry gets the first answer.
// (idempotency_ttl.go ages and prunes the records.)

// IdempotencyParam is embedded in the input of every request that changes something: every
// POST but the authorize query, and every PATCH, PUT and DELETE.
type IdempotencyParam struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"255" doc:"Retrying with the same key and body returns the first response instead of acting twice."`
}

// requestHash identifies a request for idempotency: its method, its path, its query (in
// canonical form: the order of parameters does not matter) and its body, so that a key
// reused for anything else is recognised as a client bug. The principal is the record's own
// key (each actor's keys are its own). A request without a query hashes as it did before
// queries counted, so that replicas of two versions sharing a store during a rolling upgrade
// still recognise each other's records; with one, path and query are quoted, which no bare
// path (always starting with "/") can be confused with.
func requestHash(ctx context.Context, body any) (string, error) {
	h := sha256.New()
	if ri := requestInfoFrom(ctx); ri != nil {
		line := fmt.Sprintf("%s %s\n", ri.method, ri.path)
		if ri.query != "" {
			line = fmt.Sprintf("%s %q %q\n", ri.method, ri.path, ri.query)
		}
		h.Write([]byte(line))
	}
	b, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// withIdempotency runs a change (fn) in one write transaction together with the idempotency
// record of key. When the actor already used key for the same method, path and body, the
// stored record is handed to replay instead and fn does not run: the caller answers with the
// first response without acting twice. The same key for another request fails with 422.
// Because the record commits with the change and writes are serialized, two concurrent
// duplicates can never both act. An empty key runs fn alone. A record older than the
// idempotency TTL counts as absent: the key acts anew.
//
// fn returns the status and the body to store (nil for an empty body).
func (s *Server) withIdempotency(ctx context.Context, p *principal, key string, body any,
	replay func(IdempotencyRecord) error, fn func(tx Tx) (status int, stored any, err error),
) error {
	var hash string
	if key != "" {
		var err error
		if hash, err = requestHash(ctx, body); err != nil {
			return err
		}
	}
	replayed := false
	err := s.update(ctx, func(tx Tx) error {
		replayed = false
		if key != "" {
			rec, err := tx.Idempotency(p.User.ID, key, s.idempotencyCutoff())
			switch {
			case err == nil:
				if rec.RequestHash != hash {
					return invalid(codeIdempotencyKeyReused, "Idempotency-Key",
						"This Idempotency-Key was already used for a different request; use a new key for a new request.")
				}
				replayed = true
				return replay(rec)
			case !errors.Is(err, ErrNotFound):
				return err
			}
		}
		status, stored, err := fn(tx)
		if err != nil || key == "" {
			return err
		}
		b := []byte{}
		if stored != nil {
			if b, err = json.Marshal(stored); err != nil {
				return err
			}
		}
		return tx.InsertIdempotency(p.User.ID, key, IdempotencyRecord{RequestHash: hash, Status: status, Body: b, CreatedAt: s.now()})
	})
	if err == nil && replayed {
		s.metrics.IdempotentReplay()
	}
	return err
}

// idempotent runs a change that answers with one object (a create, an update, an action)
// under withIdempotency, as the authenticated caller, which fn receives as p. A replay returns the stored object with its status and version
// (ETag), marked Idempotent-Replayed: a retried PATCH whose first response was lost gets
// that response, not a 412 for the If-Match its own first attempt made stale.
func idempotent[T any](ctx context.Context, s *Server, key string, body any, status int,
	fn func(tx Tx, p *principal) (T, int64, error),
) (*objectOutput[T], error) {
	p, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var out *objectOutput[T]
	err = s.withIdempotency(ctx, p, key, body,
		func(rec IdempotencyRecord) error {
			var v T
			if err := json.Unmarshal(rec.Body, &v); err != nil {
				return err
			}
			var meta struct {
				Version int64 `json:"version"`
			}
			if err := json.Unmarshal(rec.Body, &meta); err != nil {
				return err
			}
			out = output(rec.Status, v, meta.Version)
			out.Replayed = "true"
			return nil
		},
		func(tx Tx) (int, any, error) {
			v, version, err := fn(tx, p)
			if err != nil {
				return 0, nil, err
			}
			out = output(status, v, version)
			return status, redactSecrets(v), nil
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// idempotentDelete runs a change answered with 204 (a DELETE) under withIdempotency: a
// retried DELETE whose first response was lost gets 204 again, not a 404 for the object its
// own first attempt removed. fn receives the authenticated caller as p.
func idempotentDelete(ctx context.Context, s *Server, key string, fn func(tx Tx, p *principal) error) (*noContentOutput, error) {
	p, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	out := &noContentOutput{}
	err = s.withIdempotency(ctx, p, key, nil,
		func(IdempotencyRecord) error {
			out.Replayed = "true"
			return nil
		},
		func(tx Tx) (int, any, error) {
			return http.StatusNoContent, nil, fn(tx, p)
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// redactSecrets keeps secrets out of the idempotency table: a replayed token creation
// returns the token without its secret, a replayed rotation the alert credentials without
// theirs, rather than store a secret a second time.
func redactSecrets(v any) any {
	switch t := v.(type) {
	case api.Token:
		t.Secret = ""
		return t
	case api.AlertCredentials:
		t.IngestKey, t.SigningSecret, t.PreviousSigningSecret = "", "", ""
		return t
	}
	return v
}
