// Package api holds the wire types of the Warden API v1: the JSON bodies that the server
// (internal/apiserver) serves and the client (internal/client) sends and receives. One
// definition keeps both sides, and the OpenAPI document generated from them, in agreement.
//
// Field names are the provider's HCL attribute names. The struct tags `doc`, `enum`,
// `format`, `minLength` and `maxLength` feed the OpenAPI document (huma v2 reads them).
package api

import (
	"encoding/json"
	"time"
)

// Meta is carried by every stored object.
type Meta struct {
	ID        string    `json:"id" doc:"Opaque identifier chosen by the API."`
	Version   int64     `json:"version" doc:"Incremented by every change; send it as If-Match to guard updates and deletes."`
	CreatedAt time.Time `json:"created_at" doc:"When the object was created."`
	UpdatedAt time.Time `json:"updated_at" doc:"When the object last changed."`
}

// Base returns m itself. Every object embeds Meta, so a pointer to any of them has Base: code
// generic over objects (the server's read, update and delete helpers) reaches their Meta.
func (m *Meta) Base() *Meta { return m }

// List is one page of a collection.
type List[T any] struct {
	Items      []T    `json:"items" doc:"The objects of this page."`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as ?cursor= to fetch the next page; absent on the last page."`
}

// Environment is an isolated set of resources.
type Environment struct {
	Meta
	Name           string `json:"name" doc:"Unique name."`
	Cloud          string `json:"cloud" enum:"aws,gcp" doc:"Where the environment runs."`
	ResourcePrefix string `json:"resource_prefix" doc:"Prefix of the resources the vendor installation owns."`
}

// EnvironmentCreate is the body of POST /v1/environments.
type EnvironmentCreate struct {
	Name           string `json:"name" minLength:"1" maxLength:"128" doc:"Unique name."`
	Cloud          string `json:"cloud" doc:"aws or gcp; cannot change later."`
	ResourcePrefix string `json:"resource_prefix,omitempty" maxLength:"64" doc:"Defaults to aw_."`
	// VendorRouting is the alert routing's vendor_routing from the environment's first
	// moment: the routing is made with the environment, in the same transaction, so that an
	// environment created opted out never routes an alert to the vendor.
	VendorRouting *bool `json:"vendor_routing,omitempty" doc:"Whether the environment's alert routing starts with vendor routing on (the default) or off: false creates it opted out, in the same transaction, so that no alert of this environment ever goes to the vendor's on-call. Later changes go through /v1/environments/{id}/alert-routing."`
}

// EnvironmentUpdate is the body of PATCH /v1/environments/{id}; absent fields stay.
type EnvironmentUpdate struct {
	Name           *string `json:"name,omitempty" minLength:"1" maxLength:"128" doc:"New unique name."`
	ResourcePrefix *string `json:"resource_prefix,omitempty" maxLength:"64" doc:"New resource prefix."`
}

// User is a principal: a member of the customer's organization or a vendor engineer.
type User struct {
	Meta
	Email string `json:"email" doc:"Unique e-mail address."`
	Name  string `json:"name" doc:"Display name."`
	Kind  string `json:"kind" enum:"member,vendor" doc:"member (the customer's people) or vendor (the vendor's on-call engineers)."`
}

// UserCreate is the body of POST /v1/users.
type UserCreate struct {
	// ID is the id the client chose, so that it knows the id before the user exists (the
	// provider plans it); empty lets the API choose.
	ID    string `json:"id,omitempty" maxLength:"64" doc:"Optional: the new user's id, chosen by the client (usr_ and 26 characters a-z or 2-7, the form the API makes); when left out the API chooses one. 422 on another form, 409 when a user has it."`
	Email string `json:"email" minLength:"3" maxLength:"254" doc:"Unique e-mail address."`
	Name  string `json:"name,omitempty" maxLength:"128" doc:"Display name."`
	Kind  string `json:"kind,omitempty" doc:"member (default) or vendor; cannot change later."`
}

