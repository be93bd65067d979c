package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The audit log: each change is recorded inside the transaction that makes it, together with
// every object a delete takes along; a refusal is recorded in a transaction of its own.

// auditEntry is one audit event as the change states it; audit adds its id, its time and
// the request that made it.
type auditEntry struct {
	Actor string     // the acting user's id, or "system" / RecoverActor
	Kind  objectKind // the object's kind: the event's object_type
	// Verb is what happened to the object ("create", "member_add"): the event's action is
	// "<kind>.<verb>", or Verb itself when it names another subject — the break-glass revoke,
	// "vendor_access.revoke", is recorded on its environment.
	Verb          string
	ID            string // the object's id
	Env           string // the environment concerned, if any
	Before, After any    // the object before and after the change (nil: it did not exist)
}

func (e auditEntry) action() string {
	if strings.Contains(e.Verb, ".") {
		return e.Verb
	}
	return string(e.Kind) + "." + e.Verb
}

// audit writes one audit event inside the transaction of the change it records, so that
// the log can never miss a change nor record one that rolled back.
func (s *Server) audit(tx Tx, entry auditEntry) error {
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
		ID: newID("evt"), At: s.now(), ActorID: entry.Actor, Action: entry.action(), ObjectType: string(entry.Kind),
		ObjectID: entry.ID, EnvironmentID: entry.Env, Before: enc(entry.Before), After: enc(entry.After),
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
func (s *Server) auditCascade(tx Tx, actorID string, kind objectKind, id string) error {
	with := string(kind) + " " + id
	for _, c := range s.pol().Cascade(string(kind), id) {
		typ, oid, env := c.Kind, c.ID, c.EnvironmentID
		if err := s.audit(tx, auditEntry{Actor: actorID, Kind: objectKind(typ), Verb: "delete", ID: oid, Env: env,
			Before: map[string]string{"id": oid, "deleted_with": with}}); err != nil {
			return err
		}
	}
	if kind == objectEnvironment {
		return s.auditRoutingCascade(tx, actorID, id, with)
	}
	return nil
}

// auditRoutingCascade records the environment's alert routing, its credentials and each of its destinations,
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
	if err := s.audit(tx, auditEntry{Actor: actorID, Kind: objectAlertRouting, Verb: "delete", ID: r.ID, Env: envID, Before: map[string]string{"id": r.ID, "deleted_with": with, "vendor_routing": strconv.FormatBool(r.VendorRouting),
		"destinations_mode": r.DestinationsMode}}); err != nil {
		return err
	}
	if err := s.audit(tx, auditEntry{Actor: actorID, Kind: objectAlertCredentials, Verb: "delete", ID: envID, Env: envID,
		Before: map[string]string{"id": envID, "deleted_with": with}}); err != nil {
		return err
	}
	for _, d := range r.Destinations {
		oid := envID + "/" + d.Type + "/" + access.TargetDigest(d.Target)
		before := map[string]string{"id": oid, "deleted_with": with, "type": d.Type,
			"target": access.RedactTarget(d.Type, d.Target), "min_severity": d.MinSeverity}
		if err := s.audit(tx, auditEntry{Actor: actorID, Kind: objectAlertDestination, Verb: "delete", ID: oid, Env: envID, Before: before}); err != nil {
			return err
		}
	}
	return nil
}

// refused audits an engine refusal and answers it as a problem (a 401 with its challenge).
func (s *Server) refused(ctx context.Context, d *access.Denial) error {
	s.auditRefusal(ctx, d)
	prob := denialProblem(d)
	if d.Kind == access.Unauthenticated {
		return huma.ErrorWithHeaders(prob, http.Header{"WWW-Authenticate": {`Bearer realm="warden"`}})
	}
	return prob
}

// auditRefusal records a refused change: who asked, for what, and why it was refused. It runs
// in a transaction of its own, after the refused change rolled back, so the log never misses
// an attempt and the attempt changes nothing else.
func (s *Server) auditRefusal(ctx context.Context, d *access.Denial) {
	s.metrics.Refused(d.Code)
	ctx = context.WithoutCancel(ctx)
	actorID := ""
	if p := principalFrom(ctx); p != nil {
		actorID = p.User.ID
	}
	attempt := map[string]string{"code": d.Code, "reason": d.Message}
	reqID := ""
	if ri := requestInfoFrom(ctx); ri != nil {
		attempt["method"], attempt["path"], reqID = ri.method, ri.path, ri.id
	}
	// The request is the object: named by the server's own id, never by the caller's
	// X-Request-Id (which the event carries apart, as client_request_id).
	err := s.store.Update(ctx, func(tx Tx) error {
		return s.audit(&requestTx{Tx: tx, req: requestInfoFrom(ctx)}, auditEntry{Actor: actorID, Kind: objectRequest, Verb: "denied", ID: reqID, After: attempt})
	})
	if err != nil {
		s.log.ErrorContext(ctx, "audit of a refused request failed", "error", err, "request_id", reqID)
	}
}
