package access

import (
	"slices"
	"strings"
	"testing"
)

// readCast is a snapshot with one principal of each kind the read rules tell apart, and
// another member and another vendor to ask about.
func readCast(t *testing.T) (*Policy, map[string]*Principal) {
	t.Helper()
	p := NewPolicy()
	p.PutEnvironment(Environment{ID: "env", Name: "prod", Cloud: "aws", ResourcePrefix: "aw_"})
	roles := map[string][]string{"users-readers": {"users.read"}, "group-readers": {"groups.read"}, "cluster-admins": {"cluster.admin"}}
	for name, perms := range roles {
		p.PutRole(Role{ID: name, Name: name, Permissions: perms})
	}
	p.PutRole(Role{ID: "owner", Name: string(AccountOwner), Builtin: true})
	cast := map[string]string{"vendor": "", "member": "", "users.read": "users-readers", "groups.read": "group-readers",
		"cluster.admin": "cluster-admins", "owner": "owner"}
	out := map[string]*Principal{}
	for who, role := range cast {
		kind := KindMember
		if who == "vendor" {
			kind = KindVendor
		}
		p.PutUser(User{ID: who, Email: who + "@example.com", Kind: kind})
		if role != "" {
			p.PutAssignment(Assignment{ID: "asg-" + who, RoleID: role, UserID: who})
		}
	}
	p.PutUser(User{ID: "other-member", Kind: KindMember})
	p.PutUser(User{ID: "other-vendor", Kind: KindVendor})
	p.PutGroup(Group{ID: "grp", Name: "team"})
	for who := range cast {
		pr, ok := p.Principal(who)
		if !ok {
			t.Fatal(who)
		}
		out[who] = pr
	}
	return p, out
}

