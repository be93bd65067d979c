package access

import (
	"cmp"
	"iter"
	"maps"
	"slices"
	"sync/atomic"
	"time"
)

// The policy snapshot: every fact an access decision depends on, held in memory with the
// indexes that make a decision a handful of map lookups. The API server loads it from its
// store at start and mirrors every committed write into it; decisions (decide.go) and
// change rules (rules.go) are pure functions over it. A Policy is not safe for concurrent
// mutation: its owner serializes writers and lets readers share it.

// Environment is what decisions need of an environment.
type Environment struct {
	ID, Name, Cloud, ResourcePrefix string
}

// User is what decisions need of a user.
type User struct {
	ID, Email string
	Kind      UserKind
}

// Group is a group with its member user ids.
type Group struct {
	ID, Name string
	Members  []string
}

// Role is a named set of platform permissions; Builtin marks account_owner and deploy_owner.
type Role struct {
	ID, Name    string
	Permissions []string
	Builtin     bool
}

// owner reports whether holding r makes a principal an organization owner.
func (r *Role) owner() bool { return r.Builtin && IsOrgRole(r.Name) }

// Assignment says a user or a group (exactly one of UserID, GroupID) holds a role.
type Assignment struct {
	ID, RoleID, UserID, GroupID string
}

// Grant is the environment permissions one role holds in one environment.
type Grant struct {
	ID, EnvironmentID, RoleID string
	Permissions               []string
	set                       PermSet
}

// SupportAccess is the vendor's tier ceiling in one environment.
type SupportAccess struct {
	ID, EnvironmentID, Tier string
	PortForwarding          bool
	ExpiresAt               *time.Time
	// Standing access (the API's require_approval false): every vendor user holds Tier, no
	// request needed. The zero value asks for approvals, the safe default.
	Standing bool
}

// AccessRequest is a vendor user's request for a tier; Status is the stored status.
type AccessRequest struct {
	ID, EnvironmentID, RequesterID, Tier, Status string
	ExpiresAt                                    *time.Time
}

// Token is an API token: its owner, the hash of its secret and its expiry.
type Token struct {
	ID, UserID, Hash string
	ExpiresAt        *time.Time
}

type grantKey struct{ env, role string }

// Policy is the snapshot. The zero value is not usable; call NewPolicy.
type Policy struct {
	envs        map[string]*Environment
	users       map[string]*User
	groups      map[string]*Group
	roles       map[string]*Role
	assignments map[string]*Assignment
	grants      map[grantKey]*Grant
	support     map[string]*SupportAccess // by environment
	requests    map[string]*AccessRequest
	tokens      map[string]*Token // by hash
	tokenIDs    map[string]*Token // by id

	// Reverse indexes, kept by the mutators below.
	userAssignments  map[string][]*Assignment
	groupAssignments map[string][]*Assignment
	roleAssignments  map[string][]*Assignment
	userGroups       map[string][]string
	roleGrants       map[string][]*Grant
	envGrants        map[string][]*Grant
	userTokens       map[string][]*Token
	userRequests     map[string][]*AccessRequest
	envRequests      map[string][]*AccessRequest

	// byEmail is every user sorted by e-mail, made on first use by a reader (readers share
	// the snapshot, hence the atomic) and dropped by every user write.
	byEmail atomic.Pointer[[]*User]

	// In a Clone: the maps it still shares with the snapshot it copies (each is copied on its
	// first write), and what its mutators have touched since (nil otherwise).
	shared  field
	touched *touched
}

// field names the maps a mutator writes, each with the indexes kept beside it.
type field uint16

const (
	fEnvs field = 1 << iota
	fUsers
	fTokens      // with tokenIDs and userTokens
	fGroups      // with userGroups
	fRoles       //
	fAssignments // with the user, group and role indexes
	fGrants      // with roleGrants and envGrants
	fSupport     //
	fRequests    // with userRequests and envRequests
	fAll         = 1<<iota - 1
)

