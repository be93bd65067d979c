package store

import (
	"cmp"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Alerts and their outbox. An alert is stored whole as JSON (it is written once and read as
// a whole), beside the columns deduplication and pruning look it up by. Its deliveries are
// the outbox: one row per chosen recipient, which the dispatcher leases, attempts and
// finishes; the backlog lives here, never in a server's memory. Instants that are compared
// (due, leased until, received) are integer nanoseconds, since RFC 3339 text with varying
// fractions does not sort.

// AlertFilter narrows a list of alerts; empty fields and a nil instant match everything.
type AlertFilter struct {
	EnvironmentID string
	Status        string
	Since         *time.Time
}

// DeliveryFilter narrows a list of deliveries; empty fields match everything.
type DeliveryFilter struct {
	EnvironmentID string
	AlertID       string
	Status        string
}

func (t *sqlTx) InsertAlert(a api.Alert) error {
	b, ok := a.AppendJSON(make([]byte, 0, 1024), true) // json.Marshal's bytes, without reflection
	body := string(b)
	if !ok {
		body = jsonText(a)
	}
	received := unixNano(a.ReceivedAt)
	if r := t.recent(); r != nil {
		r.note(a.EnvironmentID, a.DedupKey, received) // before the write: should it fail, a key too many
	}
	_, err := t.exec(`INSERT INTO alerts (id, environment_id, dedup_key, status, starts_unix, received_unix, body) VALUES (?,?,?,?,?,?,?)`,
		a.ID, a.EnvironmentID, a.DedupKey, a.Status, a.StartsAt.Unix(), received, body)
	return err
}

// DuplicateAlert returns the latest alert of environment envID with dedupKey and status,
// starting at startsAt (to the second, as senders round it; a zero startsAt matches any
// start: PagerDuty events need not carry one) and received at or after since: a repeat of it
// is the same alert (Alertmanager retries, HA pairs). ErrNotFound otherwise.
func (t *sqlTx) DuplicateAlert(envID, dedupKey, status string, startsAt, since time.Time) (api.Alert, error) {
	// Every new alert asks this: SQLite's writer answers most from what it wrote lately
	// (recent_alerts.go), and the two statements are written out rather than built.
	if r := t.recent(); r != nil && r.unseen(envID, dedupKey, unixNano(since), t.latestReceipt) {
		return api.Alert{}, ErrNotFound
	}
	const q = `SELECT body FROM alerts WHERE environment_id = ? AND dedup_key = ? AND status = ? AND received_unix >= ?`
	if startsAt.IsZero() {
		return one(t.queryRow(q+` ORDER BY seq DESC LIMIT 1`, envID, dedupKey, status, unixNano(since)), scanAlert)
	}
	return one(t.queryRow(q+` AND starts_unix = ? ORDER BY seq DESC LIMIT 1`, envID, dedupKey, status, unixNano(since), startsAt.Unix()), scanAlert)
}

// latestReceipt is when the latest alert stored was received (UnixNano), recentNone when
// none is.
func (t *sqlTx) latestReceipt() (int64, error) {
	var latest sql.NullInt64
	if err := t.queryRow(`SELECT MAX(received_unix) FROM alerts`).Scan(&latest); err != nil || !latest.Valid {
		return recentNone, err
	}
	return latest.Int64, nil
}

// LastAlert returns the latest alert of environment envID with dedupKey, or ErrNotFound: a
// resolution that carries only the key (PagerDuty's resolve) takes its severity from it.
func (t *sqlTx) LastAlert(envID, dedupKey string) (api.Alert, error) {
	return one(t.queryRow(`SELECT body FROM alerts WHERE environment_id = ? AND dedup_key = ? ORDER BY seq DESC LIMIT 1`, envID, dedupKey), scanAlert)
}

func (t *sqlTx) Alert(envID, id string) (api.Alert, error) {
	return one(t.queryRow(`SELECT body FROM alerts WHERE environment_id = ? AND id = ?`, envID, id), scanAlert)
}

func (t *sqlTx) Alerts(f AlertFilter, p Page) ([]api.Alert, string, error) {
	w := filters{}
	w.eq("environment_id", f.EnvironmentID).eq("status", f.Status)
	if f.Since != nil {
		w.add("received_unix >= ?", unixNano(*f.Since))
	}
	return list(t, "alerts", "body", w.where(), w.args, p, scanAlert)
}

func scanAlert(sc scanFunc) (api.Alert, error) {
	var body string
	var a api.Alert
	if err := sc(&body); err != nil {
		return a, err
	}
	return a, json.Unmarshal([]byte(body), &a)
}

// PruneAlerts deletes the alerts received before before whose deliveries are all final,
// with their deliveries and attempts (foreign keys cascade), and returns how many alerts.
func (t *sqlTx) PruneAlerts(before time.Time) (int64, error) {
	res, err := t.exec(`DELETE FROM alerts WHERE received_unix < ? AND NOT EXISTS
		(SELECT 1 FROM alert_deliveries d WHERE d.alert_id = alerts.id AND d.status = ?)`, unixNano(before), api.DeliveryPending)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

const deliveryCols = "id, alert_id, environment_id, kind, target, event, status, attempt_count, schedule_start, next_attempt_at, delivered_at, last_error, created_at, updated_at"

func scanDelivery(sc scanFunc) (api.AlertDelivery, error) {
	var d api.AlertDelivery
	var next, delivered sql.NullString
	var ca, ua string
	err := sc(&d.ID, &d.AlertID, &d.EnvironmentID, &d.Kind, &d.Target, &d.Event, &d.Status, &d.AttemptCount, &d.ScheduleStart, &next, &delivered, &d.LastError, &ca, &ua)
	d.NextAttemptAt, d.DeliveredAt = parseTimePtr(next), parseTimePtr(delivered)
	d.CreatedAt, d.UpdatedAt = parseTime(ca), parseTime(ua)
	d.Attempts = []api.AlertAttempt{}
	return d, err
}

// nextUnix is the due column of a delivery: its next attempt, or 0 when none is due (the
// column is only read together with status pending).
func nextUnix(d api.AlertDelivery) int64 {
	if d.NextAttemptAt == nil {
		return 0
	}
	return unixNano(*d.NextAttemptAt)
}

// Lease is who holds a delivery and until when; the zero Lease is none.
type Lease struct {
	Owner string
	Until time.Time
}

func (l Lease) untilUnix() int64 {
	if l.Owner == "" {
		return 0
	}
	return unixNano(l.Until)
}

// rowsPerStatement bounds the rows of one multi-row statement: well inside both databases'
// limits on parameters, and few distinct statement texts to keep prepared.
const rowsPerStatement = 64

// chunks calls fn with ds in slices of at most rowsPerStatement.
func chunks[T any](ds []T, fn func([]T) error) error {
	for len(ds) > 0 {
		n := min(len(ds), rowsPerStatement)
		if err := fn(ds[:n]); err != nil {
			return err
		}
		ds = ds[n:]
	}
	return nil
}

// fewChunks is chunks in slices of rowsPerStatement, then of a quarter as many, and so on
// down to one: each length of a multi-row statement is a statement of its own, kept prepared
// with its plan in memory, and batches of every length would keep a hundred of them (which
// grew the server's memory with every new length while alerts came in).
func fewChunks[T any](ds []T, fn func([]T) error) error {
	for size := rowsPerStatement; len(ds) > 0; size = max(size/4, 1) {
		for len(ds) >= size {
			if err := fn(ds[:size]); err != nil {
				return err
			}
			ds = ds[size:]
		}
	}
	return nil
}

// rowsOf is n parenthesized rows of placeholders, row being one of them.
func rowsOf(row string, n int) string {
	return strings.TrimSuffix(strings.Repeat(row+",", n), ",")
}

// InsertDeliveries stores ds, the pending ones held by lease: an ingesting server hands the
// deliveries it makes to its own dispatcher in memory, leased already, so that no other
// dispatcher sends them meanwhile and, should it die first, they are sent once the lease ends.
func (t *sqlTx) InsertDeliveries(lease Lease, ds []api.AlertDelivery) error {
	// An alert's deliveries are made at one instant, due then, and updated then.
	var at time.Time
	var atText string
	text := func(t time.Time) string {
		if t != at || atText == "" {
			at, atText = t, fmtTime(t)
		}
		return atText
	}
	textPtr := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return text(*t)
	}
	return chunks(ds, func(ds []api.AlertDelivery) error {
		args := make([]any, 0, 18*len(ds))
		for _, d := range ds {
			l := lease
			if d.Status != api.DeliveryPending {
				l = Lease{}
			}
			args = append(args, d.ID, d.AlertID, d.EnvironmentID, d.Kind, d.Target, d.Event, d.Status, d.AttemptCount, d.ScheduleStart,
				textPtr(d.NextAttemptAt), textPtr(d.DeliveredAt), d.LastError, text(d.CreatedAt), text(d.UpdatedAt), nextUnix(d),
				unixNano(d.CreatedAt), l.Owner, l.untilUnix())
		}
		_, err := t.exec(`INSERT INTO alert_deliveries (`+deliveryCols+`, next_attempt_unix, created_unix, lease_owner, lease_until_unix) VALUES `+
			rowsOf("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", len(ds)), args...)
		return err
	})
}

func (t *sqlTx) Delivery(envID, id string) (api.AlertDelivery, error) {
	d, err := one(t.queryRow(`SELECT `+deliveryCols+` FROM alert_deliveries WHERE environment_id = ? AND id = ?`, envID, id), scanDelivery)
	if err != nil {
		return d, err
	}
	ds := []api.AlertDelivery{d}
	err = t.fillAttempts(ds)
	return ds[0], err
}

func (t *sqlTx) Deliveries(f DeliveryFilter, p Page) ([]api.AlertDelivery, string, error) {
	w := filters{}
	w.eq("environment_id", f.EnvironmentID).eq("alert_id", f.AlertID).eq("status", f.Status)
	ds, next, err := list(t, "alert_deliveries", deliveryCols, w.where(), w.args, p, scanDelivery)
	if err == nil {
		err = t.fillAttempts(ds)
	}
	return ds, next, err
}

// fillAttempts loads the attempts of ds in one query.
func (t *sqlTx) fillAttempts(ds []api.AlertDelivery) error {
	if len(ds) == 0 {
		return nil
	}
	at := make(map[string]int, len(ds))
	args := make([]any, len(ds))
	for i, d := range ds {
		at[d.ID], args[i] = i, d.ID
	}
	rows, err := t.query(`SELECT delivery_id, n, at, status_code, latency_ms, outcome, error FROM alert_attempts WHERE delivery_id IN (`+
		strings.TrimSuffix(strings.Repeat("?,", len(ds)), ",")+`) ORDER BY delivery_id, n`, args...)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var id, when string
		var a api.AlertAttempt
		if err := rows.Scan(&id, &a.N, &when, &a.StatusCode, &a.LatencyMS, &a.Outcome, &a.Error); err != nil {
			return err
		}
		a.At = parseTime(when)
		d := &ds[at[id]]
		d.Attempts = append(d.Attempts, a)
	}
	return rows.Err()
}

// LeaseDeliveries claims up to limit pending deliveries due at now whose lease is free or
// has expired, for owner until until, earliest due first. On PostgreSQL rows that another
// transaction is claiming are skipped (FOR UPDATE SKIP LOCKED), so replicas share the
// outbox without waiting on each other; on SQLite the one writer is the lock. Attempts are
// not filled.
func (t *sqlTx) LeaseDeliveries(owner string, now, until time.Time, limit int) ([]api.AlertDelivery, error) {
	rows, err := t.query(`UPDATE alert_deliveries SET lease_owner = ?, lease_until_unix = ? WHERE id IN (
		SELECT id FROM alert_deliveries WHERE status = ? AND next_attempt_unix <= ? AND lease_until_unix < ?
		ORDER BY next_attempt_unix LIMIT ?`+t.d.skipLocked()+`) RETURNING next_attempt_unix, `+deliveryCols,
		owner, unixNano(until), api.DeliveryPending, unixNano(now), unixNano(now), limit)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	type due struct {
		at int64
		d  api.AlertDelivery
	}
	var out []due
	for rows.Next() {
		var at int64
		d, err := scanDelivery(func(dest ...any) error { return rows.Scan(append([]any{&at}, dest...)...) })
		if err != nil {
			return nil, err
		}
		out = append(out, due{at, d})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// RETURNING keeps no order.
	slices.SortFunc(out, func(a, b due) int { return cmp.Or(cmp.Compare(a.at, b.at), strings.Compare(a.d.ID, b.d.ID)) })
	ds := make([]api.AlertDelivery, len(out))
	for i, o := range out {
		ds[i] = o.d
	}
	return ds, nil
}

// Finish is a delivery after an attempt, with the attempt.
type Finish struct {
	Delivery api.AlertDelivery
	Attempt  api.AlertAttempt
}

// FinishAttempts records each attempt of fs and stores its delivery's status, attempt
// count, next attempt, delivery instant and last error, releasing the lease: one statement
// per rowsPerStatement deliveries (fewChunks), and one for their attempts. A delivery whose lease owner
// no longer holds (it expired and another dispatcher took it) is left as it is, its attempt
// unrecorded, and returned in lost: that dispatcher's attempt is the one on record.
func (t *sqlTx) FinishAttempts(owner string, fs []Finish) (lost []string, err error) {
	err = fewChunks(fs, func(fs []Finish) error {
		// A delivery twice in one batch: the first attempt is recorded, the other is lost,
		// as when finished one at a time (the first releases the lease).
		seen := make(map[string]bool, len(fs))
		uniq := fs[:0:0]
		for _, f := range fs {
			if seen[f.Delivery.ID] {
				lost = append(lost, f.Delivery.ID)
				continue
			}
			seen[f.Delivery.ID] = true
			uniq = append(uniq, f)
		}
		fs = uniq
		// The values' columns are column1… in both databases; the casts type the
		// parameters for PostgreSQL, which would take them as text.
		const row = "(CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT))"
		args := make([]any, 0, 8*len(fs)+1)
		for _, f := range fs {
			d := f.Delivery
			args = append(args, d.ID, d.Status, d.AttemptCount, fmtTimePtr(d.NextAttemptAt), nextUnix(d), fmtTimePtr(d.DeliveredAt), d.LastError, fmtTime(d.UpdatedAt))
		}
		rows, err := t.query(`UPDATE alert_deliveries SET status = v.column2, attempt_count = v.column3, next_attempt_at = v.column4,
			next_attempt_unix = v.column5, delivered_at = v.column6, last_error = v.column7, updated_at = v.column8, lease_owner = '', lease_until_unix = 0
			FROM (VALUES `+rowsOf(row, len(fs))+`) AS v WHERE alert_deliveries.id = v.column1 AND alert_deliveries.lease_owner = ? RETURNING alert_deliveries.id`,
			append(args, owner)...)
		if err != nil {
			return err
		}
		done := make(map[string]bool, len(fs))
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				_ = rows.Close()
				return err
			}
			done[id] = true
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		args = args[:0]
		n := 0
		for _, f := range fs {
			if !done[f.Delivery.ID] {
				lost = append(lost, f.Delivery.ID)
				continue
			}
			a := f.Attempt
			args = append(args, f.Delivery.ID, a.N, fmtTime(a.At), a.StatusCode, a.LatencyMS, a.Outcome, a.Error)
			n++
		}
		if n == 0 {
			return nil
		}
		_, err = t.exec(`INSERT INTO alert_attempts (delivery_id, n, at, status_code, latency_ms, outcome, error) VALUES `+rowsOf("(?,?,?,?,?,?,?)", n), args...)
		return err
	})
	return lost, err
}

// ReleaseLeases frees every lease: a server alone on its database calls it at start, when no
// dispatcher but its own (not yet running) can hold one.
func (t *sqlTx) ReleaseLeases() error {
	_, err := t.exec(`UPDATE alert_deliveries SET lease_owner = '', lease_until_unix = 0 WHERE lease_owner <> ''`)
	return err
}

// UpdateDelivery stores d's status, schedule start, next attempt, delivery instant and last error whoever
// holds its lease, and frees the lease: a retry through the API makes a final delivery
// pending again.
func (t *sqlTx) UpdateDelivery(d api.AlertDelivery) error {
	return t.execOne(`UPDATE alert_deliveries SET status = ?, schedule_start = ?, next_attempt_at = ?, next_attempt_unix = ?, delivered_at = ?, last_error = ?,
		updated_at = ?, lease_owner = '', lease_until_unix = 0 WHERE id = ?`,
		d.Status, d.ScheduleStart, fmtTimePtr(d.NextAttemptAt), nextUnix(d), fmtTimePtr(d.DeliveredAt), d.LastError, fmtTime(d.UpdatedAt), d.ID)
}

// OutboxStats is the outbox's backlog: how many deliveries are pending, and when the oldest
// of them was made (nil when none is).
type OutboxStats struct {
	Pending       int
	OldestPending *time.Time
}

func (t *sqlTx) Outbox() (OutboxStats, error) {
	var s OutboxStats
	var oldest sql.NullInt64
	err := t.queryRow(`SELECT COUNT(*), MIN(created_unix) FROM alert_deliveries WHERE status = ?`, api.DeliveryPending).Scan(&s.Pending, &oldest)
	if oldest.Valid {
		at := time.Unix(0, oldest.Int64).UTC()
		s.OldestPending = &at
	}
	return s, err
}

// filters builds a WHERE clause of ANDed conditions.
type filters struct {
	conds []string
	args  []any
}

func (f *filters) add(cond string, arg any) *filters {
	f.conds, f.args = append(f.conds, cond), append(f.args, arg)
	return f
}

// eq adds col = v unless v is empty (an empty filter field matches everything).
func (f *filters) eq(col, v string) *filters {
	if v != "" {
		f.add(col+" = ?", v)
	}
	return f
}

func (f *filters) where() string { return strings.Join(f.conds, " AND ") }
