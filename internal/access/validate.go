package access

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Severity says whether a finding blocks the change or only informs.
type Severity string

// The two severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Stable finding codes. Clients match on these; never change one in place.
const (
	CodeUnknownPermission         = "unknown_permission"
	CodeDuplicatePermission       = "duplicate_permission"
	CodeEmptyPermissions          = "empty_permissions"
	CodeUnknownAction             = "unknown_action"
	CodeUncoveredAction           = "uncovered_action"
	CodeRedundantPermission       = "redundant_permission"
	CodeIneffectivePermission     = "ineffective_permission"
	CodeUnknownPlatformPermission = "unknown_platform_permission"
	CodeEnvironmentAction         = "environment_action"
	CodeUnknownTier               = "unknown_tier"
	CodeUnknownCloud              = "unknown_cloud"
	CodeTierRequiresGCP           = "tier_requires_gcp"
	CodePortForwardingTier        = "port_forwarding_requires_operator"
	CodeReservedRoleName          = "reserved_role_name"
	CodeInvalidDuration           = "invalid_duration"
)

// Finding is one result of validation.
type Finding struct {
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	// Field is the attribute (and API field) at fault, e.g. "permissions" or "require_actions".
	Field string `json:"field"`
	// Value is the offending element, when one element is at fault.
	Value   string `json:"value,omitempty"`
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
	// Ignored lists the names this build does not know that the finding reasoned without
	// (an uncovered action judged on the known permissions only): a newer server, which may
	// know them, could judge otherwise. The message says which they are.
	Ignored []string `json:"ignored,omitempty"`
}

// String renders the finding as one sentence pair, for logs and API details.
func (f Finding) String() string {
	if f.Fix == "" {
		return f.Message
	}
	return f.Message + " " + f.Fix
}

// IsUnknownName reports whether the finding is about a name this build does not know; a newer
// server may know it, so the provider can downgrade such findings to warnings.
func (f Finding) IsUnknownName() bool {
	switch f.Code {
	case CodeUnknownPermission, CodeUnknownAction, CodeUnknownPlatformPermission:
		return true
	}
	return false
}

// DependsOnUnknownNames reports whether the finding is about a name this build does not know,
// or reasons without such names (Ignored): either way only a server that knows every name
// can be sure of it.
func (f Finding) DependsOnUnknownNames() bool { return f.IsUnknownName() || len(f.Ignored) > 0 }

// newFinding is a finding that ignores nothing.
func newFinding(sev Severity, code, field, value, msg, fix string) Finding {
	return Finding{Severity: sev, Code: code, Field: field, Value: value, Message: msg, Fix: fix}
}

// Errors returns only the findings of error severity.
func Errors(fs []Finding) []Finding {
	return slices.DeleteFunc(slices.Clone(fs), func(f Finding) bool { return f.Severity != SeverityError })
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity == SeverityError })
}

// ValidateGrant checks an environment grant: every permission is one of the eight, the set is
// not empty, each required action exists and is covered; it warns about redundant and
// ineffective combinations. `tunnel` without `sensitive_access` is a documented read-only
// pattern and draws no warning. Every finding is reported, each once, not only the first: a
// required action is judged on the known permissions, and its message names those it ignored.
func ValidateGrant(perms, requireActions []string) []Finding {
	var fs []Finding
	known, unknown := []string{}, []string{}
	seen := map[string]bool{}
	dropped := 0
	for _, p := range perms {
		if len(fs) >= MaxFindings {
			dropped++
			continue
		}
		if seen[p] {
			fs = append(fs, newFinding(SeverityError, CodeDuplicatePermission, "permissions", p,
				fmt.Sprintf("Permission %q is listed more than once.", p), "Remove the duplicate."))
			continue
		}
		seen[p] = true
		if !IsPermission(p) {
			unknown = append(unknown, p)
			fs = append(fs, newFinding(SeverityError, CodeUnknownPermission, "permissions", p,
				fmt.Sprintf("%q is not an environment permission.", p), suggest(p, PermissionNames(), "one of "+OrList(PermissionNames()))))
			continue
		}
		known = append(known, p)
	}
	if dropped > 0 {
		return uniqueFindings(append(fs, tooMany("permissions", dropped)))
	}
	if len(perms) == 0 {
		fs = append(fs, newFinding(SeverityError, CodeEmptyPermissions, "permissions", "",
			"A grant needs at least one permission.", "Add one of "+OrList(PermissionNames())+"; basic_visibility allows only basic reads."))
	}
	fs = append(fs, redundantPermissions(known)...)
	for i, a := range requireActions {
		if len(fs) >= MaxFindings {
			return uniqueFindings(append(fs, tooMany("require_actions", len(requireActions)-i)))
		}
		need, ok := PermissionsFor(a)
		if !ok {
			fs = append(fs, newFinding(SeverityError, CodeUnknownAction, "require_actions", a,
				fmt.Sprintf("%q is not an action of the permissions matrix.", a), suggest(a, Actions(), "see the warden_permission_matrix data source for the 34 actions")))
			continue
		}
		if !Allows(known, a) {
			var msg string
			switch len(known) {
			case 0:
				msg = fmt.Sprintf("No environment permission given allows %q.", a)
			case 1:
				msg = fmt.Sprintf("The permission %s does not allow %q.", known[0], a)
			default:
				msg = fmt.Sprintf("The permissions %s do not allow %q.", andList(known), a)
			}
			f := newFinding(SeverityError, CodeUncoveredAction, "require_actions", a, msg+ignoredNote(unknown, "an environment permission"), coverFix(need, a))
			if len(unknown) > 0 {
				f.Ignored = slices.Clone(unknown)
			}
			fs = append(fs, f)
		}
	}
	return uniqueFindings(fs)
}

