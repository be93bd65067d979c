package access

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The routing decision: who receives an alert of an environment, and why each recipient
// that does not receive it is left out. It is the whole rule of alert routing, decided here
// once; ingestion records the decision with the alert and delivery follows it.

// SigningSecretOverlap is how long an environment's previous signing secret stays in use
// after a rotation: webhook deliveries carry a signature with each secret meanwhile (Standard
// Webhooks allows several), so a receiver has a day to switch without rejecting one.
const SigningSecretOverlap = 24 * time.Hour

// DefaultAlertSeverity is the severity of an alert that names none, or names one that is not
// an alert severity (Alertmanager's labels are free text: "page", "high", ""). It is the
// destinations' default minimum (DefaultMinSeverity), so that an unlabelled alert reaches
// every destination that kept the default, while destinations that asked for error or
// critical only are not paged by an alert that never said it was urgent.
const DefaultAlertSeverity = AlertWarning

// ParseAlertSeverity returns the severity s names, ignoring case and surrounding space
// ("CRITICAL" is critical), and true; for an empty or unknown s, DefaultAlertSeverity and false.
func ParseAlertSeverity(s string) (AlertSeverity, bool) {
	sev := AlertSeverity(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(alertSeverities, sev) {
		return sev, true
	}
	return DefaultAlertSeverity, false
}

// AtLeast reports whether s is at or above floor in the order info < warning < error <
// critical. An unknown s or floor counts as DefaultAlertSeverity.
func (s AlertSeverity) AtLeast(floor AlertSeverity) bool {
	return severityRank(s) >= severityRank(floor)
}

func severityRank(s AlertSeverity) int {
	if i := slices.Index(alertSeverities, s); i >= 0 {
		return i
	}
	return slices.Index(alertSeverities, DefaultAlertSeverity)
}

// SkipReason says why a recipient does not receive an alert.
type SkipReason string

// The reasons a recipient is left out.
const (
	// SkipOptedOut: vendor_routing is off, so the vendor's on-call receives nothing.
	SkipOptedOut SkipReason = "opted_out"
	// SkipBelowMinSeverity: the alert's severity is below the destination's min_severity.
	SkipBelowMinSeverity SkipReason = "below_min_severity"
)

// RecipientDecision is the decision for one recipient: the vendor's on-call (Destination is
// the zero value) or one customer destination.
type RecipientDecision struct {
	Destination AlertDestination
	Chosen      bool
	// Reason and Detail say why a recipient is not chosen; both are empty when it is.
	Reason SkipReason
	Detail string
}

// RoutingDecision is who receives one alert.
type RoutingDecision struct {
	// Severity is the severity routed by: the alert's own, or DefaultAlertSeverity when
	// SeverityDefaulted (the alert named none, or an unknown one).
	Severity          AlertSeverity
	SeverityDefaulted bool
	Vendor            RecipientDecision
	// Destinations holds one decision per destination, in the order given.
	Destinations []RecipientDecision
}

// Routing is an environment's alert routing as the decision needs it.
type Routing struct {
	VendorRouting bool
	Destinations  []AlertDestination
}

// DecideRouting decides who receives an alert of severity severity (the raw word the alert
// carries; see ParseAlertSeverity) under routing r: the vendor's on-call iff vendor routing
// is on, whatever the severity; each destination iff its min_severity ≤ the severity. Every
// recipient left out carries its reason.
func DecideRouting(severity string, r Routing) RoutingDecision {
	sev, known := ParseAlertSeverity(severity)
	d := RoutingDecision{Severity: sev, SeverityDefaulted: !known, Vendor: RecipientDecision{Chosen: true}}
	if !r.VendorRouting {
		d.Vendor = RecipientDecision{Reason: SkipOptedOut,
			Detail: "vendor_routing is off: the environment opted out of alerts to the vendor's on-call."}
	}
	d.Destinations = make([]RecipientDecision, len(r.Destinations))
	for i, dest := range r.Destinations {
		rd := RecipientDecision{Destination: dest, Chosen: true}
		if floor := AlertSeverity(dest.MinSeverity); !sev.AtLeast(floor) {
			rd = RecipientDecision{Destination: dest, Reason: SkipBelowMinSeverity,
				Detail: fmt.Sprintf("The alert's severity %s is below this destination's min_severity %s.", sev, floor)}
		}
		d.Destinations[i] = rd
	}
	return d
}
