package apiserver

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// newID returns an opaque id: a type prefix (so that a mixed-up id is obvious in logs)
// and 128 bits of randomness.
func newID(prefix string) string {
	return prefix + "_" + strings.ToLower(rand.Text())
}

func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// checkIfMatch enforces optimistic concurrency: an If-Match naming another version than
// the stored one fails with 412, so that a client never overwrites a change it has not seen.
// The version may be quoted (an ETag) or bare; "*" and "" match anything.
func checkIfMatch(ifMatch string, version int64) error {
	v := strings.TrimSpace(ifMatch)
	if v == "" || v == "*" {
		return nil
	}
	v = strings.Trim(strings.TrimPrefix(v, "W/"), `"`)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n == version {
		return nil
	}
	return newProblem(http.StatusPreconditionFailed, codeVersionMismatch, "",
		fmt.Sprintf("If-Match names version %s but the current version is %d; read the object again and retry.", ifMatch, version))
}

// objectOutput is the response of every call that returns one object: the body, its
// version as ETag and, for replayed idempotent POSTs, Idempotent-Replayed.
type objectOutput[T any] struct {
	Status   int
	ETag     string `header:"ETag" doc:"The object's version."`
	Replayed string `header:"Idempotent-Replayed" doc:"true when this is the stored response to an earlier request with the same Idempotency-Key."`
	Body     T
}

func output[T any](status int, v T, version int64) *objectOutput[T] {
	return &objectOutput[T]{Status: status, ETag: etag(version), Body: v}
}

type listOutput[T any] struct {
	Body api.List[T]
}

func listOf[T any](items []T, next string) *listOutput[T] {
	if items == nil {
		items = []T{}
	}
	return &listOutput[T]{Body: api.List[T]{Items: items, NextCursor: next}}
}

// PageParams are the pagination query parameters of every list. (Exported only because
// huma reads parameters from exported embedded structs.)
type PageParams struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"1000" default:"100" doc:"Page size."`
	Cursor string `query:"cursor" doc:"The next_cursor of the previous page."`
}

func (p PageParams) page() Page {
	if p.Limit <= 0 {
		p.Limit = 100
	}
	return Page{Limit: p.Limit, Cursor: p.Cursor}
}

// IfMatchParam is embedded in the input of every PATCH, PUT and DELETE.
type IfMatchParam struct {
	IfMatch string `header:"If-Match" doc:"The version (ETag) the change is based on; a stale one fails with 412."`
}

// IdempotencyParam is embedded in the input of every POST that changes something.
type IdempotencyParam struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"255" doc:"Retrying with the same key and body returns the first response instead of acting twice."`
}

// storeErr translates the store's typed errors into problems; kind and id name the object
// for a 404.
func storeErr(err error, kind, id string) error {
	var pe *problemError
	var ce *ConflictError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		return pe
	case errors.Is(err, ErrNotFound):
		return notFound(kind, id)
	case errors.As(err, &ce):
		if ce.Field != "" {
			return newProblem(http.StatusConflict, codeNameTaken, ce.Field,
				fmt.Sprintf("Another %s already has this %s; %s must be unique.", kind, ce.Field, ce.Field))
		}
		return newProblem(http.StatusConflict, codeConflict, "", fmt.Sprintf("The %s already exists.", kind))
	case errors.Is(err, ErrInvalidCursor):
		return invalid(codeInvalidField, "cursor", "The cursor is not one this server returned; start again without it.")
	}
	return err
}

// audit writes one audit event inside the transaction of the change it records, so that
// the log can never miss a change nor record one that rolled back.
func (s *Server) audit(tx Tx, actorID, action, objectType, objectID, envID string, before, after any) error {
	enc := func(v any) json.RawMessage {
		if v == nil {
			return nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil
		}
		return b
	}
	return tx.InsertAuditEvent(api.AuditEvent{
		ID: newID("evt"), At: s.now(), ActorID: actorID, Action: action, ObjectType: objectType,
		ObjectID: objectID, EnvironmentID: envID, Before: enc(before), After: enc(after),
	})
}

// idempotent runs a POST's change in one transaction together with its idempotency record.
// A retry with the same key and body finds the record and gets the first response back
// (same object, same status) without acting again; the same key with another body is a
// client bug and fails with 422. Because the record commits with the change and writes are
// serialized, two concurrent duplicates can never both create.
func idempotent[T any](ctx context.Context, s *Server, p *principal, key string, body any, status int,
	fn func(tx Tx) (T, int64, error),
) (*objectOutput[T], error) {
	var hash string
	if key != "" {
		ri := requestInfoFrom(ctx)
		h := sha256.New()
		if ri != nil {
			fmt.Fprintf(h, "%s %s\n", ri.method, ri.path)
		}
		b, _ := json.Marshal(body)
		h.Write(b)
		hash = hex.EncodeToString(h.Sum(nil))
	}
	var out *objectOutput[T]
	err := s.store.Update(ctx, func(tx Tx) error {
		if key != "" {
			rec, err := tx.Idempotency(p.User.ID, key)
			switch {
			case err == nil:
				if rec.RequestHash != hash {
					return invalid(codeIdempotencyKeyReused, "Idempotency-Key",
						"This Idempotency-Key was already used for a different request; use a new key for a new request.")
				}
				var v T
				if err := json.Unmarshal(rec.Body, &v); err != nil {
					return err
				}
				var meta struct {
					Version int64 `json:"version"`
				}
				_ = json.Unmarshal(rec.Body, &meta)
				out = output(rec.Status, v, meta.Version)
				out.Replayed = "true"
				return nil
			case !errors.Is(err, ErrNotFound):
				return err
			}
		}
		v, version, err := fn(tx)
		if err != nil {
			return err
		}
		out = output(status, v, version)
		if key == "" {
			return nil
		}
		b, err := json.Marshal(redactSecrets(v))
		if err != nil {
			return err
		}
		return tx.InsertIdempotency(p.User.ID, key, IdempotencyRecord{RequestHash: hash, Status: status, Body: b, CreatedAt: s.now()})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// redactSecrets keeps token secrets out of the idempotency table: a replayed token
// creation returns the token without its secret rather than store the secret in clear.
func redactSecrets(v any) any {
	if t, ok := v.(api.Token); ok {
		t.Secret = ""
		return t
	}
	return v
}

func sortedUnique(xs []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

func timePtr(t time.Time) *time.Time { return &t }

func newMeta(prefix string, now time.Time) api.Meta {
	return api.Meta{ID: newID(prefix), Version: 1, CreatedAt: now, UpdatedAt: now}
}

// bump records one change on m.
func bump(m *api.Meta, now time.Time) {
	m.Version++
	m.UpdatedAt = now
}

// view runs fn in a read transaction and returns what it produced.
func view[T any](ctx context.Context, s *Server, fn func(tx Tx) (T, error)) (T, error) {
	var out T
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

// change runs fn in a write transaction and returns what it produced.
func change[T any](ctx context.Context, s *Server, fn func(tx Tx) (T, error)) (T, error) {
	var out T
	err := s.store.Update(ctx, func(tx Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}