// write copies, before a mutator writes them, the maps of f that p still shares.
func (p *Policy) write(f field) {
	s := p.shared & f
	if s == 0 {
		return
	}
	p.shared &^= s
	c := func(bit field) bool { return s&bit != 0 }
	if c(fEnvs) {
		p.envs = maps.Clone(p.envs)
	}
	if c(fUsers) {
		p.users = maps.Clone(p.users)
	}
	if c(fTokens) {
		p.tokens, p.tokenIDs, p.userTokens = maps.Clone(p.tokens), maps.Clone(p.tokenIDs), maps.Clone(p.userTokens)
	}
	if c(fGroups) {
		p.groups, p.userGroups = maps.Clone(p.groups), maps.Clone(p.userGroups)
	}
	if c(fRoles) {
		p.roles = maps.Clone(p.roles)
	}
	if c(fAssignments) {
		p.assignments, p.userAssignments = maps.Clone(p.assignments), maps.Clone(p.userAssignments)
		p.groupAssignments, p.roleAssignments = maps.Clone(p.groupAssignments), maps.Clone(p.roleAssignments)
	}
	if c(fGrants) {
		p.grants, p.roleGrants, p.envGrants = maps.Clone(p.grants), maps.Clone(p.roleGrants), maps.Clone(p.envGrants)
	}
	if c(fSupport) {
		p.support = maps.Clone(p.support)
	}
	if c(fRequests) {
		p.requests, p.userRequests, p.envRequests = maps.Clone(p.requests), maps.Clone(p.userRequests), maps.Clone(p.envRequests)
	}
}

// NewPolicy returns an empty snapshot.
func NewPolicy() *Policy {
	return &Policy{
		envs: map[string]*Environment{}, users: map[string]*User{}, groups: map[string]*Group{},
		roles: map[string]*Role{}, assignments: map[string]*Assignment{}, grants: map[grantKey]*Grant{},
		support: map[string]*SupportAccess{}, requests: map[string]*AccessRequest{},
		tokens: map[string]*Token{}, tokenIDs: map[string]*Token{},
		userAssignments: map[string][]*Assignment{}, groupAssignments: map[string][]*Assignment{},
		roleAssignments: map[string][]*Assignment{}, userGroups: map[string][]string{},
		roleGrants: map[string][]*Grant{}, envGrants: map[string][]*Grant{}, userTokens: map[string][]*Token{},
		userRequests: map[string][]*AccessRequest{}, envRequests: map[string][]*AccessRequest{},
	}
}

// The index slices are never changed in place: add and drop put a new slice, so that a
// Clone can share them with the snapshot it copies (neither sees the other's changes).

// remove returns s without its first element for which match is true.
func remove[T any](s []T, match func(T) bool) []T {
	if i := slices.IndexFunc(s, match); i >= 0 {
		return slices.Concat(s[:i], s[i+1:])
	}
	return s
}

func drop[K comparable, T any](m map[K][]T, k K, match func(T) bool) {
	if s := remove(m[k], match); len(s) > 0 {
		m[k] = s
	} else {
		delete(m, k)
	}
}

// add appends v to m[k] in a new slice.
func add[K comparable, T any](m map[K][]T, k K, v T) { m[k] = append(slices.Clip(m[k]), v) }

// PutEnvironment adds or replaces an environment.
func (p *Policy) PutEnvironment(e Environment) {
	p.write(fEnvs)
	p.touch(func(t *touched) { t.envs[e.ID] = true })
	p.envs[e.ID] = &e
}

// DeleteEnvironment removes an environment with its grants, support access and access
// requests, as the store's cascade does.
func (p *Policy) DeleteEnvironment(id string) {
	p.write(fEnvs)
	for _, g := range slices.Clone(p.envGrants[id]) {
		p.DeleteGrant(id, g.RoleID)
	}
	p.DeleteSupportAccess(id)
	for _, r := range slices.Clone(p.envRequests[id]) {
		p.deleteRequest(r.ID)
	}
	p.touch(func(t *touched) { t.envs[id] = true })
	delete(p.envs, id)
}

// PutUser adds or replaces a user.
func (p *Policy) PutUser(u User) {
	p.write(fUsers)
	p.touch(func(t *touched) { t.users[u.ID] = true })
	p.users[u.ID] = &u
	p.byEmail.Store(nil)
}

// DeleteUser removes a user with its tokens, memberships, assignments and requests.
func (p *Policy) DeleteUser(id string) {
	p.write(fUsers)
	for _, t := range slices.Clone(p.userTokens[id]) {
		p.DeleteToken(t.ID)
	}
	for _, gid := range slices.Clone(p.userGroups[id]) {
		if g := p.groups[gid]; g != nil {
			next := *g
			next.Members = slices.DeleteFunc(slices.Clone(g.Members), func(m string) bool { return m == id })
			p.PutGroup(next)
		}
	}
	for _, a := range slices.Clone(p.userAssignments[id]) {
		p.DeleteAssignment(a.ID)
	}
	for _, r := range slices.Clone(p.userRequests[id]) {
		p.deleteRequest(r.ID)
	}
	p.touch(func(t *touched) { t.users[id] = true })
	delete(p.users, id)
	p.byEmail.Store(nil)
}

