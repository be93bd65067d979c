package apiserver

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/alerttest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// An alert ingested with the key reaches every recipient the routing chose, through the
// dispatcher the server runs: the webhook signed with the environment's secret (checked by
// the Standard Webhooks library), the mailbox over SMTP, the vendor's on-call as a PagerDuty
// event; an environment that opted out sends the vendor nothing.
func TestAlertDelivery_endToEnd(t *testing.T) {
	vendor := alerttest.NewPagerDutyReceiver(t, "R0UTING")
	mail := alerttest.NewSMTPServer(t, alerttest.SMTPOptions{})
	ts := newTestServer(t, func(c *Config) {
		c.Alerting.VendorURL, c.Alerting.VendorRoutingKey = vendor.URL(), "R0UTING"
		c.Alerting.SMTPURL, c.Alerting.SMTPFrom = mail.URL(), "alerts@warden.test"
	})
	prod, quiet := ts.createEnv("prod", "aws"), ts.createEnv("quiet", "aws")
	creds := ts.credentials(prod.ID, ownerToken)
	hook := alerttest.NewWebhookReceiver(t, creds.SigningSecret)
	ts.routingWith(prod.ID, true, api.Destination{Type: "webhook", Target: hook.URL(), MinSeverity: "warning"},
		api.Destination{Type: "email", Target: "oncall@example.com", MinSeverity: "info"})
	quietCreds := ts.credentials(quiet.ID, ownerToken)
	quietHook := alerttest.NewWebhookReceiver(t, quietCreds.SigningSecret)
	ts.routingWith(quiet.ID, false, api.Destination{Type: "webhook", Target: quietHook.URL(), MinSeverity: "info"})

	labels := map[string]string{"alertname": "DiskFull", "instance": "db1", "severity": "critical"}
	var got ingestReply
	ts.call("POST", "/v1/environments/"+prod.ID+"/alerts", creds.IngestKey, amPayload("firing", ts.clock.Now(), labels), 202, &got)
	ts.call("POST", "/v1/environments/"+quiet.ID+"/alerts", quietCreds.IngestKey, amPayload("firing", ts.clock.Now(), labels), 202, nil)

	d := hook.WaitFor(t, 1, 10*time.Second)[0]
	data, _ := d.Body["data"].(map[string]any)
	alert, _ := data["alert"].(map[string]any)
	env, _ := data["environment"].(map[string]any)
	if d.Body["type"] != "alert.firing" || alert["id"] != got.Alerts[0].ID || alert["severity"] != "critical" || env["name"] != "prod" {
		t.Errorf("webhook body %v", d.Body)
	}
	m := mail.WaitFor(t, 1, 10*time.Second)[0]
	requireContains(t, m.Header.Get("Subject"), "critical", "prod", "Disk on db1 almost full")
	if len(m.To) != 1 || m.To[0] != "oncall@example.com" {
		t.Errorf("mail to %v", m.To)
	}
	e := vendor.WaitFor(t, 1, 10*time.Second)[0]
	if e.Action != "trigger" || e.Payload.Severity != "critical" || !strings.HasPrefix(e.DedupKey, prod.ID+"/") {
		t.Errorf("vendor event %+v", e)
	}
	quietHook.WaitFor(t, 1, 10*time.Second)

	// Every delivery of prod's alert is on record as delivered, its one attempt a 2xx.
	alerttestAwait(t, func() bool {
		ds := ts.deliveries(prod.ID, "?status=delivered")
		return len(ds) == 3 && ds[0].Attempts[0].StatusCode/100 == 2
	})
	if n := len(vendor.Events()); n != 1 {
		t.Fatalf("the vendor got %d events; the opted-out environment's alert must not be one of them", n)
	}
	if ds := ts.deliveries(quiet.ID, ""); len(ds) != 1 || ds[0].Kind != api.RecipientWebhook {
		t.Errorf("the opted-out environment's deliveries %+v", ds)
	}
}

