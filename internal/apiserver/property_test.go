package apiserver

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The invariants of "Trust", checked as properties: generated sequences of API operations by
// generated principals, each run against a real server over HTTP and checked after every
// step. A failure names the seed and the step; rerun one sequence with
// WARDEN_PROPERTY_SEED=<seed>. `make test` runs a bounded number of sequences;
// `make property` many more (WARDEN_PROPERTY_SEQUENCES, WARDEN_PROPERTY_STEPS).
//
// After every step:
//   - the server's in-memory snapshot decides exactly as one freshly loaded from the store;
//   - POST /v1/authorize agrees with the engine on a sample of questions;
//   - nobody gained anything the acting principal did not hold (tier capabilities count as
//     held by cluster.admin, who decides vendor access);
//   - no vendor holds a capability above its environment's current ceiling or past expiry;
//   - a usable owner remains, and no request was approved by its requester;
//   - a refused change (403/409, or a 422 from the rules) is audited and changes nothing;
//   - a write in flight (its body held back after the server authenticated it) while its
//     actor's token is revoked, its user deleted, or a role or membership taken from it, is
//     judged as the actor stands at commit time: 401 and nothing written when the token or
//     user is gone, and the escalation invariant holds against what the actor held then.

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func TestProperty_invariants(t *testing.T) {
	sequences := envInt("WARDEN_PROPERTY_SEQUENCES", 12)
	steps := envInt("WARDEN_PROPERTY_STEPS", 40)
	seeds := make([]uint64, sequences)
	for i := range seeds {
		seeds[i] = uint64(i + 1)
	}
	if s := os.Getenv("WARDEN_PROPERTY_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seeds = []uint64{n}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			m := newModel(t, seed)
			for step := range steps {
				m.step(step)
			}
		})
	}
}

// model drives one sequence. It knows the ids it created; everything else it reads back.
type model struct {
	t      *testing.T
	ts     *testServer
	rng    *rand.Rand
	seed   uint64
	tokens map[string]string // user id → a working token secret
	users  []string
	groups []string
	roles  []string
	envs   []string
	reqs   []string
	n      int
	// statuses counts the answers, so that a run shows it exercised refusals and successes.
	statuses map[string]int
}

// platformPool is what generated roles carry: the permissions the rules turn on.
var platformPool = []string{"users.admin", "users.read", "groups.admin", "groups.read", "cluster.admin", "audit.read", "conducts.read"}

func newModel(t *testing.T, seed uint64) *model {
	ts := newTestServer(t)
	m := &model{t: t, ts: ts, rng: rand.New(rand.NewPCG(seed, 0x5eed)), seed: seed, tokens: map[string]string{}, statuses: map[string]int{}}
	t.Cleanup(func() { t.Logf("answers: %v", m.statuses) })
	owner := ts.ownerID()
	m.tokens[owner] = ownerToken
	m.users = append(m.users, owner)
	for i, cloud := range []string{"aws", "gcp"} {
		m.envs = append(m.envs, ts.createEnv(fmt.Sprintf("env%d", i), cloud).ID)
	}
	// A starting cast, so that sequences reach non-owner administrators early: two members
	// holding generated administrative roles (one with a grant), and a vendor.
	for i := range 2 {
		u, tok := ts.createUser(fmt.Sprintf("admin%d@example.com", i), "member")
		perms := m.some(platformPool)
		perms = append(perms, platformPool[m.rng.IntN(len(platformPool))])
		r := ts.createRole(fmt.Sprintf("admins%d", i), sortedUnique(perms)...)
		ts.assign(r.ID, api.RoleAssignmentCreate{UserID: u.ID})
		if i == 0 {
			ts.grant(m.envs[0], r.ID, "environment_admin")
		}
		m.users, m.roles = append(m.users, u.ID), append(m.roles, r.ID)
		m.tokens[u.ID] = tok
	}
	v, tok := ts.createUser("vendor@vendor.example", "vendor")
	m.users = append(m.users, v.ID)
	m.tokens[v.ID] = tok
	return m
}

