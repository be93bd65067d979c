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

// Clone returns a copy of the snapshot that can be changed without changing p. The stored
// objects are shared (the mutators replace them, never change them in place); the maps and
// the index slices, which the mutators do change in place, are copied.
func (p *Policy) Clone() *Policy {
	return &Policy{
		envs: maps.Clone(p.envs), users: maps.Clone(p.users), groups: maps.Clone(p.groups), roles: maps.Clone(p.roles),
		assignments: maps.Clone(p.assignments), grants: maps.Clone(p.grants), support: maps.Clone(p.support),
		requests: maps.Clone(p.requests), tokens: maps.Clone(p.tokens), tokenIDs: maps.Clone(p.tokenIDs),
		userAssignments: cloneIndex(p.userAssignments), groupAssignments: cloneIndex(p.groupAssignments),
		roleAssignments: cloneIndex(p.roleAssignments), userGroups: cloneIndex(p.userGroups),
		roleGrants: cloneIndex(p.roleGrants), envGrants: cloneIndex(p.envGrants), userTokens: cloneIndex(p.userTokens),
		userRequests: cloneIndex(p.userRequests), envRequests: cloneIndex(p.envRequests),
	}
}

func cloneIndex[T any](m map[string][]T) map[string][]T {
	out := make(map[string][]T, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}

// DiffAccess compares what every user may do before and after, at now.
func DiffAccess(before, after *Policy, now time.Time) AccessDiff {
	return diffUsers(before, after, reach(before, after), now)
}

// diffUsers compares the access of the given users.
func diffUsers(before, after *Policy, users []string, now time.Time) AccessDiff {
	d := AccessDiff{Environments: []EnvironmentDiff{}, Platform: []PlatformDiff{}, Reached: users}
	all := maps.Clone(before.envs)
	maps.Copy(all, after.envs)
	envs := slices.SortedFunc(maps.Values(all), func(a, b *Environment) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	perEnv := make([][]UserAccessDiff, len(envs))
	for _, id := range users {
		ub, ua := before.users[id], after.users[id]
		user := ua
		if user == nil {
			user = ub
		}
		for i, env := range envs {
			eb, ea := before.envs[env.ID], after.envs[env.ID]
			if before.allowedMask(ub, eb, now) == after.allowedMask(ua, ea, now) {
				continue // the same names; their reasons are only listed for what changes
			}
			b := before.allowedIn(ub, eb, now)
			a := after.allowedIn(ua, ea, now)
			gained, lost := diffKeys(a, b, func(k string, v []Via) Allowance { return Allowance{k, v} })
			if len(gained)+len(lost) > 0 {
				perEnv[i] = append(perEnv[i], UserAccessDiff{User: *user, Gained: gained, Lost: lost})
			}
		}
		gained, lost := diffKeys(after.platformOf(ua), before.platformOf(ub),
			func(k string, v []PlatformSource) PlatformHolding { return PlatformHolding{k, v} })
		if len(gained)+len(lost) > 0 {
			d.Platform = append(d.Platform, PlatformDiff{User: *user, Gained: gained, Lost: lost})
		}
	}
	for i, env := range envs {
		if len(perEnv[i]) > 0 {
			slices.SortFunc(perEnv[i], func(a, b UserAccessDiff) int { return byUser(a.User, b.User) })
			d.Environments = append(d.Environments, EnvironmentDiff{Environment: *env, Users: perEnv[i]})
		}
	}
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

// reach lists, sorted, the users whose access may differ between before and after: those
// whose record or held roles differ; the holders (on either side) of every role whose
// definition, grants or group's name differs; and every vendor user when anything vendor
// access depends on differs (support access, access requests, an environment).
func reach(before, after *Policy) []string {
	set := map[string]bool{}
	ids := func(m map[string]*User) {
		for id := range m {
			set[id] = true
		}
	}
	if !maps.EqualFunc(before.envs, after.envs, func(a, b *Environment) bool { return *a == *b }) {
		ids(before.users)
		ids(after.users)
		return slices.Sorted(maps.Keys(set))
	}
	for id, u := range before.users {
		if v := after.users[id]; v == nil || *v != *u || !sameHeld(before, after, id) {
			set[id] = true
		}
	}
	for id := range after.users {
		if before.users[id] == nil {
			set[id] = true
		}
	}
	changed := map[string]bool{}
	for id, r := range before.roles {
		if s := after.roles[id]; s == nil || !sameRole(r, s) {
			changed[id] = true
		}
	}
	for id := range after.roles {
		if before.roles[id] == nil {
			changed[id] = true
		}
	}
	for k, g := range before.grants {
		if h := after.grants[k]; h == nil || h.ID != g.ID || !slices.Equal(h.Permissions, g.Permissions) {
			changed[k.role] = true
		}
	}
	for k := range after.grants {
		if before.grants[k] == nil {
			changed[k.role] = true
		}
	}
	for id, g := range before.groups {
		if h := after.groups[id]; h == nil || h.Name != g.Name {
			for _, a := range before.groupAssignments[id] {
				changed[a.RoleID] = true
			}
		}
	}
	for _, q := range []*Policy{before, after} {
		for id := range changed {
			if r := q.roles[id]; r != nil {
				q.holders(r, func(u *User, _, _ string) { set[u.ID] = true })
			}
		}
	}
	if !maps.EqualFunc(before.support, after.support, sameSupport) || !maps.EqualFunc(before.requests, after.requests, sameRequest) {
		for _, q := range []*Policy{before, after} {
			for id, u := range q.users {
				if u.Kind == KindVendor {
					set[id] = true
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
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
