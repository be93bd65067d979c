// Package alerting delivers received alerts: the dispatcher works through the store's outbox
// of deliveries (one per chosen recipient), sends each to its recipient — a customer webhook
// (Standard Webhooks 1.0), the vendor's on-call (PagerDuty Events API v2) or an e-mail
// address (SMTP) — and records every attempt, retrying on a schedule until the recipient
// accepts, refuses for good, or the schedule runs out.
//
// Delivery is at least once: a delivery is leased before it is sent and finished after, so
// a process that dies mid-attempt leaves the lease to expire and another replica sends it
// again. Receivers drop repeats by the webhook-id header (the delivery's id, the same on
// every attempt), PagerDuty by the dedup_key, mail clients by the Message-ID.
//
// Who receives an alert is decided at ingestion (internal/access); this package owns only
// the I/O: outbound HTTP, SMTP, the guard against server-side request forgery through
// customer webhook targets, and the dispatcher loop.
package alerting

// The server's flags this package's messages name, so that an operator reading a delivery's
// error finds the setting it means; the server registers its flags under these names.
const (
	FlagVendorURL     = "-vendor-alert-url"
	FlagVendorKey     = "-vendor-alert-routing-key"
	FlagSMTPURL       = "-smtp-url"
	FlagSMTPFrom      = "-smtp-from"
	FlagAllowPrivate  = "-allow-private-destinations"
	FlagRetrySchedule = "-alert-retry-schedule"
)
