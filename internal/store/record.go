package store

import (
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The policy writes: each Tx method below runs its unexported SQL writer (sql.go) and records
// how to make the same change to an access.Policy snapshot once the transaction commits
// (Commit.Apply). They are the only way to change these rows from outside the package, and
// they write only in UpdatePolicy, which bumps the generation and hands the changes back.
//
// A new table the engine decides on gets its SQL writer unexported in sql.go, its Tx
// method here (recorded), its conversion in policy.go, its bulk read in LoadPolicy, and a
// row in record_test.go's table of policy writes, which fails until every write method of Tx
// is either recorded there or named as a write that changes no policy.

var _ Tx = (*sqlTx)(nil)

// record runs write if t is recording (UpdatePolicy) and, when it succeeds, remembers change.
func (t *sqlTx) record(write func() error, change func(*access.Policy)) error {
	if !t.recording {
		return ErrPolicyWrite
	}
	if err := write(); err != nil {
		return err
	}
	t.changes = append(t.changes, change)
	return nil
}

func (t *sqlTx) InsertEnvironment(e api.Environment) error {
	return t.record(func() error { return t.insertEnvironment(e) }, func(p *access.Policy) { p.PutEnvironment(PolicyEnv(e)) })
}

func (t *sqlTx) UpdateEnvironment(e api.Environment) error {
	return t.record(func() error { return t.updateEnvironment(e) }, func(p *access.Policy) { p.PutEnvironment(PolicyEnv(e)) })
}

func (t *sqlTx) DeleteEnvironment(id string) error {
	return t.record(func() error { return t.deleteEnvironment(id) }, func(p *access.Policy) { p.DeleteEnvironment(id) })
}

func (t *sqlTx) InsertUser(u api.User) error {
	return t.record(func() error { return t.insertUser(u) }, func(p *access.Policy) { p.PutUser(PolicyUser(u)) })
}

func (t *sqlTx) UpdateUser(u api.User) error {
	return t.record(func() error { return t.updateUser(u) }, func(p *access.Policy) { p.PutUser(PolicyUser(u)) })
}

func (t *sqlTx) DeleteUser(id string, now time.Time) error {
	return t.record(func() error { return t.deleteUser(id, now) }, func(p *access.Policy) { p.DeleteUser(id) })
}

func (t *sqlTx) InsertToken(r TokenRecord) error {
	return t.record(func() error { return t.insertToken(r) }, func(p *access.Policy) { p.PutToken(PolicyToken(r)) })
}

func (t *sqlTx) DeleteToken(id string) error {
	return t.record(func() error { return t.deleteToken(id) }, func(p *access.Policy) { p.DeleteToken(id) })
}

func (t *sqlTx) InsertGroup(g api.Group) error {
	return t.record(func() error { return t.insertGroup(g) }, func(p *access.Policy) { p.PutGroup(PolicyGroup(g)) })
}

func (t *sqlTx) UpdateGroup(g api.Group) error {
	return t.record(func() error { return t.updateGroup(g) }, func(p *access.Policy) { p.PutGroup(PolicyGroup(g)) })
}

func (t *sqlTx) DeleteGroup(id string) error {
	return t.record(func() error { return t.deleteGroup(id) }, func(p *access.Policy) { p.DeleteGroup(id) })
}

func (t *sqlTx) InsertRole(r api.Role) error {
	return t.record(func() error { return t.insertRole(r) }, func(p *access.Policy) { p.PutRole(PolicyRole(r)) })
}

func (t *sqlTx) UpdateRole(r api.Role) error {
	return t.record(func() error { return t.updateRole(r) }, func(p *access.Policy) { p.PutRole(PolicyRole(r)) })
}

func (t *sqlTx) DeleteRole(id string) error {
	return t.record(func() error { return t.deleteRole(id) }, func(p *access.Policy) { p.DeleteRole(id) })
}

func (t *sqlTx) InsertAssignment(a api.RoleAssignment) error {
	return t.record(func() error { return t.insertAssignment(a) }, func(p *access.Policy) { p.PutAssignment(PolicyAssignment(a)) })
}

func (t *sqlTx) DeleteAssignment(id string) error {
	return t.record(func() error { return t.deleteAssignment(id) }, func(p *access.Policy) { p.DeleteAssignment(id) })
}

func (t *sqlTx) InsertGrant(g api.Grant) error {
	return t.record(func() error { return t.insertGrant(g) }, func(p *access.Policy) { p.PutGrant(PolicyGrant(g)) })
}

func (t *sqlTx) UpdateGrant(g api.Grant) error {
	return t.record(func() error { return t.updateGrant(g) }, func(p *access.Policy) { p.PutGrant(PolicyGrant(g)) })
}

func (t *sqlTx) DeleteGrant(envID, roleID string) error {
	return t.record(func() error { return t.deleteGrant(envID, roleID) }, func(p *access.Policy) { p.DeleteGrant(envID, roleID) })
}

func (t *sqlTx) InsertSupportAccess(a api.SupportAccess) error {
	return t.record(func() error { return t.insertSupportAccess(a) }, func(p *access.Policy) { p.PutSupportAccess(PolicySupport(a)) })
}

func (t *sqlTx) UpdateSupportAccess(a api.SupportAccess) error {
	return t.record(func() error { return t.updateSupportAccess(a) }, func(p *access.Policy) { p.PutSupportAccess(PolicySupport(a)) })
}

func (t *sqlTx) DeleteSupportAccess(envID string) error {
	return t.record(func() error { return t.deleteSupportAccess(envID) }, func(p *access.Policy) { p.DeleteSupportAccess(envID) })
}

func (t *sqlTx) InsertAccessRequest(r api.AccessRequest) error {
	return t.record(func() error { return t.insertAccessRequest(r) }, func(p *access.Policy) { p.PutAccessRequest(PolicyRequest(r)) })
}

func (t *sqlTx) UpdateAccessRequest(r api.AccessRequest) error {
	return t.record(func() error { return t.updateAccessRequest(r) }, func(p *access.Policy) { p.PutAccessRequest(PolicyRequest(r)) })
}
