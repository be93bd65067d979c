package apiserver

import (
	"context"
	"time"
)

// The server's side of alert delivery: its configuration, the dispatcher's wake-up after a
// commit, and the pruning of alert history.

// AlertingConfig configures alert ingestion and delivery.
type AlertingConfig struct {
	// DedupWindow is how long a repeat of an alert is the same alert; 0 is
	// DefaultAlertDedupWindow.
	DedupWindow time.Duration
	// Retention is how long alerts and their deliveries are kept; 0 is DefaultAlertRetention.
	Retention time.Duration
	// VendorURL is the vendor's on-call endpoint, which takes PagerDuty Events API v2 events
	// (e.g. https://events.pagerduty.com/v2/enqueue), and VendorRoutingKey the routing key
	// they carry. Without VendorURL, deliveries to the vendor are undeliverable, and say so.
	VendorURL, VendorRoutingKey string
	// SMTPURL is the mail server e-mail destinations are sent through (smtp://… or
	// smtps://…), SMTPFrom the sender address. Without SMTPURL, e-mail deliveries are
	// undeliverable, and say so.
	SMTPURL, SMTPFrom string
	// AllowPrivateDestinations lets webhook destinations reach loopback, link-local and
	// private addresses (tests, the demo); otherwise they are refused when configured and
	// again at delivery, after DNS resolution.
	AllowPrivateDestinations bool
	// RetrySchedule is the delay before each attempt of a delivery (the first is usually 0);
	// nil is the default schedule.
	RetrySchedule []time.Duration
}

func (c AlertingConfig) withDefaults() AlertingConfig {
	if c.DedupWindow <= 0 {
		c.DedupWindow = DefaultAlertDedupWindow
	}
	if c.Retention <= 0 {
		c.Retention = DefaultAlertRetention
	}
	return c
}

// notifyDispatcher wakes the dispatcher after a commit made deliveries due.
func (s *Server) notifyDispatcher() {
	if s.dispatcher != nil {
		s.dispatcher.Notify()
	}
}

// pruneAlerts deletes the alerts older than the retention whose deliveries are all final.
func (s *Server) pruneAlerts(ctx context.Context) (int64, error) {
	var n int64
	err := s.store.Update(ctx, func(tx Tx) error {
		var err error
		n, err = tx.PruneAlerts(s.now().Add(-s.alerting.Retention))
		return err
	})
	return n, err
}