// UserUpdate is the body of PATCH /v1/users/{id}.
type UserUpdate struct {
	Email *string `json:"email,omitempty" minLength:"3" maxLength:"254" doc:"New e-mail address."`
	Name  *string `json:"name,omitempty" maxLength:"128" doc:"New display name."`
}

// Token is an API token; Secret is present only in the response that created it.
type Token struct {
	ID        string     `json:"id" doc:"Token identifier (not the secret)."`
	UserID    string     `json:"user_id" doc:"The user the token authenticates."`
	Name      string     `json:"name" doc:"Label."`
	Secret    string     `json:"token,omitempty" doc:"The bearer secret; returned once, stored hashed."`
	ExpiresAt *time.Time `json:"expires_at,omitempty" doc:"After this instant the token no longer authenticates."`
	CreatedAt time.Time  `json:"created_at" doc:"When the token was issued."`
}

// TokenCreate is the body of POST /v1/users/{id}/tokens.
type TokenCreate struct {
	Name      string     `json:"name,omitempty" maxLength:"128" doc:"Label."`
	ExpiresAt *time.Time `json:"expires_at,omitempty" doc:"Optional expiry."`
}

// Group is a set of users.
type Group struct {
	Meta
	Name        string   `json:"name" doc:"Unique name."`
	Description string   `json:"description" doc:"Free text."`
	Members     []string `json:"members" doc:"User ids, sorted."`
	MembersMode string   `json:"members_mode" doc:"Who manages the members: \"\" nobody yet, authoritative (written as a complete set: warden_group.members), additive (added one at a time: warden_group_member). The other mode is refused with 409 membership_mode_conflict."`
}

// GroupCreate is the body of POST /v1/groups.
type GroupCreate struct {
	Name        string    `json:"name" minLength:"1" maxLength:"128" doc:"Unique name."`
	Description string    `json:"description,omitempty" maxLength:"1024" doc:"Free text."`
	Members     *[]string `json:"members,omitempty" doc:"User ids; when present (even empty) the group's members are authoritative."`
}

// GroupUpdate is the body of PATCH /v1/groups/{id}; Members, when present, replaces the set.
type GroupUpdate struct {
	Name        *string   `json:"name,omitempty" minLength:"1" maxLength:"128" doc:"New unique name."`
	Description *string   `json:"description,omitempty" maxLength:"1024" doc:"New description."`
	Members     *[]string `json:"members,omitempty" doc:"The complete new member set; makes the members authoritative."`
	// ReleaseMembers is how a configuration that stops listing members hands them over.
	ReleaseMembers bool `json:"release_members,omitempty" doc:"true (without members) stops managing the members authoritatively: they stay, and may then be added one at a time."`
}

// GroupMemberAdd is the body of POST /v1/groups/{id}/members.
type GroupMemberAdd struct {
	UserID string `json:"user_id" minLength:"1" doc:"The user to add."`
}

// Role is a named set of platform permissions.
type Role struct {
	Meta
	Name        string   `json:"name" doc:"Unique name."`
	Description string   `json:"description" doc:"Free text."`
	Permissions []string `json:"permissions" doc:"Platform permissions (A-Ops names), sorted."`
	Builtin     bool     `json:"builtin" doc:"True for account_owner and deploy_owner, which cannot change."`
	// Warnings is filled only in the response to a create or update, never stored.
	Warnings []FindingDetail `json:"warnings,omitempty" doc:"Warning findings about the permissions of this create or update (e.g. users.read beside users.admin); only in the response to that request, never stored."`
}

// RoleCreate is the body of POST /v1/roles.
type RoleCreate struct {
	Name        string   `json:"name" minLength:"1" maxLength:"128" doc:"Unique name."`
	Description string   `json:"description,omitempty" maxLength:"1024" doc:"Free text."`
	Permissions []string `json:"permissions,omitempty" doc:"Platform permissions."`
}

