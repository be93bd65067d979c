package store

import (
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The decision log: POST /v1/authorize's answers, written in batches by the server's
// decision writer (multi-row inserts, never a policy write), read newest first, pruned by
// age. A decision is written once and never changed.

// DecisionFilter narrows the decision log; empty strings, a nil Allowed and nil instants
// match everything (a non-nil instant is a bound, the zero instant included).
type DecisionFilter struct {
	PrincipalID     string
	EnvironmentID   string
	AccessRequestID string
	Allowed         *bool
	Since, Until    *time.Time
	// Readable, when non-nil, narrows the log to what one reader may see.
	Readable *DecisionReadable
}

// DecisionReadable is the part of the log a reader may see (access.DecisionReads): the
// decisions about principals of Kinds, and those about Self.
type DecisionReadable struct {
	Kinds []string
	Self  string
}

const decisionCols = "id, at_unix_nano, principal_id, principal_kind, environment_id, action, resource, allowed, reason, via, asked_by, request_id, sample_rate"

// decisionInsertRows is how many rows one INSERT carries: far below either database's limit on
// placeholders (SQLite 32,766, PostgreSQL 65,535 at 14 a row), and few enough statement
// shapes that the rebinding cache stays small.
const decisionInsertRows = 100

// InsertDecisions writes ds with multi-row inserts, in order (seq follows the slice).
func (t *sqlTx) InsertDecisions(ds []api.AuthorizationDecision) error {
	const row = "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
	for len(ds) > 0 {
		n := min(len(ds), decisionInsertRows)
		chunk := ds[:n]
		ds = ds[n:]
		args := make([]any, 0, 14*n)
		for _, d := range chunk {
			var via any
			reqID := ""
			if d.Via != nil {
				via = jsonText(d.Via)
				reqID = d.Via.AccessRequestID
			}
			args = append(args, reqID, d.ID, unixNano(d.At), d.PrincipalID, d.PrincipalKind, d.EnvironmentID,
				d.Action, d.Resource, d.Allowed, d.Reason, via, d.AskedBy, d.RequestID, d.SampleRate)
		}
		q := `INSERT INTO authorization_decisions (access_request_id, ` + decisionCols + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+",", n), ",")
		if _, err := t.exec(q, args...); err != nil {
			return err
		}
	}
	return nil
}

func scanDecision(sc scanFunc) (api.AuthorizationDecision, error) {
	var d api.AuthorizationDecision
	var at int64
	var via sql.NullString
	err := sc(&d.ID, &at, &d.PrincipalID, &d.PrincipalKind, &d.EnvironmentID, &d.Action, &d.Resource, &d.Allowed, &d.Reason,
		&via, &d.AskedBy, &d.RequestID, &d.SampleRate)
	if err != nil {
		return d, err
	}
	d.At = time.Unix(0, at).UTC()
	if via.Valid {
		d.Via = &api.Via{}
		err = json.Unmarshal([]byte(via.String), d.Via)
	}
	return d, err
}

// Decisions lists the decisions matching f, newest first.
func (t *sqlTx) Decisions(f DecisionFilter, p Page) ([]api.AuthorizationDecision, string, error) {
	w := filters{}
	w.eq("principal_id", f.PrincipalID).eq("environment_id", f.EnvironmentID).eq("access_request_id", f.AccessRequestID)
	if f.Allowed != nil {
		w.add("allowed = ?", *f.Allowed)
	}
	// Times compare as integers: RFC 3339 text with varying fractions does not sort.
	if f.Since != nil {
		w.add("at_unix_nano >= ?", unixNano(*f.Since))
	}
	if f.Until != nil {
		w.add("at_unix_nano <= ?", unixNano(*f.Until))
	}
	if r := f.Readable; r != nil {
		// The reader's own decisions, or those about principals of the kinds it may read.
		cond := "principal_id = ?"
		args := []any{r.Self}
		for _, k := range r.Kinds {
			cond += " OR principal_kind = ?"
			args = append(args, k)
		}
		w.conds = append(w.conds, "("+cond+")")
		w.args = append(w.args, args...)
	}
	return listNewest(t, "authorization_decisions", decisionCols, w.where(), w.args, p, scanDecision)
}

// PruneDecisions deletes the decisions made before before and returns how many.
func (t *sqlTx) PruneDecisions(before time.Time) (int64, error) {
	res, err := t.exec(`DELETE FROM authorization_decisions WHERE at_unix_nano < ?`, unixNano(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
