package apiserver

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver: no cgo in the server
)

// sqliteStore keeps everything in one SQLite file. Writes go through a pool of exactly one
// connection that begins IMMEDIATE transactions, so writers queue in Go instead of failing
// with SQLITE_BUSY; reads use a separate pool and, thanks to WAL, see a consistent snapshot
// without blocking the writer.
type sqliteStore struct {
	write *sql.DB
	read  *sql.DB
}

var _ Store = (*sqliteStore)(nil)

func openSQLite(ctx context.Context, path string) (*sqliteStore, error) {
	dsn := func(txlock string) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", txlock)
		return "file:" + path + "?" + q.Encode()
	}
	w, err := sql.Open("sqlite", dsn("immediate"))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	if err := w.PingContext(ctx); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn("deferred"))
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	s := &sqliteStore{write: w, read: r}
	if err := s.migrate(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func (s *sqliteStore) migrate(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for i, m := range migrations {
		version := i + 1
		err := func() error {
			tx, err := s.write.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer func() { _ = tx.Rollback() }()
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
				version, time.Now().UTC().Format(time.RFC3339)); err != nil {
				return err
			}
			return tx.Commit()
		}()
		if err != nil {
			return fmt.Errorf("migration %d: %w", version, err)
		}
	}
	return nil
}

func (s *sqliteStore) Update(ctx context.Context, fn func(Tx) error) error {
	return s.run(ctx, s.write, fn)
}

func (s *sqliteStore) View(ctx context.Context, fn func(Tx) error) error {
	return s.run(ctx, s.read, fn)
}

func (s *sqliteStore) run(ctx context.Context, db *sql.DB, fn func(Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(&sqlTx{ctx: ctx, tx: tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (s *sqliteStore) Close() error {
	return errors.Join(s.read.Close(), s.write.Close())
}

// sqlTx implements Tx on one database/sql transaction.
type sqlTx struct {
	ctx context.Context
	tx  *sql.Tx
}

type scanFunc func(dest ...any) error

func (t *sqlTx) exec(query string, args ...any) (sql.Result, error) {
	res, err := t.tx.ExecContext(t.ctx, query, args...)
	return res, mapErr(err)
}

// execOne runs a write that must touch exactly one row.
func (t *sqlTx) execOne(query string, args ...any) error {
	res, err := t.exec(query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

func (t *sqlTx) count(query string, args ...any) (int, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, query, args...).Scan(&n)
	return n, err
}

// mapErr turns SQLite constraint failures into the store's typed errors.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if i := strings.Index(msg, "UNIQUE constraint failed: "); i >= 0 {
		// The message names "table.column[, table.column]"; only single-column
		// uniqueness on name or email is a field the client can change.
		rest := msg[i+len("UNIQUE constraint failed: "):]
		if j := strings.IndexAny(rest, " ,"); j >= 0 {
			rest = rest[:j]
		}
		_, col, _ := strings.Cut(rest, ".")
		if col != "name" && col != "email" {
			col = ""
		}
		return &ConflictError{Field: col}
	}
	return err
}

func one[T any](row *sql.Row, scan func(scanFunc) (T, error)) (T, error) {
	v, err := scan(row.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrNotFound
	}
	return v, err
}

// list pages through table in seq (creation) order; the cursor is the last seq returned.
func list[T any](t *sqlTx, table, cols, where string, args []any, p Page, scan func(scanFunc) (T, error)) ([]T, string, error) {
	var after int64
	if p.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(p.Cursor)
		if err != nil {
			return nil, "", ErrInvalidCursor
		}
		if after, err = strconv.ParseInt(string(raw), 10, 64); err != nil {
			return nil, "", ErrInvalidCursor
		}
	}
	q := "SELECT seq, " + cols + " FROM " + table + " WHERE seq > ?"
	args = append([]any{after}, args...)
	if where != "" {
		q += " AND " + where
	}
	q += " ORDER BY seq"
	if p.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, p.Limit+1)
	}
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	defer func() { _ = rows.Close() }()
	out := []T{}
	var seqs []int64
	for rows.Next() {
		var seq int64
		v, err := scan(func(dest ...any) error { return rows.Scan(append([]any{&seq}, dest...)...) })
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if p.Limit > 0 && len(out) > p.Limit {
		out = out[:p.Limit]
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(seqs[p.Limit-1], 10)))
	}
	return out, next, nil
}

