package apiserver

import (
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The additive member routes: one member at a time, recorded as additive, refused on a group
// whose members are authoritative and vice versa.
func TestGroupMembers_additive(t *testing.T) {
	ts := newTestServer(t)
	a, _ := ts.createUser("a@example.com", "member")
	b, _ := ts.createUser("b@example.com", "member")
	var g api.Group
	ts.call("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: "sre"}, 201, &g)
	if g.MembersMode != "" || len(g.Members) != 0 {
		t.Fatalf("a group created without members is unmanaged: %+v", g)
	}
	ts.call("POST", "/v1/groups/"+g.ID+"/members", ownerToken, api.GroupMemberAdd{UserID: a.ID}, 200, &g)
	ts.call("POST", "/v1/groups/"+g.ID+"/members", ownerToken, api.GroupMemberAdd{UserID: b.ID}, 200, &g)
	if g.MembersMode != string(access.ModeAdditive) || len(g.Members) != 2 {
		t.Fatalf("after two adds: %+v", g)
	}
	// Adding again changes nothing, not even the version.
	v := g.Version
	ts.call("POST", "/v1/groups/"+g.ID+"/members", ownerToken, api.GroupMemberAdd{UserID: a.ID}, 200, &g)
	if g.Version != v {
		t.Fatalf("re-adding a member bumped the version %d → %d", v, g.Version)
	}
	// A complete set would wipe the additive members.
	p := ts.do("PATCH", "/v1/groups/"+g.ID, ownerToken, api.GroupUpdate{Members: &[]string{a.ID}}).problem(t)
	if p.Status != 409 || p.Code != access.CodeModeConflict || p.Field != "members" {
		t.Fatalf("authoritative set on additive group: %+v", p)
	}
	requireContains(t, p.Detail, "warden_group.members", "warden_group_member", "not both")
	// A rename alone is no members write.
	name := "sre2"
	ts.call("PATCH", "/v1/groups/"+g.ID, ownerToken, api.GroupUpdate{Name: &name}, 200, &g)

	ts.call("DELETE", "/v1/groups/"+g.ID+"/members/"+a.ID, ownerToken, nil, 204, nil)
	if p := ts.do("DELETE", "/v1/groups/"+g.ID+"/members/"+a.ID, ownerToken, nil).problem(t); p.Status != 404 {
		t.Fatalf("removing a non-member: %+v", p)
	}
	ts.call("DELETE", "/v1/groups/"+g.ID+"/members/"+b.ID, ownerToken, nil, 204, nil)
	ts.call("GET", "/v1/groups/"+g.ID, ownerToken, nil, 200, &g)
	if g.MembersMode != "" || len(g.Members) != 0 {
		t.Fatalf("the last additive member gone, the group is free again: %+v", g)
	}
	// Now a complete set claims it, and additive changes are refused.
	ts.call("PATCH", "/v1/groups/"+g.ID, ownerToken, api.GroupUpdate{Members: &[]string{a.ID}}, 200, &g)
	if g.MembersMode != string(access.ModeAuthoritative) {
		t.Fatalf("after a complete set: %+v", g)
	}
	for _, r := range []response{
		ts.do("POST", "/v1/groups/"+g.ID+"/members", ownerToken, api.GroupMemberAdd{UserID: b.ID}),
		ts.do("DELETE", "/v1/groups/"+g.ID+"/members/"+a.ID, ownerToken, nil),
	} {
		p := r.problem(t)
		if p.Status != 409 || p.Code != access.CodeModeConflict || p.Field != "group_id" {
			t.Fatalf("additive change on authoritative group: %+v", p)
		}
		requireContains(t, p.Detail, "authoritatively", "warden_group_member", "leave members out")
	}
	// Releasing keeps the members and lets additive changes in.
	ts.call("PATCH", "/v1/groups/"+g.ID, ownerToken, api.GroupUpdate{ReleaseMembers: true}, 200, &g)
	if g.MembersMode != "" || len(g.Members) != 1 {
		t.Fatalf("after release: %+v", g)
	}
	ts.call("POST", "/v1/groups/"+g.ID+"/members", ownerToken, api.GroupMemberAdd{UserID: b.ID}, 200, &g)
	if g.MembersMode != string(access.ModeAdditive) || len(g.Members) != 2 {
		t.Fatalf("add after release: %+v", g)
	}

	// Every change is audited.
	seen := map[string]int{}
	for _, e := range ts.auditLog(ownerToken) {
		if e.ObjectID == g.ID {
			seen[e.Action]++
		}
	}
	if seen["group.member_add"] != 3 || seen["group.member_remove"] != 2 {
		t.Fatalf("audited %v", seen)
	}
}

// The engine decides an additive change exactly as a complete set: a groups.admin that does
// not hold the group's roles cannot hand them over, vendors join no group, unknown users fail.
func TestGroupMembers_rules(t *testing.T) {
	ts := newTestServer(t)
	admin, adminToken := ts.createUser("admin@example.com", "member")
	ts.assign(ts.createRole("group-admins", "groups.admin").ID, api.RoleAssignmentCreate{UserID: admin.ID})
	u, _ := ts.createUser("u@example.com", "member")
	vendor, _ := ts.createUser("v@example.com", "vendor")
	var g api.Group
	ts.call("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: "auditors"}, 201, &g)
	ts.assign(ts.createRole("auditors", "audit.read").ID, api.RoleAssignmentCreate{GroupID: g.ID})

	if p := ts.do("POST", "/v1/groups/"+g.ID+"/members", adminToken, api.GroupMemberAdd{UserID: u.ID}).problem(t); p.Status != 403 {
		t.Fatalf("groups.admin without the group's roles added a member: %+v", p)
	}
	if p := ts.do("POST", "/v1/groups/"+g.ID+"/members", ownerToken, api.GroupMemberAdd{UserID: vendor.ID}).problem(t); p.Code != access.CodeVendorNoGroups {
		t.Fatalf("vendor added: %+v", p)
	}
	if p := ts.do("POST", "/v1/groups/"+g.ID+"/members", ownerToken, api.GroupMemberAdd{UserID: "usr_ghost"}).problem(t); p.Status != 422 || p.Field != "user_id" {
		t.Fatalf("unknown user: %+v", p)
	}
	if p := ts.do("POST", "/v1/groups/grp_ghost/members", ownerToken, api.GroupMemberAdd{UserID: u.ID}).problem(t); p.Status != 404 {
		t.Fatalf("unknown group: %+v", p)
	}
	_, plainToken := ts.createUser("plain@example.com", "member")
	if p := ts.do("POST", "/v1/groups/"+g.ID+"/members", plainToken, api.GroupMemberAdd{UserID: u.ID}).problem(t); p.Status != 403 {
		t.Fatalf("no groups.admin: %+v", p)
	}
	// The owner covers every role: the member joins and holds audit.read through the group.
	ts.call("POST", "/v1/groups/"+g.ID+"/members", ownerToken, api.GroupMemberAdd{UserID: u.ID}, 200, &g)
	if p := ts.do("DELETE", "/v1/groups/"+g.ID+"/members/"+u.ID, adminToken, nil).problem(t); p.Status != 403 {
		t.Fatalf("groups.admin without the group's roles removed a member: %+v", p)
	}
}
