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

// PlatformPermission names a platform permission: a name of the A-Ops catalogue, or one
// matching its patterns (conduct.<conduct_id>.read, <model>.create). Rules name the
// permissions they need by the constants below, never by a literal.
type PlatformPermission string

// The literal names of the A-Ops catalogue, in catalogue order.
const (
	ClusterMessagesAdmin       PlatformPermission = "cluster.messages.admin"
	WorkerInstall              PlatformPermission = "worker.install"
	DebugCreate                PlatformPermission = "debug.create"
	IntegrationsRead           PlatformPermission = "integrations.read"
	IntegrationsAdmin          PlatformPermission = "integrations.admin"
	ClusterRead                PlatformPermission = "cluster.read"
	ClusterAdmin               PlatformPermission = "cluster.admin"
	UsersRead                  PlatformPermission = "users.read"
	UsersAdmin                 PlatformPermission = "users.admin"
	LicenseAdmin               PlatformPermission = "license.admin"
	ClusterPoll                PlatformPermission = "cluster.poll"
	ClusterCreate              PlatformPermission = "cluster.create"
	ClusterMessagesTrigger     PlatformPermission = "cluster.messages.trigger"
	ClusterMessagesIntegration PlatformPermission = "cluster.messages.integration"
	ModelRead                  PlatformPermission = "model.read"
	ModelAdmin                 PlatformPermission = "model.admin"
	ConductsRead               PlatformPermission = "conducts.read"
	ConductsAdmin              PlatformPermission = "conducts.admin"
	TriggersRead               PlatformPermission = "triggers.read"
	TriggersAdmin              PlatformPermission = "triggers.admin"
	ActionRead                 PlatformPermission = "action.read"
	ActionAdmin                PlatformPermission = "action.admin"
	GroupsRead                 PlatformPermission = "groups.read"
	GroupsAdmin                PlatformPermission = "groups.admin"
	TenantRead                 PlatformPermission = "tenant.read"
	TenantAdmin                PlatformPermission = "tenant.admin"
	ApplicationRead            PlatformPermission = "application.read"
	ApplicationAdmin           PlatformPermission = "application.admin"
	AuditRead                  PlatformPermission = "audit.read"
	DebugAdmin                 PlatformPermission = "debug.admin"
	RevisionRead               PlatformPermission = "revision.read"
	RevisionAdmin              PlatformPermission = "revision.admin"
	SecretRead                 PlatformPermission = "secret.read"
	SecretAdmin                PlatformPermission = "secret.admin"
	SettingsRead               PlatformPermission = "settings.read"
	SettingsAdmin              PlatformPermission = "settings.admin"
	StorageProviderRead        PlatformPermission = "storageProvider.read"
	StorageProviderAdmin       PlatformPermission = "storageProvider.admin"
	StorageRead                PlatformPermission = "storage.read"
	StorageAdmin               PlatformPermission = "storage.admin"
)

// PlatformPermissionInfo is one entry of the A-Ops platform catalogue.
type PlatformPermissionInfo struct {
	Name        PlatformPermission
	Description string
}

// PlatformPattern documents one pattern of platform permission names.
type PlatformPattern struct {
	Name        string
	Description string
}

