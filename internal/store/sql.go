package store

// The SQL both stores share, written once: every entity's reads and writes, with "?"
// placeholders that each dialect rebinds (dialect.go). The writers of policy rows are
// unexported: the Tx methods of record.go call them and record the change. Times are RFC 3339 text with
// their instant also as integer nanoseconds where the store filters by time, JSON sets are
// text: the same columns in SQLite and PostgreSQL.

import (
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

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

func (t *sqlTx) insertEnvironment(e api.Environment) error {
	_, err := t.exec(`INSERT INTO environments (`+envCols+`) VALUES (?,?,?,?,?,?,?)`,
		append(metaArgs(e.Meta), e.Name, e.Cloud, e.ResourcePrefix)...)
	return err
}

func (t *sqlTx) Environment(id string) (api.Environment, error) {
	return one(t.queryRow(`SELECT `+envCols+` FROM environments WHERE id = ?`, id), scanEnv)
}

func (t *sqlTx) Environments(name string, p Page) ([]api.Environment, string, error) {
	where, args := eqFilter("name", name)
	return list(t, "environments", envCols, where, args, p, scanEnv)
}

func (t *sqlTx) updateEnvironment(e api.Environment) error {
	return t.execOne(`UPDATE environments SET version=?, updated_at=?, name=?, resource_prefix=? WHERE id=?`,
		e.Version, fmtTime(e.UpdatedAt), e.Name, e.ResourcePrefix, e.ID)
}

func (t *sqlTx) deleteEnvironment(id string) error {
	t.alterAlerting() // its ingest key and routing go with it
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

func (t *sqlTx) insertUser(u api.User) error {
	_, err := t.exec(`INSERT INTO users (`+userCols+`, email_fold) VALUES (?,?,?,?,?,?,?,?)`,
		append(metaArgs(u.Meta), u.Email, u.Name, u.Kind, access.EmailKey(u.Email))...)
	return err
}

func (t *sqlTx) User(id string) (api.User, error) {
	return one(t.queryRow(`SELECT `+userCols+` FROM users WHERE id = ?`, id), scanUser)
}

func (t *sqlTx) Users(email string, p Page) ([]api.User, string, error) {
	// E-mails are found whatever their case, as they are unique (email_fold).
	where, args := "", []any(nil)
	if email != "" {
		where, args = "email_fold = ?", []any{access.EmailKey(email)}
	}
	return list(t, "users", userCols, where, args, p, scanUser)
}

func (t *sqlTx) updateUser(u api.User) error {
	return t.execOne(`UPDATE users SET version=?, updated_at=?, email=?, email_fold=?, name=? WHERE id=?`,
		u.Version, fmtTime(u.UpdatedAt), u.Email, access.EmailKey(u.Email), u.Name, u.ID)
}

func (t *sqlTx) deleteUser(id string, now time.Time) error {
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

func (t *sqlTx) insertToken(r TokenRecord) error {
	_, err := t.exec(`INSERT INTO tokens (`+tokenCols+`) VALUES (?,?,?,?,?,?)`,
		r.ID, r.UserID, r.Name, r.Hash, fmtTimePtr(r.ExpiresAt), fmtTime(r.CreatedAt))
	return err
}

func (t *sqlTx) Token(userID, id string) (TokenRecord, error) {
	return one(t.queryRow(`SELECT `+tokenCols+` FROM tokens WHERE id = ? AND user_id = ?`, id, userID), scanToken)
}

func (t *sqlTx) TokenByHash(hash string) (TokenRecord, error) {
	return one(t.queryRow(`SELECT `+tokenCols+` FROM tokens WHERE hash = ?`, hash), scanToken)
}

func (t *sqlTx) UserTokens(userID string) ([]TokenRecord, error) {
	ts, _, err := list(t, "tokens", tokenCols, "user_id = ?", []any{userID}, Page{}, scanToken)
	return ts, err
}

func (t *sqlTx) deleteToken(id string) error { return t.execOne(`DELETE FROM tokens WHERE id=?`, id) }

// Groups.

const groupCols = metaCols + ", name, description, members_mode"

func scanGroup(sc scanFunc) (api.Group, error) {
	var g api.Group
	ms := metaScan{m: &g.Meta}
	err := sc(append(ms.dest(), &g.Name, &g.Description, &g.MembersMode)...)
	ms.finish()
	return g, err
}

func (t *sqlTx) members(g *api.Group) error {
	rows, err := t.query(`SELECT user_id FROM group_members WHERE group_id = ? ORDER BY user_id`, g.ID)
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

func (t *sqlTx) insertGroup(g api.Group) error {
	if _, err := t.exec(`INSERT INTO user_groups (`+groupCols+`) VALUES (?,?,?,?,?,?,?)`,
		append(metaArgs(g.Meta), g.Name, g.Description, g.MembersMode)...); err != nil {
		return err
	}
	return t.setMembers(g)
}

func (t *sqlTx) Group(id string) (api.Group, error) {
	g, err := one(t.queryRow(`SELECT `+groupCols+` FROM user_groups WHERE id = ?`, id), scanGroup)
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

func (t *sqlTx) updateGroup(g api.Group) error {
	if err := t.execOne(`UPDATE user_groups SET version=?, updated_at=?, name=?, description=?, members_mode=? WHERE id=?`,
		g.Version, fmtTime(g.UpdatedAt), g.Name, g.Description, g.MembersMode, g.ID); err != nil {
		return err
	}
	return t.setMembers(g)
}

func (t *sqlTx) deleteGroup(id string) error {
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

func (t *sqlTx) insertRole(r api.Role) error {
	_, err := t.exec(`INSERT INTO roles (`+roleCols+`) VALUES (?,?,?,?,?,?,?,?)`,
		append(metaArgs(r.Meta), r.Name, r.Description, jsonText(r.Permissions), r.Builtin)...)
	return err
}

func (t *sqlTx) Role(id string) (api.Role, error) {
	return one(t.queryRow(`SELECT `+roleCols+` FROM roles WHERE id = ?`, id), scanRole)
}

func (t *sqlTx) Roles(name string, p Page) ([]api.Role, string, error) {
	where, args := eqFilter("name", name)
	return list(t, "roles", roleCols, where, args, p, scanRole)
}

func (t *sqlTx) updateRole(r api.Role) error {
	return t.execOne(`UPDATE roles SET version=?, updated_at=?, name=?, description=?, permissions=? WHERE id=?`,
		r.Version, fmtTime(r.UpdatedAt), r.Name, r.Description, jsonText(r.Permissions), r.ID)
}

func (t *sqlTx) deleteRole(id string) error { return t.execOne(`DELETE FROM roles WHERE id=?`, id) }

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

func (t *sqlTx) insertAssignment(a api.RoleAssignment) error {
	_, err := t.exec(`INSERT INTO role_assignments (`+assignmentCols+`) VALUES (?,?,?,?,?,?,?)`,
		append(metaArgs(a.Meta), a.RoleID, nullIfEmpty(a.UserID), nullIfEmpty(a.GroupID))...)
	return err
}

func (t *sqlTx) Assignment(roleID, id string) (api.RoleAssignment, error) {
	return one(t.queryRow(`SELECT `+assignmentCols+` FROM role_assignments WHERE id = ? AND role_id = ?`, id, roleID), scanAssignment)
}

func (t *sqlTx) Assignments(roleID string, p Page) ([]api.RoleAssignment, string, error) {
	return list(t, "role_assignments", assignmentCols, "role_id = ?", []any{roleID}, p, scanAssignment)
}

func (t *sqlTx) deleteAssignment(id string) error {
	return t.execOne(`DELETE FROM role_assignments WHERE id=?`, id)
}

func (t *sqlTx) heldRoles(query string, args ...any) ([]HeldRole, error) {
	rows, err := t.query(query, args...)
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

func (t *sqlTx) insertGrant(g api.Grant) error {
	_, err := t.exec(`INSERT INTO grants (`+grantCols+`) VALUES (?,?,?,?,?,?,?)`,
		append(metaArgs(g.Meta), g.RoleID, g.EnvironmentID, jsonText(g.Permissions))...)
	return err
}

func (t *sqlTx) Grant(environmentID, roleID string) (api.Grant, error) {
	return one(t.queryRow(`SELECT `+grantCols+` FROM grants WHERE environment_id = ? AND role_id = ?`,
		environmentID, roleID), scanGrant)
}

func (t *sqlTx) Grants(environmentID string, p Page) ([]api.Grant, string, error) {
	return list(t, "grants", grantCols, "environment_id = ?", []any{environmentID}, p, scanGrant)
}

func (t *sqlTx) RoleGrants(roleID string) ([]api.Grant, error) {
	gs, _, err := list(t, "grants", grantCols, "role_id = ?", []any{roleID}, Page{}, scanGrant)
	return gs, err
}

func (t *sqlTx) updateGrant(g api.Grant) error {
	return t.execOne(`UPDATE grants SET version=?, updated_at=?, permissions=? WHERE environment_id=? AND role_id=?`,
		g.Version, fmtTime(g.UpdatedAt), jsonText(g.Permissions), g.EnvironmentID, g.RoleID)
}

func (t *sqlTx) deleteGrant(environmentID, roleID string) error {
	return t.execOne(`DELETE FROM grants WHERE environment_id=? AND role_id=?`, environmentID, roleID)
}

// Support access.

const supportCols = metaCols + ", environment_id, tier, port_forwarding, expires_at, require_approval"

func scanSupport(sc scanFunc) (api.SupportAccess, error) {
	var a api.SupportAccess
	var exp sql.NullString
	ms := metaScan{m: &a.Meta}
	err := sc(append(ms.dest(), &a.EnvironmentID, &a.Tier, &a.PortForwarding, &exp, &a.RequireApproval)...)
	ms.finish()
	a.ExpiresAt = parseTimePtr(exp)
	return a, err
}

func (t *sqlTx) insertSupportAccess(a api.SupportAccess) error {
	_, err := t.exec(`INSERT INTO support_access (`+supportCols+`) VALUES (?,?,?,?,?,?,?,?,?)`,
		append(metaArgs(a.Meta), a.EnvironmentID, a.Tier, a.PortForwarding, fmtTimePtr(a.ExpiresAt), a.RequireApproval)...)
	return err
}

func (t *sqlTx) SupportAccess(environmentID string) (api.SupportAccess, error) {
	return one(t.queryRow(`SELECT `+supportCols+` FROM support_access WHERE environment_id = ?`, environmentID), scanSupport)
}

func (t *sqlTx) updateSupportAccess(a api.SupportAccess) error {
	return t.execOne(`UPDATE support_access SET version=?, updated_at=?, tier=?, port_forwarding=?, expires_at=?, require_approval=? WHERE environment_id=?`,
		a.Version, fmtTime(a.UpdatedAt), a.Tier, a.PortForwarding, fmtTimePtr(a.ExpiresAt), a.RequireApproval, a.EnvironmentID)
}

func (t *sqlTx) deleteSupportAccess(environmentID string) error {
	return t.execOne(`DELETE FROM support_access WHERE environment_id=?`, environmentID)
}

// Alert routing.

const routingCols = metaCols + ", environment_id, vendor_routing, destinations, destinations_mode, claim_id, claimed_at"

func scanRouting(sc scanFunc) (api.AlertRouting, error) {
	var r api.AlertRouting
	var dests string
	var claimed sql.NullString
	ms := metaScan{m: &r.Meta}
	err := sc(append(ms.dest(), &r.EnvironmentID, &r.VendorRouting, &dests, &r.DestinationsMode, &r.ClaimID, &claimed)...)
	ms.finish()
	r.ClaimedAt = parseTimePtr(claimed)
	r.Destinations = []api.Destination{}
	if err == nil {
		err = json.Unmarshal([]byte(dests), &r.Destinations)
	}
	return r, err
}

func (t *sqlTx) InsertAlertRouting(r api.AlertRouting) error {
	t.alterAlerting()
	_, err := t.exec(`INSERT INTO alert_routing (`+routingCols+`) VALUES (?,?,?,?,?,?,?,?,?,?)`,
		append(metaArgs(r.Meta), r.EnvironmentID, r.VendorRouting, jsonText(r.Destinations), r.DestinationsMode, r.ClaimID, fmtTimePtr(r.ClaimedAt))...)
	return err
}

func (t *sqlTx) AlertRouting(environmentID string) (api.AlertRouting, error) {
	c := t.cache()
	if r, ok := c.getRouting(environmentID); ok {
		return r, nil
	}
	r, err := one(t.queryRow(`SELECT `+routingCols+` FROM alert_routing WHERE environment_id = ?`, environmentID), scanRouting)
	if err == nil {
		c.putRouting(r)
	}
	return r, err
}

func (t *sqlTx) UpdateAlertRouting(r api.AlertRouting) error {
	t.alterAlerting()
	return t.execOne(`UPDATE alert_routing SET version=?, updated_at=?, vendor_routing=?, destinations=?, destinations_mode=?, claim_id=?, claimed_at=? WHERE environment_id=?`,
		r.Version, fmtTime(r.UpdatedAt), r.VendorRouting, jsonText(r.Destinations), r.DestinationsMode, r.ClaimID, fmtTimePtr(r.ClaimedAt), r.EnvironmentID)
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

func (t *sqlTx) insertAccessRequest(r api.AccessRequest) error {
	_, err := t.exec(`INSERT INTO access_requests (`+requestCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		append(metaArgs(r.Meta), r.EnvironmentID, r.RequesterID, r.Tier, r.DurationSeconds, r.Reason,
			r.Status, r.DecidedBy, fmtTimePtr(r.DecidedAt), fmtTimePtr(r.ExpiresAt))...)
	return err
}

func (t *sqlTx) AccessRequest(id string) (api.AccessRequest, error) {
	return one(t.queryRow(`SELECT `+requestCols+` FROM access_requests WHERE id = ?`, id), scanRequest)
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

func (t *sqlTx) updateAccessRequest(r api.AccessRequest) error {
	return t.execOne(`UPDATE access_requests SET version=?, updated_at=?, status=?, decided_by=?, decided_at=?, expires_at=? WHERE id=?`,
		r.Version, fmtTime(r.UpdatedAt), r.Status, r.DecidedBy, fmtTimePtr(r.DecidedAt), fmtTimePtr(r.ExpiresAt), r.ID)
}

// Audit events.

const auditCols = "id, at, actor_id, action, object_type, object_id, environment_id, before, after, request_id, client_request_id"

func scanAudit(sc scanFunc) (api.AuditEvent, error) {
	var e api.AuditEvent
	var at string
	var before, after sql.NullString
	err := sc(&e.ID, &at, &e.ActorID, &e.Action, &e.ObjectType, &e.ObjectID, &e.EnvironmentID, &before, &after, &e.RequestID, &e.ClientRequestID)
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
	_, err := t.exec(`INSERT INTO audit_events (at_unix_nano, `+auditCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
		unixNano(e.At), e.ID, fmtTime(e.At), e.ActorID, e.Action, e.ObjectType, e.ObjectID, e.EnvironmentID,
		rawOrNil(e.Before), rawOrNil(e.After), e.RequestID, e.ClientRequestID)
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
	if f.Since != nil {
		conds = append(conds, "at_unix_nano >= ?")
		args = append(args, unixNano(*f.Since))
	}
	if f.Until != nil {
		conds = append(conds, "at_unix_nano <= ?")
		args = append(args, unixNano(*f.Until))
	}
	return list(t, "audit_events", auditCols, strings.Join(conds, " AND "), args, p, scanAudit)
}

// Idempotency keys.

func (t *sqlTx) Idempotency(actorID, key string, notBefore time.Time) (IdempotencyRecord, error) {
	var r IdempotencyRecord
	var ca string
	err := t.queryRow(`SELECT request_hash, status, body, created_at FROM idempotency_keys
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
	q := `SELECT gen FROM policy_state WHERE id = 1`
	if t.write {
		q += t.d.lockGeneration()
	}
	err := t.queryRow(q).Scan(&g)
	if err == nil {
		t.gen = g
	}
	return g, err
}

// bumpGeneration increments the policy generation and returns the new value; UpdatePolicy
// calls it once, when the transaction recorded a policy write.
func (t *sqlTx) bumpGeneration() (int64, error) {
	var g int64
	err := t.queryRow(`UPDATE policy_state SET gen = gen + 1 WHERE id = 1 RETURNING gen`).Scan(&g)
	return g, err
}

func (t *sqlTx) PruneIdempotency(before time.Time) (int64, error) {
	res, err := t.exec(`DELETE FROM idempotency_keys WHERE created_unix_nano < ?`, unixNano(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
