package apiserver

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// accessOf is what every user may do, read through the API: "env-name e-mail name" for each
// matrix action and tier capability (GET …/effective-access), and "platform e-mail
// permission" for each platform permission. Keyed by e-mail, so that a user replaced under a
// new id (a kind change) is the same person.
func (o *org) accessOf(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	var users api.List[api.User]
	o.ts.call("GET", "/v1/users?limit=100", ownerToken, nil, 200, &users)
	for _, u := range users.Items {
		for _, e := range o.envs {
			var ea api.EffectiveAccess
			o.ts.call("GET", "/v1/environments/"+e.ID+"/effective-access?user_id="+u.ID, ownerToken, nil, 200, &ea)
			for _, a := range append(ea.Actions, ea.Support...) {
				out[e.Name+" "+u.Email+" "+a] = true
			}
			if e == o.envs[0] {
				for _, p := range ea.Platform {
					out["platform "+u.Email+" "+p.Permission] = true
				}
			}
		}
	}
	return out
}

// preview posts changes to POST /v1/access-preview as token.
func (ts *testServer) preview(token string, changes ...api.AccessChange) api.AccessPreview {
	ts.t.Helper()
	var out api.AccessPreview
	ts.call("POST", "/v1/access-preview", token, api.AccessPreviewRequest{Changes: changes}, 200, &out)
	return out
}

