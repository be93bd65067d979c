package access

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"syscall"
	"testing"
	"time"
)

// genOrg builds a random organization: environments on both clouds (one without a resource
// prefix), members and vendors, groups (now and then holding a vendor, as an old store
// might), custom and built-in roles assigned to users and groups, grants, support access of
// every kind (standing, expired, with port forwarding) and access requests in every status.
func genOrg(rng *rand.Rand, now time.Time) *Policy {
	p := NewPolicy()
	pick := func(n int, prefix string) string { return fmt.Sprintf("%s%d", prefix, rng.IntN(n)) }
	const envs, users, groups, roles = 3, 9, 3, 5
	for e := range envs {
		prefix := DefaultResourcePrefix
		if e == 2 && rng.IntN(2) == 0 {
			prefix = ""
		}
		p.PutEnvironment(Environment{ID: fmt.Sprintf("e%d", e), Name: fmt.Sprintf("env-%d", envs-e), Cloud: CloudNames()[e%2], ResourcePrefix: prefix})
	}
	for u := range users {
		kind := KindMember
		if u >= 6 {
			kind = KindVendor
		}
		p.PutUser(User{ID: fmt.Sprintf("u%d", u), Email: fmt.Sprintf("user%d@example.com", (u*5)%users), Kind: kind})
	}
	for g := range groups {
		var members []string
		for u := range users {
			if rng.IntN(3) == 0 && (u < 6 || rng.IntN(4) == 0) {
				members = append(members, fmt.Sprintf("u%d", u))
			}
		}
		p.PutGroup(Group{ID: fmt.Sprintf("g%d", g), Name: fmt.Sprintf("group-%d", g), Members: members})
	}
	for r := range roles {
		p.PutRole(Role{ID: fmt.Sprintf("r%d", r), Name: fmt.Sprintf("role-%d", roles-r), Permissions: []string{[]string{"users.admin", "cluster.admin", "groups.read", "users.read", "audit.read"}[rng.IntN(5)]}})
	}
	p.PutRole(Role{ID: "owner", Name: string(AccountOwner), Builtin: true})
	p.PutRole(Role{ID: "deployer", Name: string(DeployOwner), Builtin: true})
	roleIDs := []string{"r0", "r1", "r2", "r3", "r4", "owner", "deployer"}
	for a := range 10 + rng.IntN(6) {
		role := roleIDs[rng.IntN(len(roleIDs))]
		if rng.IntN(2) == 0 {
			p.PutAssignment(Assignment{ID: fmt.Sprintf("a%d", a), RoleID: role, UserID: pick(users, "u")})
		} else {
			p.PutAssignment(Assignment{ID: fmt.Sprintf("a%d", a), RoleID: role, GroupID: pick(groups, "g")})
		}
	}
	perms := PermissionNames()
	for e := range envs {
		for _, role := range roleIDs {
			if rng.IntN(2) == 0 {
				var ps []string
				for range 1 + rng.IntN(3) {
					if perm := perms[rng.IntN(len(perms))]; !slices.Contains(ps, perm) {
						ps = append(ps, perm)
					}
				}
				p.PutGrant(Grant{ID: fmt.Sprintf("t%d%s", e, role), EnvironmentID: fmt.Sprintf("e%d", e), RoleID: role, Permissions: ps})
			}
		}
	}
	for e := range envs {
		if rng.IntN(4) == 0 {
			continue
		}
		p.PutSupportAccess(genSupport(rng, fmt.Sprintf("e%d", e), now))
	}
	for q := range 8 {
		exp := now.Add(time.Duration(rng.IntN(240)-60) * time.Minute)
		p.PutAccessRequest(AccessRequest{ID: fmt.Sprintf("q%d", q), EnvironmentID: pick(envs, "e"), RequesterID: fmt.Sprintf("u%d", 6+rng.IntN(3)),
			Tier: TierNames()[rng.IntN(3)], Status: []string{RequestApproved, RequestApproved, RequestPending, RequestRevoked}[rng.IntN(4)], ExpiresAt: &exp})
	}
	return p
}

func genSupport(rng *rand.Rand, envID string, now time.Time) SupportAccess {
	var exp *time.Time
	switch rng.IntN(3) {
	case 0:
		t := now.Add(-time.Hour)
		exp = &t
	case 1:
		t := now.Add(time.Duration(1+rng.IntN(90)) * time.Minute)
		exp = &t
	}
	tier := TierNames()[rng.IntN(3)]
	return SupportAccess{ID: "s" + envID + tier, EnvironmentID: envID, Tier: tier, PortForwarding: PortForwardingAllowed(tier) && rng.IntN(2) == 0,
		ExpiresAt: exp, Standing: rng.IntN(3) == 0}
}

// questions is every name who-can answers for: each matrix action and each tier capability.
func questions() []string {
	out := Actions()
	for _, c := range capabilities {
		out = append(out, c.Name)
	}
	return out
}