func (m *model) pick(xs []string) string {
	if len(xs) == 0 {
		return "missing"
	}
	return xs[m.rng.IntN(len(xs))]
}

func (m *model) some(xs []string) []string {
	var out []string
	for _, x := range xs {
		if m.rng.IntN(3) == 0 {
			out = append(out, x)
		}
	}
	return out
}

// op is one generated API call.
type op struct {
	method, path string
	body         any
	actor        string // user id
	// grants says the call can hand something out (checked by the escalation invariant).
	grants bool
	// mint names the user a token is minted for.
	mint string
	// revoke names the environment of a break-glass revoke.
	revoke string
}

func (m *model) next() op {
	m.n++
	// Mostly non-owners: the owner may do everything, so the rules are tested by the others.
	actor := m.pick(m.users)
	if len(m.users) > 1 && actor == m.users[0] && m.rng.IntN(3) > 0 {
		actor = m.pick(m.users[1:])
	}
	env := m.pick(m.envs)
	switch m.rng.IntN(17) {
	case 0:
		kind := "member"
		if m.rng.IntN(3) == 0 {
			kind = "vendor"
		}
		return op{method: "POST", path: "/v1/users", body: api.UserCreate{Email: fmt.Sprintf("u%d-%d@example.com", m.seed, m.n), Kind: kind}, actor: actor}
	case 1:
		target := m.pick(m.users)
		return op{method: "POST", path: "/v1/users/" + target + "/tokens", body: api.TokenCreate{Name: "gen"}, actor: actor, mint: target}
	case 2:
		return op{method: "POST", path: "/v1/roles", body: api.RoleCreate{Name: fmt.Sprintf("r%d", m.n), Permissions: m.some(platformPool)}, actor: actor}
	case 3, 4:
		role := m.pick(append([]string{roleAccountOwner, roleDeployOwner}, m.roles...))
		body := api.RoleAssignmentCreate{UserID: m.pick(m.users)}
		if m.rng.IntN(2) == 0 && len(m.groups) > 0 {
			body = api.RoleAssignmentCreate{GroupID: m.pick(m.groups)}
		}
		return op{method: "POST", path: "/v1/roles/" + role + "/assignments", body: body, actor: actor, grants: true}
	case 5:
		role := m.pick(append([]string{roleAccountOwner, roleDeployOwner}, m.roles...))
		var as []api.RoleAssignment
		_ = m.ts.srv.store.View(m.t.Context(), func(tx Tx) error {
			var err error
			as, _, err = tx.Assignments(role, Page{})
			return err
		})
		id := "asg_missing"
		if len(as) > 0 {
			id = as[m.rng.IntN(len(as))].ID
		}
		return op{method: "DELETE", path: "/v1/roles/" + role + "/assignments/" + id, actor: actor}
	case 6:
		body := api.GroupCreate{Name: fmt.Sprintf("g%d", m.n)}
		if m.rng.IntN(2) == 0 { // half the groups leave their members to the additive routes
			members := m.some(m.users)
			body.Members = &members
		}
		return op{method: "POST", path: "/v1/groups", body: body, actor: actor}
	case 7:
		// Additive changes pass the same rules as a complete set, in either mode.
		switch m.rng.IntN(3) {
		case 0:
			return op{method: "POST", path: "/v1/groups/" + m.pick(m.groups) + "/members", body: api.GroupMemberAdd{UserID: m.pick(m.users)},
				actor: actor, grants: true}
		case 1:
			return op{method: "DELETE", path: "/v1/groups/" + m.pick(m.groups) + "/members/" + m.pick(m.users), actor: actor}
		}
		members := m.some(m.users)
		return op{method: "PATCH", path: "/v1/groups/" + m.pick(m.groups), body: api.GroupUpdate{Members: &members}, actor: actor, grants: true}
	case 8:
		return op{method: "DELETE", path: "/v1/groups/" + m.pick(m.groups), actor: actor}
	case 9:
		perms := m.some(access.PermissionNames())
		if len(perms) == 0 {
			perms = []string{"ops"}
		}
		return op{method: "POST", path: "/v1/environments/" + env + "/grants", body: api.GrantCreate{RoleID: m.pick(m.roles), Permissions: perms}, actor: actor, grants: true}
	case 10:
		perms := m.some(access.PermissionNames())
		if len(perms) == 0 {
			perms = []string{"environment_admin"}
		}
		return op{method: "PATCH", path: "/v1/environments/" + env + "/grants/" + m.pick(m.roles), body: api.GrantUpdate{Permissions: perms}, actor: actor, grants: true}
	case 11:
		return op{method: "DELETE", path: "/v1/environments/" + env + "/grants/" + m.pick(m.roles), actor: actor}
	case 12:
		tier := m.pick(access.TierNames())
		approval := m.rng.IntN(3) > 0 // a third standing: every vendor holds the tier
		if m.rng.IntN(2) == 0 {
			return op{method: "POST", path: "/v1/environments/" + env + "/support-access", body: api.SupportAccessCreate{Tier: tier, RequireApproval: &approval},
				actor: actor, grants: true}
		}
		return op{method: "PATCH", path: "/v1/environments/" + env + "/support-access", body: api.SupportAccessUpdate{Tier: &tier, RequireApproval: &approval},
			actor: actor, grants: true}
	case 13:
		if m.rng.IntN(2) == 0 {
			// The break-glass revoke, for every vendor or one user (not always a vendor).
			body := api.VendorAccessRevoke{}
			if m.rng.IntN(2) == 0 {
				body.UserID = m.pick(m.users)
			}
			return op{method: "POST", path: "/v1/environments/" + env + "/support-access/revoke", body: body, actor: actor, revoke: env}
		}
		return op{method: "DELETE", path: "/v1/environments/" + env + "/support-access", actor: actor}
	case 14:
		return op{method: "POST", path: "/v1/access-requests", body: api.AccessRequestCreate{EnvironmentID: env, Tier: m.pick(access.TierNames()), DurationSeconds: 600}, actor: actor}
	case 15:
		verb := m.pick([]string{"approve", "approve", "deny", "revoke"})
		return op{method: "POST", path: "/v1/access-requests/" + m.pick(m.reqs) + "/" + verb, actor: actor, grants: verb == "approve"}
	default:
		if m.rng.IntN(4) == 0 {
			return op{method: "DELETE", path: "/v1/users/" + m.pick(m.users), actor: actor}
		}
		m.ts.clock.Advance(time.Duration(m.rng.IntN(400)) * time.Second)
		return op{method: "GET", path: "/v1/health", actor: actor}
	}
}

