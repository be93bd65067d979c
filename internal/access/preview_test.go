package access

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// mutate makes one random change to p with the snapshot's mutators, of every kind a preview
// takes (and a few it does not, which the diff must notice all the same).
func mutate(rng *rand.Rand, p *Policy, now time.Time) string {
	pick := func(n int, prefix string) string { return fmt.Sprintf("%s%d", prefix, rng.IntN(n)) }
	roles := []string{"r0", "r1", "r2", "r3", "r4", "owner", "deployer"}
	role := roles[rng.IntN(len(roles))]
	switch rng.IntN(12) {
	case 0:
		perms := PermissionNames()
		env := pick(3, "e")
		p.PutGrant(Grant{ID: "new" + env + role, EnvironmentID: env, RoleID: role, Permissions: []string{perms[rng.IntN(8)]}})
		return "grant upsert " + env + " " + role
	case 1:
		env := pick(3, "e")
		p.DeleteGrant(env, role)
		return "grant delete " + env + " " + role
	case 2:
		r := pick(5, "r")
		if cur := p.roles[r]; cur != nil {
			p.PutRole(Role{ID: r, Name: cur.Name, Permissions: []string{"users.read", "cluster.admin"}[:rng.IntN(3)]})
		}
		return "role update " + r
	case 3:
		r := pick(5, "r")
		p.DeleteRole(r)
		return "role delete " + r
	case 4:
		u := pick(9, "u")
		p.PutAssignment(Assignment{ID: "na" + u + role, RoleID: role, UserID: u})
		return "assign " + role + " to " + u
	case 5:
		g := pick(3, "g")
		p.PutAssignment(Assignment{ID: "na" + g + role, RoleID: role, GroupID: g})
		return "assign " + role + " to " + g
	case 6:
		ids := slices.Sorted(maps.Keys(p.assignments))
		if len(ids) > 0 {
			id := ids[rng.IntN(len(ids))]
			p.DeleteAssignment(id)
			return "unassign " + id
		}
	case 7:
		g := pick(3, "g")
		if cur := p.groups[g]; cur != nil {
			members := slices.Clone(cur.Members)
			if u := pick(6, "u"); slices.Contains(members, u) {
				members = slices.DeleteFunc(members, func(m string) bool { return m == u })
			} else {
				members = append(members, u)
			}
			p.PutGroup(Group{ID: g, Name: cur.Name, Members: members})
		}
		return "members of " + g
	case 8:
		env := pick(3, "e")
		p.PutSupportAccess(genSupport(rng, env, now))
		return "support access " + env
	case 9:
		env := pick(3, "e")
		p.DeleteSupportAccess(env)
		return "support delete " + env
	case 10:
		u := pick(9, "u")
		p.DeleteUser(u)
		return "user delete " + u
	case 11:
		u := pick(9, "u")
		if cur := p.users[u]; cur != nil {
			kind := KindVendor
			if cur.Kind == KindVendor {
				kind = KindMember
			}
			p.DeleteUser(u)
			p.PutUser(User{ID: u, Email: cur.Email, Kind: kind})
		}
		return "user kind " + u
	}
	return "nothing"
}

