package access

import (
	"fmt"
	"testing"
	"time"
)

// benchPolicy builds the shape `make bench-api` loads into the server: 100 environments ×
// 100 roles = 10,000 grants, 1,000 users (each holding one role directly), 100 groups of ten
// (each holding two roles), and a few vendors with approved requests.
func benchPolicy() (*Policy, []string, []string) {
	p := NewPolicy()
	perms := PermissionNames()
	var envs, users []string
	for e := range 100 {
		id := fmt.Sprintf("env_%d", e)
		envs = append(envs, id)
		p.PutEnvironment(Environment{ID: id, Name: id, Cloud: "gcp", ResourcePrefix: "aw_"})
		p.PutSupportAccess(SupportAccess{ID: "sup_" + id, EnvironmentID: id, Tier: "operator"})
	}
	for r := range 100 {
		id := fmt.Sprintf("role_%d", r)
		p.PutRole(Role{ID: id, Name: id, Permissions: []string{"conducts.read"}})
		for e := range 100 {
			p.PutGrant(Grant{ID: fmt.Sprintf("grt_%d_%d", e, r), EnvironmentID: envs[e], RoleID: id,
				Permissions: []string{perms[(e+r)%len(perms)], perms[(e*7+r)%len(perms)]}})
		}
	}
	for u := range 1000 {
		id := fmt.Sprintf("usr_%d", u)
		users = append(users, id)
		p.PutUser(User{ID: id, Email: id + "@example.com", Kind: "member"})
		p.PutAssignment(Assignment{ID: "asg_u" + id, RoleID: fmt.Sprintf("role_%d", u%100), UserID: id})
	}
	for g := range 100 {
		id := fmt.Sprintf("grp_%d", g)
		var members []string
		for m := range 10 {
			members = append(members, users[(g*10+m)%len(users)])
		}
		p.PutGroup(Group{ID: id, Name: id, Members: members})
		p.PutAssignment(Assignment{ID: "asg_g1" + id, RoleID: fmt.Sprintf("role_%d", (g*3)%100), GroupID: id})
		p.PutAssignment(Assignment{ID: "asg_g2" + id, RoleID: fmt.Sprintf("role_%d", (g*3+1)%100), GroupID: id})
	}
	for v := range 10 {
		id := fmt.Sprintf("vnd_%d", v)
		users = append(users, id)
		p.PutUser(User{ID: id, Email: id + "@vendor.example", Kind: "vendor"})
		exp := time.Now().Add(time.Hour)
		p.PutAccessRequest(AccessRequest{ID: "arq_" + id, EnvironmentID: envs[v], RequesterID: id, Tier: "operator",
			Status: RequestApproved, ExpiresAt: &exp})
	}
	return p, envs, users
}

// BenchmarkAuthorize measures the engine's decision alone (the target is ≥ 1,000,000/s).
func BenchmarkAuthorize(b *testing.B) {
	p, envs, users := benchPolicy()
	actions := Actions()
	now := time.Now()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		u := users[i%len(users)]
		action := actions[i%len(actions)]
		if u[0] == 'v' {
			action = "operator.reboot_host"
		}
		if _, err := p.Authorize(u, envs[(i*7)%len(envs)], action, "aw_host", now); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

// BenchmarkAuthenticate measures resolving a token hash to a principal.
func BenchmarkAuthenticate(b *testing.B) {
	p, _, users := benchPolicy()
	for i, u := range users {
		p.PutToken(Token{ID: fmt.Sprintf("tok_%d", i), UserID: u, Hash: fmt.Sprintf("hash_%d", i)})
	}
	now := time.Now()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := p.Authenticate(fmt.Sprintf("hash_%d", i%len(users)), now); !ok {
			b.Fatal("unknown token")
		}
		i++
	}
}
