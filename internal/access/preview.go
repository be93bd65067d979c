package access

import (
	"cmp"
	"maps"
	"slices"
	"sync"
	"time"
)

// The access preview: what proposed changes would give or take from whom. The caller makes
// the changes on a copy of the snapshot (Clone) with the same mutators the store's reload
// uses, and DiffAccess compares the two: per environment and user, the actions and tier
// capabilities gained and lost, and per user the platform permissions, each with its reasons
// (the after snapshot's for what is gained, the before snapshot's for what is lost). Only the
// users whose access could differ are compared (reach), found from what differs between the
// snapshots rather than from the change list, so that no kind of change can be forgotten.

// Allowance is one action or tier capability with every reason it is allowed, ordered as
// WhoCan orders them.
type Allowance struct {
	Action string
	Via    []Via
}

// PlatformHolding is one platform permission with every reason it is held.
type PlatformHolding struct {
	Permission string
	Via        []PlatformSource
}

// UserAccessDiff is what one user gains and loses in one environment, each sorted by name.
type UserAccessDiff struct {
	User         User
	Gained, Lost []Allowance
}

// EnvironmentDiff is every user whose access changes in one environment, sorted by e-mail.
type EnvironmentDiff struct {
	Environment Environment
	Users       []UserAccessDiff
}

// PlatformDiff is what one user gains and loses outside any environment.
type PlatformDiff struct {
	User         User
	Gained, Lost []PlatformHolding
}

// AccessDiff is the difference in effective access between two snapshots.
type AccessDiff struct {
	// Environments whose access changes, sorted by name; Platform, users whose platform
	// permissions change, sorted by e-mail.
	Environments []EnvironmentDiff
	Platform     []PlatformDiff
	// Reached are the users whose access was compared, sorted: every user whose access could
	// differ, whether or not it does. Reading the preview reads their access.
	Reached []string
}

// Clone returns a copy of the snapshot that can be changed without changing p; p must not
// change while the copy is in use (the server clones the snapshot it reads, under its read
// lock). The copy shares p's maps until it first writes each (write), and its objects and
// index slices for good (the mutators replace them, never change them in place), so that
// cloning costs nothing and a change copies only the maps it writes. The copy records what
// its mutators touch, so that DiffAccess compares only that.
func (p *Policy) Clone() *Policy {
	return &Policy{
		envs: p.envs, users: p.users, groups: p.groups, roles: p.roles, assignments: p.assignments, grants: p.grants,
		support: p.support, requests: p.requests, tokens: p.tokens, tokenIDs: p.tokenIDs,
		userAssignments: p.userAssignments, groupAssignments: p.groupAssignments, roleAssignments: p.roleAssignments,
		userGroups: p.userGroups, roleGrants: p.roleGrants, envGrants: p.envGrants, userTokens: p.userTokens,
		userRequests: p.userRequests, envRequests: p.envRequests,
		shared: fAll, touched: newTouched(p),
	}
}

// touched is the keys of the objects a clone's mutators put or deleted since it was made from
// `from`. Only these can differ between the two, which is what keeps a preview's cost to the
// size of its changes rather than of the organization. Tokens are left out: they give no access.
type touched struct {
	from                                                       *Policy
	envs, users, groups, roles, assignments, support, requests map[string]bool
	grants                                                     map[grantKey]bool
}

func newTouched(from *Policy) *touched {
	return &touched{from: from, envs: map[string]bool{}, users: map[string]bool{}, groups: map[string]bool{}, roles: map[string]bool{},
		assignments: map[string]bool{}, support: map[string]bool{}, requests: map[string]bool{}, grants: map[grantKey]bool{}}
}

// touch records a mutation in a clone.
func (p *Policy) touch(record func(*touched)) {
	if p.touched != nil {
		record(p.touched)
	}
}

// between is what may differ between before and after: what after's mutators touched when
// after is a clone of before, else every key of either.
func between(before, after *Policy) *touched {
	if after.touched != nil && after.touched.from == before {
		return after.touched
	}
	t := newTouched(before)
	for _, q := range []*Policy{before, after} {
		for k := range q.envs {
			t.envs[k] = true
		}
		for k := range q.users {
			t.users[k] = true
		}
		for k := range q.groups {
			t.groups[k] = true
		}
		for k := range q.roles {
			t.roles[k] = true
		}
		for k := range q.assignments {
			t.assignments[k] = true
		}
		for k := range q.support {
			t.support[k] = true
		}
		for k := range q.requests {
			t.requests[k] = true
		}
		for k := range q.grants {
			t.grants[k] = true
		}
	}
	return t
}