// redundantPermissions warns about the known permissions of a grant that others already
// include: every permission beside environment_admin, which allows everything, and
// basic_visibility beside any other permission, since every permission allows the basic reads.
func redundantPermissions(known []string) []Finding {
	var fs []Finding
	if slices.Contains(known, string(EnvironmentAdmin)) {
		for _, p := range known {
			if p != string(EnvironmentAdmin) {
				fs = append(fs, newFinding(SeverityWarning, CodeRedundantPermission, "permissions", p,
					fmt.Sprintf("%q is redundant: environment_admin already allows every action.", p), fmt.Sprintf("Remove %q.", p)))
			}
		}
		return fs
	}
	if !slices.Contains(known, string(BasicVisibility)) {
		return nil
	}
	others := slices.DeleteFunc(slices.Clone(known), func(p string) bool { return p == string(BasicVisibility) })
	var why string
	switch {
	case len(others) == 0:
		return nil
	case slices.Contains(others, string(FullVisibility)):
		why = "full_visibility includes it."
	case len(others) == 1:
		why = others[0] + " includes it: every permission allows the basic reads."
	default:
		why = andList(others) + " include it: every permission allows the basic reads."
	}
	return []Finding{newFinding(SeverityWarning, CodeRedundantPermission, "permissions", string(BasicVisibility),
		`"basic_visibility" is redundant: `+why, `Remove "basic_visibility".`)}
}

// ignoredNote is the sentence a finding that reasons from the known names adds about those
// it left out (" "deploymnt" is not an environment permission and was ignored."), or "".
func ignoredNote(unknown []string, what string) string {
	q := make([]string, len(unknown))
	for i, u := range unknown {
		q[i] = strconv.Quote(u)
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf(" %s is not %s and was ignored.", q[0], what)
	}
	plural := strings.Replace(strings.Replace(what, "an ", "", 1), "a ", "", 1) + "s"
	return fmt.Sprintf(" %s are not %s and were ignored.", andList(q), plural)
}

// uniqueFindings drops each finding identical to one before it: the same fault reported twice
// (a name listed three times, a redundant name listed twice) is one diagnostic, not two.
func uniqueFindings(fs []Finding) []Finding {
	out := fs[:0:0]
	for _, f := range fs {
		if !slices.ContainsFunc(out, func(g Finding) bool { return sameFinding(f, g) }) {
			out = append(out, f)
		}
	}
	return out
}

func sameFinding(a, b Finding) bool {
	return a.Severity == b.Severity && a.Code == b.Code && a.Field == b.Field && a.Value == b.Value &&
		a.Message == b.Message && a.Fix == b.Fix && slices.Equal(a.Ignored, b.Ignored)
}

// coverFix names the smallest additions that allow action: any one of its permissions,
// environment_admin last because it allows far more.
func coverFix(need []string, action string) string {
	return fmt.Sprintf("Add %s to allow %q.", OrList(narrowFirst(need)), action)
}

