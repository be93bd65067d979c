package access

import (
	"fmt"
	"slices"
	"time"
)

// The proposed changes an access preview takes, one kind per change a resource makes, and
// their validation against the snapshot the earlier changes of the same list have made.

// ChangeKind is what one proposed change does.
type ChangeKind string

// The change kinds, each named after the resource whose change it mirrors.
const (
	ChangeGrantUpsert      ChangeKind = "grant_upsert"           // warden_environment_grant created or its permissions changed
	ChangeGrantDelete      ChangeKind = "grant_delete"           // warden_environment_grant destroyed
	ChangeRoleUpdate       ChangeKind = "role_update"            // warden_role's permissions changed
	ChangeRoleDelete       ChangeKind = "role_delete"            // warden_role destroyed (its assignments and grants go with it)
	ChangeAssignmentAdd    ChangeKind = "role_assignment_add"    // warden_role_assignment created
	ChangeAssignmentRemove ChangeKind = "role_assignment_remove" // warden_role_assignment destroyed
	ChangeMemberAdd        ChangeKind = "group_member_add"       // warden_group_member created
	ChangeMemberRemove     ChangeKind = "group_member_remove"    // warden_group_member destroyed
	ChangeMembersSet       ChangeKind = "group_members_set"      // warden_group.members set (authoritative)
	ChangeSupportUpsert    ChangeKind = "support_access_upsert"  // warden_support_access created or changed
	ChangeSupportDelete    ChangeKind = "support_access_delete"  // warden_support_access destroyed
	ChangeUserDelete       ChangeKind = "user_delete"            // warden_user destroyed
	ChangeUserKind         ChangeKind = "user_kind_change"       // warden_user.kind changed (which replaces the user)
)

// ChangeKinds lists every change kind, in the order the documentation lists them.
var ChangeKinds = []ChangeKind{ChangeGrantUpsert, ChangeGrantDelete, ChangeRoleUpdate, ChangeRoleDelete, ChangeAssignmentAdd,
	ChangeAssignmentRemove, ChangeMemberAdd, ChangeMemberRemove, ChangeMembersSet, ChangeSupportUpsert, ChangeSupportDelete,
	ChangeUserDelete, ChangeUserKind}

// ChangeKindNames returns the change kind names.
func ChangeKindNames() []string {
	out := make([]string, len(ChangeKinds))
	for i, k := range ChangeKinds {
		out[i] = string(k)
	}
	return out
}

// Change is one proposed change. Which fields it takes depends on Kind (changeFields); a
// list that is nil was not given, an empty one is empty.
type Change struct {
	Kind                                   ChangeKind
	EnvironmentID, RoleID, UserID, GroupID string
	// Permissions are a grant's environment permissions (grant_upsert) or a role's platform
	// permissions (role_update); Members a group's whole member set (group_members_set).
	Permissions, Members *[]string
	// The support access (support_access_upsert), whole: what the resource would hold.
	Tier            string
	PortForwarding  bool
	ExpiresAt       *time.Time
	RequireApproval *bool
	UserKind        string
}

// The fields of a change, as the API names them.
const (
	fieldEnvironment     = "environment_id"
	fieldRole            = "role_id"
	fieldUser            = "user_id"
	fieldGroup           = "group_id"
	fieldPermissions     = "permissions"
	fieldMembers         = "members"
	fieldTier            = "tier"
	fieldPortForwarding  = "port_forwarding"
	fieldExpiresAt       = "expires_at"
	fieldRequireApproval = "require_approval"
	fieldUserKind        = "user_kind"
)

// changeFields is, per kind, the fields it requires and those it also accepts.
var changeFields = map[ChangeKind]struct{ required, optional []string }{
	ChangeGrantUpsert:      {[]string{fieldEnvironment, fieldRole, fieldPermissions}, nil},
	ChangeGrantDelete:      {[]string{fieldEnvironment, fieldRole}, nil},
	ChangeRoleUpdate:       {[]string{fieldRole, fieldPermissions}, nil},
	ChangeRoleDelete:       {[]string{fieldRole}, nil},
	ChangeAssignmentAdd:    {[]string{fieldRole}, []string{fieldUser, fieldGroup}},
	ChangeAssignmentRemove: {[]string{fieldRole}, []string{fieldUser, fieldGroup}},
	ChangeMemberAdd:        {[]string{fieldGroup, fieldUser}, nil},
	ChangeMemberRemove:     {[]string{fieldGroup, fieldUser}, nil},
	ChangeMembersSet:       {[]string{fieldGroup, fieldMembers}, nil},
	ChangeSupportUpsert:    {[]string{fieldEnvironment, fieldTier}, []string{fieldPortForwarding, fieldExpiresAt, fieldRequireApproval}},
	ChangeSupportDelete:    {[]string{fieldEnvironment}, nil},
	ChangeUserDelete:       {[]string{fieldUser}, nil},
	ChangeUserKind:         {[]string{fieldUser, fieldUserKind}, nil},
}