// scope is the environments in which one user's access may differ: every one, or those listed.
type scope struct {
	all  bool
	envs map[string]bool
}

func (s *scope) addEnv(id string) {
	if s.envs == nil {
		s.envs = map[string]bool{}
	}
	s.envs[id] = true
}

// DiffAccess compares what every user may do before and after, at now.
func DiffAccess(before, after *Policy, now time.Time) AccessDiff {
	return diffUsers(before, after, reach(before, after), now)
}

// diffUsers compares the access of the given users, each in the environments of its scope.
func diffUsers(before, after *Policy, users map[string]*scope, now time.Time) AccessDiff {
	d := AccessDiff{Environments: []EnvironmentDiff{}, Platform: []PlatformDiff{}, Reached: slices.Sorted(maps.Keys(users))}
	var allEnvs []string
	perEnv := map[string][]UserAccessDiff{}
	for _, id := range d.Reached {
		ub, ua := before.users[id], after.users[id]
		user := ua
		if user == nil {
			user = ub
		}
		envs := slices.Collect(maps.Keys(users[id].envs))
		if users[id].all {
			if allEnvs == nil {
				allEnvs = slices.Collect(maps.Keys(before.envs))
				for k := range after.envs {
					if before.envs[k] == nil {
						allEnvs = append(allEnvs, k)
					}
				}
			}
			envs = allEnvs
		}
		for _, env := range envs {
			eb, ea := before.envs[env], after.envs[env]
			if before.allowedMask(ub, eb, now) == after.allowedMask(ua, ea, now) {
				continue // the same names; their reasons are only listed for what changes
			}
			b := before.allowedIn(ub, eb, now)
			a := after.allowedIn(ua, ea, now)
			gained, lost := diffKeys(a, b, func(k string, v []Via) Allowance { return Allowance{k, v} })
			if len(gained)+len(lost) > 0 {
				perEnv[env] = append(perEnv[env], UserAccessDiff{User: *user, Gained: gained, Lost: lost})
			}
		}
		gained, lost := diffKeys(after.platformOf(ua), before.platformOf(ub),
			func(k string, v []PlatformSource) PlatformHolding { return PlatformHolding{k, v} })
		if len(gained)+len(lost) > 0 {
			d.Platform = append(d.Platform, PlatformDiff{User: *user, Gained: gained, Lost: lost})
		}
	}
	for id, us := range perEnv {
		env := after.envs[id]
		if env == nil {
			env = before.envs[id]
		}
		slices.SortFunc(us, func(a, b UserAccessDiff) int { return byUser(a.User, b.User) })
		d.Environments = append(d.Environments, EnvironmentDiff{Environment: *env, Users: us})
	}
	slices.SortFunc(d.Environments, func(a, b EnvironmentDiff) int {
		return cmp.Or(cmp.Compare(a.Environment.Name, b.Environment.Name), cmp.Compare(a.Environment.ID, b.Environment.ID))
	})
	slices.SortFunc(d.Platform, func(a, b PlatformDiff) int { return byUser(a.User, b.User) })
	return d
}

func byUser(a, b User) int { return cmp.Or(cmp.Compare(a.Email, b.Email), cmp.Compare(a.ID, b.ID)) }