// genChanges proposes 1–4 changes the API would accept, each of a random kind, none naming
// what an earlier one deleted or replaced; apply makes each through the API afterwards.
func (o *org) genChanges(t *testing.T) (changes []api.AccessChange, apply []func()) {
	t.Helper()
	ts, rng := o.ts, o.rng
	gone := map[string]bool{o.members[0].ID: true} // never the bootstrap owner
	pickUser := func(from []api.User) string {
		for range 20 {
			if u := from[rng.IntN(len(from))]; !gone[u.ID] {
				return u.ID
			}
		}
		return ""
	}
	pickRole := func() string {
		for range 20 {
			if r := o.roles[rng.IntN(len(o.roles))]; !gone[r.ID] {
				return r.ID
			}
		}
		return ""
	}
	perms := access.PermissionNames()
	for range 1 + rng.IntN(4) {
		kind := rng.IntN(12)
		env := o.envs[rng.IntN(len(o.envs))]
		role := pickRole()
		member := pickUser(o.members)
		group := o.groups[rng.IntN(len(o.groups))]
		var c api.AccessChange
		var do func()
		switch kind {
		case 0:
			if role == "" {
				continue
			}
			ps := []string{perms[rng.IntN(len(perms))]}
			c = api.AccessChange{Kind: "grant_upsert", EnvironmentID: env.ID, RoleID: role, Permissions: &ps}
			do = func() {
				if r := ts.do("PATCH", "/v1/environments/"+env.ID+"/grants/"+role, ownerToken, api.GrantUpdate{Permissions: ps}); r.status == 404 {
					ts.grant(env.ID, role, ps...)
				} else if r.status != 200 {
					t.Fatalf("grant update: %d %s", r.status, r.body)
				}
			}
		case 1:
			var gs api.List[api.Grant]
			ts.call("GET", "/v1/environments/"+env.ID+"/grants", ownerToken, nil, 200, &gs)
			i := slices.IndexFunc(gs.Items, func(g api.Grant) bool {
				return !gone[g.RoleID] && !slices.ContainsFunc(changes, func(c api.AccessChange) bool {
					return c.RoleID == g.RoleID && c.EnvironmentID == env.ID
				})
			})
			if i < 0 {
				continue
			}
			g := gs.Items[i]
			c = api.AccessChange{Kind: "grant_delete", EnvironmentID: env.ID, RoleID: g.RoleID}
			do = func() { ts.call("DELETE", "/v1/environments/"+env.ID+"/grants/"+g.RoleID, ownerToken, nil, 204, nil) }
		case 2:
			if role == "" {
				continue
			}
			ps := []string{[]string{"users.admin", "cluster.admin", "groups.read", "audit.read"}[rng.IntN(4)]}
			c = api.AccessChange{Kind: "role_update", RoleID: role, Permissions: &ps}
			do = func() { ts.call("PATCH", "/v1/roles/"+role, ownerToken, api.RoleUpdate{Permissions: &ps}, 200, nil) }
		case 3:
			if role == "" {
				continue
			}
			gone[role] = true
			c = api.AccessChange{Kind: "role_delete", RoleID: role}
			do = func() { ts.call("DELETE", "/v1/roles/"+role, ownerToken, nil, 204, nil) }
		case 4, 5:
			if role == "" || member == "" {
				continue
			}
			if rng.IntN(5) == 0 {
				role = []string{roleAccountOwner, roleDeployOwner}[rng.IntN(2)]
			}
			holder := api.RoleAssignmentCreate{UserID: member}
			if rng.IntN(2) == 0 {
				holder = api.RoleAssignmentCreate{GroupID: group.ID}
			}
			var as api.List[api.RoleAssignment]
			ts.call("GET", "/v1/roles/"+role+"/assignments", ownerToken, nil, 200, &as)
			i := slices.IndexFunc(as.Items, func(a api.RoleAssignment) bool { return a.UserID == holder.UserID && a.GroupID == holder.GroupID })
			if i < 0 {
				c = api.AccessChange{Kind: "role_assignment_add", RoleID: role, UserID: holder.UserID, GroupID: holder.GroupID}
				do = func() { ts.assign(role, holder) }
			} else {
				id := as.Items[i].ID
				c = api.AccessChange{Kind: "role_assignment_remove", RoleID: role, UserID: holder.UserID, GroupID: holder.GroupID}
				do = func() { ts.call("DELETE", "/v1/roles/"+role+"/assignments/"+id, ownerToken, nil, 204, nil) }
			}
		case 6, 7:
			if member == "" {
				continue
			}
			// Groups are authoritative here: a member added or removed is a new member set.
			kind := "group_member_add"
			if slices.Contains(group.Members, member) {
				kind = "group_member_remove"
			}
			if rng.IntN(3) == 0 {
				next := []string{}
				for _, m := range o.members[1:] {
					if !gone[m.ID] && rng.IntN(2) == 0 {
						next = append(next, m.ID)
					}
				}
				c = api.AccessChange{Kind: "group_members_set", GroupID: group.ID, Members: &next}
			} else {
				c = api.AccessChange{Kind: kind, GroupID: group.ID, UserID: member}
			}
			c2 := c
			do = func() {
				var g api.Group
				ts.call("GET", "/v1/groups/"+c2.GroupID, ownerToken, nil, 200, &g)
				next := slices.DeleteFunc(g.Members, func(m string) bool { return m == c2.UserID })
				switch c2.Kind {
				case "group_member_add":
					next = append(next, c2.UserID)
				case "group_members_set":
					next = *c2.Members
				}
				ts.call("PATCH", "/v1/groups/"+c2.GroupID, ownerToken, api.GroupUpdate{Members: &next}, 200, nil)
			}
		case 8:
			tier := access.TierNames()[rng.IntN(3)]
			if env.Cloud != "gcp" && tier == "co_maintainer" {
				tier = "support"
			}
			pf := access.PortForwardingAllowed(tier) && rng.IntN(2) == 0
			approval := rng.IntN(2) == 0
			var exp *time.Time
			if rng.IntN(2) == 0 {
				e := ts.clock.Now().Add(time.Duration(1+rng.IntN(24)) * time.Hour).Truncate(time.Second)
				exp = &e
			}
			c = api.AccessChange{Kind: "support_access_upsert", EnvironmentID: env.ID, Tier: tier, PortForwarding: pf, ExpiresAt: exp, RequireApproval: &approval}
			do = func() {
				r := ts.do("PATCH", "/v1/environments/"+env.ID+"/support-access", ownerToken,
					api.SupportAccessUpdate{Tier: &tier, PortForwarding: &pf, ExpiresAt: exp, ClearExpiry: exp == nil, RequireApproval: &approval})
				if r.status == 404 {
					ts.call("POST", "/v1/environments/"+env.ID+"/support-access", ownerToken,
						api.SupportAccessCreate{Tier: tier, PortForwarding: pf, ExpiresAt: exp, RequireApproval: &approval}, 201, nil)
				} else if r.status != 200 {
					t.Fatalf("support access update: %d %s", r.status, r.body)
				}
			}
		case 9:
			if r := ts.do("GET", "/v1/environments/"+env.ID+"/support-access", ownerToken, nil); r.status != 200 ||
				slices.ContainsFunc(changes, func(c api.AccessChange) bool {
					return c.EnvironmentID == env.ID && strings.HasPrefix(c.Kind, "support")
				}) {
				continue
			}
			c = api.AccessChange{Kind: "support_access_delete", EnvironmentID: env.ID}
			do = func() { ts.call("DELETE", "/v1/environments/"+env.ID+"/support-access", ownerToken, nil, 204, nil) }
		case 10:
			u := pickUser(o.users())
			if u == "" {
				continue
			}
			gone[u] = true
			c = api.AccessChange{Kind: "user_delete", UserID: u}
			do = func() { ts.call("DELETE", "/v1/users/"+u, ownerToken, nil, 204, nil) }
		case 11:
			u := pickUser(o.users())
			if u == "" {
				continue
			}
			gone[u] = true
			var cur api.User
			ts.call("GET", "/v1/users/"+u, ownerToken, nil, 200, &cur)
			kind := map[string]string{"member": "vendor", "vendor": "member"}[cur.Kind]
			c = api.AccessChange{Kind: "user_kind_change", UserID: u, UserKind: kind}
			// As warden_user does when kind changes: the user is replaced.
			do = func() {
				ts.call("DELETE", "/v1/users/"+u, ownerToken, nil, 204, nil)
				ts.call("POST", "/v1/users", ownerToken, api.UserCreate{Email: cur.Email, Kind: kind}, 201, nil)
			}
		}
		changes, apply = append(changes, c), append(apply, do)
	}
	return changes, apply
}

