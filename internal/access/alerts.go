package access

import (
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

// The alert severities, lowest first.
const (
	AlertInfo     AlertSeverity = "info"
	AlertWarning  AlertSeverity = "warning"
	AlertCritical AlertSeverity = "critical"
)

// AlertSeverityNames returns the alert severities, lowest first.
func AlertSeverityNames() []string {
	return []string{string(AlertInfo), string(AlertWarning), string(AlertCritical)}
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
// "destinations[1].target".
func ValidateAlertDestinations(ds []AlertDestination) []Finding {
	var fs []Finding
	bad := func(i int, attr, value, msg, fix string) {
		fs = append(fs, Finding{SeverityError, CodeInvalidDestination, fmt.Sprintf("destinations[%d].%s", i, attr), value, msg, fix})
	}
	seen := map[[2]string]int{}
	for i, d := range ds {
		// A target is an address: the character rule of e-mails applies to both types, in
		// the destination's words (its finding code, its field).
		var chars []Finding
		switch DestinationType(d.Type) {
		case DestinationWebhook:
			chars = urlFindings("target", d.Target)
		case DestinationEmail:
			chars = addressFindings("target", d.Target)
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
				bad(i, "target", d.Target, fmt.Sprintf("Webhook target %q %s.", d.Target, msg),
					"Use an absolute http:// or https:// URL, e.g. https://hooks.example.com/warden.")
			}
		case DestinationEmail:
			if len(chars) > 0 {
				break
			}
			if msg := emailProblem(d.Target); msg != "" {
				bad(i, "target", d.Target, fmt.Sprintf("Email target %q %s.", d.Target, msg),
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
			bad(i, "target", d.Target, fmt.Sprintf("Destination %d repeats destination %d (%s %s).", i, j, d.Type, d.Target),
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
