package access

import (
	"strings"
	"testing"
	"time"
)

// ruleFixture: an owner, an environment admin in e1 holding full_visibility in e2, a vendor
// (with a role assigned before vendors could not hold one) and a plain member.
func ruleFixture() (*Policy, time.Time) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	p := NewPolicy()
	for _, e := range []string{"e1", "e2"} {
		p.PutEnvironment(Environment{ID: e, Name: e, Cloud: "gcp", ResourcePrefix: "aw_"})
	}
	p.PutRole(Role{ID: "owner", Name: string(AccountOwner), Builtin: true})
	p.PutRole(Role{ID: "admins", Name: "admins", Permissions: []string{"users.admin", "cluster.admin"}})
	p.PutRole(Role{ID: "viewers", Name: "viewers"})
	p.PutGrant(Grant{ID: "g1", EnvironmentID: "e1", RoleID: "admins", Permissions: []string{"environment_admin"}})
	p.PutGrant(Grant{ID: "g2", EnvironmentID: "e2", RoleID: "admins", Permissions: []string{"full_visibility"}})
	for _, u := range []User{{ID: "own", Kind: "member"}, {ID: "adm", Kind: "member"}, {ID: "ven", Kind: "vendor"}, {ID: "mem", Kind: "member"}} {
		p.PutUser(u)
		p.PutToken(Token{ID: "t-" + u.ID, UserID: u.ID, Hash: "h-" + u.ID})
	}
	p.PutAssignment(Assignment{ID: "a-own", RoleID: "owner", UserID: "own"})
	p.PutAssignment(Assignment{ID: "a-adm", RoleID: "admins", UserID: "adm"})
	p.PutAssignment(Assignment{ID: "a-ven", RoleID: "admins", UserID: "ven"})
	return p, now
}

func TestRules_escalationAndCover(t *testing.T) {
	p, now := ruleFixture()
	adm, _ := p.Principal("adm")
	ven, _ := p.Principal("ven")
	cases := []struct {
		name string
		d    *Denial
		want string // "" allowed, else the code
	}{
		{"env admin grants what it holds", p.CanGrant(adm, "e1", []string{"deployment", "ops"}), ""},
		{"no grants where it is not admin", p.CanGrant(adm, "e2", []string{"basic_visibility"}), CodeForbidden},
		{"vendor roles count for nothing", Can(ven, "users.admin"), CodeForbidden},
		{"no role for a vendor, even from an owner", p.CanAssign(adm, "viewers", "ven", ""), CodeVendorNoRoles},
		{"no vendor in a group", p.CanBeMembers([]string{"mem", "ven"}), CodeVendorNoGroups},
		{"users.admin cannot act on an owner", p.CanChangeUser(adm, "own", now), CodeForbidden},
		{"users.admin may act on a plain member", p.CanMintToken(adm, "mem", now), ""},
		{"the last owner's token stays", p.CanRevokeToken(mustPrincipal(p, "own"), "own", "t-own", now), CodeLastOwner},
		{"the last owner stays", p.CanDeleteUser(mustPrincipal(p, "own"), "own", now), CodeLastOwner},
		{"built-in roles are fixed", CanChangeRole(Role{Name: "account_owner", Builtin: true}), CodeBuiltinRole},
	}
	for _, c := range cases {
		got := ""
		if c.d != nil {
			got = c.d.Code
		}
		if got != c.want {
			t.Errorf("%s: %q (%v), want %q", c.name, got, c.d, c.want)
		}
	}
}

func TestRules_fullVisibilityCoversBasic(t *testing.T) {
	if !SetOf([]string{"full_visibility"}).Covers(SetOf([]string{"basic_visibility"})) {
		t.Error("full_visibility does not cover basic_visibility")
	}
	if SetOf([]string{"basic_visibility"}).Covers(SetOf([]string{"full_visibility"})) {
		t.Error("basic_visibility covers full_visibility")
	}
	if !SetOf([]string{"environment_admin"}).Covers(SetOf(PermissionNames())) {
		t.Error("environment_admin does not cover everything")
	}
}

// An owner whose only token expired is no usable owner: a store in that state does not block
// unrelated changes (recover-owner is the way back), but a second owner's removal still is.
func TestRules_usableOwnerNeedsAWorkingToken(t *testing.T) {
	p, now := ruleFixture()
	if !p.HasUsableOwner(now) {
		t.Fatal("no usable owner in the fixture")
	}
	past := now.Add(-time.Minute)
	p.PutToken(Token{ID: "t-own", UserID: "own", Hash: "h-own", ExpiresAt: &past})
	if p.HasUsableOwner(now) {
		t.Fatal("an owner without a working token counts as usable")
	}
	if d := p.CanDeleteUser(mustPrincipal(p, "own"), "own", now); d != nil {
		t.Fatalf("with no usable owner left anyway: %v", d)
	}
}

func mustPrincipal(p *Policy, id string) *Principal {
	pr, ok := p.Principal(id)
	if !ok {
		panic("no principal " + id)
	}
	return pr
}