// diffKeys returns, sorted by key, what after holds and before does not (with after's
// reasons) and what before holds and after does not (with before's).
func diffKeys[V, T any](after, before map[string]V, item func(string, V) T) (gained, lost []T) {
	for _, k := range slices.Sorted(maps.Keys(after)) {
		if _, ok := before[k]; !ok {
			gained = append(gained, item(k, after[k]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(before)) {
		if _, ok := after[k]; !ok {
			lost = append(lost, item(k, before[k]))
		}
	}
	return gained, lost
}

// allowedIn is what user u may do in env at now: each matrix action (members) or tier
// capability (vendor users) with its reasons, in the order WhoCan lists them. A nil user or
// environment may do nothing.
func (p *Policy) allowedIn(u *User, env *Environment, now time.Time) map[string][]Via {
	out := map[string][]Via{}
	if u == nil || env == nil {
		return out
	}
	if u.Kind == KindVendor {
		sa, tiers := p.vendorTiers(u.ID, env.ID, now)
		if env.ResourcePrefix == "" {
			return out
		}
		for _, h := range tiers {
			for _, c := range capabilities {
				if capabilityIn(c.Name, h.tier, sa.PortForwarding) {
					out[c.Name] = append(out[c.Name], tierVia(sa, h, c.Name))
				}
			}
		}
		return out
	}
	for h := range p.held(u.ID) {
		if g := p.grants[grantKey{env.ID, h.Role.ID}]; g != nil {
			for _, r := range matrix {
				if g.set&actionSets[r.Action] != 0 {
					out[r.Action] = append(out[r.Action], p.grantVia(h, g, r.Action))
				}
			}
		}
		if h.Role.owner() {
			for _, r := range matrix {
				out[r.Action] = append(out[r.Action], p.ownerVia(h))
			}
		}
	}
	for _, vias := range out {
		slices.SortFunc(vias, byReason)
	}
	return out
}

// allowedMask is the set of names allowedIn would list, as bits: matrix rows first, then
// capabilities. It is what makes comparing every reached user in every environment cheap.
func (p *Policy) allowedMask(u *User, env *Environment, now time.Time) uint64 {
	var m uint64
	if u == nil || env == nil {
		return m
	}
	if u.Kind == KindVendor {
		sa, tiers := p.vendorTiers(u.ID, env.ID, now)
		if env.ResourcePrefix == "" {
			return m
		}
		for _, h := range tiers {
			for i, c := range capabilities {
				if capabilityIn(c.Name, h.tier, sa.PortForwarding) {
					m |= 1 << (len(matrix) + i)
				}
			}
		}
		return m
	}
	for h := range p.held(u.ID) {
		if h.Role.owner() {
			return 1<<len(matrix) - 1
		}
		if g := p.grants[grantKey{env.ID, h.Role.ID}]; g != nil {
			m |= actionMasks()[g.set]
		}
	}
	return m
}

// actionMasks is, for every set of environment permissions, the matrix rows it allows as bits
// (made on first use: the matrix's indexes are built by an init function).
var actionMasks = sync.OnceValue(func() *[1 << 8]uint64 {
	out := new([1 << 8]uint64)
	if len(matrix)+len(capabilities) > 64 || len(permissions) > 8 {
		panic("access: the allowed-set bits no longer fit")
	}
	for s := range out {
		for i, r := range matrix {
			if PermSet(s)&actionSets[r.Action] != 0 {
				out[s] |= 1 << i
			}
		}
	}
	return out
})

// platformOf is every platform permission a user holds with its reasons, sorted as
// Effective sorts them.
func (p *Policy) platformOf(u *User) map[string][]PlatformSource {
	out := map[string][]PlatformSource{}
	if u == nil {
		return out
	}
	for h := range p.held(u.ID) {
		for _, src := range platformSources(h, p.groupName(h.GroupID)) {
			out[src.Permission] = append(out[src.Permission], src)
		}
	}
	for _, srcs := range out {
		slices.SortFunc(srcs, func(a, b PlatformSource) int {
			return cmp.Or(cmp.Compare(a.RoleName, b.RoleName), cmp.Compare(a.GroupID, b.GroupID), cmp.Compare(a.ImpliedBy, b.ImpliedBy))
		})
	}
	return out
}

// reach finds the users whose access may differ between before and after, each with the
// environments in which it may, from the objects that differ among those touched (between):
//   - a user whose record differs: everywhere;
//   - a user whose held roles differ (assignments, memberships, roles that come or go): where
//     any role it holds on either side has a grant, everywhere if one is an owner role;
//   - the holders, on either side, of a role whose grants differ: in those grants'
//     environments; of a role whose definition differs: everywhere if it is an owner role
//     on either side (else only its platform permissions and names change);
//   - the holders of the roles of a group whose name differs (only reasons change);
//   - every user, in an environment that differs; every vendor user, in an environment whose
//     support access differs; a requester, in the environments of its request that differs.
func reach(before, after *Policy) map[string]*scope {
	t := between(before, after)
	out := map[string]*scope{}
	at := func(id string) *scope {
		if out[id] == nil {
			out[id] = &scope{}
		}
		return out[id]
	}
	candidates := map[string]bool{} // users whose held roles may differ
	members := func(groupID string) {
		for _, q := range []*Policy{before, after} {
			if g := q.groups[groupID]; g != nil {
				for _, m := range g.Members {
					candidates[m] = true
				}
			}
		}
	}
	for id := range t.users {
		u, v := before.users[id], after.users[id]
		if u == nil || v == nil || *u != *v {
			at(id).all = true
		} else {
			candidates[id] = true
		}
	}
	for id := range t.assignments {
		for _, q := range []*Policy{before, after} {
			if a := q.assignments[id]; a != nil {
				if a.UserID != "" {
					candidates[a.UserID] = true
				} else {
					members(a.GroupID)
				}
			}
		}
	}
	for id := range t.groups {
		members(id)
	}
	changed := map[string]*scope{} // roles whose grants or definition differ, with where
	role := func(id string) *scope {
		if changed[id] == nil {
			changed[id] = &scope{}
		}
		return changed[id]
	}
	for id := range t.roles {
		r, s := before.roles[id], after.roles[id]
		switch {
		case r == nil && s == nil:
			continue
		case r == nil || s == nil || !sameRole(r, s):
			role(id).all = role(id).all || (r != nil && r.owner()) || (s != nil && s.owner())
		}
		// A role that comes or goes changes what its holders hold.
		for _, q := range []*Policy{before, after} {
			if r := q.roles[id]; r != nil {
				q.holders(r, func(u *User, _, _ string) { candidates[u.ID] = true })
			}
		}
	}
	for k := range t.grants {
		g, h := before.grants[k], after.grants[k]
		if (g == nil) != (h == nil) || (g != nil && (h.ID != g.ID || !slices.Equal(h.Permissions, g.Permissions))) {
			role(k.role).addEnv(k.env)
		}
	}
	for id := range t.groups {
		if g, h := before.groups[id], after.groups[id]; g != nil && (h == nil || h.Name != g.Name) {
			for _, a := range before.groupAssignments[id] {
				role(a.RoleID)
			}
		}
	}
	for id := range candidates {
		if (out[id] != nil && out[id].all) || sameHeld(before, after, id) {
			continue
		}
		sc := at(id)
		for _, q := range []*Policy{before, after} {
			for h := range q.held(id) {
				if h.Role.owner() {
					sc.all = true
				}
				for _, g := range q.roleGrants[h.Role.ID] {
					sc.addEnv(g.EnvironmentID)
				}
			}
		}
	}
	for id, where := range changed {
		for _, q := range []*Policy{before, after} {
			if r := q.roles[id]; r != nil {
				q.holders(r, func(u *User, _, _ string) {
					sc := at(u.ID)
					sc.all = sc.all || where.all
					for e := range where.envs {
						sc.addEnv(e)
					}
				})
			}
		}
	}
	everyone := func(env string, vendorsOnly bool) {
		for _, q := range []*Policy{before, after} {
			for id, u := range q.users {
				if !vendorsOnly || u.Kind == KindVendor {
					at(id).addEnv(env)
				}
			}
		}
	}
	for id := range t.envs {
		if e, f := before.envs[id], after.envs[id]; (e == nil) != (f == nil) || (e != nil && *e != *f) {
			everyone(id, false)
		}
	}
	for id := range t.support {
		if a, b := before.support[id], after.support[id]; (a == nil) != (b == nil) || (a != nil && !sameSupport(a, b)) {
			everyone(id, true)
		}
	}
	for id := range t.requests {
		r, s := before.requests[id], after.requests[id]
		if (r == nil) != (s == nil) || (r != nil && !sameRequest(r, s)) {
			for _, x := range []*AccessRequest{r, s} {
				if x != nil {
					at(x.RequesterID).addEnv(x.EnvironmentID)
				}
			}
		}
	}
	return out
}

// sameHeld reports whether a user holds the same roles the same ways in both snapshots.
func sameHeld(before, after *Policy, userID string) bool {
	type way struct{ role, group, assignment string }
	var was []way
	for h := range before.held(userID) {
		was = append(was, way{h.Role.ID, h.GroupID, h.AssignmentID})
	}
	n := 0
	for h := range after.held(userID) {
		if !slices.Contains(was, way{h.Role.ID, h.GroupID, h.AssignmentID}) {
			return false
		}
		n++
	}
	return n == len(was)
}

func sameRole(a, b *Role) bool {
	return a.Name == b.Name && a.Builtin == b.Builtin && slices.Equal(a.Permissions, b.Permissions)
}

func sameSupport(a, b *SupportAccess) bool {
	return a.ID == b.ID && a.Tier == b.Tier && a.PortForwarding == b.PortForwarding && a.Standing == b.Standing && sameTime(a.ExpiresAt, b.ExpiresAt)
}

func sameRequest(a, b *AccessRequest) bool {
	return a.ID == b.ID && a.EnvironmentID == b.EnvironmentID && a.RequesterID == b.RequesterID && a.Tier == b.Tier &&
		a.Status == b.Status && sameTime(a.ExpiresAt, b.ExpiresAt)
}

func sameTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}