// RoleUpdate is the body of PATCH /v1/roles/{id}.
type RoleUpdate struct {
	Name        *string   `json:"name,omitempty" minLength:"1" maxLength:"128" doc:"New unique name."`
	Description *string   `json:"description,omitempty" maxLength:"1024" doc:"New description."`
	Permissions *[]string `json:"permissions,omitempty" doc:"The complete new permission set."`
}

// RoleAssignment says one principal (a user or a group) holds one role.
type RoleAssignment struct {
	Meta
	RoleID  string `json:"role_id" doc:"The role held."`
	UserID  string `json:"user_id,omitempty" doc:"The user holding it, when assigned to a user."`
	GroupID string `json:"group_id,omitempty" doc:"The group holding it, when assigned to a group."`
}

// RoleAssignmentCreate is the body of POST /v1/roles/{role_id}/assignments; exactly one of
// UserID and GroupID.
type RoleAssignmentCreate struct {
	UserID  string `json:"user_id,omitempty" doc:"Assign to this user."`
	GroupID string `json:"group_id,omitempty" doc:"Assign to this group."`
}

// Grant is the environment permissions one role holds in one environment.
type Grant struct {
	Meta
	RoleID         string   `json:"role_id" doc:"The role."`
	EnvironmentID  string   `json:"environment_id" doc:"The environment."`
	Permissions    []string `json:"permissions" doc:"Environment permissions, sorted."`
	AllowedActions []string `json:"allowed_actions" doc:"Every matrix action the permissions allow, sorted."`
	// Warnings is filled only in the response to a create or update, never stored.
	Warnings []FindingDetail `json:"warnings,omitempty" doc:"Warning findings about the permissions of this create or update (e.g. environment_admin beside others); only in the response to that request, never stored."`
}

// GrantCreate is the body of POST /v1/environments/{id}/grants.
type GrantCreate struct {
	RoleID      string   `json:"role_id" minLength:"1" doc:"The role to grant to."`
	Permissions []string `json:"permissions" doc:"Environment permissions."`
}

// GrantUpdate is the body of PATCH /v1/environments/{id}/grants/{role_id}; it replaces the
// permissions in one transaction.
type GrantUpdate struct {
	Permissions []string `json:"permissions" doc:"The complete new permission set."`
}

// SupportAccess is the vendor's support tier ceiling in one environment.
type SupportAccess struct {
	Meta
	EnvironmentID  string     `json:"environment_id" doc:"The environment."`
	Tier           string     `json:"tier" enum:"support,operator,co_maintainer" doc:"The highest tier the vendor may hold."`
	PortForwarding bool       `json:"port_forwarding" doc:"Port forwarding to the metrics dashboard (operator and above)."`
	ExpiresAt      *time.Time `json:"expires_at,omitempty" doc:"From this instant the access authorizes nothing."`
	// RequireApproval false is standing access: every vendor user holds the tier here.
	RequireApproval bool     `json:"require_approval" doc:"true: vendor users hold the tier through approved access requests; false: every vendor user holds it (standing access)."`
	Status          string   `json:"status" enum:"active,expired" doc:"expired once expires_at has passed; it still reads back until deleted."`
	Capabilities    []string `json:"capabilities" doc:"What the tier allows, given port_forwarding."`
}

// SupportAccessCreate is the body of POST /v1/environments/{id}/support-access.
type SupportAccessCreate struct {
	Tier           string     `json:"tier" doc:"support, operator or co_maintainer."`
	PortForwarding bool       `json:"port_forwarding,omitempty" doc:"Default false."`
	ExpiresAt      *time.Time `json:"expires_at,omitempty" doc:"Optional; must be in the future."`
	// RequireApproval is a pointer so that omitted means the default, true.
	RequireApproval *bool `json:"require_approval,omitempty" doc:"Default true (access requests and approvals); false gives every vendor user the tier (standing access)."`
}