// The preview's contract, over generated organizations and changes, on a real server: the
// preview of a change list is the effective access after making those changes through the
// API minus the effective access before (and the reverse for what is lost); computing it
// writes nothing; and each gained action's first reason is what authorize answers after.
func TestAccessPreview_isAfterMinusBefore(t *testing.T) {
	var mu sync.Mutex
	kinds := map[string]int{}
	t.Cleanup(func() {
		for _, k := range access.ChangeKindNames() {
			if kinds[k] == 0 && !t.Failed() {
				t.Errorf("no generated change was a %s: %v", k, kinds)
			}
		}
	})
	for seed := range uint64(8) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t)
			o := seedOrg(t, ts, seed+100)
			for round := range 3 {
				changes, apply := o.genChanges(t)
				if len(changes) == 0 {
					continue
				}
				mu.Lock()
				for _, c := range changes {
					kinds[c.Kind]++
				}
				mu.Unlock()
				before := o.accessOf(t)
				stored := ts.dump()
				p := ts.preview(ownerToken, changes...)
				if ts.dump() != stored {
					t.Fatalf("round %d: the preview changed the store", round)
				}
				got := map[string]bool{}
				emails := map[string]string{}
				for _, e := range p.Environments {
					for _, u := range e.Users {
						emails[u.UserID] = u.Email
						for _, g := range u.Gained {
							got["+"+e.EnvironmentName+" "+u.Email+" "+g.Action] = true
						}
						for _, l := range u.Lost {
							got["-"+e.EnvironmentName+" "+u.Email+" "+l.Action] = true
						}
					}
				}
				for _, u := range p.Platform {
					for _, g := range u.Gained {
						got["+platform "+u.Email+" "+g.Permission] = true
					}
					for _, l := range u.Lost {
						got["-platform "+u.Email+" "+l.Permission] = true
					}
				}
				for _, do := range apply {
					do()
				}
				after := o.accessOf(t)
				want := map[string]bool{}
				for k := range after {
					if !before[k] {
						want["+"+k] = true
					}
				}
				for k := range before {
					if !after[k] {
						want["-"+k] = true
					}
				}
				if !maps.Equal(got, want) {
					t.Fatalf("round %d, changes %+v:\npreview %v\n   real %v", round, changes, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
				}
				t.Logf("round %d: %d changes, %d differences", round, len(changes), len(want))
				o.checkFirstReasons(t, p)
				o.refresh(t)
			}
		})
	}
}

