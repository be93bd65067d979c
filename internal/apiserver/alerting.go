package apiserver

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/alerting"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
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
	// RetrySchedule is the delay before each attempt of a delivery (the first is 0); nil is
	// alerting.DefaultSchedule.
	RetrySchedule alerting.Schedule
	// AttemptTimeout bounds one delivery attempt, from connecting to the answer's last
	// byte; 0 is alerting.DefaultAttemptTimeout. Leases last a few times longer.
	AttemptTimeout time.Duration
	// Resolver resolves webhook hosts when destinations are configured; nil is the
	// system's. TLSRoots replaces the system's roots for deliveries (tests).
	Resolver alerting.Resolver
	TLSRoots *x509.CertPool
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
	_, err := c.smtp()
	return err
}

// smtp is the mail server configuration, nil without -smtp-url.
func (c AlertingConfig) smtp() (*alerting.SMTPConfig, error) {
	if c.SMTPURL == "" {
		return nil, nil
	}
	return alerting.ParseSMTPURL(c.SMTPURL, c.SMTPFrom)
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

// startDispatcher runs the alert dispatcher until Close. Alone on its store, the server
// first frees the leases a killed predecessor held, so that what it was sending is sent
// again at once rather than when those leases expire.
func (s *Server) startDispatcher() error {
	smtp, err := s.alerting.smtp()
	if err != nil {
		return err
	}
	if !s.shared {
		if err := s.store.Update(s.lifetime, func(tx Tx) error { return tx.ReleaseLeases() }); err != nil {
			return err
		}
	}
	d := alerting.New(alerting.Config{Store: s.store, Now: s.now, Schedule: s.alerting.RetrySchedule,
		VendorURL: s.alerting.VendorURL, VendorRoutingKey: s.alerting.VendorRoutingKey, SMTP: smtp,
		AllowPrivate: s.alerting.AllowPrivateDestinations, Logger: s.log, TLSRoots: s.alerting.TLSRoots, Metrics: s.metrics,
		AttemptTimeout: s.alerting.AttemptTimeout})
	ctx, cancel := context.WithCancel(s.lifetime)
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	s.dispatcher = d
	s.stopDispatcher = func() {
		cancel()
		<-done
	}
	return nil
}

// targetLookupTimeout bounds the DNS lookup of a webhook host when it is configured.
const targetLookupTimeout = 3 * time.Second

// checkWebhookTargets refuses webhook destinations that resolve to loopback, link-local,
// private or unspecified addresses, before any transaction (DNS is slow); the dispatcher
// checks again at delivery, after resolution. A host that does not resolve now is left to
// that check: receivers are often configured before their DNS exists.
func (s *Server) checkWebhookTargets(ctx context.Context, ds []api.Destination, field func(i int) string) error {
	for i, d := range ds {
		if d.Type != string(access.DestinationWebhook) {
			continue
		}
		lookup, cancel := context.WithTimeout(ctx, targetLookupTimeout)
		err := alerting.CheckTarget(lookup, s.alerting.Resolver, d.Target, s.alerting.AllowPrivateDestinations)
		cancel()
		var te *alerting.TargetError
		if errors.As(err, &te) {
			return newProblem(http.StatusUnprocessableEntity, access.CodeInvalidDestination, field(i), "The webhook target's "+te.Error()+".")
		}
	}
	return nil
}