// TestDiffAccess_isAfterMinusBefore is the preview's contract as a property over generated
// organizations and changes: what DiffAccess reports gained and lost is exactly what
// Authorize allows after and not before (and the reverse), for every user, environment,
// action and capability; comparing only the reached users loses nothing against comparing
// them all; and changing the copy leaves the original as it was.
func TestDiffAccess_isAfterMinusBefore(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	changed := 0
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 77))
		before := genOrg(rng, now)
		original := before.Clone()
		after := before.Clone()
		var log []string
		for range 1 + rng.IntN(4) {
			log = append(log, mutate(rng, after, now))
		}
		diff := DiffAccess(before, after, now)
		all := slices.Sorted(maps.Keys(maps.Collect(func(yield func(string, bool) bool) {
			for id := range before.users {
				yield(id, true)
			}
			for id := range after.users {
				yield(id, true)
			}
		})))
		everywhere := map[string]*scope{}
		for _, id := range all {
			everywhere[id] = &scope{all: true}
		}
		full := diffUsers(before, after, everywhere, now)
		full.Reached = diff.Reached
		if !reflect.DeepEqual(diff, full) {
			t.Fatalf("seed %d (%v): the reached users (%v) miss a change:\nreached %+v\n    all %+v", seed, log, diff.Reached, diff, full)
		}
		// What the copy's mutators touched finds what comparing every object finds.
		tracked := after.touched
		after.touched = nil
		untracked := DiffAccess(before, after, now)
		after.touched = tracked
		if !reflect.DeepEqual(diff, untracked) {
			t.Fatalf("seed %d (%v): the touched objects miss a change:\ntouched %+v\n    all %+v", seed, log, diff, untracked)
		}
		want := map[string]bool{} // "env user action +/-"
		for eid := range before.envs {
			for _, uid := range all {
				for _, action := range questions() {
					a, b := allows(after, uid, eid, action, now), allows(before, uid, eid, action, now)
					if a != b {
						want[fmt.Sprintf("%s %s %s %v", eid, uid, action, a)] = true
					}
				}
			}
		}
		got := map[string]bool{}
		for _, e := range diff.Environments {
			for _, u := range e.Users {
				for _, g := range u.Gained {
					got[fmt.Sprintf("%s %s %s true", e.Environment.ID, u.User.ID, g.Action)] = true
					if g.Via[0] != decision(after, u.User.ID, e.Environment.ID, g.Action, now).Via {
						t.Fatalf("seed %d: gained %s's first reason %+v is not authorize's after", seed, g.Action, g.Via[0])
					}
				}
				for _, l := range u.Lost {
					got[fmt.Sprintf("%s %s %s false", e.Environment.ID, u.User.ID, l.Action)] = true
					if l.Via[0] != decision(before, u.User.ID, e.Environment.ID, l.Action, now).Via {
						t.Fatalf("seed %d: lost %s's first reason %+v is not authorize's before", seed, l.Action, l.Via[0])
					}
				}
			}
		}
		if !maps.Equal(got, want) {
			t.Fatalf("seed %d (%v):\ngot  %v\nwant %v", seed, log, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
		if len(want) > 0 {
			changed++
		}
		if !sameObjects(before, original) {
			t.Fatalf("seed %d (%v): changing the clone changed the original", seed, log)
		}
	}
	if changed < 100 {
		t.Errorf("only %d of 300 generated changes changed anyone's access; the generator is too timid", changed)
	}
}

func allows(p *Policy, uid, eid, action string, now time.Time) bool {
	return decision(p, uid, eid, action, now).Allowed
}

// sameObjects reports whether two snapshots hold the same objects and indexes.
func sameObjects(a, b *Policy) bool {
	return reflect.DeepEqual(a.envs, b.envs) && reflect.DeepEqual(a.users, b.users) && reflect.DeepEqual(a.groups, b.groups) &&
		reflect.DeepEqual(a.roles, b.roles) && reflect.DeepEqual(a.assignments, b.assignments) && reflect.DeepEqual(a.grants, b.grants) &&
		reflect.DeepEqual(a.support, b.support) && reflect.DeepEqual(a.requests, b.requests) && reflect.DeepEqual(a.userGroups, b.userGroups) &&
		reflect.DeepEqual(a.roleAssignments, b.roleAssignments) && reflect.DeepEqual(a.envGrants, b.envGrants) && reflect.DeepEqual(a.userRequests, b.userRequests)
}

func decision(p *Policy, uid, eid, action string, now time.Time) Decision {
	env := p.envs[eid]
	if env == nil {
		return Decision{}
	}
	d, err := p.Authorize(uid, eid, action, env.ResourcePrefix+"host", now)
	if err != nil {
		return Decision{}
	}
	return d
}