// holdings is everything a user holds, as comparable words: platform permissions (from the
// catalogue pool), matrix actions per environment, tier capabilities per environment.
func holdings(pol *access.Policy, userID string, envs []string, now time.Time) map[string]bool {
	out := map[string]bool{}
	pr, ok := pol.Principal(userID)
	if !ok {
		return out
	}
	if pr.IsOwner() {
		out["owner"] = true
	}
	for _, perm := range platformPool {
		if pr.Has(perm) {
			out["platform:"+perm] = true
		}
	}
	for _, env := range envs {
		for _, a := range access.Actions() {
			if d, err := pol.Authorize(userID, env, a, "", now); err == nil && d.Allowed {
				out["env:"+env+":"+a] = true
			}
		}
		for _, c := range pol.SupportCapabilities(userID, env, now) {
			out["cap:"+env+":"+c] = true
		}
	}
	return out
}

// covered reports whether an actor holding held covers the word w.
func covered(held map[string]bool, w string) bool {
	switch {
	case held["owner"] || held[w]:
		return true
	case strings.HasPrefix(w, "cap:"):
		return held["platform:cluster.admin"]
	case w == "platform:users.read":
		return held["platform:users.admin"]
	case w == "platform:groups.read":
		return held["platform:groups.admin"]
	}
	return false
}