// usersByEmail returns every user sorted by e-mail (then id), the order answers list them in.
func (p *Policy) usersByEmail() []*User {
	if s := p.byEmail.Load(); s != nil {
		return *s
	}
	s := slices.SortedFunc(maps.Values(p.users), func(a, b *User) int { return byUser(*a, *b) })
	p.byEmail.Store(&s)
	return s
}

// PutToken adds a token.
func (p *Policy) PutToken(t Token) {
	p.write(fTokens)
	p.DeleteToken(t.ID)
	p.tokens[t.Hash] = &t
	p.tokenIDs[t.ID] = &t
	add(p.userTokens, t.UserID, &t)
}

// DeleteToken removes a token.
func (p *Policy) DeleteToken(id string) {
	p.write(fTokens)
	t := p.tokenIDs[id]
	if t == nil {
		return
	}
	delete(p.tokens, t.Hash)
	delete(p.tokenIDs, id)
	drop(p.userTokens, t.UserID, func(x *Token) bool { return x.ID == id })
}

// PutGroup adds or replaces a group and its member set.
func (p *Policy) PutGroup(g Group) {
	p.write(fGroups)
	p.touch(func(t *touched) { t.groups[g.ID] = true })
	if old := p.groups[g.ID]; old != nil {
		for _, m := range old.Members {
			drop(p.userGroups, m, func(x string) bool { return x == g.ID })
		}
	}
	g.Members = slices.Clone(g.Members)
	p.groups[g.ID] = &g
	for _, m := range g.Members {
		add(p.userGroups, m, g.ID)
	}
}

// DeleteGroup removes a group with its role assignments.
func (p *Policy) DeleteGroup(id string) {
	p.write(fGroups)
	for _, a := range slices.Clone(p.groupAssignments[id]) {
		p.DeleteAssignment(a.ID)
	}
	if g := p.groups[id]; g != nil {
		for _, m := range g.Members {
			drop(p.userGroups, m, func(x string) bool { return x == id })
		}
	}
	p.touch(func(t *touched) { t.groups[id] = true })
	delete(p.groups, id)
}

// PutRole adds or replaces a role.
func (p *Policy) PutRole(r Role) {
	p.write(fRoles)
	p.touch(func(t *touched) { t.roles[r.ID] = true })
	r.Permissions = slices.Clone(r.Permissions)
	p.roles[r.ID] = &r
}

// DeleteRole removes a role with its assignments and grants.
func (p *Policy) DeleteRole(id string) {
	p.write(fRoles)
	for _, a := range slices.Clone(p.roleAssignments[id]) {
		p.DeleteAssignment(a.ID)
	}
	for _, g := range slices.Clone(p.roleGrants[id]) {
		p.DeleteGrant(g.EnvironmentID, id)
	}
	p.touch(func(t *touched) { t.roles[id] = true })
	delete(p.roles, id)
}

// PutAssignment adds an assignment.
func (p *Policy) PutAssignment(a Assignment) {
	p.write(fAssignments)
	p.DeleteAssignment(a.ID)
	p.touch(func(t *touched) { t.assignments[a.ID] = true })
	p.assignments[a.ID] = &a
	add(p.roleAssignments, a.RoleID, &a)
	if a.UserID != "" {
		add(p.userAssignments, a.UserID, &a)
	} else {
		add(p.groupAssignments, a.GroupID, &a)
	}
}

// DeleteAssignment removes an assignment.
func (p *Policy) DeleteAssignment(id string) {
	p.write(fAssignments)
	a := p.assignments[id]
	if a == nil {
		return
	}
	p.touch(func(t *touched) { t.assignments[id] = true })
	match := func(x *Assignment) bool { return x.ID == id }
	drop(p.roleAssignments, a.RoleID, match)
	drop(p.userAssignments, a.UserID, match)
	drop(p.groupAssignments, a.GroupID, match)
	delete(p.assignments, id)
}

// PutGrant adds or replaces a role's grant in an environment.
func (p *Policy) PutGrant(g Grant) {
	p.write(fGrants)
	p.DeleteGrant(g.EnvironmentID, g.RoleID)
	g.Permissions = slices.Clone(g.Permissions)
	g.set = SetOf(g.Permissions)
	p.touch(func(t *touched) { t.grants[grantKey{g.EnvironmentID, g.RoleID}] = true })
	p.grants[grantKey{g.EnvironmentID, g.RoleID}] = &g
	add(p.roleGrants, g.RoleID, &g)
	add(p.envGrants, g.EnvironmentID, &g)
}

