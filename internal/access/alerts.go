package access

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// DestinationType is where a customer alert destination delivers.
type DestinationType string

// The alert destination types.
const (
	DestinationWebhook DestinationType = "webhook"
	DestinationEmail   DestinationType = "email"
)

// DestinationTypeNames returns the destination types.
func DestinationTypeNames() []string {
	return []string{string(DestinationWebhook), string(DestinationEmail)}
}

// AlertSeverity is the severity of a system alert; a destination receives alerts at or above
// its minimum severity.
type AlertSeverity string

// The alert severities, lowest first: PagerDuty Events v2's four levels, so that an event
// in that form keeps its severity exactly.
const (
	AlertInfo     AlertSeverity = "info"
	AlertWarning  AlertSeverity = "warning"
	AlertError    AlertSeverity = "error"
	AlertCritical AlertSeverity = "critical"
)

// alertSeverities is the one list of severities, lowest first: validators, descriptions and
// the routing decision's order all come from it.
var alertSeverities = []AlertSeverity{AlertInfo, AlertWarning, AlertError, AlertCritical}

// AlertSeverityNames returns the alert severities, lowest first.
func AlertSeverityNames() []string {
	names := make([]string, len(alertSeverities))
	for i, s := range alertSeverities {
		names[i] = string(s)
	}
	return names
}

// DefaultMinSeverity is a destination's minimum severity when none is given: informational
// alerts are noise for most on-call channels, so they are opt-in.
const DefaultMinSeverity = string(AlertWarning)

// CodeInvalidDestination marks every alert destination finding: a bad type, target or
// minimum severity, or a repeated destination.
const CodeInvalidDestination = "invalid_destination"

// AlertDestination is one customer alert destination, as the API and the provider hold it.
type AlertDestination struct {
	Type, Target, MinSeverity string
}

// ValidateAlertDestinations checks an environment's complete destination set: each
// destination's type, target (an absolute http or https URL with a host for webhook, a bare
// e-mail address for email) and minimum severity, and that no type and target pair repeats
// (with two minimum severities it would be ambiguous). Fields name the element, e.g.
// "destinations[1].target". A target may carry a secret (a webhook URL's token) and is
// sensitive in Terraform, so no finding repeats it, in its message, its fix or its value: the
// field says which destination is at fault.
func ValidateAlertDestinations(ds []AlertDestination) []Finding {
	var fs []Finding
	bad := func(i int, attr, value, msg, fix string) {
		fs = append(fs, newFinding(SeverityError, CodeInvalidDestination, fmt.Sprintf("destinations[%d].%s", i, attr), value, msg, fix))
	}
	seen := map[[2]string]int{}
	for i, d := range ds {
		// A target is an address: the character rule of e-mails applies to both types, in
		// the destination's words (its finding code, its field), never quoting the target.
		var chars []Finding
		switch DestinationType(d.Type) {
		case DestinationWebhook:
			chars = textFindingsOf("target", d.Target, formAddress, nil, false)
		case DestinationEmail:
			chars = textFindingsOf("target", d.Target, formAddress, func(r rune) bool { return r == ' ' }, false)
		}
		for _, c := range chars {
			bad(i, "target", c.Value, strings.Replace(c.Message, "target", "Target", 1), c.Fix)
		}
		switch DestinationType(d.Type) {
		case DestinationWebhook:
			if len(chars) > 0 {
				break
			}
			if msg := webhookProblem(d.Target); msg != "" {
				bad(i, "target", "", fmt.Sprintf("The webhook target %s.", msg),
					"Use an absolute http:// or https:// URL, e.g. https://hooks.example.com/warden.")
			}
		case DestinationEmail:
			if len(chars) > 0 {
				break
			}
			if msg := emailProblem(d.Target); msg != "" {
				bad(i, "target", "", fmt.Sprintf("The email target %s.", msg),
					"Use a bare address such as oncall@example.com, without a display name or mailto:.")
			}
		default:
			bad(i, "type", d.Type, fmt.Sprintf("%q is not an alert destination type.", d.Type),
				suggest(d.Type, DestinationTypeNames(), "one of "+OrList(DestinationTypeNames())))
		}
		if !slices.Contains(AlertSeverityNames(), d.MinSeverity) {
			bad(i, "min_severity", d.MinSeverity, fmt.Sprintf("%q is not an alert severity.", d.MinSeverity),
				suggest(d.MinSeverity, AlertSeverityNames(), "one of "+OrList(AlertSeverityNames())))
		}
		key := [2]string{d.Type, d.Target}
		if j, dup := seen[key]; dup {
			bad(i, "target", "", fmt.Sprintf("Destination %d repeats destination %d (the same %s target).", i, j, d.Type),
				"Keep one destination per target, with the lowest min_severity wanted.")
		} else {
			seen[key] = i
		}
	}
	return fs
}

func webhookProblem(target string) string {
	u, err := url.Parse(target)
	switch {
	case err != nil:
		return "is not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "must use http or https"
	case u.Hostname() == "":
		return "has no host"
	}
	return ""
}

// Redacted stands in for each secret part of an alert target.
const Redacted = "redacted"

// RedactTarget returns an alert target without its secret parts, for wherever a target is
// shown to someone other than cluster.admin or recorded (the audit log): a webhook URL's
// userinfo becomes "redacted", so does every query value (the keys stay, so that the shape
// of the URL is still recognisable; a bare query part without "=" counts as a value), and
// the fragment goes. E-mail targets carry no secret and stay as they are. A webhook target
// that is not a URL at all is entirely "redacted". Secrets in the path itself (as some chat
// services issue) are not recognisable as such and stay.
func RedactTarget(typ, target string) string {
	if DestinationType(typ) != DestinationWebhook {
		return target
	}
	u, err := url.Parse(target)
	if err != nil {
		return Redacted
	}
	if u.User != nil {
		u.User = url.User(Redacted)
	}
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, part := range parts {
			key, _, hasValue := strings.Cut(part, "=")
			switch {
			case hasValue:
				parts[i] = key + "=" + Redacted
			case part != "":
				parts[i] = Redacted
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// TargetDigest names an alert target in an id without showing it: warden_alert_destination's
// id ("<environment_id>/<type>/<digest>") and the audit log's record of a destination.
func TargetDigest(target string) string {
	sum := sha256.Sum256([]byte(target))
	return hex.EncodeToString(sum[:8])
}

// CodeDestinationExists refuses an additive destination whose type and target exist already
// with another minimum severity.
const CodeDestinationExists = "destination_exists"

// CanAddDestination is the additive rule for adding d to the environment env's existing
// destinations: the same type, target and minimum severity again is no change (an idempotent
// success); the same type and target with another minimum severity is another module's
// setting, changed only by a caller naming the minimum severity it replaces (replaces; ""
// names none), so that two modules adding one target never overwrite each other silently.
func CanAddDestination(env string, existing []AlertDestination, d AlertDestination, replaces string) *Denial {
	for _, e := range existing {
		if e.Type != d.Type || e.Target != d.Target || e.MinSeverity == d.MinSeverity || (replaces != "" && e.MinSeverity == replaces) {
			continue
		}
		return newDenial(Conflict, CodeDestinationExists, "min_severity",
			"Environment %q already has the %s destination %s, with min_severity %q: another configuration may manage it, so it is not overwritten. "+
				"Add it with min_severity %q, remove it first, or name the setting you replace with replace_min_severity=%s (as warden_alert_destination does when its min_severity changes).",
			env, e.Type, RedactTarget(e.Type, e.Target), e.MinSeverity, e.MinSeverity, e.MinSeverity)
	}
	return nil
}