func fmtTime(t time.Time) string { return t.Format(time.RFC3339Nano) }

// The instants time.UnixNano can represent; outside them it overflows (and wraps), which
// would turn a filter such as since=2300-01-01 into one that matches everything.
var (
	minUnixNano = time.Unix(0, math.MinInt64)
	maxUnixNano = time.Unix(0, math.MaxInt64)
)

// unixNano is t.UnixNano saturated at the int64 range, so that an instant beyond it still
// compares on the right side of every stored one.
func unixNano(t time.Time) int64 {
	switch {
	case t.Before(minUnixNano):
		return math.MinInt64
	case t.After(maxUnixNano):
		return math.MaxInt64
	}
	return t.UnixNano()
}

func fmtTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return fmtTime(*t)
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func parseTimePtr(s sql.NullString) *time.Time {
	if !s.Valid {
		return nil
	}
	t := parseTime(s.String)
	return &t
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// metaCols are the leading columns of every object table.
const metaCols = "id, version, created_at, updated_at"

type metaScan struct {
	m      *api.Meta
	ca, ua string
}

func (ms *metaScan) dest() []any { return []any{&ms.m.ID, &ms.m.Version, &ms.ca, &ms.ua} }
func (ms *metaScan) finish() {
	ms.m.CreatedAt, ms.m.UpdatedAt = parseTime(ms.ca), parseTime(ms.ua)
}

func metaArgs(m api.Meta) []any {
	return []any{m.ID, m.Version, fmtTime(m.CreatedAt), fmtTime(m.UpdatedAt)}
}

func (t *sqlTx) CountUsers() (int, error) { return t.count(`SELECT COUNT(*) FROM users`) }

// Environments.

const envCols = metaCols + ", name, cloud, resource_prefix"

func scanEnv(sc scanFunc) (api.Environment, error) {
	var e api.Environment
	ms := metaScan{m: &e.Meta}
	err := sc(append(ms.dest(), &e.Name, &e.Cloud, &e.ResourcePrefix)...)
	ms.finish()
	return e, err
}

func (t *sqlTx) InsertEnvironment(e api.Environment) error {
	_, err := t.exec(`INSERT INTO environments (`+envCols+`) VALUES (?,?,?,?,?,?,?)`,
		append(metaArgs(e.Meta), e.Name, e.Cloud, e.ResourcePrefix)...)
	return err
}

func (t *sqlTx) Environment(id string) (api.Environment, error) {
	return one(t.tx.QueryRowContext(t.ctx, `SELECT `+envCols+` FROM environments WHERE id = ?`, id), scanEnv)
}

func (t *sqlTx) Environments(name string, p Page) ([]api.Environment, string, error) {
	where, args := eqFilter("name", name)
	return list(t, "environments", envCols, where, args, p, scanEnv)
}

func (t *sqlTx) UpdateEnvironment(e api.Environment) error {
	return t.execOne(`UPDATE environments SET version=?, updated_at=?, name=?, resource_prefix=? WHERE id=?`,
		e.Version, fmtTime(e.UpdatedAt), e.Name, e.ResourcePrefix, e.ID)
}

func (t *sqlTx) DeleteEnvironment(id string) error {
	return t.execOne(`DELETE FROM environments WHERE id=?`, id)
}

// eqFilter builds an optional exact-match condition for list filters.
func eqFilter(col, v string) (string, []any) {
	if v == "" {
		return "", nil
	}
	return col + " = ?", []any{v}
}

// Users and tokens.

const userCols = metaCols + ", email, name, kind"

func scanUser(sc scanFunc) (api.User, error) {
	var u api.User
	ms := metaScan{m: &u.Meta}
	err := sc(append(ms.dest(), &u.Email, &u.Name, &u.Kind)...)
	ms.finish()
	return u, err
}

func (t *sqlTx) InsertUser(u api.User) error {
	_, err := t.exec(`INSERT INTO users (`+userCols+`) VALUES (?,?,?,?,?,?,?)`,
		append(metaArgs(u.Meta), u.Email, u.Name, u.Kind)...)
	return err
}

func (t *sqlTx) User(id string) (api.User, error) {
	return one(t.tx.QueryRowContext(t.ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id), scanUser)
}

func (t *sqlTx) Users(email string, p Page) ([]api.User, string, error) {
	where, args := eqFilter("email", email)
	return list(t, "users", userCols, where, args, p, scanUser)
}

func (t *sqlTx) UpdateUser(u api.User) error {
	return t.execOne(`UPDATE users SET version=?, updated_at=?, email=?, name=? WHERE id=?`,
		u.Version, fmtTime(u.UpdatedAt), u.Email, u.Name, u.ID)
}

func (t *sqlTx) DeleteUser(id string, now time.Time) error {
	// The groups lose a member: that is a change to each of them.
	if _, err := t.exec(`UPDATE user_groups SET version = version + 1, updated_at = ?
		WHERE id IN (SELECT group_id FROM group_members WHERE user_id = ?)`, fmtTime(now), id); err != nil {
		return err
	}
	return t.execOne(`DELETE FROM users WHERE id=?`, id)
}

const tokenCols = "id, user_id, name, hash, expires_at, created_at"

func scanToken(sc scanFunc) (TokenRecord, error) {
	var r TokenRecord
	var exp sql.NullString
	var ca string
	err := sc(&r.ID, &r.UserID, &r.Name, &r.Hash, &exp, &ca)
	r.ExpiresAt, r.CreatedAt = parseTimePtr(exp), parseTime(ca)
	return r, err
}

func (t *sqlTx) InsertToken(r TokenRecord) error {
	_, err := t.exec(`INSERT INTO tokens (`+tokenCols+`) VALUES (?,?,?,?,?,?)`,
		r.ID, r.UserID, r.Name, r.Hash, fmtTimePtr(r.ExpiresAt), fmtTime(r.CreatedAt))
	return err
}

func (t *sqlTx) Token(userID, id string) (TokenRecord, error) {
	return one(t.tx.QueryRowContext(t.ctx, `SELECT `+tokenCols+` FROM tokens WHERE id = ? AND user_id = ?`, id, userID), scanToken)
}

func (t *sqlTx) TokenByHash(hash string) (TokenRecord, error) {
	return one(t.tx.QueryRowContext(t.ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = ?`, hash), scanToken)
}

func (t *sqlTx) DeleteToken(id string) error { return t.execOne(`DELETE FROM tokens WHERE id=?`, id) }

// Groups.

const groupCols = metaCols + ", name, description"

func scanGroup(sc scanFunc) (api.Group, error) {
	var g api.Group
	ms := metaScan{m: &g.Meta}
	err := sc(append(ms.dest(), &g.Name, &g.Description)...)
	ms.finish()
	return g, err
}

func (t *sqlTx) members(g *api.Group) error {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT user_id FROM group_members WHERE group_id = ? ORDER BY user_id`, g.ID)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	g.Members = []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		g.Members = append(g.Members, id)
	}
	return rows.Err()
}

func (t *sqlTx) setMembers(g api.Group) error {
	if _, err := t.exec(`DELETE FROM group_members WHERE group_id = ?`, g.ID); err != nil {
		return err
	}
	for _, m := range g.Members {
		if _, err := t.exec(`INSERT INTO group_members (group_id, user_id) VALUES (?, ?)`, g.ID, m); err != nil {
			return err
		}
	}
	return nil
}

func (t *sqlTx) InsertGroup(g api.Group) error {
	if _, err := t.exec(`INSERT INTO user_groups (`+groupCols+`) VALUES (?,?,?,?,?,?)`,
		append(metaArgs(g.Meta), g.Name, g.Description)...); err != nil {
		return err
	}
	return t.setMembers(g)
}

func (t *sqlTx) Group(id string) (api.Group, error) {
	g, err := one(t.tx.QueryRowContext(t.ctx, `SELECT `+groupCols+` FROM user_groups WHERE id = ?`, id), scanGroup)
	if err != nil {
		return g, err
	}
	return g, t.members(&g)
}

func (t *sqlTx) Groups(name string, p Page) ([]api.Group, string, error) {
	where, args := eqFilter("name", name)
	gs, next, err := list(t, "user_groups", groupCols, where, args, p, scanGroup)
	if err != nil {
		return nil, "", err
	}
	for i := range gs {
		if err := t.members(&gs[i]); err != nil {
			return nil, "", err
		}
	}
	return gs, next, nil
}

func (t *sqlTx) UpdateGroup(g api.Group) error {
	if err := t.execOne(`UPDATE user_groups SET version=?, updated_at=?, name=?, description=? WHERE id=?`,
		g.Version, fmtTime(g.UpdatedAt), g.Name, g.Description, g.ID); err != nil {
		return err
	}
	return t.setMembers(g)
}

func (t *sqlTx) DeleteGroup(id string) error {
	return t.execOne(`DELETE FROM user_groups WHERE id=?`, id)
}

// Roles and assignments.

const roleCols = metaCols + ", name, description, permissions, builtin"

func scanRole(sc scanFunc) (api.Role, error) {
	var r api.Role
	var perms string
	ms := metaScan{m: &r.Meta}
	err := sc(append(ms.dest(), &r.Name, &r.Description, &perms, &r.Builtin)...)
	ms.finish()
	r.Permissions = []string{}
	if err == nil {
		err = json.Unmarshal([]byte(perms), &r.Permissions)
	}
	return r, err
}

func (t *sqlTx) InsertRole(r api.Role) error {
	_, err := t.exec(`INSERT INTO roles (`+roleCols+`) VALUES (?,?,?,?,?,?,?,?)`,
		append(metaArgs(r.Meta), r.Name, r.Description, jsonText(r.Permissions), r.Builtin)...)
	return err
}

func (t *sqlTx) Role(id string) (api.Role, error) {
	return one(t.tx.QueryRowContext(t.ctx, `SELECT `+roleCols+` FROM roles WHERE id = ?`, id), scanRole)
}

func (t *sqlTx) Roles(name string, p Page) ([]api.Role, string, error) {
	where, args := eqFilter("name", name)
	return list(t, "roles", roleCols, where, args, p, scanRole)
}

func (t *sqlTx) UpdateRole(r api.Role) error {
	return t.execOne(`UPDATE roles SET version=?, updated_at=?, name=?, description=?, permissions=? WHERE id=?`,
		r.Version, fmtTime(r.UpdatedAt), r.Name, r.Description, jsonText(r.Permissions), r.ID)
}

func (t *sqlTx) DeleteRole(id string) error { return t.execOne(`DELETE FROM roles WHERE id=?`, id) }

const assignmentCols = metaCols + ", role_id, user_id, group_id"

func scanAssignment(sc scanFunc) (api.RoleAssignment, error) {
	var a api.RoleAssignment
	var u, g sql.NullString
	ms := metaScan{m: &a.Meta}
	err := sc(append(ms.dest(), &a.RoleID, &u, &g)...)
	ms.finish()
	a.UserID, a.GroupID = u.String, g.String
	return a, err
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (t *sqlTx) InsertAssignment(a api.RoleAssignment) error {
	_, err := t.exec(`INSERT INTO role_assignments (`+assignmentCols+`) VALUES (?,?,?,?,?,?,?)`,
		append(metaArgs(a.Meta), a.RoleID, nullIfEmpty(a.UserID), nullIfEmpty(a.GroupID))...)
	return err
}

func (t *sqlTx) Assignment(roleID, id string) (api.RoleAssignment, error) {
	return one(t.tx.QueryRowContext(t.ctx, `SELECT `+assignmentCols+` FROM role_assignments WHERE id = ? AND role_id = ?`, id, roleID), scanAssignment)
}

func (t *sqlTx) Assignments(roleID string, p Page) ([]api.RoleAssignment, string, error) {
	return list(t, "role_assignments", assignmentCols, "role_id = ?", []any{roleID}, p, scanAssignment)
}

func (t *sqlTx) DeleteAssignment(id string) error {
	return t.execOne(`DELETE FROM role_assignments WHERE id=?`, id)
}

func (t *sqlTx) heldRoles(query string, args ...any) ([]HeldRole, error) {
	rows, err := t.tx.QueryContext(t.ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var out []HeldRole
	for rows.Next() {
		var h HeldRole
		r, err := scanRole(func(dest ...any) error { return rows.Scan(append(dest, &h.GroupID)...) })
		if err != nil {
			return nil, err
		}
		h.Role = r
		out = append(out, h)
	}
	return out, rows.Err()
}

// prefixed qualifies each of cols with the table alias a.
func prefixed(a, cols string) string {
	parts := strings.Split(cols, ", ")
	for i, p := range parts {
		parts[i] = a + "." + p
	}
	return strings.Join(parts, ", ")
}

func (t *sqlTx) HeldRoles(userID string) ([]HeldRole, error) {
	rc := prefixed("r", roleCols)
	return t.heldRoles(`SELECT `+rc+`, '' FROM role_assignments a JOIN roles r ON r.id = a.role_id WHERE a.user_id = ?
		UNION ALL
		SELECT `+rc+`, a.group_id FROM role_assignments a JOIN roles r ON r.id = a.role_id
			JOIN group_members m ON m.group_id = a.group_id WHERE m.user_id = ?`, userID, userID)
}

func (t *sqlTx) GroupRoles(groupID string) ([]HeldRole, error) {
	return t.heldRoles(`SELECT `+prefixed("r", roleCols)+`, a.group_id FROM role_assignments a
		JOIN roles r ON r.id = a.role_id WHERE a.group_id = ?`, groupID)
}

// Grants.

const grantCols = metaCols + ", role_id, environment_id, permissions"

func scanGrant(sc scanFunc) (api.Grant, error) {
	var g api.Grant
	var perms string
	ms := metaScan{m: &g.Meta}
	err := sc(append(ms.dest(), &g.RoleID, &g.EnvironmentID, &perms)...)
	ms.finish()
	g.Permissions = []string{}
	if err == nil {
		err = json.Unmarshal([]byte(perms), &g.Permissions)
	}
	return g, err
}

func (t *sqlTx) InsertGrant(g api.Grant) error {
	_, err := t.exec(`INSERT INTO grants (`+grantCols+`) VALUES (?,?,?,?,?,?,?)`,
		append(metaArgs(g.Meta), g.RoleID, g.EnvironmentID, jsonText(g.Permissions))...)
	return err
}

func (t *sqlTx) Grant(environmentID, roleID string) (api.Grant, error) {
	return one(t.tx.QueryRowContext(t.ctx, `SELECT `+grantCols+` FROM grants WHERE environment_id = ? AND role_id = ?`,
		environmentID, roleID), scanGrant)
}

func (t *sqlTx) Grants(environmentID string, p Page) ([]api.Grant, string, error) {
	return list(t, "grants", grantCols, "environment_id = ?", []any{environmentID}, p, scanGrant)
}

func (t *sqlTx) RoleGrants(roleID string) ([]api.Grant, error) {
	gs, _, err := list(t, "grants", grantCols, "role_id = ?", []any{roleID}, Page{}, scanGrant)
	return gs, err
}

func (t *sqlTx) UpdateGrant(g api.Grant) error {
	return t.execOne(`UPDATE grants SET version=?, updated_at=?, permissions=? WHERE environment_id=? AND role_id=?`,
		g.Version, fmtTime(g.UpdatedAt), jsonText(g.Permissions), g.EnvironmentID, g.RoleID)
}

func (t *sqlTx) DeleteGrant(environmentID, roleID string) error {
	return t.execOne(`DELETE FROM grants WHERE environment_id=? AND role_id=?`, environmentID, roleID)
}

// Support access.

const supportCols = metaCols + ", environment_id, tier, port_forwarding, expires_at"

func scanSupport(sc scanFunc) (api.SupportAccess, error) {
	var a api.SupportAccess
	var exp sql.NullString
	ms := metaScan{m: &a.Meta}
	err := sc(append(ms.dest(), &a.EnvironmentID, &a.Tier, &a.PortForwarding, &exp)...)
	ms.finish()
	a.ExpiresAt = parseTimePtr(exp)
	return a, err
}

func (t *sqlTx) InsertSupportAccess(a api.SupportAccess) error {
	_, err := t.exec(`INSERT INTO support_access (`+supportCols+`) VALUES (?,?,?,?,?,?,?,?)`,
		append(metaArgs(a.Meta), a.EnvironmentID, a.Tier, a.PortForwarding, fmtTimePtr(a.ExpiresAt))...)
	return err
}

func (t *sqlTx) SupportAccess(environmentID string) (api.SupportAccess, error) {
	return one(t.tx.QueryRowContext(t.ctx, `SELECT `+supportCols+` FROM support_access WHERE environment_id = ?`, environmentID), scanSupport)
}

func (t *sqlTx) UpdateSupportAccess(a api.SupportAccess) error {
	return t.execOne(`UPDATE support_access SET version=?, updated_at=?, tier=?, port_forwarding=?, expires_at=? WHERE environment_id=?`,
		a.Version, fmtTime(a.UpdatedAt), a.Tier, a.PortForwarding, fmtTimePtr(a.ExpiresAt), a.EnvironmentID)
}

func (t *sqlTx) DeleteSupportAccess(environmentID string) error {
	return t.execOne(`DELETE FROM support_access WHERE environment_id=?`, environmentID)
}

// Alert routing.

const routingCols = metaCols + ", environment_id, vendor_routing, destinations"

func scanRouting(sc scanFunc) (api.AlertRouting, error) {
	var r api.AlertRouting
	var dests string
	ms := metaScan{m: &r.Meta}
	err := sc(append(ms.dest(), &r.EnvironmentID, &r.VendorRouting, &dests)...)
	ms.finish()
	r.Destinations = []api.Destination{}
	if err == nil {
		err = json.Unmarshal([]byte(dests), &r.Destinations)
	}
	return r, err
}

func (t *sqlTx) InsertAlertRouting(r api.AlertRouting) error {
	_, err := t.exec(`INSERT INTO alert_routing (`+routingCols+`) VALUES (?,?,?,?,?,?,?)`,
		append(metaArgs(r.Meta), r.EnvironmentID, r.VendorRouting, jsonText(r.Destinations))...)
	return err
}

func (t *sqlTx) AlertRouting(environmentID string) (api.AlertRouting, error) {
	return one(t.tx.QueryRowContext(t.ctx, `SELECT `+routingCols+` FROM alert_routing WHERE environment_id = ?`, environmentID), scanRouting)
}

func (t *sqlTx) UpdateAlertRouting(r api.AlertRouting) error {
	return t.execOne(`UPDATE alert_routing SET version=?, updated_at=?, vendor_routing=?, destinations=? WHERE environment_id=?`,
		r.Version, fmtTime(r.UpdatedAt), r.VendorRouting, jsonText(r.Destinations), r.EnvironmentID)
}

// Access requests.

const requestCols = metaCols + ", environment_id, requester_id, tier, duration_seconds, reason, status, decided_by, decided_at, expires_at"

func scanRequest(sc scanFunc) (api.AccessRequest, error) {
	var r api.AccessRequest
	var dec, exp sql.NullString
	ms := metaScan{m: &r.Meta}
	err := sc(append(ms.dest(), &r.EnvironmentID, &r.RequesterID, &r.Tier, &r.DurationSeconds, &r.Reason,
		&r.Status, &r.DecidedBy, &dec, &exp)...)
	ms.finish()
	r.DecidedAt, r.ExpiresAt = parseTimePtr(dec), parseTimePtr(exp)
	return r, err
}

func (t *sqlTx) InsertAccessRequest(r api.AccessRequest) error {
	_, err := t.exec(`INSERT INTO access_requests (`+requestCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		append(metaArgs(r.Meta), r.EnvironmentID, r.RequesterID, r.Tier, r.DurationSeconds, r.Reason,
			r.Status, r.DecidedBy, fmtTimePtr(r.DecidedAt), fmtTimePtr(r.ExpiresAt))...)
	return err
}

func (t *sqlTx) AccessRequest(id string) (api.AccessRequest, error) {
	return one(t.tx.QueryRowContext(t.ctx, `SELECT `+requestCols+` FROM access_requests WHERE id = ?`, id), scanRequest)
}

func (t *sqlTx) AccessRequests(f AccessRequestFilter, p Page) ([]api.AccessRequest, string, error) {
	var conds []string
	var args []any
	for _, c := range []struct{ col, v string }{{"status", f.Status}, {"environment_id", f.EnvironmentID}, {"requester_id", f.RequesterID}} {
		if c.v != "" {
			conds = append(conds, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	return list(t, "access_requests", requestCols, strings.Join(conds, " AND "), args, p, scanRequest)
}

func (t *sqlTx) UpdateAccessRequest(r api.AccessRequest) error {
	return t.execOne(`UPDATE access_requests SET version=?, updated_at=?, status=?, decided_by=?, decided_at=?, expires_at=? WHERE id=?`,
		r.Version, fmtTime(r.UpdatedAt), r.Status, r.DecidedBy, fmtTimePtr(r.DecidedAt), fmtTimePtr(r.ExpiresAt), r.ID)
}

// Audit events.

const auditCols = "id, at, actor_id, action, object_type, object_id, environment_id, before, after"

func scanAudit(sc scanFunc) (api.AuditEvent, error) {
	var e api.AuditEvent
	var at string
	var before, after sql.NullString
	err := sc(&e.ID, &at, &e.ActorID, &e.Action, &e.ObjectType, &e.ObjectID, &e.EnvironmentID, &before, &after)
	e.At = parseTime(at)
	if before.Valid {
		e.Before = json.RawMessage(before.String)
	}
	if after.Valid {
		e.After = json.RawMessage(after.String)
	}
	return e, err
}

func rawOrNil(m json.RawMessage) any {
	if len(m) == 0 {
		return nil
	}
	return string(m)
}

func (t *sqlTx) InsertAuditEvent(e api.AuditEvent) error {
	_, err := t.exec(`INSERT INTO audit_events (at_unix_nano, `+auditCols+`) VALUES (?,?,?,?,?,?,?,?,?,?)`,
		unixNano(e.At), e.ID, fmtTime(e.At), e.ActorID, e.Action, e.ObjectType, e.ObjectID, e.EnvironmentID,
		rawOrNil(e.Before), rawOrNil(e.After))
	return err
}

func (t *sqlTx) AuditEvents(f AuditFilter, p Page) ([]api.AuditEvent, string, error) {
	var conds []string
	var args []any
	for _, c := range []struct{ col, v string }{{"actor_id", f.ActorID}, {"environment_id", f.EnvironmentID}, {"object_id", f.ObjectID}} {
		if c.v != "" {
			conds = append(conds, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	// Times compare as integers: RFC 3339 text with varying fractions does not sort.
	if !f.Since.IsZero() {
		conds = append(conds, "at_unix_nano >= ?")
		args = append(args, unixNano(f.Since))
	}
	if !f.Until.IsZero() {
		conds = append(conds, "at_unix_nano <= ?")
		args = append(args, unixNano(f.Until))
	}
	return list(t, "audit_events", auditCols, strings.Join(conds, " AND "), args, p, scanAudit)
}

// Idempotency keys.

func (t *sqlTx) Idempotency(actorID, key string, notBefore time.Time) (IdempotencyRecord, error) {
	var r IdempotencyRecord
	var ca string
	err := t.tx.QueryRowContext(t.ctx, `SELECT request_hash, status, body, created_at FROM idempotency_keys
		WHERE actor_id = ? AND key = ? AND created_unix_nano >= ?`,
		actorID, key, unixNano(notBefore)).Scan(&r.RequestHash, &r.Status, &r.Body, &ca)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	r.CreatedAt = parseTime(ca)
	return r, err
}

func (t *sqlTx) InsertIdempotency(actorID, key string, r IdempotencyRecord) error {
	_, err := t.exec(`INSERT INTO idempotency_keys (actor_id, key, request_hash, status, body, created_at, created_unix_nano)
		VALUES (?,?,?,?,?,?,?)
		ON CONFLICT (actor_id, key) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status,
			body = excluded.body, created_at = excluded.created_at, created_unix_nano = excluded.created_unix_nano`,
		actorID, key, r.RequestHash, r.Status, r.Body, fmtTime(r.CreatedAt), unixNano(r.CreatedAt))
	return err
}

// The policy snapshot's bulk reads and the policy generation.

func (t *sqlTx) AllAssignments() ([]api.RoleAssignment, error) {
	as, _, err := list(t, "role_assignments", assignmentCols, "", nil, Page{}, scanAssignment)
	return as, err
}

func (t *sqlTx) AllGrants() ([]api.Grant, error) {
	gs, _, err := list(t, "grants", grantCols, "", nil, Page{}, scanGrant)
	return gs, err
}

func (t *sqlTx) AllSupportAccess() ([]api.SupportAccess, error) {
	as, _, err := list(t, "support_access", supportCols, "", nil, Page{}, scanSupport)
	return as, err
}

func (t *sqlTx) AllTokens() ([]TokenRecord, error) {
	ts, _, err := list(t, "tokens", tokenCols, "", nil, Page{}, scanToken)
	return ts, err
}

func (t *sqlTx) Generation() (int64, error) {
	var g int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT gen FROM policy_state WHERE id = 1`).Scan(&g)
	return g, err
}

func (t *sqlTx) BumpGeneration() (int64, error) {
	var g int64
	err := t.tx.QueryRowContext(t.ctx, `UPDATE policy_state SET gen = gen + 1 WHERE id = 1 RETURNING gen`).Scan(&g)
	return g, err
}

func (t *sqlTx) PruneIdempotency(before time.Time) (int64, error) {
	res, err := t.exec(`DELETE FROM idempotency_keys WHERE created_unix_nano < ?`, unixNano(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
