// Package store is Warden's persistence: the Store and Tx interfaces the API server writes
// and reads through, one set of SQL shared by SQLite and PostgreSQL behind a small dialect,
// each dialect's numbered migrations, and the recording of policy writes.
//
// The store speaks in the API's own wire types (computed fields such as a grant's
// allowed_actions or a support access's status are left for handlers to fill in), so that a
// second implementation (PostgreSQL) needs no mapping layer of its own.
//
// Every write that changes what the engine decides (environments, users, tokens, groups,
// roles, assignments, grants, support access, access requests) is recorded as the
// access.Policy mutation that mirrors it (record.go): the SQL writers themselves are
// unexported, so no code outside this package can change a policy row without its mirror.
// Only UpdatePolicy accepts such writes; it bumps the policy generation once when any was
// made and hands the recorded changes back (Commit) for the caller's snapshot.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// ErrNotFound is returned by a Tx when the object asked for does not exist.
var ErrNotFound = errors.New("not found")

// ErrInvalidCursor is returned by list methods when a page cursor was not made by this store.
var ErrInvalidCursor = errors.New("invalid cursor")

// ConflictError is returned by a Tx when a write would break a uniqueness rule. Field is the
// API field that must be unique (e.g. "name", "email"), or "" when the whole object clashes
// (a second grant for the same role and environment).
type ConflictError struct {
	Field string
}

func (e *ConflictError) Error() string {
	if e.Field == "" {
		return "conflict"
	}
	return "conflict on " + e.Field
}

// ErrPolicyWrite is returned by a policy write (Tx.InsertGrant, ...) made outside
// UpdatePolicy: in Update or View nobody would mirror it into a policy snapshot.
var ErrPolicyWrite = errors.New("a write that changes the policy must run in Store.UpdatePolicy")

// Store is everything the handlers need from persistence. Each Update, UpdatePolicy or View
// call is one transaction: either every write inside fn commits, or none does. Handlers never
// touch the database any other way.
type Store interface {
	// UpdatePolicy runs fn in one read-write transaction; fn's error rolls it back. Every
	// policy write fn makes is recorded; when there was any, the policy generation is bumped
	// once, in the transaction. The Commit holds the recorded changes and the generation
	// after the transaction; on an error it still tells whether anything was recorded
	// (Changed), since a failed commit may have happened.
	UpdatePolicy(ctx context.Context, fn func(Tx) error) (Commit, error)
	// Update runs fn in one read-write transaction for writes that change no policy (audit
	// events, idempotency records, alert routing, pruning); a policy write in it fails with
	// ErrPolicyWrite.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in one read-only transaction, so that every read inside fn sees the
	// same snapshot (authorization answers never mix an old grant with a new one).
	View(ctx context.Context, fn func(Tx) error) error
	// Generation reads the current policy generation (Tx.Generation) outside any
	// transaction: one round trip, for the read barrier of replicas.
	Generation(ctx context.Context) (int64, error)
	Close() error
}

// Commit is what one UpdatePolicy transaction changed in the policy.
type Commit struct {
	// Gen is the policy generation after the transaction: the bumped one when it recorded a
	// change, else the one it last read (Tx.Generation).
	Gen     int64
	changes []func(*access.Policy)
}

// Changed reports whether the transaction recorded a policy write.
func (c Commit) Changed() bool { return len(c.changes) > 0 }

// Apply makes the recorded changes to p, in the order they were made. The snapshot's
// mutators cascade exactly as the store's foreign keys do.
func (c Commit) Apply(p *access.Policy) {
	for _, f := range c.changes {
		f(p)
	}
}

// Page asks for one page of a collection. Cursor is opaque and store-specific; Limit <= 0
// means every row (used internally, never from a request).
type Page struct {
	Limit  int
	Cursor string
}

// TokenRecord is a stored API token: the wire token without its secret, plus the secret's hash.
type TokenRecord struct {
	api.Token
	Hash string
}