func (m *model) allHoldings(pol *access.Policy, now time.Time) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, u := range m.users {
		out[u] = holdings(pol, u, m.envs, now)
	}
	return out
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (m *model) step(i int) {
	t := m.t
	o := m.next()
	token, ok := m.tokens[o.actor]
	if !ok {
		return
	}
	now := m.ts.clock.Now()
	before := m.allHoldings(m.ts.srv.pol(), now)
	dumpBefore := m.ts.storeDump()
	deniedBefore := m.refusals()
	where := fmt.Sprintf("seed %d step %d: %s %s by %s", m.seed, i, o.method, o.path, o.actor)

	var r response
	demotion := ""
	if o.body != nil && !m.isOwner(o.actor) && m.rng.IntN(4) == 0 {
		// In flight: the server has authenticated the request and run its route's check;
		// the actor is demoted before the body arrives. The invariants then hold against
		// the actor as it stands at commit time. (Owners are not demoted behind the
		// last-owner rule's back: the store-level demotion could leave none.)
		f, early := m.ts.tryStartRequest(o.method, o.path, token, o.body)
		r = early
		if f != nil {
			demotion = m.demote(o.actor)
			where += " (in flight: " + demotion + ")"
			now = m.ts.clock.Now()
			before = m.allHoldings(m.ts.srv.pol(), now)
			dumpBefore = m.ts.storeDump()
			deniedBefore = m.refusals()
			r = f.finish()
		}
	} else {
		r = m.ts.do(o.method, o.path, token, o.body)
	}
	m.statuses[fmt.Sprintf("%s %d", o.method, r.status)]++
	if r.status >= 500 {
		t.Fatalf("%s: %d %s", where, r.status, r.body)
	}
	if (demotion == "token revoked" || demotion == "user deleted") && r.status != 401 {
		t.Fatalf("%s: answered %d after the actor's %s, want 401: %s", where, r.status, demotion, r.body)
	}
	if r.status == 401 && demotion == "" {
		t.Fatalf("%s: 401 with a working token: %s", where, r.body)
	}
	m.learn(o, r)

	// A refusal by the rules is audited and changes nothing.
	if r.status == 401 || r.status == 403 || r.status == 409 || (r.status == 422 && isRuleCode(r)) {
		if got := m.ts.storeDump(); got != dumpBefore {
			t.Fatalf("%s: refused with %d but the store changed", where, r.status)
		}
		if r.status != 409 || isRuleCode(r) {
			if n := m.refusals(); n != deniedBefore+1 {
				t.Fatalf("%s: refused with %d (%s) but %d refusals were audited", where, r.status, r.body, n-deniedBefore)
			}
		}
	}

	now = m.ts.clock.Now()
	pol := m.ts.srv.pol()
	fresh := m.freshPolicy()
	after := m.allHoldings(pol, now)

	// The in-memory snapshot decides exactly as the store's.
	for _, u := range m.users {
		if !mapsEqual(after[u], holdings(fresh, u, m.envs, now)) {
			t.Fatalf("%s: the snapshot and the store disagree about %s", where, u)
		}
	}
	// POST /v1/authorize agrees with the engine.
	for range 3 {
		u, env, a := m.pick(m.users), m.pick(m.envs), m.pick(access.Actions())
		if m.rng.IntN(2) == 0 {
			a = access.AllCapabilities()[m.rng.IntN(len(access.AllCapabilities()))].Name
		}
		var got api.AuthorizeResponse
		if r := m.ts.do("POST", "/v1/authorize", ownerToken, api.AuthorizeRequest{PrincipalID: u, EnvironmentID: env, Action: a, Resource: "aw_x"}); r.status == 200 {
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatal(err)
			}
			want, _ := pol.Authorize(u, env, a, "aw_x", now)
			if got.Allowed != want.Allowed {
				t.Fatalf("%s: authorize %s %s %s = %v, engine %v", where, u, env, a, got.Allowed, want.Allowed)
			}
		}
	}
	// Nobody gains what the actor did not hold.
	if r.status/100 == 2 && (o.grants || o.mint != "") {
		actor := before[o.actor]
		for u, held := range after {
			for w := range held {
				if before[u][w] {
					continue
				}
				if !covered(actor, w) {
					t.Fatalf("%s: %s gained %q, which the actor did not hold", where, u, w)
				}
			}
		}
		if o.mint != "" && o.mint != o.actor {
			for w := range before[o.mint] {
				if !covered(actor, w) {
					t.Fatalf("%s: a token for %s, who holds %q, minted by an actor who does not", where, o.mint, w)
				}
			}
		}
	}
	// A break-glass revoke leaves the vendors it names no capability in its environment.
	if r.status == 200 && o.revoke != "" {
		body, _ := o.body.(api.VendorAccessRevoke)
		only := body.UserID
		for u, held := range after {
			for w := range held {
				if (only == "" || only == u) && strings.HasPrefix(w, "cap:"+o.revoke+":") {
					t.Fatalf("%s: %s still holds %q after the revoke", where, u, w)
				}
			}
		}
	}
	m.checkStore(where, now)
}

