package apiserver

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
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

// Check refuses a configuration that could not deliver: a vendor URL that is not an
// absolute http(s) URL or comes without its routing key, an SMTP URL of another scheme or
// without a host, or without a sender. Messages never repeat a secret (a URL's userinfo or
// query values).
func (c AlertingConfig) Check() error {
	if c.VendorURL != "" {
		u, err := url.Parse(c.VendorURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("-vendor-alert-url %q must be an absolute http:// or https:// URL, e.g. https://events.pagerduty.com/v2/enqueue",
				access.RedactTarget(string(access.DestinationWebhook), c.VendorURL))
		}
		if c.VendorRoutingKey == "" {
			return fmt.Errorf("-vendor-alert-url needs -vendor-alert-routing-key (or WARDEN_VENDOR_ALERT_ROUTING_KEY): the routing key its events carry")
		}
	}
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			return fmt.Errorf("-smtp-url %q must be smtp://[user:password@]host:port or smtps://…",
				access.RedactTarget(string(access.DestinationWebhook), c.SMTPURL))
		}
		if a, err := mail.ParseAddress(c.SMTPFrom); err != nil || a.Name != "" {
			return fmt.Errorf("-smtp-url needs -smtp-from, a bare sender address such as alerts@example.com (got %q)", c.SMTPFrom)
		}
	}
	return nil
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

// vendorDelivery says whether deliveries to the vendor's on-call can be made.
func (s *Server) vendorDelivery() string {
	if s.alerting.VendorURL == "" {
		return "not_configured"
	}
	return "configured"
}