// DeleteGrant removes a role's grant in an environment.
func (p *Policy) DeleteGrant(envID, roleID string) {
	p.write(fGrants)
	k := grantKey{envID, roleID}
	g := p.grants[k]
	if g == nil {
		return
	}
	p.touch(func(t *touched) { t.grants[k] = true })
	match := func(x *Grant) bool { return x == g }
	drop(p.roleGrants, roleID, match)
	drop(p.envGrants, envID, match)
	delete(p.grants, k)
}

// PutSupportAccess adds or replaces an environment's support access.
func (p *Policy) PutSupportAccess(a SupportAccess) {
	p.write(fSupport)
	p.touch(func(t *touched) { t.support[a.EnvironmentID] = true })
	p.support[a.EnvironmentID] = &a
}

// DeleteSupportAccess removes an environment's support access.
func (p *Policy) DeleteSupportAccess(envID string) {
	p.write(fSupport)
	p.touch(func(t *touched) { t.support[envID] = true })
	delete(p.support, envID)
}

// PutAccessRequest adds or replaces an access request.
func (p *Policy) PutAccessRequest(r AccessRequest) {
	p.write(fRequests)
	p.deleteRequest(r.ID)
	p.touch(func(t *touched) { t.requests[r.ID] = true })
	p.requests[r.ID] = &r
	add(p.userRequests, r.RequesterID, &r)
	add(p.envRequests, r.EnvironmentID, &r)
}

func (p *Policy) deleteRequest(id string) {
	p.write(fRequests)
	r := p.requests[id]
	if r == nil {
		return
	}
	p.touch(func(t *touched) { t.requests[id] = true })
	match := func(x *AccessRequest) bool { return x.ID == id }
	drop(p.userRequests, r.RequesterID, match)
	drop(p.envRequests, r.EnvironmentID, match)
	delete(p.requests, id)
}

// Lookups.

// UserByID returns a user.
func (p *Policy) UserByID(id string) (User, bool) {
	u := p.users[id]
	if u == nil {
		return User{}, false
	}
	return *u, true
}

// EnvironmentByID returns an environment.
func (p *Policy) EnvironmentByID(id string) (Environment, bool) {
	e := p.envs[id]
	if e == nil {
		return Environment{}, false
	}
	return *e, true
}

// TokenByHash returns the token whose secret hashes to hash, when it exists and has not
// expired at now.
func (p *Policy) TokenByHash(hash string, now time.Time) (Token, bool) {
	t := p.tokens[hash]
	if t == nil || Expired(t.ExpiresAt, now) {
		return Token{}, false
	}
	return *t, true
}

// Held is a role a user holds, directly (GroupID "") or through a group, with the
// assignment that gives it.
type Held struct {
	Role         *Role
	GroupID      string
	AssignmentID string
}

// held yields every role a user holds. Vendor users act only through support tiers and
// access requests, so they hold nothing here, even if the store still carries an assignment
// made before that rule existed.
func (p *Policy) held(userID string) iter.Seq[Held] {
	return func(yield func(Held) bool) {
		if u := p.users[userID]; u == nil || u.Kind == KindVendor {
			return
		}
		for _, a := range p.userAssignments[userID] {
			if r := p.roles[a.RoleID]; r != nil && !yield(Held{r, "", a.ID}) {
				return
			}
		}
		for _, gid := range p.userGroups[userID] {
			for _, a := range p.groupAssignments[gid] {
				if r := p.roles[a.RoleID]; r != nil && !yield(Held{r, gid, a.ID}) {
					return
				}
			}
		}
	}
}

// groupHeld yields the roles assigned to a group.
func (p *Policy) groupHeld(groupID string) iter.Seq[Held] {
	return func(yield func(Held) bool) {
		for _, a := range p.groupAssignments[groupID] {
			if r := p.roles[a.RoleID]; r != nil && !yield(Held{r, groupID, a.ID}) {
				return
			}
		}
	}
}

// byProvenance orders reasons deterministically: by role name, then direct before groups.
func byProvenance(a, b Held) int {
	return cmp.Or(cmp.Compare(a.Role.Name, b.Role.Name), cmp.Compare(a.GroupID, b.GroupID))
}

// Expired reports whether something bounded by expiresAt is over at now: from expires_at on,
// it authorizes nothing. A nil expiry never ends.
func Expired(expiresAt *time.Time, now time.Time) bool {
	return expiresAt != nil && !now.Before(*expiresAt)
}
