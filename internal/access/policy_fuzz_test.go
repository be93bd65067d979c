package access

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// FuzzPolicy applies a fuzzed sequence of writes to a snapshot and checks the engine
// against itself: no panic; the reverse indexes the mutators maintain (through cascades)
// decide exactly as a snapshot built afresh from the same objects; and the decisions obey
// their own rules (vendors act only through tiers within the ceiling; members only through
// grants or an organization role).
func FuzzPolicy(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte{3, 0, 0, 5, 1, 1, 6, 0, 2, 7, 1, 3, 1, 0, 0, 8, 1, 0})
	f.Add([]byte{1, 2, 1, 3, 4, 4, 2, 2, 9, 9, 9, 10, 0, 1, 11, 2, 2, 12, 1, 3})
	f.Add([]byte("a longer sequence of arbitrary operations on the snapshot"))
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 512 {
			ops = ops[:512]
		}
		now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		p := NewPolicy()
		id := func(prefix string, b byte) string { return fmt.Sprintf("%s%d", prefix, b%4) }
		for i := 0; i+2 < len(ops); i += 3 {
			a, b, c := ops[i], ops[i+1], ops[i+2]
			switch a % 16 {
			case 0:
				p.PutEnvironment(Environment{ID: id("e", b), Name: id("e", b), Cloud: CloudNames()[c%2], ResourcePrefix: []string{"aw_", ""}[c%2]})
			case 1:
				p.DeleteEnvironment(id("e", b))
			case 2:
				p.PutUser(User{ID: id("u", b), Kind: UserKinds[c%2]})
			case 3:
				p.DeleteUser(id("u", b))
			case 4:
				p.PutGroup(Group{ID: id("g", b), Members: []string{id("u", c), id("u", c>>2)}})
			case 5:
				p.DeleteGroup(id("g", b))
			case 6:
				r := Role{ID: id("r", b), Name: id("r", b), Permissions: []string{[]string{"users.admin", "cluster.admin", "groups.read"}[c%3]}}
				if b%4 == 3 {
					r = Role{ID: "owner", Name: string(AccountOwner), Builtin: true}
				}
				p.PutRole(r)
			case 7:
				p.DeleteRole(id("r", b))
			case 8:
				p.PutAssignment(Assignment{ID: id("a", b) + id("x", c), RoleID: id("r", c), UserID: id("u", b)})
			case 9:
				p.PutAssignment(Assignment{ID: id("a", b) + id("y", c), RoleID: []string{id("r", c), "owner"}[c%2], GroupID: id("g", b)})
			case 10:
				p.DeleteAssignment(id("a", b) + id("x", c))
			case 11:
				p.PutGrant(Grant{ID: id("t", b), EnvironmentID: id("e", b), RoleID: id("r", c), Permissions: []string{PermissionNames()[c%8], PermissionNames()[b%8]}})
			case 12:
				p.DeleteGrant(id("e", b), id("r", c))
			case 13:
				var exp *time.Time
				if c%3 == 0 {
					past := now.Add(-time.Hour)
					exp = &past
				}
				p.PutSupportAccess(SupportAccess{ID: id("s", b), EnvironmentID: id("e", b), Tier: TierNames()[c%3], PortForwarding: c%2 == 0, ExpiresAt: exp,
					Standing: c%5 == 0})
			case 14:
				exp := now.Add(time.Duration(int(c)-128) * time.Minute)
				p.PutAccessRequest(AccessRequest{ID: id("q", b) + id("z", c), EnvironmentID: id("e", b), RequesterID: id("u", c),
					Tier: TierNames()[c%3], Status: []string{RequestApproved, RequestPending, RequestRevoked}[b%3], ExpiresAt: &exp})
			case 15:
				p.PutToken(Token{ID: id("k", b), UserID: id("u", c), Hash: id("h", b)})
			}
		}
		fresh := rebuild(p)
		for u := range 4 {
			uid := id("u", byte(u))
			pa, oka := p.Principal(uid)
			pb, okb := fresh.Principal(uid)
			if oka != okb || (oka && pa.IsOwner() != pb.IsOwner()) {
				t.Fatalf("principal %s: %v/%v", uid, pa, pb)
			}
			for e := range 4 {
				eid := id("e", byte(e))
				for _, action := range append(Actions()[:6], "operator.reboot_host", "co_maintainer.apply_workspace", "support.read_parameters") {
					da, erra := p.Authorize(uid, eid, action, "aw_x", now)
					db, errb := fresh.Authorize(uid, eid, action, "aw_x", now)
					if da != db || (erra == nil) != (errb == nil) {
						t.Fatalf("%s %s %s: indexed %+v (%v), rebuilt %+v (%v)", uid, eid, action, da, erra, db, errb)
					}
					checkDecision(t, p, uid, eid, action, da, now)
				}
				if !slices.Equal(p.SupportCapabilities(uid, eid, now), fresh.SupportCapabilities(uid, eid, now)) {
					t.Fatalf("support capabilities of %s in %s differ", uid, eid)
				}
			}
		}
		if p.HasUsableOwner(now) != fresh.HasUsableOwner(now) {
			t.Fatal("usable owner differs")
		}
	})
}

