package api

import "time"

// Alerts received and their deliveries: what ingestion records (the alert with its routing
// decision) and what the dispatcher works through (one delivery per chosen recipient, with
// every attempt).

// The sources an alert arrives from.
const (
	AlertSourceAlertmanager = "alertmanager"
	AlertSourceGrafana      = "grafana"
	AlertSourcePagerDuty    = "pagerduty"
)

// The statuses of an alert, as Alertmanager names them.
const (
	AlertFiring   = "firing"
	AlertResolved = "resolved"
)

// The kinds of recipient a delivery goes to.
const (
	RecipientVendor  = "vendor"
	RecipientWebhook = "webhook"
	RecipientEmail   = "email"
)

// The statuses of a delivery. Pending is the only one the dispatcher works on; the others
// are final until a retry makes the delivery pending again.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	// DeliveryFailed is the dead letter: every attempt of the schedule failed.
	DeliveryFailed = "failed"
	// DeliveryGone: the receiver answered 410 Gone, which says it will never accept one.
	DeliveryGone = "gone"
	// DeliveryUndeliverable: nothing is configured to deliver to (the vendor's on-call
	// without -vendor-alert-url, e-mail without -smtp-url).
	DeliveryUndeliverable = "undeliverable"
)

// The outcomes of one attempt.
const (
	AttemptDelivered = "delivered"
	AttemptRetry     = "retry"
	AttemptGone      = "gone"
	AttemptFailed    = "failed"
)

// The events a delivery announces: a firing alert triggers, a resolved one resolves (in
// PagerDuty's words, which the vendor's on-call receives).
const (
	EventTrigger = "trigger"
	EventResolve = "resolve"
)

// Alert is one alert received by an environment, with the routing decision taken for it.
type Alert struct {
	ID            string `json:"id" doc:"The alert's id (alr_…)."`
	EnvironmentID string `json:"environment_id" doc:"The environment it was sent to."`
	Source        string `json:"source" enum:"alertmanager,grafana,pagerduty" doc:"The format it arrived in: alertmanager, grafana (both the webhook form) or pagerduty (Events API v2)."`
	Status        string `json:"status" enum:"firing,resolved" doc:"firing, or resolved."`
	// DedupKey identifies the alert across its notifications: Alertmanager's fingerprint,
	// PagerDuty's dedup_key, or a digest of the labels when the sender gave neither.
	DedupKey          string            `json:"dedup_key" doc:"What identifies this alert across notifications: its fingerprint (Alertmanager, Grafana), its dedup_key (PagerDuty), else a digest of its labels. Resolutions carry the same key."`
	Severity          string            `json:"severity" enum:"info,warning,error,critical" doc:"The severity routed by."`
	SeverityDefaulted bool              `json:"severity_defaulted" doc:"true when the alert named no known severity and took the default (warning)."`
	Summary           string            `json:"summary" doc:"One line: the summary or description annotation, PagerDuty's payload.summary, else the alert name."`
	Labels            map[string]string `json:"labels" doc:"The alert's labels."`
	Annotations       map[string]string `json:"annotations" doc:"The alert's annotations."`
	StartsAt          time.Time         `json:"starts_at" doc:"When the alert started firing, as the sender says."`
	EndsAt            *time.Time        `json:"ends_at,omitempty" doc:"When it was resolved, for a resolved alert."`
	GeneratorURL      string            `json:"generator_url,omitempty" doc:"Where the sender shows the alert."`
	ReceivedAt        time.Time         `json:"received_at" doc:"When Warden committed it."`
	Test              bool              `json:"test" doc:"true for an alert sent by the warden_send_test_alert action."`
	Routing           []AlertRecipient  `json:"routing" doc:"Who received it and who did not, and why: the vendor's on-call first, then each destination."`
}

// AlertRecipient is the routing decision for one recipient of one alert.
type AlertRecipient struct {
	Kind        string `json:"kind" enum:"vendor,webhook,email" doc:"vendor (the vendor's on-call), webhook or email."`
	Target      string `json:"target,omitempty" doc:"The destination's target (secret parts redacted unless the reader holds cluster.admin); empty for the vendor."`
	MinSeverity string `json:"min_severity,omitempty" doc:"The destination's minimum severity."`
	Chosen      bool   `json:"chosen" doc:"Whether the alert was routed to this recipient."`
	Reason      string `json:"reason,omitempty" enum:"opted_out,below_min_severity" doc:"Why not, when not chosen: opted_out (vendor_routing is off) or below_min_severity."`
	Detail      string `json:"detail,omitempty" doc:"Why not, in words."`
	DeliveryID  string `json:"delivery_id,omitempty" doc:"The delivery made for this recipient, when chosen."`
}

// AlertDelivery is the delivery of one alert to one recipient, with its attempts.
type AlertDelivery struct {
	ID            string `json:"id" doc:"The delivery's id (dlv_…); also the webhook-id header of every attempt, so a receiver can drop repeats."`
	AlertID       string `json:"alert_id" doc:"The alert delivered."`
	EnvironmentID string `json:"environment_id" doc:"The alert's environment."`
	Kind          string `json:"kind" enum:"vendor,webhook,email" doc:"vendor, webhook or email."`
	Target        string `json:"target,omitempty" doc:"Where it goes (secret parts redacted unless the reader holds cluster.admin); empty for the vendor, whose endpoint is the server's configuration."`
	Event         string `json:"event" enum:"trigger,resolve" doc:"trigger for a firing alert, resolve for a resolved one."`
	Status        string `json:"status" enum:"pending,delivered,failed,gone,undeliverable" doc:"pending (attempts go on), delivered (a 2xx), failed (every attempt of the schedule failed: retry it through the API), gone (the receiver answered 410) or undeliverable (nothing configured to deliver with)."`
	// Attempts is every attempt, oldest first; AttemptCount is its length, kept on the row
	// so that lists need not load them.
	AttemptCount  int            `json:"attempt_count" doc:"How many attempts were made."`
	ScheduleStart int            `json:"schedule_start" doc:"How many of them came before the current run of the retry schedule: 0, or the attempt count when the delivery was last retried through the API (a retry starts the schedule afresh)."`
	NextAttemptAt *time.Time     `json:"next_attempt_at,omitempty" doc:"When the next attempt is due, while pending."`
	DeliveredAt   *time.Time     `json:"delivered_at,omitempty" doc:"When a receiver accepted it."`
	LastError     string         `json:"last_error,omitempty" doc:"What the last failed attempt, or the reason it cannot be delivered, says."`
	CreatedAt     time.Time      `json:"created_at" doc:"When the delivery was made (with the alert)."`
	UpdatedAt     time.Time      `json:"updated_at" doc:"When it last changed."`
	Attempts      []AlertAttempt `json:"attempts" doc:"Every attempt, oldest first."`
}

// AlertAttempt is one attempt at a delivery.
type AlertAttempt struct {
	N          int       `json:"n" doc:"1 for the first attempt."`
	At         time.Time `json:"at" doc:"When it was sent."`
	StatusCode int       `json:"status_code,omitempty" doc:"The receiver's HTTP status (webhook, vendor), or the SMTP reply code (email); 0 when none came."`
	LatencyMS  int64     `json:"latency_ms" doc:"How long it took, in milliseconds."`
	Outcome    string    `json:"outcome" enum:"delivered,retry,gone,failed" doc:"delivered, retry (another attempt follows), gone (410: no more attempts), failed (the last attempt of the schedule failed)."`
	Error      string    `json:"error,omitempty" doc:"What went wrong, when it did."`
}
