package store

import (
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is what differs between the SQL databases the store runs on; everything else
// (sql.go) is shared.
type dialect interface {
	// rebind turns the shared SQL's "?" placeholders into the database's own.
	rebind(query string) string
	// mapErr turns constraint failures into the store's typed errors.
	mapErr(err error) error
	// lockGeneration is appended to the generation read at the start of a write
	// transaction: where writers run in parallel (PostgreSQL), it takes the row lock that
	// serializes every write, so that decisions made in the transaction see a policy no other
	// writer can change before it commits.
	lockGeneration() string
	// skipLocked ends a subquery that claims outbox rows: where several writers claim at
	// once (PostgreSQL), rows another transaction has locked are skipped, not waited for.
	skipLocked() string
}

// dollarRebind numbers placeholders as PostgreSQL wants them ($1, $2, ...); the shared SQL
// has no "?" inside literals. Results are cached: the set of queries is small and fixed.
var rebound sync.Map

func dollarRebind(q string) string {
	if v, ok := rebound.Load(q); ok {
		if out, ok := v.(string); ok {
			return out
		}
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	out := b.String()
	rebound.Store(q, out)
	return out
}

// SQLite.

type sqliteDialect struct{}

func (sqliteDialect) rebind(q string) string { return q }
func (sqliteDialect) lockGeneration() string { return "" } // the write connection is the lock
func (sqliteDialect) skipLocked() string     { return "" }

// mapErr turns SQLite constraint failures into the store's typed errors.
func (sqliteDialect) mapErr(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code() != sqlite3.SQLITE_CONSTRAINT_UNIQUE {
		return err
	}
	// The code says which failure; only the message says which column ("UNIQUE constraint
	// failed: table.column"). Only single-column uniqueness on name or email is a field
	// the client can change.
	_, rest, _ := strings.Cut(se.Error(), "UNIQUE constraint failed: ")
	if j := strings.IndexAny(rest, " ,)"); j >= 0 {
		rest = rest[:j]
	}
	table, col, _ := strings.Cut(rest, ".")
	switch col {
	case "name", "email":
	case "id":
		if table != "users" { // only a user's id is a client's choice
			col = ""
		}
	case "email_fold": // e-mails are unique whatever their case
		col = "email"
	default:
		col = ""
	}
	return &ConflictError{Field: col}
}

// PostgreSQL.

type postgresDialect struct{}

func (postgresDialect) rebind(q string) string { return dollarRebind(q) }
func (postgresDialect) lockGeneration() string { return " FOR UPDATE" }
func (postgresDialect) skipLocked() string     { return " FOR UPDATE SKIP LOCKED" }

// uniqueFields maps the unique constraints a client can resolve to the field at fault.
var uniqueFields = map[string]string{
	"environments_name_key": "name",
	"users_id_key":          "id", // a user's id may be the client's choice
	"users_email_key":       "email",
	"users_email_fold_key":  "email", // e-mails are unique whatever their case
	"user_groups_name_key":  "name",
	"roles_name_key":        "name",
}

// mapErr maps by SQLSTATE, never by message text.
func (postgresDialect) mapErr(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" { // unique_violation
		return &ConflictError{Field: uniqueFields[pe.ConstraintName]}
	}
	return err
}