// Every readable route says who may read it, and the engine agrees: for each GET route and
// the authorize query, exactly the listed principals pass the route's check when they ask
// about someone else. A new route without a line here fails.
func TestRoutes_readRules(t *testing.T) {
	pol, cast := readCast(t)
	everyone := []string{"vendor", "member", "users.read", "groups.read", "cluster.admin", "owner"}
	members := []string{"member", "users.read", "groups.read", "cluster.admin", "owner"}
	type want struct {
		params  map[string]string
		allowed []string
	}
	other := map[string]string{"id": "other-member"}
	env := map[string]string{"id": "env"}
	cases := map[string][]want{
		"GET /v1/permission-matrix":                {{nil, everyone}},
		"GET /v1/environments":                     {{nil, everyone}},
		"GET /v1/environments/{id}":                {{env, everyone}},
		"GET /v1/environments/{id}/support-access": {{env, everyone}},
		"GET /v1/environments/{id}/effective-access": {
			{map[string]string{"id": "env", "user_id": "other-member"}, []string{"users.read", "owner"}},
			{map[string]string{"id": "env", "user_id": "other-vendor"}, []string{"cluster.admin", "owner"}},
			{map[string]string{"id": "env", "group_id": "grp"}, []string{"groups.read", "owner"}},
		},
		"GET /v1/environments/{id}/principals": {
			{map[string]string{"id": "env", "action": "apps.deploy"}, []string{"users.read", "owner"}},
			{map[string]string{"id": "env", "action": "operator.reboot_host"}, []string{"cluster.admin", "owner"}},
		},
		"GET /v1/users":                       {{nil, []string{"users.read", "owner"}}},
		"GET /v1/users/{id}":                  {{other, []string{"users.read", "owner"}}},
		"GET /v1/groups":                      {{nil, []string{"groups.read", "owner"}}},
		"GET /v1/groups/{id}":                 {{map[string]string{"id": "grp"}, []string{"groups.read", "owner"}}},
		"GET /v1/roles":                       {{nil, members}},
		"GET /v1/roles/{id}":                  {{map[string]string{"id": "owner"}, members}},
		"GET /v1/roles/{role_id}/assignments": {{map[string]string{"role_id": "owner"}, members}},
		"GET /v1/roles/{role_id}/assignments/{assignment_id}":      {{map[string]string{"role_id": "owner", "assignment_id": "asg-owner"}, members}},
		"GET /v1/environments/{id}/grants":                         {{env, members}},
		"GET /v1/environments/{id}/grants/{role_id}":               {{map[string]string{"id": "env", "role_id": "owner"}, members}},
		"GET /v1/environments/{id}/alert-routing":                  {{env, members}},
		"GET /v1/environments/{id}/alerts":                         {{env, members}},
		"GET /v1/environments/{id}/alerts/{alert_id}":              {{env, members}},
		"GET /v1/environments/{id}/alert-deliveries":               {{env, members}},
		"GET /v1/environments/{id}/alert-deliveries/{delivery_id}": {{env, members}},
		"GET /v1/environments/{id}/alert-routing/credentials":      {{env, []string{"cluster.admin", "owner"}}},
		"GET /v1/access-requests":                                  {{nil, []string{"vendor", "cluster.admin", "owner"}}},
		"GET /v1/access-requests/{id}":                             {{map[string]string{"id": "arq"}, []string{"vendor", "cluster.admin", "owner"}}},
		"GET /v1/audit-events":                                     {{nil, []string{"owner"}}},
		"GET /metrics":                                             {{nil, []string{"cluster.admin", "owner"}}},
		"GET /v1/authorization-decisions": {
			{nil, everyone}, // narrowed to what each may read (TestDecisionReads)
			{map[string]string{"principal_id": "other-vendor"}, []string{"cluster.admin", "owner"}},
			{map[string]string{"principal_id": "other-member"}, []string{"owner"}},
			{map[string]string{"principal_id": "vendor"}, []string{"vendor", "cluster.admin", "owner"}},
			{map[string]string{"principal_id": "ghost"}, []string{"cluster.admin", "owner"}},
		},
		// The body names the principal: the handler asks CanReadAccessOf (below).
		"POST /v1/authorize": {{nil, everyone}},
		// The changes name the principals reached: the handler asks CanReadAccessOf of each.
		"POST /v1/access-preview": {{nil, []string{"users.read", "owner"}}},
	}
	for _, r := range Routes() {
		if r.Public || (r.Method != "GET" && r.Path != "/v1/authorize" && r.Path != "/v1/access-preview") {
			continue
		}
		key := r.Method + " " + r.Path
		ws, ok := cases[key]
		if !ok {
			t.Errorf("%s: no read-rule case; say who may read it", key)
			continue
		}
		if rule := strings.TrimSpace(r.Rule); rule == "Any authenticated principal." || rule == "" {
			t.Errorf("%s: readable by everyone without a reason: %q", key, r.Rule)
		}
		for _, w := range ws {
			var got []string
			for _, who := range everyone {
				if r.Check(pol, cast[who], func(n string) string { return w.params[n] }) == nil {
					got = append(got, who)
				}
			}
			if !slices.Equal(got, w.allowed) {
				t.Errorf("%s with %v: allowed %v, want %v (rule: %s)", key, w.params, got, w.allowed, r.Rule)
			}
		}
	}
}

// GET /metrics needs cluster.read, which cluster.admin includes: a role holding only
// cluster.read scrapes, a member without it and a vendor user do not.
func TestRoutes_metricsNeedClusterRead(t *testing.T) {
	p := NewPolicy()
	p.PutRole(Role{ID: "scrapers", Name: "scrapers", Permissions: []string{string(ClusterRead)}})
	p.PutUser(User{ID: "prometheus", Kind: KindMember})
	p.PutAssignment(Assignment{ID: "asg", RoleID: "scrapers", UserID: "prometheus"})
	p.PutUser(User{ID: "member", Kind: KindMember})
	p.PutUser(User{ID: "vendor", Kind: KindVendor})
	r, ok := RouteFor("GET", "/metrics")
	if !ok || r.Public {
		t.Fatalf("GET /metrics: %+v, %v; want an authenticated route", r, ok)
	}
	for who, allowed := range map[string]bool{"prometheus": true, "member": false, "vendor": false} {
		pr, ok := p.Principal(who)
		if !ok {
			t.Fatal(who)
		}
		d := r.Check(p, pr, func(string) string { return "" })
		if (d == nil) != allowed {
			t.Errorf("%s: denial %v, want allowed %v", who, d, allowed)
		}
		if d != nil && !strings.Contains(d.Message, "cluster.read") {
			t.Errorf("%s: the refusal does not name cluster.read: %s", who, d.Message)
		}
	}
}

