package access

import (
	"slices"
	"sort"
)

// Permission is one of the eight environment permissions a grant can hold.
type Permission string

// The eight environment permissions (Aptible's).
const (
	BasicVisibility  Permission = "basic_visibility"
	FullVisibility   Permission = "full_visibility"
	EnvironmentAdmin Permission = "environment_admin"
	Deployment       Permission = "deployment"
	Destruction      Permission = "destruction"
	Ops              Permission = "ops"
	SensitiveAccess  Permission = "sensitive_access"
	Tunnel           Permission = "tunnel"
)

// PermissionInfo describes an environment permission.
type PermissionInfo struct {
	Name        Permission
	Description string
}

// permissions lists every environment permission in documentation order; it feeds
// validators, descriptions and the API's matrix document alike.
var permissions = []PermissionInfo{
	{BasicVisibility, "See basic, non-sensitive information about the environment and all its resources."},
	{FullVisibility, "See all information, including app configuration, except database credentials. Includes basic_visibility."},
	{EnvironmentAdmin, "Unrestricted access to the environment: every action and every sensitive value."},
	{Deployment, "Create, deploy, configure and restart resources; no sensitive values."},
	{Destruction, "Destroy every resource in the environment, and the environment itself."},
	{Ops, "Manage log and metric drains, and incident response: restart, scale, stream logs, back up."},
	{SensitiveAccess, "See and manage sensitive values: app configuration, database credentials, certificates."},
	{Tunnel, "Tunnel into databases (credentials must come from elsewhere, unless sensitive_access is also held)."},
}

// Permissions returns the eight environment permissions with their descriptions.
func Permissions() []PermissionInfo { return slices.Clone(permissions) }

// PermissionNames returns the eight environment permission names as strings.
func PermissionNames() []string {
	out := make([]string, len(permissions))
	for i, p := range permissions {
		out[i] = string(p.Name)
	}
	return out
}

// IsPermission reports whether name is one of the eight environment permissions.
func IsPermission(name string) bool {
	return slices.ContainsFunc(permissions, func(p PermissionInfo) bool { return string(p.Name) == name })
}

// Row is one line of the permissions matrix: an action and the permissions that allow it.
type Row struct {
	Action      string
	Permissions []Permission
}

const (
	ea = EnvironmentAdmin
	fv = FullVisibility
	de = Deployment
	ds = Destruction
	op = Ops
	sa = SensitiveAccess
	tu = Tunnel
)

// matrix is MATRIX.md as data, row for row. environment_admin allows every action, and is
// listed on each row to keep the table readable against the document.
var matrix = []Row{
	{"environment.deprovision", []Permission{ea, ds}},
	{"environment.rename", []Permission{ea}},
	{"environment.manage_backup_retention_policy", []Permission{ea}},
	{"apps.create", []Permission{ea, de, sa}},
	{"apps.deprovision", []Permission{ea, ds}},
	{"apps.read_configuration", []Permission{ea, fv, sa}},
	{"apps.configure", []Permission{ea, de, sa}},
	{"apps.rename", []Permission{ea, de}},
	{"apps.deploy", []Permission{ea, de}},
	{"apps.rebuild", []Permission{ea, de}},
	{"apps.scale", []Permission{ea, de, op}},
	{"apps.restart", []Permission{ea, de, op}},
	{"apps.create_endpoints", []Permission{ea, de}},
	{"apps.deprovision_endpoints", []Permission{ea, ds}},
	{"apps.stream_logs", []Permission{ea, de, op}},
	{"apps.ssh", []Permission{ea, sa}},
	{"apps.scan_image", []Permission{ea, de, op}},
	{"databases.create", []Permission{ea, de}},
	{"databases.deprovision", []Permission{ea, ds}},
	{"databases.read_credentials", []Permission{ea, sa}},
	{"databases.create_backups", []Permission{ea, de, op}},
	{"databases.restore_backups", []Permission{ea, de}},
	{"databases.purge_backups", []Permission{ea, ds}},
	{"databases.rename", []Permission{ea, de}},
	{"databases.restart", []Permission{ea, de, op}},
	{"databases.create_replicas", []Permission{ea, de}},
	{"databases.create_endpoints", []Permission{ea, de}},
	{"databases.deprovision_endpoints", []Permission{ea, ds}},
	{"databases.create_tunnels", []Permission{ea, tu}},
	{"databases.stream_logs", []Permission{ea, de, op}},
	{"drains.create", []Permission{ea, de, op}},
	{"drains.deprovision", []Permission{ea, de, ds, op}},
	{"certificates.create", []Permission{ea, sa}},
	{"certificates.delete", []Permission{ea, ds, sa}},
}

