package store

import (
	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The conversions from the store's wire types to the engine's: the only mapping site, used
// by the recorded writes (record.go), LoadPolicy and the handlers' own engine questions.

func PolicyEnv(e api.Environment) access.Environment {
	return access.Environment{ID: e.ID, Name: e.Name, Cloud: e.Cloud, ResourcePrefix: e.ResourcePrefix}
}

func PolicyUser(u api.User) access.User {
	return access.User{ID: u.ID, Email: u.Email, Kind: access.UserKind(u.Kind)}
}

func PolicyGroup(g api.Group) access.Group {
	return access.Group{ID: g.ID, Name: g.Name, Members: g.Members}
}

func PolicyRole(r api.Role) access.Role {
	return access.Role{ID: r.ID, Name: r.Name, Permissions: r.Permissions, Builtin: r.Builtin}
}

func PolicyAssignment(a api.RoleAssignment) access.Assignment {
	return access.Assignment{ID: a.ID, RoleID: a.RoleID, UserID: a.UserID, GroupID: a.GroupID}
}

func PolicyGrant(g api.Grant) access.Grant {
	return access.Grant{ID: g.ID, EnvironmentID: g.EnvironmentID, RoleID: g.RoleID, Permissions: g.Permissions}
}

func PolicySupport(a api.SupportAccess) access.SupportAccess {
	return access.SupportAccess{ID: a.ID, EnvironmentID: a.EnvironmentID, Tier: a.Tier, PortForwarding: a.PortForwarding,
		ExpiresAt: a.ExpiresAt, Standing: !a.RequireApproval}
}

func PolicyRequest(r api.AccessRequest) access.AccessRequest {
	return access.AccessRequest{ID: r.ID, EnvironmentID: r.EnvironmentID, RequesterID: r.RequesterID, Tier: r.Tier,
		Status: r.Status, ExpiresAt: r.ExpiresAt}
}

func PolicyToken(t TokenRecord) access.Token {
	return access.Token{ID: t.ID, UserID: t.UserID, Hash: t.Hash, ExpiresAt: t.ExpiresAt}
}

// LoadPolicy reads the whole policy snapshot, and the generation it reflects, in tx.
func LoadPolicy(tx Tx) (*access.Policy, int64, error) {
	gen, err := tx.Generation()
	if err != nil {
		return nil, 0, err
	}
	p := access.NewPolicy()
	envs, _, err := tx.Environments("", Page{})
	if err = putAll(envs, err, PolicyEnv, p.PutEnvironment); err != nil {
		return nil, 0, err
	}
	users, _, err := tx.Users("", Page{})
	if err = putAll(users, err, PolicyUser, p.PutUser); err != nil {
		return nil, 0, err
	}
	groups, _, err := tx.Groups("", Page{})
	if err = putAll(groups, err, PolicyGroup, p.PutGroup); err != nil {
		return nil, 0, err
	}
	roles, _, err := tx.Roles("", Page{})
	if err = putAll(roles, err, PolicyRole, p.PutRole); err != nil {
		return nil, 0, err
	}
	as, err := tx.AllAssignments()
	if err = putAll(as, err, PolicyAssignment, p.PutAssignment); err != nil {
		return nil, 0, err
	}
	gs, err := tx.AllGrants()
	if err = putAll(gs, err, PolicyGrant, p.PutGrant); err != nil {
		return nil, 0, err
	}
	sas, err := tx.AllSupportAccess()
	if err = putAll(sas, err, PolicySupport, p.PutSupportAccess); err != nil {
		return nil, 0, err
	}
	reqs, _, err := tx.AccessRequests(AccessRequestFilter{}, Page{})
	if err = putAll(reqs, err, PolicyRequest, p.PutAccessRequest); err != nil {
		return nil, 0, err
	}
	toks, err := tx.AllTokens()
	if err = putAll(toks, err, PolicyToken, p.PutToken); err != nil {
		return nil, 0, err
	}
	return p, gen, nil
}

// putAll puts every stored item of one listing into the policy, as the engine sees it
// (policy converts it); a failed listing puts nothing and returns its error.
func putAll[T, P any](items []T, err error, policy func(T) P, put func(P)) error {
	if err != nil {
		return err
	}
	for _, it := range items {
		put(policy(it))
	}
	return nil
}
