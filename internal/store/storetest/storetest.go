// Package storetest is the store conformance suite: what every store.Store must do, one
// exported TestXxx function per behaviour, run on SQLite and PostgreSQL alike by
// internal/store's tests (RunAll). The API server's HTTP tests then run on either
// (WARDEN_TEST_STORE), but this suite pins the contract at the Tx level.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// Open makes a fresh store for one test, closed when the test ends.
type Open func(t *testing.T) store.Store

// RunAll runs every behaviour of the suite on the stores open makes, each as a parallel
// subtest named for its function.
func RunAll(t *testing.T, open Open) {
	for _, c := range []struct {
		name string
		test func(*testing.T, Open)
	}{
		{"EntitiesRoundTrip", TestEntitiesRoundTrip},
		{"CascadesFlagsSetsAndTimes", TestCascadesFlagsSetsAndTimes},
		{"IdempotencyAuditFilters", TestIdempotencyAuditFilters},
		{"ConcurrentWritersSerialize", TestConcurrentWritersSerialize},
		{"PolicyWritesRecorded", TestPolicyWritesRecorded},
		{"GenerationBumpsOnlyWhenRecorded", TestGenerationBumpsOnlyWhenRecorded},
		{"PolicyWritesOnlyInUpdatePolicy", TestPolicyWritesOnlyInUpdatePolicy},
		{"AlertCredentials", TestAlertCredentials},
		{"AlertsRoundTrip", TestAlertsRoundTrip},
		{"AlertOutbox", TestAlertOutbox},
		{"AlertLeasesExclusive", TestAlertLeasesExclusive},
		{"AlertBatches", TestAlertBatches},
		{"DecisionLog", TestDecisionLog},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.test(t, open)
		})
	}
}

var now = time.Date(2026, 11, 30, 12, 0, 0, 123456789, time.UTC)

func meta(prefix string, i int) api.Meta {
	return api.Meta{ID: fmt.Sprintf("%s_%d", prefix, i), Version: 1, CreatedAt: now, UpdatedAt: now}
}

func timePtr(t time.Time) *time.Time { return &t }

