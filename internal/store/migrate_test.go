package store

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/pgtest"
)

// dialects are the stores the migration tests run on, both in every run.
var dialects = []struct {
	name, driver string
	d            dialect
	ms           []migration
	db           func(*testing.T) string
}{
	{"sqlite", "sqlite", sqliteDialect{}, sqliteMigrations, func(t *testing.T) string { return filepath.Join(t.TempDir(), "warden.db") }},
	{"postgres", "pgx", postgresDialect{}, postgresMigrations, func(t *testing.T) string { return pgtest.URL(t) }},
}

// Each list is numbered 1, 2, 3, ... in order, with a name for each: the number is what
// schema_migrations records.
func TestMigrations_numberedAndNamed(t *testing.T) {
	for _, dl := range dialects {
		names := map[string]bool{}
		for i, m := range dl.ms {
			if m.Version != i+1 {
				t.Errorf("%s: migration %d (%s) at position %d: the versions must run 1, 2, 3, ...", dl.name, m.Version, m.Name, i+1)
			}
			if m.Name == "" || names[m.Name] {
				t.Errorf("%s: migration %d: name %q is empty or repeated", dl.name, m.Version, m.Name)
			}
			names[m.Name] = true
		}
	}
}

// oldDatabase is a database as the code before named migrations left it after applying the
// first n of its migrations: each statement run in turn and recorded by its position
// (version i+1) at a fixed, old instant, with a user stored after the first.
func oldDatabase(t *testing.T, driver, db string, ms []migration, n int) {
	t.Helper()
	conn, err := sql.Open(driver, db)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	if _, err := conn.ExecContext(t.Context(), `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := conn.ExecContext(t.Context(), ms[i].SQL); err != nil {
			t.Fatalf("statement %d: %v", i+1, err)
		}
		if _, err := conn.ExecContext(t.Context(), fmt.Sprintf(`INSERT INTO schema_migrations (version, applied_at) VALUES (%d, '2000-01-01T00:00:00Z')`, i+1)); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if _, err := conn.ExecContext(t.Context(), `INSERT INTO users (id, version, created_at, updated_at, email, name, kind)
				VALUES ('usr_old', 1, '2000-01-01T00:00:00Z', '2000-01-01T00:00:00Z', 'old@example.com', 'Old', 'member')`); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A database whose migrations were recorded by position opens at every point of its
// history: the recorded ones are not run again (their records keep their old instant), the
// rest are applied and recorded, and its rows are kept.
func TestMigrations_databaseOfPositionalVersionsOpens(t *testing.T) {
	for _, dl := range dialects {
		for n := 1; n <= len(dl.ms); n++ {
			t.Run(fmt.Sprintf("%s/%d", dl.name, n), func(t *testing.T) {
				t.Parallel()
				db := dl.db(t)
				oldDatabase(t, dl.driver, db, dl.ms, n)
				for range 2 { // and opens again once up to date
					st, unlock, err := Open(t.Context(), db, false)
					if err != nil {
						t.Fatalf("open a database migrated to %d of %d by position: %v", n, len(dl.ms), err)
					}
					var users []string
					var old, applied int
					err = st.View(t.Context(), func(tx Tx) error {
						us, _, err := tx.Users("OLD@example.com", Page{})
						for _, u := range us {
							users = append(users, u.ID)
						}
						if err != nil {
							return err
						}
						t, ok := tx.(*sqlTx)
						if !ok {
							return fmt.Errorf("tx is %T", tx)
						}
						if err := t.queryRow(`SELECT COUNT(*) FROM schema_migrations WHERE version <= ? AND applied_at = '2000-01-01T00:00:00Z'`, n).Scan(&old); err != nil {
							return err
						}
						return t.queryRow(`SELECT COUNT(*) FROM schema_migrations WHERE version BETWEEN 1 AND ?`, len(dl.ms)).Scan(&applied)
					})
					err = errors.Join(err, st.Close(), unlock())
					if err != nil {
						t.Fatal(err)
					}
					if fmt.Sprint(users) != "[usr_old]" || old != n || applied != len(dl.ms) {
						t.Fatalf("users %v, %d of %d old records kept, %d of %d migrations recorded", users, old, n, applied, len(dl.ms))
					}
				}
			})
		}
	}
}

// The decisions written before the log's table was made leaner are read back the same after
// it, and new ones follow them.
func TestMigrations_decisionsKeptByTheLeanerTable(t *testing.T) {
	for _, dl := range dialects {
		t.Run(dl.name, func(t *testing.T) {
			t.Parallel()
			before := slices.IndexFunc(dl.ms, func(m migration) bool { return m.Name == "authorization_decisions, leaner" })
			if before < 0 {
				t.Fatal("no migration named \"authorization_decisions, leaner\"")
			}
			db := dl.db(t)
			oldDatabase(t, dl.driver, db, dl.ms, before)
			conn, err := sql.Open(dl.driver, db)
			if err != nil {
				t.Fatal(err)
			}
			at := time.Date(2026, 11, 30, 12, 0, 0, 123456789, time.UTC)
			_, err = conn.ExecContext(t.Context(), dl.d.rebind(`INSERT INTO authorization_decisions (id, at_unix_nano, at, principal_id,
				principal_kind, environment_id, action, resource, allowed, reason, via, access_request_id, asked_by, request_id, sample_rate)
				VALUES ('dec_old', ?, ?, 'usr_v', 'vendor', 'env_p', 'operator.reboot_host', 'aw_h', ?, 'Approved.',
				'{"permission":"operator.reboot_host","access_request_id":"arq_1","tier":"operator"}', 'arq_1', 'usr_o', 'req_1', 1)`),
				at.UnixNano(), at.Format(time.RFC3339Nano), true)
			err = errors.Join(err, conn.Close())
			if err != nil {
				t.Fatal(err)
			}
			st, unlock, err := Open(t.Context(), db, false)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = errors.Join(st.Close(), unlock()) }()
			later := api.AuthorizationDecision{ID: "dec_new", At: at.Add(time.Second), PrincipalID: "usr_v", PrincipalKind: "vendor",
				EnvironmentID: "env_p", Action: "operator.reboot_host", Resource: "db1", Reason: "Denied.", AskedBy: "usr_o", RequestID: "req_2", SampleRate: 1}
			if err := st.Update(t.Context(), func(tx Tx) error { return tx.InsertDecisions([]api.AuthorizationDecision{later}) }); err != nil {
				t.Fatal(err)
			}
			var got []api.AuthorizationDecision
			err = st.View(t.Context(), func(tx Tx) error {
				var err error
				got, _, err = tx.Decisions(DecisionFilter{PrincipalID: "usr_v"}, Page{})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			old := api.AuthorizationDecision{ID: "dec_old", At: at, PrincipalID: "usr_v", PrincipalKind: "vendor", EnvironmentID: "env_p",
				Action: "operator.reboot_host", Resource: "aw_h", Allowed: true, Reason: "Approved.", AskedBy: "usr_o", RequestID: "req_1", SampleRate: 1,
				Via: &api.Via{Permission: "operator.reboot_host", AccessRequestID: "arq_1", Tier: "operator"}}
			if want := []api.AuthorizationDecision{later, old}; !reflect.DeepEqual(got, want) {
				t.Fatalf("decisions newest first:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}
