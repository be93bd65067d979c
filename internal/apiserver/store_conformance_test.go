package apiserver

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/pgtest"
)

// The store conformance suite: what every Store must do, run against SQLite and PostgreSQL
// alike. The HTTP tests then run on either (WARDEN_TEST_STORE), but this suite pins the
// contract at the Tx level.

func TestStore_sqlite(t *testing.T) {
	t.Parallel()
	storeSuite(t, func(t *testing.T) Store {
		st, err := openSQLite(t.Context(), filepath.Join(t.TempDir(), "warden.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	})
}

func TestStore_postgres(t *testing.T) {
	t.Parallel()
	storeSuite(t, func(t *testing.T) Store {
		st, err := openPostgres(t.Context(), pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	})
}

func storeSuite(t *testing.T, open func(*testing.T) Store) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 123456789, time.UTC)
	meta := func(prefix string, i int) api.Meta {
		return api.Meta{ID: fmt.Sprintf("%s_%d", prefix, i), Version: 1, CreatedAt: now, UpdatedAt: now}
	}
	update := func(t *testing.T, st Store, fn func(Tx) error) {
		t.Helper()
		if err := st.Update(t.Context(), fn); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("entities round trip, unique names, pagination", func(t *testing.T) {
		st := open(t)
		update(t, st, func(tx Tx) error {
			for i := range 5 {
				if err := tx.InsertEnvironment(api.Environment{Meta: meta("env", i), Name: fmt.Sprintf("e%d", i), Cloud: "gcp", ResourcePrefix: "aw_"}); err != nil {
					return err
				}
			}
			return nil
		})
		err := st.Update(t.Context(), func(tx Tx) error {
			return tx.InsertEnvironment(api.Environment{Meta: meta("env", 9), Name: "e1", Cloud: "aws", ResourcePrefix: "aw_"})
		})
		var ce *ConflictError
		if !errors.As(err, &ce) || ce.Field != "name" {
			t.Fatalf("duplicate name: %v", err)
		}
		var all []string
		cursor := ""
		for {
			var page []api.Environment
			if err := st.View(t.Context(), func(tx Tx) error {
				var err error
				page, cursor, err = tx.Environments("", Page{Limit: 2, Cursor: cursor})
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
		if err := st.View(t.Context(), func(tx Tx) error {
			e, err := tx.Environment("env_3")
			if err != nil || !e.CreatedAt.Equal(now) || e.Name != "e3" {
				return fmt.Errorf("read back %+v: %w", e, err)
			}
			if _, err := tx.Environment("env_missing"); !errors.Is(err, ErrNotFound) {
				return fmt.Errorf("missing: %w", err)
			}
			_, _, err = tx.Environments("", Page{Limit: 2, Cursor: "not-a-cursor"})
			if !errors.Is(err, ErrInvalidCursor) {
				return fmt.Errorf("bad cursor: %w", err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("cascades, flags, sets and times", func(t *testing.T) {
		st := open(t)
		exp := now.Add(time.Hour)
		update(t, st, func(tx Tx) error {
			return errors.Join(
				tx.InsertEnvironment(api.Environment{Meta: meta("env", 1), Name: "prod", Cloud: "gcp", ResourcePrefix: "aw_"}),
				tx.InsertUser(api.User{Meta: meta("usr", 1), Email: "a@example.com", Name: "A", Kind: "member"}),
				tx.InsertUser(api.User{Meta: meta("usr", 2), Email: "v@example.com", Name: "V", Kind: "vendor"}),
				tx.InsertToken(TokenRecord{Token: api.Token{ID: "tok_1", UserID: "usr_1", Name: "t", ExpiresAt: &exp, CreatedAt: now}, Hash: "h1"}),
				tx.InsertGroup(api.Group{Meta: meta("grp", 1), Name: "g", Members: []string{"usr_1"}}),
				tx.InsertRole(api.Role{Meta: meta("role", 1), Name: "r", Permissions: []string{"users.read"}}),
				tx.InsertAssignment(api.RoleAssignment{Meta: meta("asg", 1), RoleID: "role_1", GroupID: "grp_1"}),
				tx.InsertGrant(api.Grant{Meta: meta("grt", 1), RoleID: "role_1", EnvironmentID: "env_1", Permissions: []string{"ops"}}),
				tx.InsertSupportAccess(api.SupportAccess{Meta: meta("sup", 1), EnvironmentID: "env_1", Tier: "operator", PortForwarding: true, ExpiresAt: &exp}),
				tx.InsertAccessRequest(api.AccessRequest{Meta: meta("arq", 1), EnvironmentID: "env_1", RequesterID: "usr_2", Tier: "support", DurationSeconds: 60, Status: "pending"}),
			)
		})
		if err := st.View(t.Context(), func(tx Tx) error {
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
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		update(t, st, func(tx Tx) error { return errors.Join(tx.DeleteUser("usr_1", now), tx.DeleteEnvironment("env_1")) })
		if err := st.View(t.Context(), func(tx Tx) error {
			g, err := tx.Group("grp_1")
			if err != nil || len(g.Members) != 0 || g.Version != 2 {
				return fmt.Errorf("group after its member's deletion %+v: %w", g, err)
			}
			if _, err := tx.TokenByHash("h1"); !errors.Is(err, ErrNotFound) {
				return fmt.Errorf("token of a deleted user: %w", err)
			}
			if gs, err := tx.AllGrants(); err != nil || len(gs) != 0 {
				return fmt.Errorf("grants of a deleted environment %v: %w", gs, err)
			}
			if rs, _, err := tx.AccessRequests(AccessRequestFilter{}, Page{}); err != nil || len(rs) != 0 {
				return fmt.Errorf("requests of a deleted environment %v: %w", rs, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("idempotency, audit filters, generation", func(t *testing.T) {
		st := open(t)
		update(t, st, func(tx Tx) error {
			return errors.Join(
				tx.InsertIdempotency("usr_1", "k", IdempotencyRecord{RequestHash: "h", Status: 201, Body: []byte(`{"id":"x"}`), CreatedAt: now}),
				tx.InsertAuditEvent(api.AuditEvent{ID: "evt_1", At: now, ActorID: "usr_1", Action: "a", ObjectType: "o", ObjectID: "x", EnvironmentID: "env_1"}),
				tx.InsertAuditEvent(api.AuditEvent{ID: "evt_2", At: now.Add(time.Hour), ActorID: "usr_2", Action: "a", ObjectType: "o", ObjectID: "y"}),
			)
		})
		if err := st.View(t.Context(), func(tx Tx) error {
			r, err := tx.Idempotency("usr_1", "k", now.Add(-time.Minute))
			if err != nil || string(r.Body) != `{"id":"x"}` || r.Status != 201 {
				return fmt.Errorf("idempotency %+v: %w", r, err)
			}
			if _, err := tx.Idempotency("usr_1", "k", now.Add(time.Minute)); !errors.Is(err, ErrNotFound) {
				return fmt.Errorf("expired record: %w", err)
			}
			for _, c := range []struct {
				f    AuditFilter
				want int
			}{
				{AuditFilter{}, 2}, {AuditFilter{ActorID: "usr_2"}, 1}, {AuditFilter{EnvironmentID: "env_1"}, 1},
				{AuditFilter{Since: timePtr(now.Add(time.Minute))}, 1}, {AuditFilter{Until: &now}, 1},
				{AuditFilter{Since: timePtr(time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC))}, 0},
				{AuditFilter{Until: &time.Time{}}, 0}, {AuditFilter{Since: &time.Time{}}, 2},
			} {
				evs, _, err := tx.AuditEvents(c.f, Page{})
				if err != nil || len(evs) != c.want {
					return fmt.Errorf("audit %+v: %d events, want %d: %w", c.f, len(evs), c.want, err)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		var n int64
		update(t, st, func(tx Tx) error {
			var err error
			n, err = tx.PruneIdempotency(now.Add(time.Minute))
			return err
		})
		if n != 1 {
			t.Fatalf("pruned %d", n)
		}
	})

	t.Run("concurrent writers serialize on the generation", func(t *testing.T) {
		st := open(t)
		const writers, each = 8, 10
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					err := st.Update(context.Background(), func(tx Tx) error {
						if _, err := tx.Generation(); err != nil {
							return err
						}
						if err := tx.InsertRole(api.Role{Meta: meta("role", w*100+i), Name: fmt.Sprintf("r%d-%d", w, i)}); err != nil {
							return err
						}
						_, err := tx.BumpGeneration()
						return err
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
		if err := st.View(t.Context(), func(tx Tx) error {
			g, err := tx.Generation()
			if err != nil || g != writers*each {
				return fmt.Errorf("generation %d after %d writes: %w", g, writers*each, err)
			}
			roles, _, err := tx.Roles("", Page{})
			if err != nil || len(roles) != writers*each+2 {
				return fmt.Errorf("%d roles: %w", len(roles), err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}
