package store

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/pgtest"
)

// preEmailFold is a database of the selected store migrated up to, not including, the
// migration that adds email_fold, holding users with the given e-mails; it returns its -db.
func preEmailFold(t *testing.T, emails ...string) string {
	t.Helper()
	db := testDB(t)
	driver, ms, d := "sqlite", sqliteMigrations, dialect(sqliteDialect{})
	if pgtest.OnPostgres() {
		driver, ms, d = "pgx", postgresMigrations, postgresDialect{}
	}
	n := slices.IndexFunc(ms, func(m migration) bool { return strings.Contains(m.SQL, "email_fold") })
	if n < 0 {
		t.Fatal("no email_fold migration")
	}
	conn, err := sql.Open(driver, db)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	if err := applyMigrations(t.Context(), conn, d, ms[:n]); err != nil {
		t.Fatal(err)
	}
	for i, e := range emails {
		if _, err := conn.ExecContext(t.Context(), d.rebind(`INSERT INTO users (id, version, created_at, updated_at, email, name, kind)
			VALUES (?, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', ?, '', 'member')`), fmt.Sprintf("usr_old%d", i), e); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// The migration keys the users that predate it: afterwards they are found and kept unique
// whatever the case.
func TestIdentity_emailFoldMigration(t *testing.T) {
	db := preEmailFold(t, "Dana@Example.com", "erin@example.com")
	st, unlock, err := Open(t.Context(), db, false)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close(); _ = unlock() }()
	err = st.View(t.Context(), func(tx Tx) error {
		us, _, err := tx.Users("DANA@example.COM", Page{})
		if err != nil {
			return err
		}
		if len(us) != 1 || us[0].ID != "usr_old0" || us[0].Email != "Dana@Example.com" {
			t.Errorf("pre-existing user by another case: %+v", us)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	_, err = st.UpdatePolicy(t.Context(), func(tx Tx) error {
		return tx.InsertUser(api.User{Meta: api.Meta{ID: "usr_new", Version: 1, CreatedAt: now, UpdatedAt: now}, Email: "ERIN@example.com", Kind: "member"})
	})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Field != "email" {
		t.Fatalf("insert of a pre-existing e-mail in another case: %v, want a conflict on email", err)
	}
}

// Users that already differ only in case cannot both keep their e-mail: the store refuses
// to open and names them, rather than pick one.
func TestIdentity_emailFoldMigrationDuplicates(t *testing.T) {
	db := preEmailFold(t, "OWNER@warden.local", "fred@example.com", "owner@warden.local")
	st, unlock, err := Open(t.Context(), db, false)
	if err == nil {
		_ = st.Close()
		_ = unlock()
		t.Fatal("opened a store whose users' e-mails differ only in case")
	}
	requireContains(t, err.Error(), "usr_old0", `"OWNER@warden.local"`, "usr_old2", `"owner@warden.local"`, "differ only in case", "UPDATE users SET email")
	if strings.Contains(err.Error(), "fred") {
		t.Errorf("names a user without a clash: %v", err)
	}
}