// update runs fn in st.UpdatePolicy, failing the test on an error.
func update(t *testing.T, st store.Store, fn func(store.Tx) error) store.Commit {
	t.Helper()
	c, err := st.UpdatePolicy(t.Context(), fn)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// write runs fn in st.Update (writes that change no policy), failing the test on an error.
func write(t *testing.T, st store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := st.Update(t.Context(), fn); err != nil {
		t.Fatal(err)
	}
}

// Entities round trip; names are unique; lists page in creation order; a missing object is
// store.ErrNotFound and a foreign cursor store.ErrInvalidCursor.
func TestEntitiesRoundTrip(t *testing.T, open Open) {
	st := open(t)
	update(t, st, func(tx store.Tx) error {
		for i := range 5 {
			if err := tx.InsertEnvironment(api.Environment{Meta: meta("env", i), Name: fmt.Sprintf("e%d", i), Cloud: "gcp", ResourcePrefix: "aw_"}); err != nil {
				return err
			}
		}
		return nil
	})
	_, err := st.UpdatePolicy(t.Context(), func(tx store.Tx) error {
		return tx.InsertEnvironment(api.Environment{Meta: meta("env", 9), Name: "e1", Cloud: "aws", ResourcePrefix: "aw_"})
	})
	var ce *store.ConflictError
	if !errors.As(err, &ce) || ce.Field != "name" {
		t.Fatalf("duplicate name: %v", err)
	}
	var all []string
	cursor := ""
	for {
		var page []api.Environment
		if err := st.View(t.Context(), func(tx store.Tx) error {
			var err error
			page, cursor, err = tx.Environments("", store.Page{Limit: 2, Cursor: cursor})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			all = append(all, e.Name)
		}
		if cursor == "" {
			break
		}
	}
	if fmt.Sprint(all) != "[e0 e1 e2 e3 e4]" {
		t.Fatalf("pages in creation order: %v", all)
	}
	if err := st.View(t.Context(), func(tx store.Tx) error {
		e, err := tx.Environment("env_3")
		if err != nil || !e.CreatedAt.Equal(now) || e.Name != "e3" {
			return fmt.Errorf("read back %+v: %w", e, err)
		}
		if _, err := tx.Environment("env_missing"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("missing: %w", err)
		}
		_, _, err = tx.Environments("", store.Page{Limit: 2, Cursor: "not-a-cursor"})
		if !errors.Is(err, store.ErrInvalidCursor) {
			return fmt.Errorf("bad cursor: %w", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Deletes cascade as the foreign keys say; flags, sets and times read back as written.
func TestCascadesFlagsSetsAndTimes(t *testing.T, open Open) {
	st := open(t)
	exp := now.Add(time.Hour)
	update(t, st, func(tx store.Tx) error {
		return errors.Join(
			tx.InsertEnvironment(api.Environment{Meta: meta("env", 1), Name: "prod", Cloud: "gcp", ResourcePrefix: "aw_"}),
			tx.InsertUser(api.User{Meta: meta("usr", 1), Email: "a@example.com", Name: "A", Kind: "member"}),
			tx.InsertUser(api.User{Meta: meta("usr", 2), Email: "v@example.com", Name: "V", Kind: "vendor"}),
			tx.InsertToken(store.TokenRecord{Token: api.Token{ID: "tok_1", UserID: "usr_1", Name: "t", ExpiresAt: &exp, CreatedAt: now}, Hash: "h1"}),
			tx.InsertGroup(api.Group{Meta: meta("grp", 1), Name: "g", Members: []string{"usr_1"}}),
			tx.InsertRole(api.Role{Meta: meta("role", 1), Name: "r", Permissions: []string{"users.read"}}),
			tx.InsertAssignment(api.RoleAssignment{Meta: meta("asg", 1), RoleID: "role_1", GroupID: "grp_1"}),
			tx.InsertGrant(api.Grant{Meta: meta("grt", 1), RoleID: "role_1", EnvironmentID: "env_1", Permissions: []string{"ops"}}),
			tx.InsertSupportAccess(api.SupportAccess{Meta: meta("sup", 1), EnvironmentID: "env_1", Tier: "operator", PortForwarding: true, ExpiresAt: &exp}),
			tx.InsertAccessRequest(api.AccessRequest{Meta: meta("arq", 1), EnvironmentID: "env_1", RequesterID: "usr_2", Tier: "support", DurationSeconds: 60, Status: "pending"}),
		)
	})
	if err := st.View(t.Context(), func(tx store.Tx) error {
		sa, err := tx.SupportAccess("env_1")
		if err != nil || !sa.PortForwarding || sa.ExpiresAt == nil || !sa.ExpiresAt.Equal(exp) {
			return fmt.Errorf("support access %+v: %w", sa, err)
		}
		held, err := tx.HeldRoles("usr_1")
		if err != nil || len(held) != 1 || held[0].GroupID != "grp_1" || held[0].Role.Permissions[0] != "users.read" {
			return fmt.Errorf("held %+v: %w", held, err)
		}
		tok, err := tx.TokenByHash("h1")
		if err != nil || tok.UserID != "usr_1" || !tok.ExpiresAt.Equal(exp) {
			return fmt.Errorf("token %+v: %w", tok, err)
		}
		if ts, err := tx.UserTokens("usr_1"); err != nil || len(ts) != 1 || ts[0].Name != "t" || !ts[0].ExpiresAt.Equal(exp) {
			return fmt.Errorf("usr_1's tokens %+v: %w", ts, err)
		}
		if ts, err := tx.UserTokens("usr_2"); err != nil || len(ts) != 0 {
			return fmt.Errorf("usr_2's tokens %+v: %w", ts, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	update(t, st, func(tx store.Tx) error {
		return errors.Join(tx.DeleteUser("usr_1", now), tx.DeleteEnvironment("env_1"))
	})
	if err := st.View(t.Context(), func(tx store.Tx) error {
		g, err := tx.Group("grp_1")
		if err != nil || len(g.Members) != 0 || g.Version != 2 {
			return fmt.Errorf("group after its member's deletion %+v: %w", g, err)
		}
		if _, err := tx.TokenByHash("h1"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("token of a deleted user: %w", err)
		}
		if gs, err := tx.AllGrants(); err != nil || len(gs) != 0 {
			return fmt.Errorf("grants of a deleted environment %v: %w", gs, err)
		}
		if rs, _, err := tx.AccessRequests(store.AccessRequestFilter{}, store.Page{}); err != nil || len(rs) != 0 {
			return fmt.Errorf("requests of a deleted environment %v: %w", rs, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Idempotency records expire by their creation instant; the audit log filters by actor,
// environment and time; pruning deletes the expired records.
func TestIdempotencyAuditFilters(t *testing.T, open Open) {
	st := open(t)
	write(t, st, func(tx store.Tx) error {
		return errors.Join(
			tx.InsertIdempotency("usr_1", "k", store.IdempotencyRecord{RequestHash: "h", Status: 201, Body: []byte(`{"id":"x"}`), CreatedAt: now}),
			tx.InsertAuditEvent(api.AuditEvent{ID: "evt_1", At: now, ActorID: "usr_1", Action: "a", ObjectType: "o", ObjectID: "x", EnvironmentID: "env_1"}),
			tx.InsertAuditEvent(api.AuditEvent{ID: "evt_2", At: now.Add(time.Hour), ActorID: "usr_2", Action: "a", ObjectType: "o", ObjectID: "y"}),
		)
	})
	if err := st.View(t.Context(), func(tx store.Tx) error {
		r, err := tx.Idempotency("usr_1", "k", now.Add(-time.Minute))
		if err != nil || string(r.Body) != `{"id":"x"}` || r.Status != 201 {
			return fmt.Errorf("idempotency %+v: %w", r, err)
		}
		if _, err := tx.Idempotency("usr_1", "k", now.Add(time.Minute)); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("expired record: %w", err)
		}
		for _, c := range []struct {
			f    store.AuditFilter
			want int
		}{
			{store.AuditFilter{}, 2}, {store.AuditFilter{ActorID: "usr_2"}, 1}, {store.AuditFilter{EnvironmentID: "env_1"}, 1},
			{store.AuditFilter{Since: timePtr(now.Add(time.Minute))}, 1}, {store.AuditFilter{Until: &now}, 1},
			{store.AuditFilter{Since: timePtr(time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC))}, 0},
			{store.AuditFilter{Until: &time.Time{}}, 0}, {store.AuditFilter{Since: &time.Time{}}, 2},
		} {
			evs, _, err := tx.AuditEvents(c.f, store.Page{})
			if err != nil || len(evs) != c.want {
				return fmt.Errorf("audit %+v: %d events, want %d: %w", c.f, len(evs), c.want, err)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var n int64
	write(t, st, func(tx store.Tx) error {
		var err error
		n, err = tx.PruneIdempotency(now.Add(time.Minute))
		return err
	})
	if n != 1 {
		t.Fatalf("pruned %d", n)
	}
}

// Concurrent writers serialize on the generation: each UpdatePolicy bumps it exactly once.
func TestConcurrentWritersSerialize(t *testing.T, open Open) {
	st := open(t)
	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				_, err := st.UpdatePolicy(context.Background(), func(tx store.Tx) error {
					if _, err := tx.Generation(); err != nil {
						return err
					}
					return tx.InsertRole(api.Role{Meta: meta("role", w*100+i), Name: fmt.Sprintf("r%d-%d", w, i)})
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := st.View(t.Context(), func(tx store.Tx) error {
		g, err := tx.Generation()
		if err != nil || g != writers*each {
			return fmt.Errorf("generation %d after %d writes: %w", g, writers*each, err)
		}
		roles, _, err := tx.Roles("", store.Page{})
		if err != nil || len(roles) != writers*each+2 {
			return fmt.Errorf("%d roles: %w", len(roles), err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// policyWrites is every policy write of store.Tx, in an order that each can run on what the
// ones before it left; updates pass the whole object, as handlers do (the mirror puts what it
// is given): a newcomer's method must join it (or nonPolicyWrites), or
// TestPolicyWritesRecorded fails.
var policyWrites = []struct {
	name  string
	write func(store.Tx) error
}{
	{"InsertEnvironment", func(tx store.Tx) error {
		return tx.InsertEnvironment(api.Environment{Meta: meta("env", 1), Name: "prod", Cloud: "gcp", ResourcePrefix: "aw_"})
	}},
	{"UpdateEnvironment", func(tx store.Tx) error {
		e := api.Environment{Meta: meta("env", 1), Name: "production", Cloud: "gcp", ResourcePrefix: "pr_"}
		e.Version = 2
		return tx.UpdateEnvironment(e)
	}},
	{"InsertUser", func(tx store.Tx) error {
		return tx.InsertUser(api.User{Meta: meta("usr", 1), Email: "a@example.com", Name: "A", Kind: "member"})
	}},
	{"UpdateUser", func(tx store.Tx) error {
		return tx.UpdateUser(api.User{Meta: meta("usr", 1), Email: "b@example.com", Name: "B", Kind: "member"})
	}},
	{"InsertToken", func(tx store.Tx) error {
		return tx.InsertToken(store.TokenRecord{Token: api.Token{ID: "tok_1", UserID: "usr_1", Name: "t", CreatedAt: now}, Hash: "h1"})
	}},
	{"InsertGroup", func(tx store.Tx) error {
		return tx.InsertGroup(api.Group{Meta: meta("grp", 1), Name: "g", Members: []string{"usr_1"}})
	}},
	{"UpdateGroup", func(tx store.Tx) error {
		return tx.UpdateGroup(api.Group{Meta: meta("grp", 1), Name: "h", Members: []string{}})
	}},
	{"InsertRole", func(tx store.Tx) error {
		return tx.InsertRole(api.Role{Meta: meta("role", 1), Name: "r", Permissions: []string{"users.read"}})
	}},
	{"UpdateRole", func(tx store.Tx) error {
		return tx.UpdateRole(api.Role{Meta: meta("role", 1), Name: "r", Permissions: []string{"users.read", "users.write"}})
	}},
	{"InsertAssignment", func(tx store.Tx) error {
		return tx.InsertAssignment(api.RoleAssignment{Meta: meta("asg", 1), RoleID: "role_1", UserID: "usr_1"})
	}},
	{"InsertGrant", func(tx store.Tx) error {
		return tx.InsertGrant(api.Grant{Meta: meta("grt", 1), RoleID: "role_1", EnvironmentID: "env_1", Permissions: []string{"ops"}})
	}},
	{"UpdateGrant", func(tx store.Tx) error {
		return tx.UpdateGrant(api.Grant{Meta: meta("grt", 1), RoleID: "role_1", EnvironmentID: "env_1", Permissions: []string{"ops", "deploy"}})
	}},
	{"InsertSupportAccess", func(tx store.Tx) error {
		return tx.InsertSupportAccess(api.SupportAccess{Meta: meta("sup", 1), EnvironmentID: "env_1", Tier: "operator", RequireApproval: true})
	}},
	{"UpdateSupportAccess", func(tx store.Tx) error {
		return tx.UpdateSupportAccess(api.SupportAccess{Meta: meta("sup", 1), EnvironmentID: "env_1", Tier: "support"})
	}},
	{"InsertAccessRequest", func(tx store.Tx) error {
		return tx.InsertAccessRequest(api.AccessRequest{Meta: meta("arq", 1), EnvironmentID: "env_1", RequesterID: "usr_1", Tier: "support", DurationSeconds: 60, Status: "pending"})
	}},
	{"UpdateAccessRequest", func(tx store.Tx) error {
		exp := now.Add(time.Minute)
		return tx.UpdateAccessRequest(api.AccessRequest{Meta: meta("arq", 1), EnvironmentID: "env_1", RequesterID: "usr_1", Tier: "support",
			DurationSeconds: 60, Status: "approved", DecidedBy: "usr_1", DecidedAt: &now, ExpiresAt: &exp})
	}},
	{"DeleteSupportAccess", func(tx store.Tx) error { return tx.DeleteSupportAccess("env_1") }},
	{"DeleteGrant", func(tx store.Tx) error { return tx.DeleteGrant("env_1", "role_1") }},
	{"DeleteAssignment", func(tx store.Tx) error { return tx.DeleteAssignment("asg_1") }},
	{"DeleteRole", func(tx store.Tx) error { return tx.DeleteRole("role_1") }},
	{"DeleteGroup", func(tx store.Tx) error { return tx.DeleteGroup("grp_1") }},
	{"DeleteToken", func(tx store.Tx) error { return tx.DeleteToken("tok_1") }},
	{"DeleteUser", func(tx store.Tx) error { return tx.DeleteUser("usr_1", now) }},
	{"DeleteEnvironment", func(tx store.Tx) error { return tx.DeleteEnvironment("env_1") }},
}

// nonPolicyWrites are the writes of store.Tx that change nothing the engine decides on.
var nonPolicyWrites = []string{"InsertAlertRouting", "UpdateAlertRouting", "InsertAlertCredentials", "UpdateAlertCredentials", "InsertAuditEvent", "InsertIdempotency", "PruneIdempotency",
	"InsertAlert", "PruneAlerts", "InsertDeliveries", "LeaseDeliveries", "FinishAttempts", "UpdateDelivery", "ReleaseLeases",
	"InsertDecisions", "PruneDecisions"}

func loadPolicy(t *testing.T, st store.Store) (*access.Policy, int64) {
	t.Helper()
	var p *access.Policy
	var gen int64
	if err := st.View(t.Context(), func(tx store.Tx) error {
		var err error
		p, gen, err = store.LoadPolicy(tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return p, gen
}

// Every policy write is recorded: each UpdatePolicy that makes one bumps the generation by
// one, and applying its Commit to the snapshot of before gives the snapshot read afresh.
// Every write method of store.Tx is either such a write or one that changes no policy.
func TestPolicyWritesRecorded(t *testing.T, open Open) {
	st := open(t)
	mirror, gen := loadPolicy(t, st)
	for _, w := range policyWrites {
		c := update(t, st, w.write)
		if !c.Changed() || c.Gen != gen+1 {
			t.Fatalf("%s: changed %v, generation %d after %d", w.name, c.Changed(), c.Gen, gen)
		}
		c.Apply(mirror)
		fresh, g := loadPolicy(t, st)
		if g != c.Gen {
			t.Fatalf("%s: store at generation %d, commit says %d", w.name, g, c.Gen)
		}
		if !reflect.DeepEqual(mirror, fresh) {
			t.Fatalf("%s: the mirrored snapshot differs from the store's:\n%+v\n%+v", w.name, mirror, fresh)
		}
		gen = c.Gen
	}

	var classified []string
	for _, w := range policyWrites {
		classified = append(classified, w.name)
	}
	classified = append(classified, nonPolicyWrites...)
	tx := reflect.TypeFor[store.Tx]()
	for i := range tx.NumMethod() {
		name := tx.Method(i).Name
		for _, verb := range []string{"Insert", "Update", "Delete", "Prune", "Bump", "Set", "Put"} {
			if strings.HasPrefix(name, verb) && !slices.Contains(classified, name) {
				t.Errorf("store.Tx.%s writes, but is neither a recorded policy write (policyWrites) nor named in nonPolicyWrites", name)
			}
		}
	}
}

// The generation moves exactly when a transaction recorded a policy write that committed.
func TestGenerationBumpsOnlyWhenRecorded(t *testing.T, open Open) {
	st := open(t)
	c := update(t, st, func(tx store.Tx) error {
		if _, err := tx.Generation(); err != nil {
			return err
		}
		return tx.InsertAuditEvent(api.AuditEvent{ID: "evt_1", At: now, ActorID: "usr_1", Action: "a", ObjectType: "o", ObjectID: "x"})
	})
	if c.Changed() || c.Gen != 0 {
		t.Fatalf("audit only: changed %v, generation %d", c.Changed(), c.Gen)
	}
	boom := errors.New("boom")
	c, err := st.UpdatePolicy(t.Context(), func(tx store.Tx) error {
		if err := policyWrites[0].write(tx); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || !c.Changed() {
		t.Fatalf("failed transaction: %v, changed %v (a caller must learn that something was recorded)", err, c.Changed())
	}
	c = update(t, st, policyWrites[0].write)
	if !c.Changed() || c.Gen != 1 {
		t.Fatalf("after a rollback, a policy write: changed %v, generation %d, want 1", c.Changed(), c.Gen)
	}
	if g, err := st.Generation(t.Context()); err != nil || g != 1 {
		t.Fatalf("generation %d: %v", g, err)
	}
}

// A policy write outside UpdatePolicy, which alone records it, fails with ErrPolicyWrite and
// writes nothing; the writes that change no policy work in Update.
func TestPolicyWritesOnlyInUpdatePolicy(t *testing.T, open Open) {
	st := open(t)
	for _, w := range policyWrites {
		if err := st.Update(t.Context(), w.write); !errors.Is(err, store.ErrPolicyWrite) {
			t.Errorf("%s in Update: %v, want ErrPolicyWrite", w.name, err)
		}
		if err := st.View(t.Context(), w.write); !errors.Is(err, store.ErrPolicyWrite) {
			t.Errorf("%s in View: %v, want ErrPolicyWrite", w.name, err)
		}
	}
	if err := st.View(t.Context(), func(tx store.Tx) error {
		envs, _, err := tx.Environments("", store.Page{})
		if err != nil || len(envs) != 0 {
			return fmt.Errorf("environments written outside UpdatePolicy %v: %w", envs, err)
		}
		g, err := tx.Generation()
		if err != nil || g != 0 {
			return fmt.Errorf("generation %d: %w", g, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	write(t, st, func(tx store.Tx) error {
		return tx.InsertAuditEvent(api.AuditEvent{ID: "evt_1", At: now, ActorID: "usr_1", Action: "a", ObjectType: "o", ObjectID: "x"})
	})
}

// An environment's alert credentials round trip (the previous signing secret and its expiry
// included), change in place, are unique by ingest key, and go with the environment.
func TestAlertCredentials(t *testing.T, open Open) {
	st := open(t)
	c := store.NewAlertCredentials("env_1", now)
	update(t, st, func(tx store.Tx) error {
		return errors.Join(
			tx.InsertEnvironment(api.Environment{Meta: meta("env", 1), Name: "prod", Cloud: "gcp", ResourcePrefix: "aw_"}),
			tx.InsertEnvironment(api.Environment{Meta: meta("env", 2), Name: "stage", Cloud: "gcp", ResourcePrefix: "aw_"}),
		)
	})
	write(t, st, func(tx store.Tx) error { return tx.InsertAlertCredentials(c) })
	rotated := c.WithNewSigningSecret(now.Add(time.Minute)).WithNewIngestKey(now.Add(time.Minute))
	write(t, st, func(tx store.Tx) error { return tx.UpdateAlertCredentials(rotated) })
	if err := st.View(t.Context(), func(tx store.Tx) error {
		got, err := tx.AlertCredentials("env_1")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, rotated) {
			return fmt.Errorf("credentials read back %+v, want %+v", got, rotated)
		}
		if _, err := tx.AlertCredentials("env_2"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("credentials never stored: %w", err)
		}
		if env, err := tx.IngestEnvironment(rotated.IngestKey); err != nil || env != "env_1" {
			return fmt.Errorf("the ingest key finds %q (%w)", env, err)
		}
		if _, err := tx.IngestEnvironment(c.IngestKey); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("a rotated ingest key still finds its environment: %w", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	clash := rotated
	clash.EnvironmentID = "env_2"
	if err := st.Update(t.Context(), func(tx store.Tx) error { return tx.InsertAlertCredentials(clash) }); err == nil {
		t.Fatal("two environments stored with one ingest key")
	}
	update(t, st, func(tx store.Tx) error { return tx.DeleteEnvironment("env_1") })
	if err := st.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.AlertCredentials("env_1")
		return err
	}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("credentials of a deleted environment: %v", err)
	}
}
