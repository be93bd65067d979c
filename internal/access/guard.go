package access

import (
	"fmt"
	"slices"
)

// Guardrails for plans: the names a provider may protect (protected_actions) and a resource
// may acknowledge (acknowledge_new_access). A preview reports environment access as matrix
// actions (members) and tier capabilities (vendor users), and platform access as platform
// permissions, so a protected name is any of the three, compared as the preview spells it
// (gaining users.admin also lists users.read, which it includes).

// CodeUnknownAccessName is the finding of a protected or acknowledged name that is none of them.
const CodeUnknownAccessName = "unknown_access_name"

// ValidateAccessNames checks each of names: a matrix action, a tier capability or a platform
// permission (catalogue patterns included).
func ValidateAccessNames(field string, names []string) []Finding {
	var fs []Finding
	for _, n := range names {
		if IsAccessName(n) {
			continue
		}
		candidates := slices.Concat(Actions(), CatalogueNames())
		for _, c := range capabilities {
			candidates = append(candidates, c.Name)
		}
		fs = append(fs, newFinding(SeverityError, CodeUnknownAccessName, field, n,
			fmt.Sprintf("%q is neither an action of the permissions matrix, a vendor tier capability nor a platform permission.", n),
			suggest(n, candidates, "use an action such as databases.read_credentials, a capability such as co_maintainer.apply_workspace, "+
				"or a platform permission such as cluster.admin")))
	}
	return fs
}

// IsAccessName reports whether name is a matrix action, a tier capability or a platform permission.
func IsAccessName(name string) bool {
	return IsAction(name) || IsCapability(name) || IsPlatformPermission(name)
}

// AndList joins names as a sentence does: "a, b and c".
func AndList(xs []string) string { return wordList(xs, "and") }