// rebuild makes a snapshot afresh from p's objects, as loading from a store does.
func rebuild(p *Policy) *Policy {
	q := NewPolicy()
	for _, e := range p.envs {
		q.PutEnvironment(*e)
	}
	for _, u := range p.users {
		q.PutUser(*u)
	}
	for _, g := range p.groups {
		q.PutGroup(*g)
	}
	for _, r := range p.roles {
		q.PutRole(*r)
	}
	for _, a := range p.assignments {
		q.PutAssignment(*a)
	}
	for _, g := range p.grants {
		q.PutGrant(*g)
	}
	for _, s := range p.support {
		q.PutSupportAccess(*s)
	}
	for _, r := range p.requests {
		q.PutAccessRequest(*r)
	}
	for _, t := range p.tokens {
		q.PutToken(*t)
	}
	return q
}

// checkDecision checks an allowed decision against the rules it claims to follow.
func checkDecision(t *testing.T, p *Policy, uid, eid, action string, d Decision, now time.Time) {
	t.Helper()
	if !d.Allowed {
		return
	}
	u, env := p.users[uid], p.envs[eid]
	if u.Kind == KindVendor {
		sa := p.support[eid]
		if d.Via.SupportAccessID != "" {
			if sa == nil || sa.ID != d.Via.SupportAccessID || !sa.Standing || Expired(sa.ExpiresAt, now) || env.ResourcePrefix == "" ||
				d.Via.Tier != sa.Tier || !slices.Contains(Capabilities(sa.Tier, sa.PortForwarding), action) {
				t.Fatalf("vendor %s allowed %s in %s by standing access outside its rules: %+v", uid, action, eid, d)
			}
			return
		}
		r := p.requests[d.Via.AccessRequestID]
		if sa == nil || Expired(sa.ExpiresAt, now) || env.ResourcePrefix == "" || r == nil || r.RequesterID != uid ||
			r.Status != RequestApproved || Expired(r.ExpiresAt, now) || TierRank(d.Via.Tier) > TierRank(sa.Tier) ||
			!slices.Contains(Capabilities(d.Via.Tier, sa.PortForwarding), action) {
			t.Fatalf("vendor %s allowed %s in %s outside its rules: %+v", uid, action, eid, d)
		}
		return
	}
	if !IsAction(action) {
		t.Fatalf("member %s allowed the non-action %s", uid, action)
	}
	if d.Via.GrantID != "" {
		g := p.grants[grantKey{eid, d.Via.RoleID}]
		if g == nil || g.ID != d.Via.GrantID || !Allows(g.Permissions, action) {
			t.Fatalf("member %s allowed %s through a grant that does not allow it: %+v", uid, action, d)
		}
	} else if r := p.roles[d.Via.RoleID]; r == nil || !r.owner() {
		t.Fatalf("member %s allowed %s without a grant or an organization role: %+v", uid, action, d)
	}
}