// Matrix returns every row of the permissions matrix, in MATRIX.md order.
func Matrix() []Row {
	out := make([]Row, len(matrix))
	for i, r := range matrix {
		out[i] = Row{Action: r.Action, Permissions: slices.Clone(r.Permissions)}
	}
	return out
}

// Actions returns the names of every action in the matrix, in MATRIX.md order.
func Actions() []string {
	out := make([]string, len(matrix))
	for i, r := range matrix {
		out[i] = r.Action
	}
	return out
}

// IsAction reports whether action is a row of the matrix.
func IsAction(action string) bool {
	_, ok := row(action)
	return ok
}

func row(action string) (Row, bool) {
	i, ok := rowIndex[action]
	if !ok {
		return Row{}, false
	}
	return matrix[i], true
}

// PermSet is a set of environment permissions as bits, so that "does any held permission
// allow this action" is one AND: decisions run on every API request.
type PermSet uint16

var (
	rowIndex   = map[string]int{}
	permBit    = map[string]PermSet{}
	actionSets = map[string]PermSet{}
)

func init() {
	for i, p := range permissions {
		permBit[string(p.Name)] = 1 << i
	}
	for i, r := range matrix {
		rowIndex[r.Action] = i
		actionSets[r.Action] = SetOf(permNames(r.Permissions))
	}
}

func permNames(ps []Permission) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

// SetOf returns the set of the known environment permissions among names.
func SetOf(names []string) PermSet {
	var s PermSet
	for _, n := range names {
		s |= permBit[n]
	}
	return s
}

// Has reports whether s holds p.
func (s PermSet) Has(p Permission) bool { return s&permBit[string(p)] != 0 }

// Covers reports whether s holds every permission of need: environment_admin covers all,
// full_visibility includes basic_visibility.
func (s PermSet) Covers(need PermSet) bool {
	if s.Has(FullVisibility) {
		s |= permBit[string(BasicVisibility)]
	}
	return s.Has(EnvironmentAdmin) || need&^s == 0
}

// actionSet returns the permissions that allow action, and false for an unknown action.
func actionSet(action string) (PermSet, bool) {
	s, ok := actionSets[action]
	return s, ok
}

// PermissionsFor returns the permissions that allow action, environment_admin first as in
// MATRIX.md, and false when the action is not in the matrix.
func PermissionsFor(action string) ([]string, bool) {
	r, ok := row(action)
	if !ok {
		return nil, false
	}
	out := make([]string, len(r.Permissions))
	for i, p := range r.Permissions {
		out[i] = string(p)
	}
	return out, true
}

// Allows reports whether a grant holding perms may perform action. Unknown names allow
// nothing; an unknown action is never allowed.
func Allows(perms []string, action string) bool {
	return AllowingPermission(perms, action) != ""
}

// AllowingPermission returns the first of perms (in the order given) that allows action, or
// "" when none does. It names the reason in authorization answers.
func AllowingPermission(perms []string, action string) string {
	set, ok := actionSet(action)
	if !ok {
		return ""
	}
	for _, p := range perms {
		if set&permBit[p] != 0 {
			return p
		}
	}
	return ""
}

// AllowedActions returns, sorted, every action that perms allow.
func AllowedActions(perms []string) []string {
	out := []string{}
	for _, r := range matrix {
		if Allows(perms, r.Action) {
			out = append(out, r.Action)
		}
	}
	sort.Strings(out)
	return out
}