// alerttestAwait polls cond for up to ten seconds.
func alerttestAwait(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fakeResolver answers the names a test gives it, and fails for the rest.
type fakeResolver map[string]string

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, errors.New("no such host")
}

// Without -allow-private-destinations, a webhook target that is or resolves to a loopback,
// link-local (the metadata service) or private address is refused on its field, without
// repeating the target's secrets; public addresses, and names that do not resolve yet, are
// taken (the dispatcher checks again at delivery).
func TestAlertDestinations_privateTargetsRefused(t *testing.T) {
	ts := newTestServer(t, func(c *Config) {
		c.Alerting.AllowPrivateDestinations = false
		c.Alerting.Resolver = fakeResolver{"hooks.internal.example": "10.1.2.3", "hooks.example.com": "93.184.216.34"}
	})
	e := ts.createEnv("prod", "aws")
	for target, class := range map[string]string{
		"http://127.0.0.1:9000/hook?token=s3cret":   "loopback",
		"http://169.254.169.254/latest/meta-data":   "metadata",
		"https://hooks.internal.example/x?k=s3cret": "private",
		"http://[::ffff:10.0.0.1]/x":                "private",
	} {
		r := ts.do("PUT", "/v1/environments/"+e.ID+"/alert-routing", ownerToken, api.AlertRoutingUpdate{VendorRouting: true,
			Destinations: &[]api.Destination{{Type: "email", Target: "a@example.com", MinSeverity: "info"}, {Type: "webhook", Target: target, MinSeverity: "info"}}})
		p := r.problem(t)
		if r.status != 422 || p.Field != "destinations[1].target" || !strings.Contains(p.Detail, class) || strings.Contains(string(r.body), "s3cret") {
			t.Errorf("%s: %d %+v", target, r.status, p)
		}
		r = ts.do("POST", "/v1/environments/"+e.ID+"/alert-routing/destinations", ownerToken, api.Destination{Type: "webhook", Target: target, MinSeverity: "info"})
		if p := r.problem(t); r.status != 422 || p.Field != "target" {
			t.Errorf("%s added: %d %+v", target, r.status, p)
		}
	}
	ts.routingWith(e.ID, true, api.Destination{Type: "webhook", Target: "https://hooks.example.com/a", MinSeverity: "info"},
		api.Destination{Type: "webhook", Target: "https://not-yet.example.net/a", MinSeverity: "info"})
}

// -alert-attempt-timeout bounds an attempt: a receiver that does not answer within it gets
// an attempt on record as unanswered, and the delivery stays pending for its next attempt.
func TestAlertDelivery_attemptTimeout(t *testing.T) {
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hung.Close)
	t.Cleanup(func() { close(release) })
	ts := newTestServer(t, func(c *Config) { c.Alerting.AttemptTimeout = 200 * time.Millisecond })
	env := ts.createEnv("prod", "aws")
	creds := ts.credentials(env.ID, ownerToken)
	ts.routingWith(env.ID, false, api.Destination{Type: "webhook", Target: hung.URL, MinSeverity: "info"})
	labels := map[string]string{"alertname": "DiskFull", "instance": "db1", "severity": "critical"}
	ts.call("POST", "/v1/environments/"+env.ID+"/alerts", creds.IngestKey, amPayload("firing", ts.clock.Now(), labels), 202, nil)
	var d api.AlertDelivery
	alerttestAwait(t, func() bool {
		ds := ts.deliveries(env.ID, "")
		if len(ds) == 1 && len(ds[0].Attempts) > 0 {
			d = ds[0]
			return true
		}
		return false
	})
	a := d.Attempts[0]
	if d.Status != api.DeliveryPending || a.Outcome != api.AttemptRetry || a.StatusCode != 0 {
		t.Errorf("after an attempt the receiver never answered: delivery %s, attempt %+v; want pending, a retry", d.Status, a)
	}
	requireContains(t, a.Error, "no answer in time")
}
