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

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// newID returns an opaque id: a type prefix (so that a mixed-up id is obvious in logs)
// and 128 bits of randomness.
func newID(prefix string) string {
	return prefix + "_" + strings.ToLower(rand.Text())
}

// newTokenSecret makes a bearer secret in the format POST /v1/users/{id}/tokens issues:
// a recognisable prefix (for secret scanners) and 256 bits of randomness.
func newTokenSecret() string {
	return "wdn_" + rand.Text() + rand.Text()
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
// version as ETag and, for replayed idempotent requests, Idempotent-Replayed.
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
	return Page(p)
}

// IfMatchParam is embedded in the input of every PATCH, PUT and DELETE (beside
// IdempotencyParam).
type IfMatchParam struct {
	IfMatch string `header:"If-Match" doc:"The version (ETag) the change is based on; a stale one fails with 412."`
}

// IdempotencyParam is embedded in the input of every request that changes something: every
// POST but the authorize query, and every PATCH, PUT and DELETE.
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
		return err // as it is: it may carry headers (a 401's challenge)
	case errors.Is(err, ErrNotFound):
		return notFound(kind, id)
	case errors.As(err, &ce):
		if ce.Field == "email" {
			return newProblem(http.StatusConflict, codeNameTaken, ce.Field,
				fmt.Sprintf("Another %s already has this email, or one that differs only in case; email must be unique whatever its case.", kind))
		}
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
	e := api.AuditEvent{
		ID: newID("evt"), At: s.now(), ActorID: actorID, Action: action, ObjectType: objectType,
		ObjectID: objectID, EnvironmentID: envID, Before: enc(before), After: enc(after),
	}
	if rt, ok := tx.(*requestTx); ok && rt.req != nil {
		e.RequestID, e.ClientRequestID = rt.req.id, rt.req.clientID
	}
	return tx.InsertAuditEvent(e)
}

// requestTx is a Tx that knows the request it serves, so that audit records which request
// made each change without every call site passing the request along.
type requestTx struct {
	Tx
	req *requestInfo
}

// auditCascade records each object that deleting the kind/id object removes with it (a
// user's tokens, memberships, assignments and requests; an environment's grants, support
// access and requests; ...), so that the log shows every access that ended, not only the
// object named in the request. It runs before the delete, inside its transaction.
func (s *Server) auditCascade(tx Tx, actorID, kind, id string) error {
	with := kind + " " + id
	for _, c := range s.pol().Cascade(kind, id) {
		typ, oid, env := c.Kind, c.ID, c.EnvironmentID
		if err := s.audit(tx, actorID, typ+".delete", typ, oid, env, map[string]string{"id": oid, "deleted_with": with}, nil); err != nil {
			return err
		}
	}
	if kind == "environment" {
		return s.auditRoutingCascade(tx, actorID, id, with)
	}
	return nil
}

// auditRoutingCascade records the environment's alert routing and each of its destinations,
// which its deletion removes too. Routing decides no access, so it is the store's alone (not
// in the engine's snapshot, whose Cascade lists the rest): it is read here, in the deleting
// transaction. A destination is named as warden_alert_destination names it,
// "<environment_id>/<type>/<target digest>", and its target is recorded redacted.
func (s *Server) auditRoutingCascade(tx Tx, actorID, envID, with string) error {
	r, err := tx.AlertRouting(envID)
	if errors.Is(err, ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if err := s.audit(tx, actorID, "alert_routing.delete", "alert_routing", r.ID, envID,
		map[string]string{"id": r.ID, "deleted_with": with, "vendor_routing": strconv.FormatBool(r.VendorRouting),
			"destinations_mode": r.DestinationsMode}, nil); err != nil {
		return err
	}
	for _, d := range r.Destinations {
		oid := envID + "/" + d.Type + "/" + access.TargetDigest(d.Target)
		before := map[string]string{"id": oid, "deleted_with": with, "type": d.Type,
			"target": access.RedactTarget(d.Type, d.Target), "min_severity": d.MinSeverity}
		if err := s.audit(tx, actorID, "alert_destination.delete", "alert_destination", oid, envID, before, nil); err != nil {
			return err
		}
	}
	return nil
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
	return s.update(ctx, func(tx Tx) error {
		if key != "" {
			rec, err := tx.Idempotency(p.User.ID, key, s.idempotencyCutoff())
			switch {
			case err == nil:
				if rec.RequestHash != hash {
					return invalid(codeIdempotencyKeyReused, "Idempotency-Key",
						"This Idempotency-Key was already used for a different request; use a new key for a new request.")
				}
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
}

// idempotent runs a change that answers with one object (a create, an update, an action)
// under withIdempotency. A replay returns the stored object with its status and version
// (ETag), marked Idempotent-Replayed: a retried PATCH whose first response was lost gets
// that response, not a 412 for the If-Match its own first attempt made stale.
func idempotent[T any](ctx context.Context, s *Server, p *principal, key string, body any, status int,
	fn func(tx Tx) (T, int64, error),
) (*objectOutput[T], error) {
	var out *objectOutput[T]
	err := s.withIdempotency(ctx, p, key, body,
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
			v, version, err := fn(tx)
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

// noContentOutput is the 204 of every DELETE; a replay is marked Idempotent-Replayed.
type noContentOutput struct {
	Replayed string `header:"Idempotent-Replayed" doc:"true when this is the stored response to an earlier request with the same Idempotency-Key."`
}

// idempotentDelete runs a change answered with 204 (a DELETE) under withIdempotency: a
// retried DELETE whose first response was lost gets 204 again, not a 404 for the object its
// own first attempt removed.
func idempotentDelete(ctx context.Context, s *Server, p *principal, key string, fn func(tx Tx) error) (*noContentOutput, error) {
	out := &noContentOutput{}
	err := s.withIdempotency(ctx, p, key, nil,
		func(IdempotencyRecord) error {
			out.Replayed = "true"
			return nil
		},
		func(tx Tx) (int, any, error) {
			return http.StatusNoContent, nil, fn(tx)
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

// view runs fn in a read transaction and returns what it produced, once the caller's right
// to it has been taken again after the read (stillAllowed).
func view[T any](ctx context.Context, s *Server, fn func(tx Tx) (T, error)) (T, error) {
	var out T
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	if err == nil {
		err = s.stillAllowed(ctx)
	}
	return out, err
}