// checkFirstReasons requires each member's gained action to name, first, what authorize now
// answers (for users still under the same id).
func (o *org) checkFirstReasons(t *testing.T, p api.AccessPreview) {
	t.Helper()
	for _, e := range p.Environments {
		for _, u := range e.Users {
			if r := o.ts.do("GET", "/v1/users/"+u.UserID, ownerToken, nil); r.status != 200 || u.Kind != "member" {
				continue
			}
			for _, g := range u.Gained {
				a := o.ts.authorize(ownerToken, api.AuthorizeRequest{PrincipalID: u.UserID, EnvironmentID: e.EnvironmentID, Action: g.Action})
				if !a.Allowed || a.Via.RoleID != g.Via[0].RoleID || a.Via.GroupID != g.Via[0].GroupID || a.Via.Permission != g.Via[0].Permission {
					t.Fatalf("%s gained %s in %s through %+v; authorize answers %+v", u.Email, g.Action, e.EnvironmentName, g.Via[0], a.Via)
				}
			}
		}
	}
}

// refresh rereads what the changes made of the organization's users, groups and roles.
func (o *org) refresh(t *testing.T) {
	t.Helper()
	var users api.List[api.User]
	o.ts.call("GET", "/v1/users?limit=100", ownerToken, nil, 200, &users)
	o.members, o.vendors = o.members[:1], nil
	for _, u := range users.Items {
		switch {
		case u.ID == o.members[0].ID:
		case u.Kind == "vendor":
			o.vendors = append(o.vendors, u)
		default:
			o.members = append(o.members, u)
		}
	}
	for i, g := range o.groups {
		o.ts.call("GET", "/v1/groups/"+g.ID, ownerToken, nil, 200, &o.groups[i])
	}
	var roles api.List[api.Role]
	o.ts.call("GET", "/v1/roles?limit=100", ownerToken, nil, 200, &roles)
	o.roles = slices.DeleteFunc(roles.Items, func(r api.Role) bool { return r.Builtin })
}

