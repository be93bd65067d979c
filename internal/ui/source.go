package ui

import (
	"context"
	"errors"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The review page reads through a Source: the API server's own query functions, run for the
// signed-in principal under the same route rules (access.Routes) and engine read rules as the
// API. Nothing here decides who may read what; a section the principal may not read comes
// back as a Section with Refused set, in the engine's words.

// Credential identifies the signed-in token to the Source: what it authenticates a session's
// requests with (the token's hash, never the secret).
type Credential string

// Principal is who signed in.
type Principal struct {
	UserID, Email, Name, Kind string
}

// ErrSignedOut is a Source's answer when the session's token no longer authenticates
// (revoked, expired, its user deleted): the session ends.
var ErrSignedOut = errors.New("the token this session signed in with no longer authenticates")

// Problem is a refusal or a missing object, shown instead of the page asked for.
type Problem struct {
	Status int
	Detail string
}

func (p *Problem) Error() string { return p.Detail }

// Section is one part of a page: its value, or why the principal may not read it.
type Section[T any] struct {
	Value   T
	Refused string
}

// Source answers the review page's questions for a credential.
type Source interface {
	// SignIn verifies a pasted token as the API verifies a bearer token.
	SignIn(ctx context.Context, token string) (Credential, Principal, error)
	Environments(ctx context.Context, c Credential) ([]api.Environment, error)
	Environment(ctx context.Context, c Credential, id string) (EnvironmentView, error)
	People(ctx context.Context, c Credential) ([]api.User, error)
	Person(ctx context.Context, c Credential, id string) (PersonView, error)
	VendorAccess(ctx context.Context, c Credential) (VendorAccessView, error)
	Timeline(ctx context.Context, c Credential, envID string) (TimelineView, error)
	Audit(ctx context.Context, c Credential, q AuditQuery) (AuditView, error)
	// WhoCan is every user who may do action (a matrix action or a tier capability) in
	// environment envID, each with every reason; a refusal, an unknown environment or an
	// unknown action is a *Problem in the API's words.
	WhoCan(ctx context.Context, c Credential, envID, action string) (api.WhoCan, error)
	// Decisions is one page of the decision log (POST /v1/authorize's answers), newest
	// first, as far as c may read it.
	Decisions(ctx context.Context, c Credential, q DecisionQuery) (DecisionsView, error)
	// Review emits the rows of an access review: one environment's (envID set), one
	// person's (userID set), or the whole organization's (neither), as far as c may read.
	Review(ctx context.Context, c Credential, envID, userID string, emit func(ReviewRow) error) error
}

// EnvironmentView is one environment's page.
type EnvironmentView struct {
	Environment api.Environment
	Grants      Section[[]GrantRow]
	// Support is nil when the environment has no support access.
	Support    Section[*api.SupportAccess]
	Routing    Section[api.AlertRouting]
	Deliveries Section[[]api.AlertDelivery]
}

// GrantRow is one role's grant in an environment.
type GrantRow struct {
	GrantID, RoleID, RoleName string
	Permissions               []string
	Actions                   int
}

// PersonView is one user's page.
type PersonView struct {
	User   api.User
	Groups Section[[]api.Group]
	Tokens Section[[]api.Token]
	// Access is the effective access in each environment where the user may do anything.
	Access Section[[]EnvironmentAccess]
	// Platform is what the user holds in every environment (the same everywhere).
	Platform []api.PlatformSource
	// Requests are a vendor user's access requests.
	Requests Section[[]api.AccessRequest]
	// Environments counts the environments looked at.
	Environments int
}

// EnvironmentAccess is a user's effective access in one environment.
type EnvironmentAccess struct {
	Environment api.Environment
	Effective   api.EffectiveAccess
}

// VendorAccessView is every environment with its support access.
type VendorAccessView struct {
	Environments []VendorEnvironment
	// RequestsRefused says why the approvals are not counted, when the reader may not list
	// access requests.
	RequestsRefused string
}

// VendorEnvironment is an environment with its support access (nil: none).
type VendorEnvironment struct {
	Environment api.Environment
	Support     *api.SupportAccess
	// Active counts the approved, unexpired access requests the reader may see.
	Active int
}

// TimelineView is an environment's vendor access history.
type TimelineView struct {
	Environment api.Environment
	Support     Section[*api.SupportAccess]
	Events      []TimelineEvent
	// From says what the events were read from; Note says what is missing and why.
	From, Note string
}

// TimelineEvent is one thing that happened to vendor access in an environment.
type TimelineEvent struct {
	At time.Time
	// What is the kind of event, e.g. "requested", "approved", "standing access on".
	What string
	// Actor did it, Subject is the vendor user concerned (ids or e-mails).
	Actor, Subject string
	Tier, Detail   string
}

// AuditQuery is the audit log's filters (as the API takes them) and a page.
type AuditQuery struct {
	ActorID, EnvironmentID, ObjectID string
	Since, Until                     *time.Time
	Cursor                           string
}

// AuditView is one page of the audit log.
type AuditView struct {
	Events     []api.AuditEvent
	NextCursor string
	// Names are the e-mails of the actors the reader may read, by id.
	Names map[string]string
}

// DecisionQuery is the decision log's filters (as the API takes them) and a page.
type DecisionQuery struct {
	PrincipalID, EnvironmentID, AccessRequestID string
	// Allowed keeps only allowed (true) or only denied (false) decisions; nil keeps both.
	Allowed      *bool
	Since, Until *time.Time
	Cursor       string
}

// DecisionsView is one page of the decision log.
type DecisionsView struct {
	Decisions  []api.AuthorizationDecision
	NextCursor string
	// Names are the e-mails of the principals the reader may read, by id.
	Names map[string]string
	// Vendors are the vendor users the reader may list, for the filter.
	Vendors Section[[]api.User]
}

// ReviewRow is one line of an access review: a user may do an action in an environment, and
// why.
type ReviewRow struct {
	UserID, Email, Kind, EnvironmentID, Environment, Action, Permission, Via string
}
