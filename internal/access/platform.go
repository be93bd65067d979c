package access

import (
	"regexp"
	"slices"
	"strings"
)

// OrgRole is a built-in organization role.
type OrgRole string

// The built-in organization roles: each is the equivalent of environment_admin in every
// environment, holds every platform permission, and may create environments.
const (
	AccountOwner OrgRole = "account_owner"
	DeployOwner  OrgRole = "deploy_owner"
)

// OrgRoles lists the built-in organization roles.
var OrgRoles = []OrgRole{AccountOwner, DeployOwner}

// IsOrgRole reports whether name is a built-in organization role.
func IsOrgRole(name string) bool { return slices.Contains(OrgRoles, OrgRole(name)) }

// PlatformPermission is one named entry of the A-Ops platform catalogue.
type PlatformPermission struct {
	Name        string
	Description string
}

// catalogue is every literal name of the A-Ops seed; the two patterns are matched apart.
var catalogue = []PlatformPermission{
	{"cluster.messages.admin", "Work administration from the worker status page, on-demand triggers and flow continuation."},
	{"worker.install", "Download or generate worker installation files."},
	{"debug.create", "Create new debug sessions."},
	{"integrations.read", "Read access to all integrations."},
	{"integrations.admin", "Install and uninstall integrations; needs cluster.admin to be useful."},
	{"cluster.read", "Read access to the cluster members."},
	{"cluster.admin", "Cluster members, support pages, enabling and disabling remote (vendor) support and alert routing."},
	{"users.read", "Read access to all users."},
	{"users.admin", "Full read/write/delete access to all users and their tokens."},
	{"license.admin", "View and manage the license."},
	{"cluster.poll", "Used by a worker to ask for work."},
	{"cluster.create", "Used by a worker to create a new cluster member during authentication."},
	{"cluster.messages.trigger", "Trigger flows on demand."},
	{"cluster.messages.integration", "Ask a worker to run an integration module or function."},
	{"model.read", "Read models, and create objects of any model."},
	{"model.admin", "Full read/write/delete access to all models."},
	{"conducts.read", "Read access to all conducts."},
	{"conducts.admin", "Full read/write/delete access to all conducts."},
	{"triggers.read", "Read access to all trigger objects."},
	{"triggers.admin", "Full read/write/delete access to all trigger objects."},
	{"action.read", "Read access to all action objects."},
	{"action.admin", "Full read/write/delete access to all action objects."},
	{"groups.read", "Read access to all groups."},
	{"groups.admin", "Full read/write/delete access to all groups."},
	{"tenant.read", "Read access to the tenant."},
	{"tenant.admin", "Full read/write/delete access to the tenant."},
	{"application.read", "Read access to all applications."},
	{"application.admin", "Full read/write/delete access to all applications."},
	{"audit.read", "Read access to audit events."},
	{"debug.admin", "Full read/write/delete access to debug sessions and data."},
	{"revision.read", "Read access to all revisions."},
	{"revision.admin", "Full read/write/delete access to all revisions."},
	{"secret.read", "Read access to all secrets."},
	{"secret.admin", "Full read/write/delete access to all secrets."},
	{"settings.read", "Read access to all settings."},
	{"settings.admin", "Full read/write/delete access to all settings."},
	{"storageProvider.read", "Read access to all storage providers."},
	{"storageProvider.admin", "Full read/write/delete access to all storage providers."},
	{"storage.read", "Read access to all storage items."},
	{"storage.admin", "Full read/write/delete access to all storage items."},
}

// The two pattern families of the catalogue.
var (
	conductPattern = regexp.MustCompile(`^conduct\.([A-Za-z0-9_-]+)\.(read|admin)$`)
	modelPattern   = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_]*)\.create$`)
)

// PlatformPatterns documents the pattern names accepted beside the literal catalogue.
var PlatformPatterns = []PlatformPermission{
	{"conduct.<conduct_id>.read", "Read the triggers and actions placed on one conduct."},
	{"conduct.<conduct_id>.admin", "Full read/write/delete of the triggers and actions placed on one conduct."},
	{"<model>.create", "Read the named model and create objects of it."},
}

// Catalogue returns every literal platform permission of the A-Ops catalogue.
func Catalogue() []PlatformPermission { return slices.Clone(catalogue) }

// CatalogueNames returns the literal platform permission names.
func CatalogueNames() []string {
	out := make([]string, len(catalogue))
	for i, p := range catalogue {
		out[i] = p.Name
	}
	return out
}

// IsPlatformPermission reports whether name is in the catalogue or matches one of its patterns.
func IsPlatformPermission(name string) bool {
	if slices.ContainsFunc(catalogue, func(p PlatformPermission) bool { return p.Name == name }) {
		return true
	}
	return conductPattern.MatchString(name) || isModelCreate(name)
}

// isModelCreate reports whether name is a `<model>.create` platform permission. An action of
// the permissions matrix (apps.create, databases.create, …) has the same shape but is an
// environment action, granted per environment; a role holding it would allow nothing.
func isModelCreate(name string) bool {
	return modelPattern.MatchString(name) && !IsAction(name)
}

// PlatformAllows reports whether a principal holding held has the platform permission need,
// applying the catalogue's rules: `X.admin` includes `X.read`; `conducts.admin` and
// `conducts.read` cover every conduct's admin and read; `model.admin` and `model.read` cover
// every `<model>.create` (never a matrix action such as apps.create); an organization role
// holds everything.
func PlatformAllows(held []string, need string) bool {
	for _, h := range held {
		if h == need || IsOrgRole(h) {
			return true
		}
	}
	if base, ok := strings.CutSuffix(need, ".read"); ok && slices.Contains(held, base+".admin") {
		return true
	}
	if m := conductPattern.FindStringSubmatch(need); m != nil {
		if slices.Contains(held, "conducts.admin") || (m[2] == "read" && slices.Contains(held, "conducts.read")) {
			return true
		}
		if m[2] == "read" && slices.Contains(held, "conduct."+m[1]+".admin") {
			return true
		}
	}
	if isModelCreate(need) && need != "cluster.create" && need != "debug.create" {
		return slices.Contains(held, "model.admin") || slices.Contains(held, "model.read")
	}
	return false
}