// demote takes something from user while one of its requests is in flight, straight
// through the store (as an administrator elsewhere would, unhindered by the model's own
// principals): its token, its user, one of its direct roles, or its groups. It says what.
func (m *model) demote(user string) string {
	m.t.Helper()
	pol := m.ts.srv.pol()
	now := m.ts.clock.Now()
	var what string
	err := m.ts.srv.update(m.t.Context(), func(tx Tx) error {
		switch m.rng.IntN(4) {
		case 0:
			what = "token revoked"
			t, ok := pol.TokenByHash(hashToken(m.tokens[user]), now)
			if !ok {
				return fmt.Errorf("no token for %s", user)
			}
			return tx.DeleteToken(t.ID)
		case 1:
			what = "user deleted"
			return tx.DeleteUser(user, now)
		case 2:
			what = "roles taken"
			as, err := tx.AllAssignments()
			for _, a := range as {
				if err == nil && a.UserID == user {
					err = tx.DeleteAssignment(a.ID)
				}
			}
			return err
		default:
			what = "groups left"
			gs, _, err := tx.Groups("", Page{})
			for _, g := range gs {
				if err == nil && slices.Contains(g.Members, user) {
					g.Members = slices.DeleteFunc(slices.Clone(g.Members), func(id string) bool { return id == user })
					bump(&g.Meta, now)
					err = tx.UpdateGroup(g)
				}
			}
			return err
		}
	})
	if err != nil {
		m.t.Fatalf("demote %s: %v", user, err)
	}
	switch what {
	case "token revoked":
		m.tokens[user] = m.mintModelToken(user)
	case "user deleted":
		m.users = slices.DeleteFunc(m.users, func(u string) bool { return u == user })
		delete(m.tokens, user)
	}
	return what
}

func (m *model) isOwner(user string) bool {
	pr, ok := m.ts.srv.pol().Principal(user)
	return ok && pr.IsOwner()
}

// mintModelToken gives user a token straight through the store, for the model's own
// bookkeeping.
func (m *model) mintModelToken(user string) string {
	m.t.Helper()
	secret := "model-" + newID("tok")
	err := m.ts.srv.update(m.t.Context(), func(tx Tx) error {
		return tx.InsertToken(TokenRecord{Token: api.Token{ID: newID("tok"), UserID: user, Name: "model", CreatedAt: m.ts.clock.Now()}, Hash: hashToken(secret)})
	})
	if err != nil {
		m.t.Fatal(err)
	}
	return secret
}

// refusals counts the audited refusals, read from the store (the owner's token may be gone).
func (m *model) refusals() int {
	n := 0
	err := m.ts.srv.store.View(m.t.Context(), func(tx Tx) error {
		evs, _, err := tx.AuditEvents(AuditFilter{}, Page{})
		for _, e := range evs {
			if e.Action == "request.denied" {
				n++
			}
		}
		return err
	})
	if err != nil {
		m.t.Fatal(err)
	}
	return n
}