func TestCanReadAccessOf(t *testing.T) {
	pol, cast := readCast(t)
	for _, c := range []struct {
		who, target string
		ok          bool
	}{
		{"member", "member", true}, {"vendor", "vendor", true},
		{"member", "other-member", false}, {"member", "ghost", false},
		{"users.read", "other-member", true}, {"users.read", "ghost", true}, {"users.read", "other-vendor", false},
		{"cluster.admin", "other-vendor", true}, {"cluster.admin", "other-member", false},
		{"vendor", "other-vendor", false}, {"vendor", "other-member", false},
		{"owner", "other-vendor", true}, {"owner", "other-member", true},
	} {
		if d := pol.CanReadAccessOf(cast[c.who], c.target); (d == nil) != c.ok {
			t.Errorf("%s about %s: %v, want allowed %v", c.who, c.target, d, c.ok)
		}
	}
}

func TestCanReadAssignment(t *testing.T) {
	_, cast := readCast(t)
	for _, c := range []struct {
		who, user, group string
		ok               bool
	}{
		{"member", "member", "", true}, {"member", "other-member", "", false}, {"member", "", "grp", false},
		{"users.read", "other-member", "", true}, {"users.read", "", "grp", false},
		{"groups.read", "", "grp", true}, {"groups.read", "other-member", "", false},
		{"vendor", "vendor", "", false}, {"owner", "", "grp", true}, {"owner", "other-member", "", true},
	} {
		if d := CanReadAssignment(cast[c.who], c.user, c.group); (d == nil) != c.ok {
			t.Errorf("%s reading %s/%s: %v, want allowed %v", c.who, c.user, c.group, d, c.ok)
		}
	}
}

// The decision log: audit.read reads all of it, cluster.admin every vendor user's decisions,
// everyone its own; a vendor never reads another's.
func TestDecisionReads(t *testing.T) {
	pol, cast := readCast(t)
	pol.PutRole(Role{ID: "auditors", Name: "auditors", Permissions: []string{string(AuditRead)}})
	pol.PutUser(User{ID: "auditor", Email: "auditor@example.com", Kind: KindMember})
	pol.PutAssignment(Assignment{ID: "asg-auditor", RoleID: "auditors", UserID: "auditor"})
	auditor, ok := pol.Principal("auditor")
	if !ok {
		t.Fatal("auditor")
	}
	cast["auditor"] = auditor
	for who, want := range map[string]DecisionScope{
		"vendor":        {Self: "vendor"},
		"member":        {Self: "member"},
		"users.read":    {Self: "users.read"},
		"cluster.admin": {Self: "cluster.admin", Kinds: []UserKind{KindVendor}},
		"auditor":       {Self: "auditor", All: true},
		"owner":         {Self: "owner", All: true},
	} {
		got := DecisionReads(cast[who])
		if got.All != want.All || got.Self != want.Self || !slices.Equal(got.Kinds, want.Kinds) {
			t.Errorf("%s: %+v, want %+v", who, got, want)
		}
	}
	for _, c := range []struct {
		who, target string
		ok          bool
	}{
		{"vendor", "vendor", true}, {"vendor", "other-vendor", false}, {"vendor", "other-member", false}, {"vendor", "ghost", false},
		{"member", "member", true}, {"member", "other-member", false}, {"member", "other-vendor", false},
		{"users.read", "other-member", false},
		{"cluster.admin", "other-vendor", true}, {"cluster.admin", "other-member", false}, {"cluster.admin", "ghost", true},
		{"auditor", "other-member", true}, {"auditor", "other-vendor", true}, {"auditor", "ghost", true},
	} {
		d := pol.CanReadDecisionsOf(cast[c.who], c.target)
		if (d == nil) != c.ok {
			t.Errorf("%s reading %s's decisions: %v, want allowed %v", c.who, c.target, d, c.ok)
		}
		if d != nil && !strings.Contains(d.Message, "your own") {
			t.Errorf("%s reading %s's decisions: %q does not say what it may read", c.who, c.target, d.Message)
		}
	}
}
