package api

import "time"

// The engine's reverse and what-if questions: who may do an action in an environment
// (GET /v1/environments/{id}/principals), and what proposed changes would give or take from
// whom (POST /v1/access-preview).

// WhoCan answers GET /v1/environments/{id}/principals?action=….
type WhoCan struct {
	EnvironmentID   string            `json:"environment_id" doc:"The environment."`
	EnvironmentName string            `json:"environment_name" doc:"Its name."`
	Action          string            `json:"action" doc:"The matrix action or tier capability asked about."`
	Principals      []PrincipalAccess `json:"principals" doc:"Every user who may do it there, sorted by e-mail."`
}

// PrincipalAccess is one user who may do an action, with every way it may.
type PrincipalAccess struct {
	UserID string `json:"user_id" doc:"The user."`
	Email  string `json:"email" doc:"Its e-mail address."`
	Kind   string `json:"kind" enum:"member,vendor" doc:"member or vendor."`
	Via    []Via  `json:"via" doc:"Every way the user may do it: grants first (by role name, direct before groups), then organization roles; a vendor's tiers in the order they are tried. The first is what POST /v1/authorize answers."`
}

// AccessPreviewRequest is the body of POST /v1/access-preview: changes as a plan would make
// them, applied in order to a copy of the policy; nothing is written.
type AccessPreviewRequest struct {
	Changes []AccessChange `json:"changes" minItems:"1" maxItems:"1000" doc:"The proposed changes, applied in order: a later change sees what the earlier ones did."`
}

// AccessChange is one proposed change. kind says what it does and which fields it takes:
//
//   - grant_upsert: environment_id, role_id, permissions (the grant's whole environment permissions);
//   - grant_delete: environment_id, role_id;
//   - role_update: role_id, permissions (the role's whole platform permissions);
//   - role_delete: role_id (its assignments and grants go with it);
//   - role_assignment_add, role_assignment_remove: role_id and exactly one of user_id, group_id;
//   - group_member_add, group_member_remove: group_id, user_id;
//   - group_members_set: group_id, members (the whole member set);
//   - support_access_upsert: environment_id, tier, and optionally port_forwarding, expires_at,
//     require_approval (default true): the support access as it would be, whole;
//   - support_access_delete: environment_id (the environment's approved and pending requests end);
//   - user_delete: user_id;
//   - user_kind_change: user_id, user_kind (the user is replaced, as a kind change does: the new one
//     holds no roles, groups or requests; the preview keeps the id so that the difference reads per person).
type AccessChange struct {
	Kind            string     `json:"kind" enum:"grant_upsert,grant_delete,role_update,role_delete,role_assignment_add,role_assignment_remove,group_member_add,group_member_remove,group_members_set,support_access_upsert,support_access_delete,user_delete,user_kind_change" doc:"What the change does; it decides which other fields it takes."`
	EnvironmentID   string     `json:"environment_id,omitempty" doc:"The environment (grant and support access changes)."`
	RoleID          string     `json:"role_id,omitempty" doc:"The role (grant, role and role assignment changes)."`
	UserID          string     `json:"user_id,omitempty" doc:"The user (role assignment, group member and user changes)."`
	GroupID         string     `json:"group_id,omitempty" doc:"The group (role assignment and group changes)."`
	Permissions     *[]string  `json:"permissions,omitempty" doc:"grant_upsert: the grant's environment permissions; role_update: the role's platform permissions. The whole set, not an addition."`
	Members         *[]string  `json:"members,omitempty" doc:"group_members_set: the group's whole member set (user ids)."`
	Tier            string     `json:"tier,omitempty" doc:"support_access_upsert: support, operator or co_maintainer."`
	PortForwarding  bool       `json:"port_forwarding,omitempty" doc:"support_access_upsert: port forwarding to the metrics dashboard (operator and above)."`
	ExpiresAt       *time.Time `json:"expires_at,omitempty" doc:"support_access_upsert: when the support access ends (RFC 3339); absent, it does not. In the future whenever it changes."`
	RequireApproval *bool      `json:"require_approval,omitempty" doc:"support_access_upsert: false gives every vendor user the tier without a request (standing access); default true."`
	UserKind        string     `json:"user_kind,omitempty" doc:"user_kind_change: member or vendor."`
}

// AccessPreview answers POST /v1/access-preview: the difference in effective access the
// changes would make, in a stable order (environments by name, users by e-mail, actions and
// permissions by name).
type AccessPreview struct {
	Environments []EnvironmentAccessChange `json:"environments" doc:"Every environment in which some user's access changes, sorted by name."`
	Platform     []PlatformAccessChange    `json:"platform" doc:"Every user whose platform permissions (outside any environment) change, sorted by e-mail."`
}

// EnvironmentAccessChange is every user whose access changes in one environment.
type EnvironmentAccessChange struct {
	EnvironmentID   string             `json:"environment_id" doc:"The environment."`
	EnvironmentName string             `json:"environment_name" doc:"Its name."`
	Users           []UserAccessChange `json:"users" doc:"Every user whose access changes here, sorted by e-mail."`
}

// UserAccessChange is what one user gains and loses in one environment.
type UserAccessChange struct {
	UserID string             `json:"user_id" doc:"The user."`
	Email  string             `json:"email" doc:"Its e-mail address."`
	Kind   string             `json:"kind" enum:"member,vendor" doc:"member or vendor (after the changes)."`
	Gained []AccessChangeItem `json:"gained" doc:"Matrix actions (members) or tier capabilities (vendor users) it may do after the changes and not before, sorted, each with every reason after the changes."`
	Lost   []AccessChangeItem `json:"lost" doc:"What it may do before the changes and not after, sorted, each with every reason it had before."`
}

// AccessChangeItem is one action or tier capability gained or lost, and why it was or will be
// allowed.
type AccessChangeItem struct {
	Action string `json:"action" doc:"The matrix action (apps.deploy) or tier capability (operator.reboot_host)."`
	Via    []Via  `json:"via" doc:"Every way it is allowed (after the changes for what is gained, before them for what is lost), ordered as GET /v1/environments/{id}/principals orders them."`
}

// PlatformAccessChange is what one user gains and loses outside any environment.
type PlatformAccessChange struct {
	UserID string               `json:"user_id" doc:"The user."`
	Email  string               `json:"email" doc:"Its e-mail address."`
	Kind   string               `json:"kind" enum:"member,vendor" doc:"member or vendor (after the changes)."`
	Gained []PlatformChangeItem `json:"gained" doc:"Platform permissions held after the changes and not before, sorted."`
	Lost   []PlatformChangeItem `json:"lost" doc:"Platform permissions held before the changes and not after, sorted."`
}

// PlatformChangeItem is one platform permission gained or lost, with every way it is held.
type PlatformChangeItem struct {
	Permission string           `json:"permission" doc:"The platform permission, e.g. cluster.admin."`
	Via        []PlatformSource `json:"via" doc:"Every role that gives it (after the changes for what is gained, before them for what is lost)."`
}
