package apiserver

import (
	"context"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// Persistence lives in internal/store. The names below keep the handlers' spelling; they
// add nothing. Policy writes (grants, roles, users, ...) on a Tx are recorded by the store
// and accepted only in s.update (store.UpdatePolicy), which mirrors them into the snapshot.

type (
	Store               = store.Store
	Tx                  = store.Tx
	Page                = store.Page
	TokenRecord         = store.TokenRecord
	HeldRole            = store.HeldRole
	IdempotencyRecord   = store.IdempotencyRecord
	AccessRequestFilter = store.AccessRequestFilter
	AuditFilter         = store.AuditFilter
	ConflictError       = store.ConflictError
)

var (
	ErrNotFound      = store.ErrNotFound
	ErrInvalidCursor = store.ErrInvalidCursor
)

// IsPostgresURL reports whether a -db value names a PostgreSQL database.
func IsPostgresURL(db string) bool { return store.IsPostgresURL(db) }

// Backup writes a consistent copy of the SQLite database db to the new file to; see
// store.Backup. It refuses a destination that exists, and a PostgreSQL URL (use pg_dump).
func Backup(ctx context.Context, db, to string) error { return store.Backup(ctx, db, to) }

func openStore(ctx context.Context, db string, shared bool) (*store.DB, func() error, error) {
	return store.Open(ctx, db, shared)
}

func loadPolicy(tx Tx) (*access.Policy, int64, error) { return store.LoadPolicy(tx) }

func policyRole(r api.Role) access.Role                       { return store.PolicyRole(r) }
func policyGrant(g api.Grant) access.Grant                    { return store.PolicyGrant(g) }
func policyGroup(g api.Group) access.Group                    { return store.PolicyGroup(g) }
func policyUser(u api.User) access.User                       { return store.PolicyUser(u) }
func policyAssignment(a api.RoleAssignment) access.Assignment { return store.PolicyAssignment(a) }
func policySupport(a api.SupportAccess) access.SupportAccess  { return store.PolicySupport(a) }
func policyRequest(r api.AccessRequest) access.AccessRequest  { return store.PolicyRequest(r) }