func TestAccessPreview_shapeAndProvenance(t *testing.T) {
	ts := newTestServer(t)
	prod := ts.createEnv("production", "gcp")
	alice, _ := ts.createUser("alice@example.com", "member")
	bob, _ := ts.createUser("bob@example.com", "member")
	vendor, _ := ts.createUser("oncall@vendor.example", "vendor")
	var sre api.Group
	ts.call("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: "sre", Members: &[]string{alice.ID, bob.ID}}, 201, &sre)
	deployers := ts.createRole("deployers")
	ts.assign(deployers.ID, api.RoleAssignmentCreate{GroupID: sre.ID})
	exp := ts.clock.Now().Add(4 * time.Hour).Truncate(time.Second)
	standing := false

	p := ts.preview(ownerToken,
		api.AccessChange{Kind: "grant_upsert", EnvironmentID: prod.ID, RoleID: deployers.ID, Permissions: &[]string{"deployment"}},
		api.AccessChange{Kind: "group_member_remove", GroupID: sre.ID, UserID: bob.ID},
		api.AccessChange{Kind: "support_access_upsert", EnvironmentID: prod.ID, Tier: "co_maintainer", ExpiresAt: &exp, RequireApproval: &standing},
	)
	if len(p.Environments) != 1 || p.Environments[0].EnvironmentName != "production" || len(p.Environments[0].Users) != 2 {
		t.Fatalf("preview %+v", p)
	}
	a, v := p.Environments[0].Users[0], p.Environments[0].Users[1]
	if a.Email != alice.Email || v.Email != vendor.Email || len(a.Lost) != 0 || len(v.Lost) != 0 {
		t.Fatalf("users %+v", p.Environments[0].Users)
	}
	if want := access.AllowedActions([]string{"deployment"}); !slices.Equal(names(a.Gained), want) {
		t.Errorf("alice gains %v, want %v", names(a.Gained), want)
	}
	if via := a.Gained[0].Via; len(via) != 1 || via[0].GrantID != "grt_preview_0" || via[0].GroupName != "sre" || via[0].RoleName != "deployers" ||
		via[0].Permission != "deployment" {
		t.Errorf("alice's reason %+v", via)
	}
	if want := access.Capabilities("co_maintainer", false); !slices.Equal(slices.Sorted(slices.Values(names(v.Gained))), slices.Sorted(slices.Values(want))) {
		t.Errorf("the vendor gains %v, want %v", names(v.Gained), want)
	}
	if via := v.Gained[0].Via[0]; via.SupportAccessID != "sup_preview_2" || via.Tier != "co_maintainer" || via.ExpiresAt == nil || !via.ExpiresAt.Equal(exp) {
		t.Errorf("the vendor's reason %+v", via)
	}

	// Bad changes: 422 naming the change and its field, nothing judged past it.
	ts.refused("POST", "/v1/access-preview", api.AccessPreviewRequest{Changes: []api.AccessChange{
		{Kind: "grant_upsert", EnvironmentID: prod.ID, RoleID: deployers.ID, Permissions: &[]string{"deployment"}},
		{Kind: "grant_upsert", EnvironmentID: prod.ID, RoleID: deployers.ID, Permissions: &[]string{"deploy"}},
	}}, "changes[1].permissions", access.CodeUnknownPermission, ownerToken)
	ts.refused("POST", "/v1/access-preview", api.AccessPreviewRequest{Changes: []api.AccessChange{
		{Kind: "role_assignment_add", RoleID: deployers.ID, UserID: vendor.ID},
	}}, "changes[0].user_id", access.CodeVendorNoRoles, ownerToken)
	ts.refused("POST", "/v1/access-preview", api.AccessPreviewRequest{Changes: []api.AccessChange{
		{Kind: "user_delete", UserID: bob.ID}, {Kind: "group_member_add", GroupID: sre.ID, UserID: bob.ID},
	}}, "changes[1].user_id", access.CodeUnknownObject, ownerToken)
	ts.refused("POST", "/v1/access-preview", api.AccessPreviewRequest{Changes: []api.AccessChange{
		{Kind: "support_access_upsert", EnvironmentID: ts.createEnv("staging", "aws").ID, Tier: "co_maintainer"},
	}}, "changes[0].tier", access.CodeTierRequiresGCP, ownerToken)
	for field, body := range map[string]api.AccessPreviewRequest{
		"changes[0].kind": {Changes: []api.AccessChange{{Kind: "grant_create", RoleID: deployers.ID}}},
		"changes":         {Changes: []api.AccessChange{}},
	} {
		if p := requireProblem(t, ts.do("POST", "/v1/access-preview", ownerToken, body), 422, "invalid_field"); p.Field != field {
			t.Errorf("%+v: field %q, want %q", body, p.Field, field)
		}
	}

	// Who may preview: users.read; and cluster.admin when vendors are reached.
	_, readerTok := ts.userWith("reader", "users.read")
	_, plainTok := ts.createUser("plain@example.com", "member")
	grant := api.AccessChange{Kind: "grant_upsert", EnvironmentID: prod.ID, RoleID: deployers.ID, Permissions: &[]string{"ops"}}
	var ok api.AccessPreview
	ts.call("POST", "/v1/access-preview", readerTok, api.AccessPreviewRequest{Changes: []api.AccessChange{grant}}, 200, &ok)
	requireProblem(t, ts.do("POST", "/v1/access-preview", plainTok, api.AccessPreviewRequest{Changes: []api.AccessChange{grant}}), 403, "forbidden")
	support := api.AccessChange{Kind: "support_access_upsert", EnvironmentID: prod.ID, Tier: "operator"}
	requireProblem(t, ts.do("POST", "/v1/access-preview", readerTok, api.AccessPreviewRequest{Changes: []api.AccessChange{support}}), 403, "forbidden")
}

func names(items []api.AccessChangeItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Action
	}
	return out
}