// SupportAccessUpdate is the body of PATCH /v1/environments/{id}/support-access. A later
// ExpiresAt re-activates expired access in place; ClearExpiry removes the expiry.
type SupportAccessUpdate struct {
	Tier            *string    `json:"tier,omitempty" doc:"New tier."`
	PortForwarding  *bool      `json:"port_forwarding,omitempty" doc:"New port forwarding flag."`
	ExpiresAt       *time.Time `json:"expires_at,omitempty" doc:"New expiry; must be in the future."`
	ClearExpiry     bool       `json:"clear_expiry,omitempty" doc:"Remove the expiry: access lasts until deleted."`
	RequireApproval *bool      `json:"require_approval,omitempty" doc:"New approval mode."`
}

// VendorAccessRevoke is the body of POST /v1/environments/{id}/support-access/revoke, the
// break-glass revoke.
type VendorAccessRevoke struct {
	UserID string `json:"user_id,omitempty" doc:"Only this vendor user's access requests; omitted: every vendor user's. Standing access ends either way (it is not per user)."`
	Reason string `json:"reason,omitempty" maxLength:"1024" doc:"Why, for the audit log (an incident, a compromised vendor account)."`
}

// VendorAccessRevocation answers the break-glass revoke with what it ended; a second call
// ends nothing and answers with empty lists.
type VendorAccessRevocation struct {
	EnvironmentID       string          `json:"environment_id" doc:"The environment."`
	EnvironmentName     string          `json:"environment_name" doc:"The environment's name."`
	UserID              string          `json:"user_id,omitempty" doc:"The vendor user the revoke was narrowed to, if any."`
	Reason              string          `json:"reason,omitempty" doc:"The reason given."`
	RevokedApprovals    []AccessRequest `json:"revoked_approvals" doc:"Approved access requests that held a tier, now revoked (expires_at moved to the revoke)."`
	RevokedPending      []AccessRequest `json:"revoked_pending" doc:"Pending access requests, now revoked so that none is approved during the incident."`
	StandingAccessEnded bool            `json:"standing_access_ended" doc:"true when standing access (require_approval false) was on and now requires approval."`
	SupportAccess       *SupportAccess  `json:"support_access,omitempty" doc:"The environment's support access after the revoke, if it has one: it stays, so that vendors may ask again once the incident is over."`
}

// AccessRequest is a vendor engineer's request for a tier in an environment for a duration.
type AccessRequest struct {
	Meta
	EnvironmentID   string     `json:"environment_id" doc:"The environment."`
	RequesterID     string     `json:"requester_id" doc:"The vendor user who asked."`
	Tier            string     `json:"tier" enum:"support,operator,co_maintainer" doc:"The tier asked for; at most the environment's support access tier."`
	DurationSeconds int64      `json:"duration_seconds" doc:"How long the access lasts once approved."`
	Reason          string     `json:"reason" doc:"Why."`
	Status          string     `json:"status" enum:"pending,approved,denied,revoked,expired" doc:"Lifecycle state."`
	DecidedBy       string     `json:"decided_by,omitempty" doc:"Who approved, denied or revoked it."`
	DecidedAt       *time.Time `json:"decided_at,omitempty" doc:"When it was approved or denied."`
	ExpiresAt       *time.Time `json:"expires_at,omitempty" doc:"Approval + duration, never past the support access's own expiry."`
}

// AccessRequestCreate is the body of POST /v1/access-requests (filed by a vendor user).
type AccessRequestCreate struct {
	EnvironmentID string `json:"environment_id" minLength:"1" doc:"The environment."`
	Tier          string `json:"tier" doc:"support, operator or co_maintainer."`
	// The bounds are checked by access.ValidateRequestDuration, which says them in days and
	// hours: a schema maximum would answer "expected number <= 2.592e+06".
	DurationSeconds int64  `json:"duration_seconds" doc:"Between one minute and 30 days (60 to 2592000 seconds)."`
	Reason          string `json:"reason,omitempty" maxLength:"1024" doc:"Why."`
}