// Finding codes of proposed changes.
const (
	CodeUnknownChangeKind = "unknown_change_kind"
	CodeMissingField      = "missing_field"
	CodeUnexpectedField   = "unexpected_field"
	CodeUnknownObject     = "unknown_object"
)

// given lists the fields c sets.
func (c Change) given() []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{fieldEnvironment, c.EnvironmentID != ""}, {fieldRole, c.RoleID != ""}, {fieldUser, c.UserID != ""}, {fieldGroup, c.GroupID != ""},
		{fieldPermissions, c.Permissions != nil}, {fieldMembers, c.Members != nil}, {fieldTier, c.Tier != ""},
		{fieldPortForwarding, c.PortForwarding}, {fieldExpiresAt, c.ExpiresAt != nil}, {fieldRequireApproval, c.RequireApproval != nil},
		{fieldUserKind, c.UserKind != ""},
	} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

// ValidateChange checks one proposed change against p, the snapshot as the changes before it
// in the same list leave it, at now: the kind's fields (and no others), that what it names
// exists, and the rules the API applies to the same change (the matrix, the catalogue, the
// tier's cloud and port forwarding, expiry, built-in roles, vendor users holding no roles
// and joining no groups). Fields are named as in the change.
func (p *Policy) ValidateChange(c Change, now time.Time) []Finding {
	spec, ok := changeFields[c.Kind]
	if !ok {
		return []Finding{newFinding(SeverityError, CodeUnknownChangeKind, "kind", string(c.Kind),
			fmt.Sprintf("%q is not a kind of change.", c.Kind), suggest(string(c.Kind), ChangeKindNames(), "one of "+OrList(ChangeKindNames())))}
	}
	var fs []Finding
	given := c.given()
	for _, f := range spec.required {
		if !slices.Contains(given, f) {
			fs = append(fs, newFinding(SeverityError, CodeMissingField, f, "", fmt.Sprintf("A %s change needs %s.", c.Kind, f), "Set "+f+"."))
		}
	}
	for _, f := range given {
		if !slices.Contains(spec.required, f) && !slices.Contains(spec.optional, f) {
			fs = append(fs, newFinding(SeverityError, CodeUnexpectedField, f, "", fmt.Sprintf("A %s change takes no %s.", c.Kind, f), "Remove "+f+"."))
		}
	}
	if slices.Contains(spec.optional, fieldUser) && (c.UserID == "") == (c.GroupID == "") {
		fs = append(fs, newFinding(SeverityError, CodeMissingField, fieldUser, "", fmt.Sprintf("A %s change names exactly one of user_id and group_id.", c.Kind),
			"Set user_id for a role held directly, or group_id for one held through a group."))
	}
	if HasErrors(fs) {
		return fs
	}
	return append(fs, p.checkChange(c, now)...)
}