// TestWhoCan_agreesWithAuthorize is the reverse query's contract, over generated
// organizations: a user is listed for an action in an environment exactly when Authorize
// allows it (a vendor on a resource carrying the prefix), its first reason is the one
// Authorize gives, and its reasons are exactly what the forward computation (allowedIn, the
// preview's) finds.
func TestWhoCan_agreesWithAuthorize(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	seen := map[string]int{} // which kinds of reasons the organizations exercised
	defer func() {
		for _, k := range []string{"grant", "group", "owner", "request", "standing", "denied"} {
			if seen[k] == 0 {
				t.Errorf("no answer came %s; the generator misses a case: %v", k, seen)
			}
		}
	}()
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 23))
		p := genOrg(rng, now)
		for eid, env := range p.envs {
			for _, action := range questions() {
				holders, err := p.WhoCan(eid, action, now)
				if err != nil {
					t.Fatal(err)
				}
				listed := map[string][]Via{}
				for i, h := range holders {
					if i > 0 && byUser(holders[i-1].User, h.User) >= 0 {
						t.Fatalf("seed %d: %s %s: holders not sorted by e-mail: %v", seed, eid, action, holders)
					}
					listed[h.User.ID] = h.Via
				}
				for uid, u := range p.users {
					d, err := p.Authorize(uid, eid, action, env.ResourcePrefix+"host", now)
					if err != nil {
						t.Fatal(err)
					}
					vias, ok := listed[uid]
					if ok != d.Allowed || (ok && vias[0] != d.Via) {
						t.Fatalf("seed %d: %s (%s) %s in %s: authorize %v via %+v (%s); who-can listed %v with %+v", seed, uid, u.Kind, action, eid,
							d.Allowed, d.Via, d.Reason, ok, vias)
					}
					switch v := d.Via; {
					case !d.Allowed:
						seen["denied"]++
					case v.GroupID != "":
						seen["group"]++
					case v.GrantID != "":
						seen["grant"]++
					case v.AccessRequestID != "":
						seen["request"]++
					case v.SupportAccessID != "":
						seen["standing"]++
					default:
						seen["owner"]++
					}
					if forward := p.allowedIn(u, env, now)[action]; !reflect.DeepEqual(forward, vias) {
						t.Fatalf("seed %d: %s %s in %s: who-can reasons %+v, forward %+v", seed, uid, action, eid, vias, forward)
					}
				}
			}
		}
	}
}