// Destination is one customer alert destination.
type Destination struct {
	Type        string `json:"type" enum:"webhook,email" doc:"webhook or email."`
	Target      string `json:"target" doc:"An http(s) URL for webhook (http is accepted for local receivers), an address for email."`
	MinSeverity string `json:"min_severity" enum:"info,warning,error,critical" doc:"Alerts below this severity are not sent."`
}

// AlertRouting is an environment's alert routing. It exists from the environment's creation.
type AlertRouting struct {
	Meta
	EnvironmentID string        `json:"environment_id" doc:"The environment."`
	VendorRouting bool          `json:"vendor_routing" doc:"System alerts go to the vendor's on-call; on by default."`
	Destinations  []Destination `json:"destinations" doc:"The customer's own destinations."`
	// DestinationsMode is Group.MembersMode for destinations.
	DestinationsMode string `json:"destinations_mode" doc:"Who manages the destinations: \"\" nobody yet, authoritative (written as a complete set: warden_alert_routing.destinations), additive (added one at a time: warden_alert_destination). The other mode is refused with 409 membership_mode_conflict."`
	// VendorDelivery is the server's configuration, not the routing's: it is filled in
	// when the routing is read.
	VendorDelivery string `json:"vendor_delivery,omitempty" enum:"configured,not_configured" doc:"Read only: whether this server can deliver to the vendor's on-call (configured), or records alerts routed to the vendor as undeliverable because whoever runs it set no -vendor-alert-url (not_configured)."`
	// ClaimID names the one warden_alert_routing that manages this routing: two resources
	// for one environment would undo each other on every apply.
	ClaimID   string     `json:"claim_id" doc:"The claim of the warden_alert_routing that manages this routing (rcl_…), or \"\" when none does. A write under another claim is refused with 409 alert_routing_claimed."`
	ClaimedAt *time.Time `json:"claimed_at,omitempty" doc:"When the current claim was made."`
}

// AlertRoutingUpdate is the body of PUT /v1/environments/{id}/alert-routing.
type AlertRoutingUpdate struct {
	VendorRouting bool           `json:"vendor_routing" doc:"false opts out of vendor routing."`
	Destinations  *[]Destination `json:"destinations,omitempty" doc:"The complete destination set; makes the destinations authoritative. Absent: they stay as they are."`
	// ReleaseDestinations is how a configuration that stops listing destinations hands them over.
	ReleaseDestinations bool `json:"release_destinations,omitempty" doc:"true (without destinations) stops managing the destinations authoritatively: they stay, and may then be added one at a time."`
	// Claim is how warden_alert_routing keeps to one resource per environment: its create
	// asks for a new claim, its other writes name the one it holds.
	Claim string `json:"claim,omitempty" doc:"The claim this write is made under (warden_alert_routing sends one): new takes the routing under a new claim (the answer's claim_id), a claim id continues that claim (or takes the routing when no claim holds it). Refused with 409 alert_routing_claimed while another claim holds the routing. Absent: the claim is neither checked nor changed."`
	// EndClaim is the resource's destroy: the routing is left unclaimed, for another.
	EndClaim bool `json:"end_claim,omitempty" doc:"true (with claim) ends the claim with this write: the routing is then managed by no warden_alert_routing."`
}