// checkChange applies the rules of one well-formed change.
func (p *Policy) checkChange(c Change, now time.Time) []Finding {
	var fs []Finding
	unknown := func(field, what, id string) {
		fs = append(fs, newFinding(SeverityError, CodeUnknownObject, field, id, fmt.Sprintf("There is no %s %q.", what, id),
			"Name an existing "+what+" (a change cannot refer to one an earlier change of the same preview creates)."))
	}
	env := p.envs[c.EnvironmentID]
	if c.EnvironmentID != "" && env == nil {
		unknown(fieldEnvironment, "environment", c.EnvironmentID)
	}
	role := p.roles[c.RoleID]
	if c.RoleID != "" && role == nil {
		unknown(fieldRole, "role", c.RoleID)
	}
	user := p.users[c.UserID]
	if c.UserID != "" && user == nil {
		unknown(fieldUser, "user", c.UserID)
	}
	if c.GroupID != "" && p.groups[c.GroupID] == nil {
		unknown(fieldGroup, "group", c.GroupID)
	}
	if c.Members != nil {
		for _, m := range *c.Members {
			if p.users[m] == nil {
				unknown(fieldMembers, "user", m)
			}
		}
	}
	if HasErrors(fs) {
		return fs
	}
	builtin := func() {
		if d := CanChangeRole(*role); d != nil {
			fs = append(fs, newFinding(SeverityError, CodeBuiltinRole, fieldRole, c.RoleID, d.Message, "Preview an assignment of the built-in role instead."))
		}
	}
	vendorNoGroups := func(field, id string) {
		fs = append(fs, newFinding(SeverityError, CodeVendorNoGroups, field, id,
			fmt.Sprintf("User %q is a vendor user; vendor users join no groups and hold no roles.", id), "Give vendor users access with warden_support_access and access requests."))
	}
	switch c.Kind {
	case ChangeGrantUpsert:
		fs = append(fs, Errors(ValidateGrant(*c.Permissions, nil))...)
	case ChangeGrantDelete:
		if p.grants[grantKey{c.EnvironmentID, c.RoleID}] == nil {
			fs = append(fs, newFinding(SeverityError, CodeUnknownObject, fieldRole, c.RoleID,
				fmt.Sprintf("Role %q holds no grant in environment %q.", role.Name, env.Name), "Remove this change: there is nothing to delete."))
		}
	case ChangeRoleUpdate:
		builtin()
		fs = append(fs, Errors(ValidatePlatformPermissions(*c.Permissions))...)
	case ChangeRoleDelete:
		builtin()
	case ChangeAssignmentAdd:
		if user != nil && user.Kind == KindVendor {
			fs = append(fs, newFinding(SeverityError, CodeVendorNoRoles, fieldUser, c.UserID,
				"Vendor users hold no roles: they act only through support tiers and access requests.", "Assign the role to a member user or a group."))
		}
	case ChangeMemberAdd:
		if user.Kind == KindVendor {
			vendorNoGroups(fieldUser, c.UserID)
		}
	case ChangeMembersSet:
		for _, m := range *c.Members {
			if p.users[m].Kind == KindVendor {
				vendorNoGroups(fieldMembers, m)
			}
		}
	case ChangeSupportUpsert:
		fs = append(fs, ValidateSupportAccess(c.Tier, c.PortForwarding, env.Cloud)...)
		if cur := p.support[c.EnvironmentID]; cur == nil || !sameTime(cur.ExpiresAt, c.ExpiresAt) {
			fs = append(fs, ValidateFutureExpiry(c.ExpiresAt, now)...)
		}
	case ChangeSupportDelete:
		if p.support[c.EnvironmentID] == nil {
			fs = append(fs, newFinding(SeverityError, CodeUnknownObject, fieldEnvironment, c.EnvironmentID,
				fmt.Sprintf("Environment %q has no support access.", env.Name), "Remove this change: there is nothing to delete."))
		}
	case ChangeUserKind:
		if fs2 := ValidateUserKind(c.UserKind); len(fs2) > 0 {
			fs2[0].Field = fieldUserKind
			fs = append(fs, fs2...)
		}
	}
	return Errors(fs)
}

// Assignment returns the assignment that gives roleID to a user or a group (exactly one of
// userID, groupID), if any.
func (p *Policy) Assignment(roleID, userID, groupID string) (Assignment, bool) {
	for _, a := range p.roleAssignments[roleID] {
		if a.UserID == userID && a.GroupID == groupID {
			return *a, true
		}
	}
	return Assignment{}, false
}

// GrantOf returns a role's grant in an environment.
func (p *Policy) GrantOf(envID, roleID string) (Grant, bool) {
	g := p.grants[grantKey{envID, roleID}]
	if g == nil {
		return Grant{}, false
	}
	return *g, true
}

// RoleByID returns a role.
func (p *Policy) RoleByID(id string) (Role, bool) {
	r := p.roles[id]
	if r == nil {
		return Role{}, false
	}
	return *r, true
}

// GroupByID returns a group with its members.
func (p *Policy) GroupByID(id string) (Group, bool) {
	g := p.groups[id]
	if g == nil {
		return Group{}, false
	}
	out := *g
	out.Members = slices.Clone(g.Members)
	return out, true
}

// SupportAccessOf returns an environment's support access.
func (p *Policy) SupportAccessOf(envID string) (SupportAccess, bool) {
	a := p.support[envID]
	if a == nil {
		return SupportAccess{}, false
	}
	return *a, true
}