// isRuleCode reports whether a problem came from the engine's rules (not from validation).
func isRuleCode(r response) bool {
	var p api.Problem
	_ = json.Unmarshal(r.body, &p)
	switch p.Code {
	case access.CodeForbidden, access.CodeLastOwner, access.CodeVendorNoRoles, access.CodeVendorNoGroups,
		access.CodeSelfApproval, access.CodeBuiltinRole, access.CodeNotVendor, access.CodeSupportInactive, access.CodeTierAboveCeiling:
		return true
	}
	return false
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func (m *model) freshPolicy() *access.Policy {
	var pol *access.Policy
	err := m.ts.srv.store.View(m.t.Context(), func(tx Tx) error {
		var err error
		pol, _, err = loadPolicy(tx)
		return err
	})
	if err != nil {
		m.t.Fatal(err)
	}
	return pol
}

// checkStore checks the invariants the store itself must show.
func (m *model) checkStore(where string, now time.Time) {
	t := m.t
	err := m.ts.srv.store.View(t.Context(), func(tx Tx) error {
		reqs, _, err := tx.AccessRequests(AccessRequestFilter{}, Page{})
		if err != nil {
			return err
		}
		for _, r := range reqs {
			if r.DecidedBy == r.RequesterID && r.Status == access.RequestApproved {
				t.Fatalf("%s: request %s approved by its requester", where, r.ID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	pol := m.freshPolicy()
	if !pol.HasUsableOwner(now) {
		t.Fatalf("%s: no usable owner is left", where)
	}
	// No vendor capability above the current ceiling or past expiry.
	for _, u := range m.users {
		for _, env := range m.envs {
			caps := pol.SupportCapabilities(u, env, now)
			if len(caps) == 0 {
				continue
			}
			var sa api.SupportAccess
			err := m.ts.srv.store.View(t.Context(), func(tx Tx) error {
				var err error
				sa, err = tx.SupportAccess(env)
				return err
			})
			if err != nil {
				t.Fatalf("%s: %s holds %v in %s without support access (%v)", where, u, caps, env, err)
			}
			sa = m.ts.srv.supportView(sa)
			for _, c := range caps {
				if sa.Status != access.StatusActive || !slices.Contains(sa.Capabilities, c) {
					t.Fatalf("%s: %s holds %s in %s above the ceiling %+v", where, u, c, env, sa)
				}
			}
		}
	}
}

// learn records the ids a successful call created, and a token for every new user.
func (m *model) learn(o op, r response) {
	if r.status != 201 && r.status != 200 && r.status != 204 {
		return
	}
	var obj struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	_ = json.Unmarshal(r.body, &obj)
	switch {
	case o.path == "/v1/users" && o.method == "POST":
		m.users = append(m.users, obj.ID)
		// Straight to the store: the model's own bookkeeping must not depend on who is still
		// an owner.
		m.tokens[obj.ID] = m.mintModelToken(obj.ID)
	case o.path == "/v1/roles" && o.method == "POST":
		m.roles = append(m.roles, obj.ID)
	case o.path == "/v1/groups" && o.method == "POST":
		m.groups = append(m.groups, obj.ID)
	case o.path == "/v1/access-requests":
		m.reqs = append(m.reqs, obj.ID)
	case o.method == "DELETE" && strings.HasPrefix(o.path, "/v1/users/"):
		id := strings.TrimPrefix(o.path, "/v1/users/")
		m.users = slices.DeleteFunc(m.users, func(u string) bool { return u == id })
		delete(m.tokens, id)
	case o.method == "DELETE" && strings.HasPrefix(o.path, "/v1/groups/"):
		id := strings.TrimPrefix(o.path, "/v1/groups/")
		m.groups = slices.DeleteFunc(m.groups, func(g string) bool { return g == id })
	}
}