// AlertCredentials are an environment's alert routing credentials, made with the
// environment: what a monitoring system sends its alerts with, and what its webhook
// deliveries are signed with. Readable by cluster.admin only; never in the audit log.
type AlertCredentials struct {
	EnvironmentID      string    `json:"environment_id" doc:"The environment."`
	IngestURL          string    `json:"ingest_url" doc:"Where a monitoring system posts this environment's alerts (Alertmanager or Grafana webhook), with the ingest key as bearer token."`
	IngestKey          string    `json:"ingest_key,omitempty" doc:"The bearer secret (wik_…) that alerts for this environment are sent with; also PagerDuty Events v2's routing_key."`
	IngestKeyRotatedAt time.Time `json:"ingest_key_rotated_at" doc:"When the ingest key was made (at the environment's creation) or last rotated."`
	SigningSecret      string    `json:"signing_secret,omitempty" doc:"The Standard Webhooks secret (whsec_ + base64 of 32 random bytes) webhook deliveries are signed with."`
	// The previous signing secret stays valid for access.SigningSecretOverlap after a
	// rotation, so that a receiver can move to the new one without dropping deliveries.
	SigningSecretRotatedAt         time.Time  `json:"signing_secret_rotated_at" doc:"When the signing secret was made or last rotated."`
	PreviousSigningSecret          string     `json:"previous_signing_secret,omitempty" doc:"The signing secret before the last rotation, until previous_signing_secret_expires_at: deliveries carry a signature with each."`
	PreviousSigningSecretExpiresAt *time.Time `json:"previous_signing_secret_expires_at,omitempty" doc:"When the previous signing secret stops being used: 24 hours after the rotation."`
}

// AuthorizeRequest is the body of POST /v1/authorize.
type AuthorizeRequest struct {
	PrincipalID   string `json:"principal_id" minLength:"1" doc:"The user asking."`
	EnvironmentID string `json:"environment_id" minLength:"1" doc:"The environment."`
	Action        string `json:"action" minLength:"1" doc:"A matrix action (apps.deploy) or, for vendor users, a tier capability (operator.reboot_host)."`
	Resource      string `json:"resource,omitempty" doc:"For vendor capabilities: the resource name, which must carry the environment's resource prefix."`
}

// AuthorizeResponse answers POST /v1/authorize with the grant that allows the action.
type AuthorizeResponse struct {
	Allowed bool   `json:"allowed" doc:"Whether the action is allowed."`
	Reason  string `json:"reason" doc:"Why, in words."`
	Via     *Via   `json:"via,omitempty" doc:"What allows it, when allowed."`
}

// Via names what allows an action: a grant (with the role and, when held through one, the
// group), an organization role, or an approved access request.
type Via struct {
	Permission      string `json:"permission,omitempty" doc:"The environment permission or tier capability."`
	GrantID         string `json:"grant_id,omitempty" doc:"The environment grant."`
	RoleID          string `json:"role_id,omitempty" doc:"The role holding the grant."`
	RoleName        string `json:"role_name,omitempty" doc:"That role's name."`
	GroupID         string `json:"group_id,omitempty" doc:"The group through which the role is held, if any."`
	GroupName       string `json:"group_name,omitempty" doc:"That group's name."`
	AccessRequestID string `json:"access_request_id,omitempty" doc:"The approved access request, for vendor users."`
	SupportAccessID string `json:"support_access_id,omitempty" doc:"The standing support access (require_approval false), for vendor users."`
	Tier            string `json:"tier,omitempty" doc:"The tier held, for vendor users."`
	// ExpiresAt is when a vendor's tier ends: the earlier of its approved request's expiry and
	// the support access's.
	ExpiresAt *time.Time `json:"expires_at,omitempty" doc:"When the vendor tier ends (the earlier of the access request's and the support access's expiry); absent when it does not end, and for members."`
}

// EffectiveAccess lists everything a user or group may do in an environment, and why.
type EffectiveAccess struct {
	EnvironmentID string         `json:"environment_id" doc:"The environment."`
	UserID        string         `json:"user_id,omitempty" doc:"The user asked about."`
	GroupID       string         `json:"group_id,omitempty" doc:"The group asked about."`
	Actions       []string       `json:"actions" doc:"Every allowed matrix action, sorted."`
	Grants        []ActionSource `json:"grants" doc:"For each allowed action, each grant that allows it."`
	Support       []string       `json:"support" doc:"Tier capabilities held through approved access requests (vendor users)."`
	// Platform answers what the principal may do outside any environment; it is the same in
	// every environment.
	Platform []PlatformSource `json:"platform" doc:"Every platform permission held (the same in every environment), sorted, each with the role that gives it: one entry per way it is held."`
}