// ValidatePlatformPermissions checks a role's platform permissions against the catalogue and
// its patterns, and warns about `X.admin` beside `X.read` and `integrations.admin` without
// `cluster.admin`. Every finding is reported, each once; a warning that reasons from the
// permissions names the unknown ones it ignored.
func ValidatePlatformPermissions(perms []string) []Finding {
	var fs []Finding
	seen := map[string]bool{}
	var unknown []string
	for i, p := range perms {
		if len(fs) >= MaxFindings {
			return uniqueFindings(append(fs, tooMany("permissions", len(perms)-i)))
		}
		if seen[p] {
			fs = append(fs, newFinding(SeverityError, CodeDuplicatePermission, "permissions", p,
				fmt.Sprintf("Platform permission %q is listed more than once.", p), "Remove the duplicate."))
			continue
		}
		seen[p] = true
		if IsOrgRole(p) {
			fs = append(fs, newFinding(SeverityError, CodeUnknownPlatformPermission, "permissions", p,
				fmt.Sprintf("%q is a built-in organization role, not a platform permission.", p),
				fmt.Sprintf("Assign the built-in role %q with warden_role_assignment (look it up with the warden_role data source).", p)))
			continue
		}
		if need, ok := PermissionsFor(p); ok {
			fs = append(fs, newFinding(SeverityError, CodeEnvironmentAction, "permissions", p,
				fmt.Sprintf("%q is an environment action, not a platform permission.", p),
				fmt.Sprintf("Grant it with warden_environment_grant using permissions %s.", OrList(narrowFirst(need)))))
			continue
		}
		if !IsPlatformPermission(p) {
			unknown = append(unknown, p)
			fs = append(fs, newFinding(SeverityError, CodeUnknownPlatformPermission, "permissions", p,
				fmt.Sprintf("%q is not a platform permission.", p),
				suggest(p, CatalogueNames(), "use a name from the A-Ops catalogue, conduct.<conduct_id>.read, conduct.<conduct_id>.admin or <model>.create")))
		}
	}
	for _, p := range perms {
		if base, ok := strings.CutSuffix(p, ".read"); ok && seen[base+".admin"] && IsPlatformPermission(base+".admin") {
			fs = append(fs, newFinding(SeverityWarning, CodeRedundantPermission, "permissions", p,
				fmt.Sprintf("%q is redundant: %q includes it.", p, base+".admin"), fmt.Sprintf("Remove %q.", p)))
		}
	}
	if seen[string(IntegrationsAdmin)] && !seen[string(ClusterAdmin)] {
		f := newFinding(SeverityWarning, CodeIneffectivePermission, "permissions", string(IntegrationsAdmin),
			fmt.Sprintf("%q has no effect without %q: integration management needs both.", IntegrationsAdmin, ClusterAdmin)+
				ignoredNote(unknown, "a platform permission"),
			fmt.Sprintf("Add %q, or remove %q.", ClusterAdmin, IntegrationsAdmin))
		if len(unknown) > 0 {
			f.Ignored = slices.Clone(unknown)
		}
		fs = append(fs, f)
	}
	return uniqueFindings(fs)
}

// ValidateRoleName refuses a role named after a built-in organization role: those exist
// once, and a role of one's own cannot take their name.
func ValidateRoleName(field, name string) []Finding {
	if !IsOrgRole(name) {
		return nil
	}
	return []Finding{newFinding(SeverityError, CodeReservedRoleName, field, name,
		fmt.Sprintf("%q is the name of a built-in organization role; a role you define cannot take it.", name),
		fmt.Sprintf("Choose another name. To give someone %q, assign the built-in role with warden_role_assignment (look it up with the warden_role data source).", name))}
}

// ValidateSupportAccess checks a support tier against the environment's cloud (skipped when
// cloud is "", i.e. not yet known) and the port forwarding flag.
func ValidateSupportAccess(tier string, portForwarding bool, cloud string) []Finding {
	var fs []Finding
	if TierRank(tier) == 0 {
		return append(fs, newFinding(SeverityError, CodeUnknownTier, "tier", tier,
			fmt.Sprintf("%q is not a support tier.", tier), suggest(tier, TierNames(), "one of "+OrList(TierNames()))))
	}
	if cloud != "" {
		fs = append(fs, ValidateCloud(cloud)...)
	}
	if tier == string(TierCoMaintainer) && cloud != "" && cloud != string(CloudGCP) {
		fs = append(fs, newFinding(SeverityError, CodeTierRequiresGCP, "tier", tier,
			fmt.Sprintf("The co_maintainer tier is available only on gcp environments; this environment runs on %s.", cloud),
			`Use tier "operator", or grant co_maintainer on a gcp environment.`))
	}
	if portForwarding && !PortForwardingAllowed(tier) {
		fs = append(fs, newFinding(SeverityError, CodePortForwardingTier, "port_forwarding", "true",
			fmt.Sprintf("Port forwarding needs the operator tier or above; the tier is %q.", tier),
			`Set port_forwarding = false, or raise tier to "operator".`))
	}
	return fs
}