// The break-glass revoke ends exactly what gives a vendor a tier in the environment (and
// pending requests), once: applied, a second revoke finds nothing and the vendors hold nothing.
func TestRules_revokeVendorAccess(t *testing.T) {
	p, now := ruleFixture()
	p.PutUser(User{ID: "ven2", Kind: "vendor"})
	p.PutSupportAccess(SupportAccess{ID: "sup1", EnvironmentID: "e1", Tier: "operator", Standing: true})
	p.PutSupportAccess(SupportAccess{ID: "sup2", EnvironmentID: "e2", Tier: "operator"})
	later, earlier := now.Add(time.Hour), now.Add(-time.Minute)
	for _, r := range []AccessRequest{
		{ID: "r1", EnvironmentID: "e1", RequesterID: "ven", Tier: "operator", Status: RequestApproved, ExpiresAt: &later},
		{ID: "r2", EnvironmentID: "e1", RequesterID: "ven2", Tier: "operator", Status: RequestApproved, ExpiresAt: &earlier},
		{ID: "r3", EnvironmentID: "e1", RequesterID: "ven2", Tier: "support", Status: RequestPending},
		{ID: "r4", EnvironmentID: "e1", RequesterID: "ven", Tier: "support", Status: RequestDenied},
		{ID: "r5", EnvironmentID: "e2", RequesterID: "ven", Tier: "operator", Status: RequestApproved, ExpiresAt: &later},
		{ID: "r0", EnvironmentID: "e1", RequesterID: "ven2", Tier: "support", Status: RequestApproved, ExpiresAt: &later},
	} {
		p.PutAccessRequest(r)
	}
	reqIDs := func(rs []AccessRequest) string {
		var s []string
		for _, r := range rs {
			s = append(s, r.ID)
		}
		return strings.Join(s, ",")
	}
	adm := mustPrincipal(p, "adm")

	// Who may: cluster.admin (owners hold it); a vendor's old role assignment counts for nothing.
	for _, who := range []string{"mem", "ven"} {
		if _, d := p.RevokeVendorAccess(mustPrincipal(p, who), "e1", "", now); d == nil || d.Code != CodeForbidden {
			t.Errorf("%s may revoke vendor access: %v", who, d)
		}
	}
	if _, d := p.RevokeVendorAccess(mustPrincipal(p, "own"), "e1", "", now); d != nil {
		t.Errorf("owner refused: %v", d)
	}
	for _, id := range []string{"mem", "nobody"} {
		if _, d := p.RevokeVendorAccess(adm, "e1", id, now); d == nil || d.Code != CodeNotVendor || d.Field != "user_id" {
			t.Errorf("user_id %s: %v", id, d)
		}
	}

	one, d := p.RevokeVendorAccess(adm, "e1", "ven", now)
	if d != nil || reqIDs(one.Approved) != "r1" || len(one.Pending) != 0 || !one.EndStanding {
		t.Errorf("one vendor: %+v %v", one, d)
	}
	all, d := p.RevokeVendorAccess(adm, "e1", "", now)
	if d != nil || reqIDs(all.Approved) != "r0,r1" || reqIDs(all.Pending) != "r3" || !all.EndStanding || all.Empty() {
		t.Fatalf("every vendor: %+v %v", all, d)
	}

	for _, r := range append(all.Approved, all.Pending...) {
		r.Status = RequestRevoked
		p.PutAccessRequest(r)
	}
	p.PutSupportAccess(SupportAccess{ID: "sup1", EnvironmentID: "e1", Tier: "operator"})
	for _, v := range []string{"ven", "ven2"} {
		if caps := p.SupportCapabilities(v, "e1", now); len(caps) != 0 {
			t.Errorf("%s still holds %v after the revoke", v, caps)
		}
	}
	if caps := p.SupportCapabilities("ven", "e2", now); len(caps) == 0 {
		t.Error("the revoke reached another environment")
	}
	if again, d := p.RevokeVendorAccess(adm, "e1", "", now); d != nil || !again.Empty() {
		t.Errorf("second revoke: %+v %v", again, d)
	}
}

// A token minted with a token expires no later than the minting one.
func TestRules_mintedTokenExpiryBound(t *testing.T) {
	at := time.Date(2026, 11, 30, 13, 0, 0, 0, time.UTC)
	bound := &Principal{User: User{ID: "u"}, Token: Token{ID: "t", ExpiresAt: &at}}
	free := &Principal{User: User{ID: "u"}, Token: Token{ID: "t"}}
	earlier, later := at.Add(-time.Minute), at.Add(time.Second)
	cases := []struct {
		name string
		pr   *Principal
		exp  *time.Time
		want bool // allowed
	}{
		{"earlier", bound, &earlier, true},
		{"at the minter's expiry", bound, &at, true},
		{"later", bound, &later, false},
		{"never", bound, nil, false},
		{"an unbounded minter mints anything", free, nil, true},
		{"a principal without a token", &Principal{}, nil, true},
	}
	for _, c := range cases {
		d := CanMintTokenUntil(c.pr, c.exp)
		if (d == nil) != c.want {
			t.Errorf("%s: %v, want allowed=%v", c.name, d, c.want)
		}
		if d != nil && (d.Code != CodeTokenOutlivesMinter || d.Field != "expires_at" || d.Kind != Invalid || !strings.Contains(d.Message, "2026-11-30T13:00:00Z or earlier")) {
			t.Errorf("%s: denial %+v", c.name, d)
		}
	}
}