// ActionSource is one reason an action is allowed.
type ActionSource struct {
	Action     string `json:"action" doc:"The matrix action."`
	Permission string `json:"permission" doc:"The environment permission that allows it."`
	GrantID    string `json:"grant_id,omitempty" doc:"The grant."`
	RoleID     string `json:"role_id" doc:"The role."`
	RoleName   string `json:"role_name" doc:"The role's name."`
	GroupID    string `json:"group_id,omitempty" doc:"The group through which the role is held, if any."`
	GroupName  string `json:"group_name,omitempty" doc:"That group's name."`
}

// PlatformSource is one reason a platform permission is held.
type PlatformSource struct {
	Permission string `json:"permission" doc:"The platform permission, e.g. cluster.admin."`
	ImpliedBy  string `json:"implied_by,omitempty" doc:"The permission of the role that includes it (users.admin includes users.read), when the role does not list it itself."`
	RoleID     string `json:"role_id" doc:"The role that gives it."`
	RoleName   string `json:"role_name" doc:"The role's name."`
	GroupID    string `json:"group_id,omitempty" doc:"The group through which the role is held; absent when held directly."`
	GroupName  string `json:"group_name,omitempty" doc:"That group's name."`
	Owner      bool   `json:"owner,omitempty" doc:"The role is a built-in organization role (account_owner, deploy_owner), which holds every platform permission."`
}

// PermissionMatrix is GET /v1/permission-matrix: the rules of internal/access with their version.
type PermissionMatrix struct {
	Version             string             `json:"version" doc:"Bumped whenever a permission, action or rule changes."`
	Permissions         []NamedDescription `json:"permissions" doc:"The eight environment permissions."`
	Actions             []MatrixAction     `json:"actions" doc:"Every action with the permissions that allow it."`
	PlatformPermissions []NamedDescription `json:"platform_permissions" doc:"The platform catalogue, patterns included."`
	Tiers               []TierCapabilities `json:"tiers" doc:"Each support tier with its capabilities."`
}

// NamedDescription is a name with its meaning.
type NamedDescription struct {
	Name        string `json:"name" doc:"The name."`
	Description string `json:"description" doc:"What it allows."`
}

// MatrixAction is one row of the matrix.
type MatrixAction struct {
	Action      string   `json:"action" doc:"The action."`
	Permissions []string `json:"permissions" doc:"Any of these allows it."`
}

// TierCapabilities lists one tier's capabilities (port forwarding included, flagged apart).
type TierCapabilities struct {
	Tier         string   `json:"tier" doc:"The tier."`
	Capabilities []string `json:"capabilities" doc:"With port forwarding off."`
	PortForward  string   `json:"port_forward_capability,omitempty" doc:"Added when port forwarding is on."`
}

// AuditEvent records one change: who, what, when, before and after.
type AuditEvent struct {
	ID            string          `json:"id" doc:"Event id."`
	At            time.Time       `json:"at" doc:"When."`
	ActorID       string          `json:"actor_id" doc:"Who."`
	Action        string          `json:"action" doc:"What, e.g. environment.create, grant.update."`
	ObjectType    string          `json:"object_type" doc:"The kind of object changed."`
	ObjectID      string          `json:"object_id" doc:"The object changed."`
	EnvironmentID string          `json:"environment_id,omitempty" doc:"The environment concerned, if any."`
	Before        json.RawMessage `json:"before,omitempty" doc:"The object before the change."`
	After         json.RawMessage `json:"after,omitempty" doc:"The object after the change."`
	// RequestID is the server's id of the request that made the change (its X-Request-Id
	// response header); empty for changes no request made (bootstrap, recover-owner).
	RequestID string `json:"request_id,omitempty" doc:"The server's id of the request (the X-Request-Id of its response)."`
	// ClientRequestID is the caller's own X-Request-Id, when it sent a usable one: for
	// correlating with the caller's logs, never an identifier the server relies on.
	ClientRequestID string `json:"client_request_id,omitempty" doc:"The X-Request-Id the caller sent, if any (at most 128 printable ASCII characters)."`
}