func TestDiffAccess_platform(t *testing.T) {
	p := NewPolicy()
	p.PutEnvironment(Environment{ID: "e", Name: "prod", Cloud: "aws", ResourcePrefix: "aw_"})
	p.PutUser(User{ID: "u", Email: "u@example.com", Kind: KindMember})
	p.PutRole(Role{ID: "r", Name: "admins", Permissions: []string{"users.read"}})
	p.PutAssignment(Assignment{ID: "a", RoleID: "r", UserID: "u"})
	q := p.Clone()
	q.PutRole(Role{ID: "r", Name: "admins", Permissions: []string{"users.admin"}})
	d := DiffAccess(p, q, time.Now())
	want := []PlatformDiff{{User: User{ID: "u", Email: "u@example.com", Kind: KindMember},
		Gained: []PlatformHolding{{Permission: "users.admin", Via: []PlatformSource{{Permission: "users.admin", RoleID: "r", RoleName: "admins"}}}}}}
	if len(d.Environments) != 0 || !reflect.DeepEqual(d.Platform, want) {
		t.Errorf("users.read → users.admin (which includes it): %+v", d)
	}
	if !slices.Equal(d.Reached, []string{"u"}) {
		t.Errorf("reached %v", d.Reached)
	}
}

func TestValidateChange(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	past := now.Add(-time.Hour)
	p := NewPolicy()
	p.PutEnvironment(Environment{ID: "aws", Name: "staging", Cloud: "aws", ResourcePrefix: "aw_"})
	p.PutUser(User{ID: "m", Email: "m@example.com", Kind: KindMember})
	p.PutUser(User{ID: "v", Email: "v@vendor.example", Kind: KindVendor})
	p.PutGroup(Group{ID: "g", Name: "sre"})
	p.PutRole(Role{ID: "r", Name: "deployers"})
	p.PutRole(Role{ID: "own", Name: string(AccountOwner), Builtin: true})
	perms := func(ps ...string) *[]string { return &ps }
	for _, c := range []struct {
		name   string
		change Change
		code   string
		field  string
	}{
		{"a grant", Change{Kind: ChangeGrantUpsert, EnvironmentID: "aws", RoleID: "r", Permissions: perms("deployment")}, "", ""},
		{"an unknown kind", Change{Kind: "grant_create"}, CodeUnknownChangeKind, "kind"},
		{"a grant without permissions", Change{Kind: ChangeGrantUpsert, EnvironmentID: "aws", RoleID: "r"}, CodeMissingField, "permissions"},
		{"a grant with a tier", Change{Kind: ChangeGrantUpsert, EnvironmentID: "aws", RoleID: "r", Permissions: perms("ops"), Tier: "support"}, CodeUnexpectedField, "tier"},
		{"a grant of an unknown permission", Change{Kind: ChangeGrantUpsert, EnvironmentID: "aws", RoleID: "r", Permissions: perms("deploy")}, CodeUnknownPermission, "permissions"},
		{"a grant to an unknown role", Change{Kind: ChangeGrantUpsert, EnvironmentID: "aws", RoleID: "nope", Permissions: perms("ops")}, CodeUnknownObject, "role_id"},
		{"deleting a grant that is not there", Change{Kind: ChangeGrantDelete, EnvironmentID: "aws", RoleID: "r"}, CodeUnknownObject, "role_id"},
		{"a role's platform permissions", Change{Kind: ChangeRoleUpdate, RoleID: "r", Permissions: perms("users.raed")}, CodeUnknownPlatformPermission, "permissions"},
		{"a built-in role", Change{Kind: ChangeRoleDelete, RoleID: "own"}, CodeBuiltinRole, "role_id"},
		{"an assignment to both", Change{Kind: ChangeAssignmentAdd, RoleID: "r", UserID: "m", GroupID: "g"}, CodeMissingField, "user_id"},
		{"an assignment to a vendor", Change{Kind: ChangeAssignmentAdd, RoleID: "r", UserID: "v"}, CodeVendorNoRoles, "user_id"},
		{"a vendor joining", Change{Kind: ChangeMemberAdd, GroupID: "g", UserID: "v"}, CodeVendorNoGroups, "user_id"},
		{"a member set with a vendor", Change{Kind: ChangeMembersSet, GroupID: "g", Members: perms("m", "v")}, CodeVendorNoGroups, "members"},
		{"an empty member set", Change{Kind: ChangeMembersSet, GroupID: "g", Members: perms()}, "", ""},
		{"a member set with a stranger", Change{Kind: ChangeMembersSet, GroupID: "g", Members: perms("x")}, CodeUnknownObject, "members"},
		{"co_maintainer on aws", Change{Kind: ChangeSupportUpsert, EnvironmentID: "aws", Tier: "co_maintainer"}, CodeTierRequiresGCP, "tier"},
		{"port forwarding for support", Change{Kind: ChangeSupportUpsert, EnvironmentID: "aws", Tier: "support", PortForwarding: true}, CodePortForwardingTier, "port_forwarding"},
		{"a past expiry", Change{Kind: ChangeSupportUpsert, EnvironmentID: "aws", Tier: "operator", ExpiresAt: &past}, CodeExpiresAtInPast, "expires_at"},
		{"deleting absent support access", Change{Kind: ChangeSupportDelete, EnvironmentID: "aws"}, CodeUnknownObject, "environment_id"},
		{"a kind change to nothing", Change{Kind: ChangeUserKind, UserID: "m", UserKind: "robot"}, CodeUnknownKind, "user_kind"},
		{"a user delete", Change{Kind: ChangeUserDelete, UserID: "m"}, "", ""},
	} {
		fs := p.ValidateChange(c.change, now)
		switch {
		case c.code == "" && len(fs) > 0:
			t.Errorf("%s: %+v, want none", c.name, fs)
		case c.code != "" && (len(fs) == 0 || fs[0].Code != c.code || fs[0].Field != c.field || fs[0].Severity != SeverityError):
			t.Errorf("%s: %+v, want %s on %s", c.name, fs, c.code, c.field)
		}
	}
	// An unchanged past expiry is no error: it only moves the plan if it changes.
	p.PutSupportAccess(SupportAccess{ID: "s", EnvironmentID: "aws", Tier: "operator", ExpiresAt: &past})
	if fs := p.ValidateChange(Change{Kind: ChangeSupportUpsert, EnvironmentID: "aws", Tier: "support", ExpiresAt: &past}, now); len(fs) > 0 {
		t.Errorf("unchanged past expiry: %+v", fs)
	}
}

// BenchmarkDiffAccess previews a grant change reaching the 30 holders of one role, and an
// owner assignment reaching one user in every environment, on the bench-api shape.
func BenchmarkDiffAccess(b *testing.B) {
	p, envs, users := benchPolicy()
	now := time.Now()
	b.Run("grant", func(b *testing.B) {
		for b.Loop() {
			q := p.Clone()
			q.PutGrant(Grant{ID: "new", EnvironmentID: envs[0], RoleID: "role_7", Permissions: []string{"environment_admin"}})
			if d := DiffAccess(p, q, now); len(d.Environments) != 1 {
				b.Fatalf("%d environments changed", len(d.Environments))
			}
		}
	})
	b.Run("owner", func(b *testing.B) {
		p.PutRole(Role{ID: "own", Name: string(AccountOwner), Builtin: true})
		for b.Loop() {
			q := p.Clone()
			q.PutAssignment(Assignment{ID: "new", RoleID: "own", UserID: users[3]})
			if d := DiffAccess(p, q, now); len(d.Environments) == 0 || len(d.Environments) > len(envs) {
				b.Fatalf("%d environments changed", len(d.Environments))
			}
		}
	})
}