// The bounds of an access request's duration.
const (
	MinRequestDuration = time.Minute
	MaxRequestDuration = 30 * 24 * time.Hour
)

// ValidateRequestDuration checks an access request's duration_seconds against its bounds,
// saying both in days and hours rather than as a number of seconds.
func ValidateRequestDuration(seconds int64) []Finding {
	const field = "duration_seconds"
	minS, maxS := int64(MinRequestDuration/time.Second), int64(MaxRequestDuration/time.Second)
	if seconds >= minS && seconds <= maxS {
		return nil
	}
	got := fmt.Sprintf("%d seconds", seconds)
	if seconds >= 60 && seconds <= math.MaxInt64/int64(time.Second) {
		got += " (" + SpokenDuration(time.Duration(seconds)*time.Second) + ")"
	}
	fix := fmt.Sprintf("Ask for at most %s (%d seconds); a longer need is a new request once this one ends.", SpokenDuration(MaxRequestDuration), maxS)
	if seconds < minS {
		fix = fmt.Sprintf("Ask for at least %s (%d seconds).", SpokenDuration(MinRequestDuration), minS)
	}
	return []Finding{newFinding(SeverityError, CodeInvalidDuration, field, strconv.FormatInt(seconds, 10),
		fmt.Sprintf("duration_seconds is %s; an access request lasts from %s to %s.", got, SpokenDuration(MinRequestDuration), SpokenDuration(MaxRequestDuration)), fix)}
}

// SpokenDuration writes d as people say it, in its two largest units: "30 days",
// "34 days 17 hours", "2 hours 5 minutes", "1 minute", "45 seconds".
func SpokenDuration(d time.Duration) string {
	units := []struct {
		name string
		size time.Duration
	}{{"day", 24 * time.Hour}, {"hour", time.Hour}, {"minute", time.Minute}, {"second", time.Second}}
	for i, u := range units {
		n := d / u.size
		if n == 0 {
			continue
		}
		out := plural(int64(n), u.name)
		if i+1 < len(units) {
			if m := (d % u.size) / units[i+1].size; m > 0 {
				out += " " + plural(int64(m), units[i+1].name)
			}
		}
		return out
	}
	return "0 seconds"
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// MaxFindings bounds the findings one validation returns, and so the work it does (a
// did-you-mean suggestion costs an edit distance per candidate): a list of thousands of
// bogus names gets the first MaxFindings findings and one saying how many were left out.
const MaxFindings = 50

// CodeTooManyFindings marks the finding that stands for those left out.
const CodeTooManyFindings = "too_many_findings"

func tooMany(field string, n int) Finding {
	return newFinding(SeverityError, CodeTooManyFindings, field, "",
		fmt.Sprintf("%d more elements were not checked: validation stops after %d findings.", n, MaxFindings),
		"Fix the findings above and try again.")
}

// Suggest returns a did-you-mean sentence for name among candidates, or "" when none is close.
func Suggest(name string, candidates []string) string { return suggest(name, candidates, "") }

// suggest returns a did-you-mean fix for name among candidates, or the fallback advice ("" for none).
func suggest(name string, candidates []string, fallback string) string {
	best, bestD := "", len(name)/2+2
	if len(name) > 128 {
		candidates = nil // no name that long is a typo of a short one
	}
	for _, c := range candidates {
		if d := distance(strings.ToLower(name), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best != "" {
		return fmt.Sprintf("Did you mean %q?", best)
	}
	if fallback == "" {
		return ""
	}
	s := strings.ToUpper(fallback[:1]) + fallback[1:]
	return strings.TrimSuffix(s, ".") + "."
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// OrList renders names as words for a sentence, not as a Go slice: "a", "a or b",
// "a, b or c". Diagnostics are plain text, so no Markdown code spans either.
func OrList(xs []string) string { return wordList(xs, "or") }

// andList is OrList joined with "and".
func andList(xs []string) string { return wordList(xs, "and") }

func wordList(xs []string, conj string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " " + conj + " " + xs[len(xs)-1]
}

// narrowFirst moves environment_admin, which allows far more than any one action needs, last.
func narrowFirst(perms []string) []string {
	out := slices.DeleteFunc(slices.Clone(perms), func(p string) bool { return p == string(EnvironmentAdmin) })
	if len(out) < len(perms) {
		out = append(out, string(EnvironmentAdmin))
	}
	return out
}
