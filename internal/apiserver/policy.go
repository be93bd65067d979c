package apiserver

import (
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The conversions from the store's wire types to the engine's: the only mapping site.

func policyEnv(e api.Environment) access.Environment {
	return access.Environment{ID: e.ID, Name: e.Name, Cloud: e.Cloud, ResourcePrefix: e.ResourcePrefix}
}

func policyUser(u api.User) access.User { return access.User{ID: u.ID, Email: u.Email, Kind: u.Kind} }

func policyGroup(g api.Group) access.Group {
	return access.Group{ID: g.ID, Name: g.Name, Members: g.Members}
}

func policyRole(r api.Role) access.Role {
	return access.Role{ID: r.ID, Name: r.Name, Permissions: r.Permissions, Builtin: r.Builtin}
}

func policyAssignment(a api.RoleAssignment) access.Assignment {
	return access.Assignment{ID: a.ID, RoleID: a.RoleID, UserID: a.UserID, GroupID: a.GroupID}
}

func policyGrant(g api.Grant) access.Grant {
	return access.Grant{ID: g.ID, EnvironmentID: g.EnvironmentID, RoleID: g.RoleID, Permissions: g.Permissions}
}

func policySupport(a api.SupportAccess) access.SupportAccess {
	return access.SupportAccess{ID: a.ID, EnvironmentID: a.EnvironmentID, Tier: a.Tier, PortForwarding: a.PortForwarding,
		ExpiresAt: a.ExpiresAt, Standing: !a.RequireApproval}
}

func policyRequest(r api.AccessRequest) access.AccessRequest {
	return access.AccessRequest{ID: r.ID, EnvironmentID: r.EnvironmentID, RequesterID: r.RequesterID, Tier: r.Tier,
		Status: r.Status, ExpiresAt: r.ExpiresAt}
}

func policyToken(t TokenRecord) access.Token {
	return access.Token{ID: t.ID, UserID: t.UserID, Hash: t.Hash, ExpiresAt: t.ExpiresAt}
}

// loadPolicy reads the whole snapshot in one transaction.
func loadPolicy(tx Tx) (*access.Policy, int64, error) {
	gen, err := tx.Generation()
	if err != nil {
		return nil, 0, err
	}
	p := access.NewPolicy()
	envs, _, err := tx.Environments("", Page{})
	if err != nil {
		return nil, 0, err
	}
	for _, e := range envs {
		p.PutEnvironment(policyEnv(e))
	}
	users, _, err := tx.Users("", Page{})
	if err != nil {
		return nil, 0, err
	}
	for _, u := range users {
		p.PutUser(policyUser(u))
	}
	groups, _, err := tx.Groups("", Page{})
	if err != nil {
		return nil, 0, err
	}
	for _, g := range groups {
		p.PutGroup(policyGroup(g))
	}
	roles, _, err := tx.Roles("", Page{})
	if err != nil {
		return nil, 0, err
	}
	for _, r := range roles {
		p.PutRole(policyRole(r))
	}
	as, err := tx.AllAssignments()
	if err != nil {
		return nil, 0, err
	}
	for _, a := range as {
		p.PutAssignment(policyAssignment(a))
	}
	gs, err := tx.AllGrants()
	if err != nil {
		return nil, 0, err
	}
	for _, g := range gs {
		p.PutGrant(policyGrant(g))
	}
	sas, err := tx.AllSupportAccess()
	if err != nil {
		return nil, 0, err
	}
	for _, a := range sas {
		p.PutSupportAccess(policySupport(a))
	}
	reqs, _, err := tx.AccessRequests(AccessRequestFilter{}, Page{})
	if err != nil {
		return nil, 0, err
	}
	for _, r := range reqs {
		p.PutAccessRequest(policyRequest(r))
	}
	toks, err := tx.AllTokens()
	if err != nil {
		return nil, 0, err
	}
	for _, t := range toks {
		p.PutToken(policyToken(t))
	}
	return p, gen, nil
}

// recordingTx is the Tx handed to every write: it forwards each write to the store and
// remembers how to make the same change to the snapshot once the transaction commits. The
// snapshot's mutators cascade exactly as the store's foreign keys do.
type recordingTx struct {
	Tx
	changes []func(*access.Policy)
}

func (t *recordingTx) record(err error, f func(*access.Policy)) error {
	if err == nil {
		t.changes = append(t.changes, f)
	}
	return err
}

func (t *recordingTx) InsertEnvironment(e api.Environment) error {
	return t.record(t.Tx.InsertEnvironment(e), func(p *access.Policy) { p.PutEnvironment(policyEnv(e)) })
}

func (t *recordingTx) UpdateEnvironment(e api.Environment) error {
	return t.record(t.Tx.UpdateEnvironment(e), func(p *access.Policy) { p.PutEnvironment(policyEnv(e)) })
}

func (t *recordingTx) DeleteEnvironment(id string) error {
	return t.record(t.Tx.DeleteEnvironment(id), func(p *access.Policy) { p.DeleteEnvironment(id) })
}

func (t *recordingTx) InsertUser(u api.User) error {
	return t.record(t.Tx.InsertUser(u), func(p *access.Policy) { p.PutUser(policyUser(u)) })
}

func (t *recordingTx) UpdateUser(u api.User) error {
	return t.record(t.Tx.UpdateUser(u), func(p *access.Policy) { p.PutUser(policyUser(u)) })
}

func (t *recordingTx) DeleteUser(id string, now time.Time) error {
	return t.record(t.Tx.DeleteUser(id, now), func(p *access.Policy) { p.DeleteUser(id) })
}

func (t *recordingTx) InsertToken(r TokenRecord) error {
	return t.record(t.Tx.InsertToken(r), func(p *access.Policy) { p.PutToken(policyToken(r)) })
}

func (t *recordingTx) DeleteToken(id string) error {
	return t.record(t.Tx.DeleteToken(id), func(p *access.Policy) { p.DeleteToken(id) })
}

func (t *recordingTx) InsertGroup(g api.Group) error {
	return t.record(t.Tx.InsertGroup(g), func(p *access.Policy) { p.PutGroup(policyGroup(g)) })
}

func (t *recordingTx) UpdateGroup(g api.Group) error {
	return t.record(t.Tx.UpdateGroup(g), func(p *access.Policy) { p.PutGroup(policyGroup(g)) })
}

func (t *recordingTx) DeleteGroup(id string) error {
	return t.record(t.Tx.DeleteGroup(id), func(p *access.Policy) { p.DeleteGroup(id) })
}

func (t *recordingTx) InsertRole(r api.Role) error {
	return t.record(t.Tx.InsertRole(r), func(p *access.Policy) { p.PutRole(policyRole(r)) })
}

func (t *recordingTx) UpdateRole(r api.Role) error {
	return t.record(t.Tx.UpdateRole(r), func(p *access.Policy) { p.PutRole(policyRole(r)) })
}

func (t *recordingTx) DeleteRole(id string) error {
	return t.record(t.Tx.DeleteRole(id), func(p *access.Policy) { p.DeleteRole(id) })
}

func (t *recordingTx) InsertAssignment(a api.RoleAssignment) error {
	return t.record(t.Tx.InsertAssignment(a), func(p *access.Policy) { p.PutAssignment(policyAssignment(a)) })
}

func (t *recordingTx) DeleteAssignment(id string) error {
	return t.record(t.Tx.DeleteAssignment(id), func(p *access.Policy) { p.DeleteAssignment(id) })
}

func (t *recordingTx) InsertGrant(g api.Grant) error {
	return t.record(t.Tx.InsertGrant(g), func(p *access.Policy) { p.PutGrant(policyGrant(g)) })
}

func (t *recordingTx) UpdateGrant(g api.Grant) error {
	return t.record(t.Tx.UpdateGrant(g), func(p *access.Policy) { p.PutGrant(policyGrant(g)) })
}

func (t *recordingTx) DeleteGrant(envID, roleID string) error {
	return t.record(t.Tx.DeleteGrant(envID, roleID), func(p *access.Policy) { p.DeleteGrant(envID, roleID) })
}

func (t *recordingTx) InsertSupportAccess(a api.SupportAccess) error {
	return t.record(t.Tx.InsertSupportAccess(a), func(p *access.Policy) { p.PutSupportAccess(policySupport(a)) })
}

func (t *recordingTx) UpdateSupportAccess(a api.SupportAccess) error {
	return t.record(t.Tx.UpdateSupportAccess(a), func(p *access.Policy) { p.PutSupportAccess(policySupport(a)) })
}

func (t *recordingTx) DeleteSupportAccess(envID string) error {
	return t.record(t.Tx.DeleteSupportAccess(envID), func(p *access.Policy) { p.DeleteSupportAccess(envID) })
}

func (t *recordingTx) InsertAccessRequest(r api.AccessRequest) error {
	return t.record(t.Tx.InsertAccessRequest(r), func(p *access.Policy) { p.PutAccessRequest(policyRequest(r)) })
}

func (t *recordingTx) UpdateAccessRequest(r api.AccessRequest) error {
	return t.record(t.Tx.UpdateAccessRequest(r), func(p *access.Policy) { p.PutAccessRequest(policyRequest(r)) })
}
