package access

import (
	"fmt"
	"net/mail"
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

// Finding codes of alert routing.
const (
	CodeUnknownDestinationType = "unknown_destination_type"
	CodeInvalidDestination     = "invalid_destination_target"
	CodeUnknownAlertSeverity   = "unknown_alert_severity"
)

// ValidateAlertDestination checks one customer alert destination: a known type, a target that
// fits it (an absolute http or https URL with a host for webhook, a bare e-mail address for
// email) and a known minimum severity. Fields are "type", "target" and "min_severity".
func ValidateAlertDestination(typ, target, minSeverity string) []Finding {
	var fs []Finding
	switch DestinationType(typ) {
	case DestinationWebhook:
		if msg := webhookProblem(target); msg != "" {
			fs = append(fs, Finding{SeverityError, CodeInvalidDestination, "target", target,
				fmt.Sprintf("Webhook target %q %s.", target, msg),
				"Use an absolute http:// or https:// URL, e.g. https://hooks.example.com/warden."})
		}
	case DestinationEmail:
		if msg := emailProblem(target); msg != "" {
			fs = append(fs, Finding{SeverityError, CodeInvalidDestination, "target", target,
				fmt.Sprintf("Email target %q %s.", target, msg),
				"Use a bare address such as oncall@example.com, without a display name or mailto:."})
		}
	default:
		fs = append(fs, Finding{SeverityError, CodeUnknownDestinationType, "type", typ,
			fmt.Sprintf("%q is not an alert destination type.", typ),
			suggest(typ, DestinationTypeNames(), "one of "+quoteList(DestinationTypeNames()))})
	}
	if !slices.Contains(AlertSeverityNames(), minSeverity) {
		fs = append(fs, Finding{SeverityError, CodeUnknownAlertSeverity, "min_severity", minSeverity,
			fmt.Sprintf("%q is not an alert severity.", minSeverity),
			suggest(minSeverity, AlertSeverityNames(), "one of "+quoteList(AlertSeverityNames()))})
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
	case u.Host == "" || u.Hostname() == "":
		return "has no host"
	case u.User != nil:
		return "must not carry credentials in the URL"
	}
	return ""
}

func emailProblem(target string) string {
	a, err := mail.ParseAddress(target)
	switch {
	case err != nil:
		return "is not an e-mail address"
	case a.Address != target || a.Name != "":
		return "must be a bare address"
	case !strings.Contains(a.Address[strings.LastIndex(a.Address, "@")+1:], "."):
		return "needs a domain with a dot"
	}
	return ""
}