// catalogue is every literal name of the A-Ops seed; the two patterns are matched apart.
var catalogue = []PlatformPermissionInfo{
	{ClusterMessagesAdmin, "Work administration from the worker status page, on-demand triggers and flow continuation."},
	{WorkerInstall, "Download or generate worker installation files."},
	{DebugCreate, "Create new debug sessions."},
	{IntegrationsRead, "Read access to all integrations."},
	{IntegrationsAdmin, "Install and uninstall integrations; needs cluster.admin to be useful."},
	{ClusterRead, "Read access to the cluster members."},
	{ClusterAdmin, "Cluster members, support pages, enabling and disabling remote (vendor) support and alert routing."},
	{UsersRead, "Read access to all users."},
	{UsersAdmin, "Full read/write/delete access to all users and their tokens."},
	{LicenseAdmin, "View and manage the license."},
	{ClusterPoll, "Used by a worker to ask for work."},
	{ClusterCreate, "Used by a worker to create a new cluster member during authentication."},
	{ClusterMessagesTrigger, "Trigger flows on demand."},
	{ClusterMessagesIntegration, "Ask a worker to run an integration module or function."},
	{ModelRead, "Read models, and create objects of any model."},
	{ModelAdmin, "Full read/write/delete access to all models."},
	{ConductsRead, "Read access to all conducts."},
	{ConductsAdmin, "Full read/write/delete access to all conducts."},
	{TriggersRead, "Read access to all trigger objects."},
	{TriggersAdmin, "Full read/write/delete access to all trigger objects."},
	{ActionRead, "Read access to all action objects."},
	{ActionAdmin, "Full read/write/delete access to all action objects."},
	{GroupsRead, "Read access to all groups."},
	{GroupsAdmin, "Full read/write/delete access to all groups."},
	{TenantRead, "Read access to the tenant."},
	{TenantAdmin, "Full read/write/delete access to the tenant."},
	{ApplicationRead, "Read access to all applications."},
	{ApplicationAdmin, "Full read/write/delete access to all applications."},
	{AuditRead, "Read access to audit events."},
	{DebugAdmin, "Full read/write/delete access to debug sessions and data."},
	{RevisionRead, "Read access to all revisions."},
	{RevisionAdmin, "Full read/write/delete access to all revisions."},
	{SecretRead, "Read access to all secrets."},
	{SecretAdmin, "Full read/write/delete access to all secrets."},
	{SettingsRead, "Read access to all settings."},
	{SettingsAdmin, "Full read/write/delete access to all settings."},
	{StorageProviderRead, "Read access to all storage providers."},
	{StorageProviderAdmin, "Full read/write/delete access to all storage providers."},
	{StorageRead, "Read access to all storage items."},
	{StorageAdmin, "Full read/write/delete access to all storage items."},
}

// The two pattern families of the catalogue.
var (
	conductPattern = regexp.MustCompile(`^conduct\.([A-Za-z0-9_-]+)\.(read|admin)$`)
	modelPattern   = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_]*)\.create$`)
)

// PlatformPatterns documents the pattern names accepted beside the literal catalogue.
var PlatformPatterns = []PlatformPattern{
	{"conduct.<conduct_id>.read", "Read the triggers and actions placed on one conduct."},
	{"conduct.<conduct_id>.admin", "Full read/write/delete of the triggers and actions placed on one conduct."},
	{"<model>.create", "Read the named model and create objects of it."},
}

// Catalogue returns every literal platform permission of the A-Ops catalogue.
func Catalogue() []PlatformPermissionInfo { return slices.Clone(catalogue) }

// CatalogueNames returns the literal platform permission names.
func CatalogueNames() []string {
	out := make([]string, len(catalogue))
	for i, p := range catalogue {
		out[i] = string(p.Name)
	}
	return out
}

// IsPlatformPermission reports whether name is in the catalogue or matches one of its patterns.
func IsPlatformPermission(name string) bool {
	if slices.ContainsFunc(catalogue, func(p PlatformPermissionInfo) bool { return string(p.Name) == name }) {
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
	holds := func(p PlatformPermission) bool { return slices.Contains(held, string(p)) }
	if base, ok := strings.CutSuffix(need, ".read"); ok && slices.Contains(held, base+".admin") {
		return true
	}
	if m := conductPattern.FindStringSubmatch(need); m != nil {
		if holds(ConductsAdmin) || (m[2] == "read" && holds(ConductsRead)) {
			return true
		}
		if m[2] == "read" && slices.Contains(held, "conduct."+m[1]+".admin") {
			return true
		}
	}
	if isModelCreate(need) && need != string(ClusterCreate) && need != string(DebugCreate) {
		return holds(ModelAdmin) || holds(ModelRead)
	}
	return false
}