// AuthorizationDecision is one answer of POST /v1/authorize as the decision log keeps it:
// about whom, what, where, the answer and what allowed it. Every decision about a vendor user
// is kept; members' only as the server's -decision-log-members says (SampleRate).
type AuthorizationDecision struct {
	ID            string    `json:"id" doc:"Decision id."`
	At            time.Time `json:"at" doc:"When it was decided."`
	PrincipalID   string    `json:"principal_id" doc:"The user the decision is about."`
	PrincipalKind string    `json:"principal_kind" enum:"member,vendor" doc:"That user's kind."`
	EnvironmentID string    `json:"environment_id" doc:"The environment."`
	Action        string    `json:"action" doc:"The matrix action or tier capability asked about."`
	Resource      string    `json:"resource,omitempty" doc:"The resource named, for vendor capabilities."`
	Allowed       bool      `json:"allowed" doc:"The answer."`
	Reason        string    `json:"reason" doc:"Why, in the words POST /v1/authorize answered with."`
	// Via names what allowed it; for a vendor user, the approved access request
	// (access_request_id) or the standing support access (support_access_id).
	Via *Via `json:"via,omitempty" doc:"What allowed it, when allowed: for a vendor user the approved access request (access_request_id) or the standing support access (support_access_id)."`
	// AskedBy is who called POST /v1/authorize: the principal itself, or a service asking
	// about it.
	AskedBy   string `json:"asked_by" doc:"The user whose token asked (the principal itself, or a service asking about it)."`
	RequestID string `json:"request_id,omitempty" doc:"The server's id of the authorize request (the X-Request-Id of its response)."`
	// SampleRate is the share of such decisions that the log keeps: 1 for vendor users and
	// with -decision-log-members=all, the rate with sample:<rate>.
	SampleRate float64 `json:"sample_rate" doc:"The share of such decisions the log keeps: 1 for vendor users (all of them), the configured rate for sampled member decisions; count each as 1/sample_rate."`
}

// Problem is an RFC 9457 problem+json body with Warden's stable code and the field at fault.
type Problem struct {
	Type      string          `json:"type,omitempty" doc:"A URI naming the problem type."`
	Title     string          `json:"title" doc:"Short summary."`
	Status    int             `json:"status" doc:"HTTP status."`
	Detail    string          `json:"detail,omitempty" doc:"What went wrong and how to fix it."`
	Instance  string          `json:"instance,omitempty" doc:"The request path."`
	Code      string          `json:"code" doc:"Stable machine-readable code."`
	Field     string          `json:"field,omitempty" doc:"The body field or parameter at fault."`
	RequestID string          `json:"request_id,omitempty" doc:"Quote this when reporting a problem."`
	Findings  []FindingDetail `json:"findings,omitempty" doc:"Every validation finding, errors and warnings."`
}

// FindingDetail mirrors access.Finding on the wire.
type FindingDetail struct {
	Severity string `json:"severity" enum:"error,warning" doc:"error blocks the change; warning informs."`
	Code     string `json:"code" doc:"Stable code."`
	Field    string `json:"field" doc:"The field at fault."`
	Value    string `json:"value,omitempty" doc:"The offending element."`
	Message  string `json:"message" doc:"What is wrong."`
	Fix      string `json:"fix,omitempty" doc:"How to fix it."`
}