// HeldRole is a role a user holds, directly (GroupID "") or through a group.
type HeldRole struct {
	Role    api.Role
	GroupID string
}

// IdempotencyRecord remembers the first response (status and body; empty for a 204) to a
// change (POST, PUT, PATCH, DELETE) carrying an Idempotency-Key.
type IdempotencyRecord struct {
	RequestHash string
	Status      int
	Body        []byte
	CreatedAt   time.Time
}

// AccessRequestFilter narrows a list of access requests; empty fields match everything.
// Status is a stored status (pending, approved, denied, revoked).
type AccessRequestFilter struct {
	Status        string
	EnvironmentID string
	RequesterID   string
}

// AuditFilter narrows the audit log; empty strings and nil instants match everything (a
// non-nil instant is a bound, the zero instant included).
type AuditFilter struct {
	ActorID       string
	EnvironmentID string
	ObjectID      string
	Since, Until  *time.Time
}

// Tx is one transaction. Its methods are bound to the context the transaction began with.
// Insert and Update methods store the objects exactly as given (ids, versions and times are
// the handler's choice); getters return ErrNotFound; writes that break uniqueness return
// *ConflictError. List methods return the page and the cursor of the next one ("" at the end).
// The writes of environments, users, tokens, groups, roles, assignments, grants, support
// access and access requests are policy writes (record.go): recorded in UpdatePolicy,
// refused with ErrPolicyWrite elsewhere.
type Tx interface {
	CountUsers() (int, error)

	InsertEnvironment(e api.Environment) error
	Environment(id string) (api.Environment, error)
	Environments(name string, p Page) ([]api.Environment, string, error)
	UpdateEnvironment(e api.Environment) error
	// DeleteEnvironment also removes the environment's grants, support access, alert
	// routing, alert credentials and access requests.
	DeleteEnvironment(id string) error

	InsertUser(u api.User) error
	User(id string) (api.User, error)
	Users(email string, p Page) ([]api.User, string, error)
	UpdateUser(u api.User) error
	// DeleteUser also removes the user's tokens, group memberships (bumping those groups'
	// versions), role assignments and access requests.
	DeleteUser(id string, now time.Time) error

	InsertToken(t TokenRecord) error
	Token(userID, id string) (TokenRecord, error)
	TokenByHash(hash string) (TokenRecord, error)
	// UserTokens lists a user's tokens, oldest first (names and expiries for the review
	// page; the hash never leaves the server).
	UserTokens(userID string) ([]TokenRecord, error)
	DeleteToken(id string) error

	InsertGroup(g api.Group) error
	Group(id string) (api.Group, error)
	Groups(name string, p Page) ([]api.Group, string, error)
	// UpdateGroup also replaces the member set with g.Members.
	UpdateGroup(g api.Group) error
	DeleteGroup(id string) error

	InsertRole(r api.Role) error
	Role(id string) (api.Role, error)
	Roles(name string, p Page) ([]api.Role, string, error)
	UpdateRole(r api.Role) error
	DeleteRole(id string) error

	InsertAssignment(a api.RoleAssignment) error
	Assignment(roleID, id string) (api.RoleAssignment, error)
	Assignments(roleID string, p Page) ([]api.RoleAssignment, string, error)
	DeleteAssignment(id string) error
	// HeldRoles lists the roles a user holds directly and through each of its groups.
	HeldRoles(userID string) ([]HeldRole, error)
	// GroupRoles lists the roles assigned to a group (GroupID set to it).
	GroupRoles(groupID string) ([]HeldRole, error)

	InsertGrant(g api.Grant) error
	Grant(environmentID, roleID string) (api.Grant, error)
	Grants(environmentID string, p Page) ([]api.Grant, string, error)
	// RoleGrants lists every grant of one role, in every environment.
	RoleGrants(roleID string) ([]api.Grant, error)
	UpdateGrant(g api.Grant) error
	DeleteGrant(environmentID, roleID string) error

	InsertSupportAccess(a api.SupportAccess) error
	SupportAccess(environmentID string) (api.SupportAccess, error)
	UpdateSupportAccess(a api.SupportAccess) error
	DeleteSupportAccess(environmentID string) error

	InsertAlertRouting(r api.AlertRouting) error
	AlertRouting(environmentID string) (api.AlertRouting, error)
	UpdateAlertRouting(r api.AlertRouting) error

	// The alert credentials of an environment (alert_credentials.go); DeleteEnvironment
	// removes them.
	InsertAlertCredentials(c AlertCredentialsRecord) error
	AlertCredentials(environmentID string) (AlertCredentialsRecord, error)
	UpdateAlertCredentials(c AlertCredentialsRecord) error
	// IngestEnvironment finds the environment an ingest key belongs to.
	IngestEnvironment(key string) (string, error)

	// Received alerts and their outbox of deliveries (alerts.go); none is a policy write.
	InsertAlert(a api.Alert) error
	DuplicateAlert(envID, dedupKey, status string, startsAt, since time.Time) (api.Alert, error)
	LastAlert(envID, dedupKey string) (api.Alert, error)
	Alert(envID, id string) (api.Alert, error)
	Alerts(f AlertFilter, p Page) ([]api.Alert, string, error)
	PruneAlerts(before time.Time) (int64, error)
	InsertDeliveries(lease Lease, ds []api.AlertDelivery) error
	// Delivery and Deliveries fill in the attempts, oldest first.
	Delivery(envID, id string) (api.AlertDelivery, error)
	Deliveries(f DeliveryFilter, p Page) ([]api.AlertDelivery, string, error)
	LeaseDeliveries(owner string, now, until time.Time, limit int) ([]api.AlertDelivery, error)
	FinishAttempts(owner string, fs []Finish) (lost []string, err error)
	UpdateDelivery(d api.AlertDelivery) error
	ReleaseLeases() error
	Outbox() (OutboxStats, error)

	InsertAccessRequest(r api.AccessRequest) error
	AccessRequest(id string) (api.AccessRequest, error)
	AccessRequests(f AccessRequestFilter, p Page) ([]api.AccessRequest, string, error)
	UpdateAccessRequest(r api.AccessRequest) error

	InsertAuditEvent(e api.AuditEvent) error
	AuditEvents(f AuditFilter, p Page) ([]api.AuditEvent, string, error)

	// The decision log (decisions.go): written in batches, listed newest first, pruned by
	// age; none is a policy write.
	InsertDecisions(ds []api.AuthorizationDecision) error
	Decisions(f DecisionFilter, p Page) ([]api.AuthorizationDecision, string, error)
	PruneDecisions(before time.Time) (int64, error)

	// The policy snapshot (policy.go) loads every row that decisions depend on at once.
	AllAssignments() ([]api.RoleAssignment, error)
	AllGrants() ([]api.Grant, error)
	AllSupportAccess() ([]api.SupportAccess, error)
	AllTokens() ([]TokenRecord, error)

	// Generation is the policy generation: a counter that every transaction changing what
	// access decisions depend on increments (UpdatePolicy does, once), so that a server
	// holding a snapshot can tell whether it is current.
	Generation() (int64, error)

	// Idempotency returns ErrNotFound when actorID has not used key yet, or only before
	// notBefore (the record has expired and the key may act anew).
	Idempotency(actorID, key string, notBefore time.Time) (IdempotencyRecord, error)
	// InsertIdempotency replaces an expired record of the same key: the caller has just
	// looked the key up in this transaction, so no live one can be there.
	InsertIdempotency(actorID, key string, r IdempotencyRecord) error
	// PruneIdempotency deletes the records created before before and returns how many.
	PruneIdempotency(before time.Time) (int64, error)
}