func TestWhoCan_provenance(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	soon, later := now.Add(time.Hour), now.Add(2*time.Hour)
	p := NewPolicy()
	p.PutEnvironment(Environment{ID: "prod", Name: "production", Cloud: "gcp", ResourcePrefix: "aw_"})
	p.PutUser(User{ID: "alice", Email: "alice@example.com", Kind: KindMember})
	p.PutUser(User{ID: "bob", Email: "bob@example.com", Kind: KindMember})
	p.PutUser(User{ID: "vera", Email: "vera@vendor.example", Kind: KindVendor})
	p.PutGroup(Group{ID: "sre", Name: "sre", Members: []string{"alice", "bob"}})
	p.PutRole(Role{ID: "dba", Name: "dba"})
	p.PutRole(Role{ID: "own", Name: string(AccountOwner), Builtin: true})
	p.PutAssignment(Assignment{ID: "a1", RoleID: "dba", GroupID: "sre"})
	p.PutAssignment(Assignment{ID: "a2", RoleID: "dba", UserID: "alice"})
	p.PutAssignment(Assignment{ID: "a3", RoleID: "own", UserID: "bob"})
	p.PutGrant(Grant{ID: "g1", EnvironmentID: "prod", RoleID: "dba", Permissions: []string{"sensitive_access"}})
	p.PutSupportAccess(SupportAccess{ID: "sup", EnvironmentID: "prod", Tier: "co_maintainer", ExpiresAt: &later})
	p.PutAccessRequest(AccessRequest{ID: "req", EnvironmentID: "prod", RequesterID: "vera", Tier: "co_maintainer", Status: RequestApproved, ExpiresAt: &soon})

	got, err := p.WhoCan("prod", "databases.read_credentials", now)
	if err != nil {
		t.Fatal(err)
	}
	want := []Holder{
		{User: User{ID: "alice", Email: "alice@example.com", Kind: KindMember}, Via: []Via{
			{Permission: "sensitive_access", GrantID: "g1", RoleID: "dba", RoleName: "dba"},
			{Permission: "sensitive_access", GrantID: "g1", RoleID: "dba", RoleName: "dba", GroupID: "sre", GroupName: "sre"},
		}},
		{User: User{ID: "bob", Email: "bob@example.com", Kind: KindMember}, Via: []Via{
			{Permission: "sensitive_access", GrantID: "g1", RoleID: "dba", RoleName: "dba", GroupID: "sre", GroupName: "sre"},
			{Permission: "environment_admin", RoleID: "own", RoleName: "account_owner"},
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("who can read database credentials:\n got %+v\nwant %+v", got, want)
	}
	got, _ = p.WhoCan("prod", "co_maintainer.apply_workspace", now)
	want = []Holder{{User: User{ID: "vera", Email: "vera@vendor.example", Kind: KindVendor}, Via: []Via{
		{Permission: "co_maintainer.apply_workspace", AccessRequestID: "req", Tier: "co_maintainer", ExpiresAt: soon}}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("who has co-maintainer capabilities:\n got %+v\nwant %+v", got, want)
	}
	// Standing access: every vendor, until the support access's own expiry.
	p.PutSupportAccess(SupportAccess{ID: "sup", EnvironmentID: "prod", Tier: "operator", ExpiresAt: &later, Standing: true})
	got, _ = p.WhoCan("prod", "operator.reboot_host", now)
	if len(got) != 1 || got[0].Via[0] != (Via{Permission: "operator.reboot_host", SupportAccessID: "sup", Tier: "operator", ExpiresAt: later}) ||
		got[0].Via[1] != (Via{Permission: "operator.reboot_host", AccessRequestID: "req", Tier: "operator", ExpiresAt: soon}) {
		t.Errorf("standing operator access: %+v", got)
	}
	if got, _ := p.WhoCan("prod", "co_maintainer.apply_workspace", now); len(got) != 0 {
		t.Errorf("the lowered ceiling still lists %+v", got)
	}
	if got, _ := p.WhoCan("prod", "operator.reboot_host", later); len(got) != 0 {
		t.Errorf("expired support access still lists %+v", got)
	}
	if _, err := p.WhoCan("prod", "apps.launch", now); !errors.Is(err, ErrUnknownAction) {
		t.Errorf("unknown action: %v", err)
	}
	if _, err := p.WhoCan("nope", "apps.deploy", now); !errors.Is(err, ErrUnknownEnvironment) {
		t.Errorf("unknown environment: %v", err)
	}
	if fs := ValidateWhoCanAction("action", "apps.deplyo"); len(fs) != 1 || fs[0].Code != CodeUnknownAction || fs[0].Field != "action" ||
		fs[0].Fix != `Did you mean "apps.deploy"?` {
		t.Errorf("findings for a typo: %+v", fs)
	}
}

func TestCanReadWhoCan(t *testing.T) {
	p := NewPolicy()
	p.PutUser(User{ID: "reader", Kind: KindMember})
	p.PutUser(User{ID: "admin", Kind: KindMember})
	p.PutUser(User{ID: "nobody", Kind: KindMember})
	p.PutRole(Role{ID: "r", Name: "readers", Permissions: []string{"users.read"}})
	p.PutRole(Role{ID: "c", Name: "cluster", Permissions: []string{"cluster.admin"}})
	p.PutAssignment(Assignment{ID: "a", RoleID: "r", UserID: "reader"})
	p.PutAssignment(Assignment{ID: "b", RoleID: "c", UserID: "admin"})
	for _, c := range []struct {
		user, action string
		ok           bool
	}{
		{"reader", "apps.deploy", true}, {"reader", "operator.reboot_host", false},
		{"admin", "apps.deploy", false}, {"admin", "operator.reboot_host", true},
		{"nobody", "apps.deploy", false}, {"reader", "no.such", true},
	} {
		pr, _ := p.Principal(c.user)
		if d := CanReadWhoCan(pr, c.action); (d == nil) != c.ok {
			t.Errorf("%s asks who can %s: %v, want allowed %v", c.user, c.action, d, c.ok)
		}
	}
}

// BenchmarkWhoCan answers who-can on the shape `make bench-api` loads (10,000 grants, 1,000
// users, 100 groups): a matrix action in each environment in turn (most members hold most
// actions there: about 840 principals per answer), an answer listing every user, and a
// capability. Besides the wall time it reports the process's CPU time per answer (cpu-ms/op),
// which other processes on a shared machine inflate far less; the target is 2 ms.
func BenchmarkWhoCan(b *testing.B) {
	p, envs, _ := benchPolicy()
	now := time.Now()
	actions := Actions()
	run := func(b *testing.B, q *Policy, env func(int) string, action func(int) string) {
		b.ReportAllocs()
		i, listed := 0, 0
		cpu := cpuTime()
		for b.Loop() {
			h, err := q.WhoCan(env(i), action(i), now)
			if err != nil {
				b.Fatal(err)
			}
			listed += len(h)
			i++
		}
		b.ReportMetric(float64(listed)/float64(i), "principals/op")
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(i), "ms/op")
		b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(i), "cpu-ms/op")
	}
	b.Run("action", func(b *testing.B) {
		run(b, p, func(i int) string { return envs[i%len(envs)] }, func(i int) string { return actions[i%len(actions)] })
	})
	b.Run("owner-wide", func(b *testing.B) {
		q := p.Clone()
		q.PutRole(Role{ID: "own", Name: string(AccountOwner), Builtin: true})
		for g := range 100 {
			q.PutAssignment(Assignment{ID: fmt.Sprintf("own_%d", g), RoleID: "own", GroupID: fmt.Sprintf("grp_%d", g)})
		}
		run(b, q, func(i int) string { return envs[i%len(envs)] }, func(int) string { return "apps.deploy" })
	})
	b.Run("capability", func(b *testing.B) {
		run(b, p, func(i int) string { return envs[i%10] }, func(int) string { return "operator.reboot_host" })
	})
}

// cpuTime is the CPU time this process has used (user and system, every thread).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
