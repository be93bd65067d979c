package client_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/apiserver"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// firing is a payload of one firing alert with these labels.
func firing(labels map[string]string) client.AlertmanagerPayload {
	return client.AlertmanagerPayload{Version: "4", Status: api.AlertFiring, Receiver: "warden", Alerts: []client.AlertmanagerAlert{{
		Status: api.AlertFiring, Labels: labels, Annotations: map[string]string{"summary": "Disk on db1 almost full"},
		StartsAt: time.Now().Add(-time.Minute).UTC(), GeneratorURL: "http://prometheus/graph",
	}}}
}

// An alert posted with the owner's token is a test alert, routed as any: the alert with its
// decision, its deliveries by alert and by status, one delivery, a retry, and what a member
// reads and may not do.
func TestIntegration_alerts(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := newServer(t)
	c := newClient(t, url, ownerToken, nil)
	env := must(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod", Cloud: "aws"}))(t)
	secretHook := "https://hooks.example.com/a?token=s3cret"
	dests := []api.Destination{
		{Type: "webhook", Target: secretHook, MinSeverity: "warning"},
		{Type: "webhook", Target: "https://hooks.example.com/b", MinSeverity: "critical"},
	}
	must(c.PutAlertRouting(ctx, env.ID, api.AlertRoutingUpdate{VendorRouting: true, Destinations: &dests}, 0))(t)

	payload := firing(map[string]string{"alertname": "DiskFull", "instance": "db1", "severity": "error"})
	got := must(c.IngestAlerts(ctx, env.ID, payload))(t)
	if len(got.Alerts) != 1 || got.Alerts[0].Duplicate || !strings.HasPrefix(got.Alerts[0].ID, "alr_") {
		t.Fatalf("ingested = %+v", got)
	}
	id := got.Alerts[0].ID
	if again := must(c.IngestAlerts(ctx, env.ID, payload))(t); len(again.Alerts) != 1 || !again.Alerts[0].Duplicate || again.Alerts[0].ID != id {
		t.Errorf("the same alert again = %+v, want a duplicate of %s", again, id)
	}

	a := must(c.GetAlert(ctx, env.ID, id))(t)
	if !a.Test || a.Severity != "error" || a.Status != api.AlertFiring || a.Summary != "Disk on db1 almost full" || len(a.Routing) != 3 {
		t.Fatalf("alert = %+v", a)
	}
	if r := a.Routing[0]; r.Kind != api.RecipientVendor || !r.Chosen || r.DeliveryID == "" {
		t.Errorf("vendor's decision = %+v", r)
	}
	if r := a.Routing[2]; r.Chosen || r.Reason != "below_min_severity" || r.DeliveryID != "" || r.MinSeverity != "critical" {
		t.Errorf("the critical-only destination's decision = %+v", r)
	}
	for f, want := range map[client.AlertFilter]int{
		{}: 1, {Status: api.AlertFiring}: 1, {Status: api.AlertResolved}: 0,
		{Since: time.Now().Add(-time.Hour)}: 1, {Since: time.Now().Add(time.Hour)}: 0,
	} {
		if l := must(c.ListAlerts(ctx, env.ID, f))(t); len(l) != want || (want == 1 && l[0].ID != id) {
			t.Errorf("ListAlerts(%+v) = %+v, want %d", f, l, want)
		}
	}

	ds := must(c.ListAlertDeliveries(ctx, env.ID, client.DeliveryFilter{AlertID: id}))(t)
	if len(ds) != 2 || ds[0].AlertID != id || ds[0].Event != api.EventTrigger {
		t.Fatalf("deliveries = %+v", ds)
	}
	// Nothing is configured to reach the vendor with: undeliverable at once, and it says why.
	vendor := must(c.ListAlertDeliveries(ctx, env.ID, client.DeliveryFilter{Status: api.DeliveryUndeliverable}))(t)
	if len(vendor) != 1 || vendor[0].Kind != api.RecipientVendor || vendor[0].ID != a.Routing[0].DeliveryID || !strings.Contains(vendor[0].LastError, "-vendor-alert-url") {
		t.Errorf("undeliverable = %+v", vendor)
	}
	hook := must(c.GetAlertDelivery(ctx, env.ID, a.Routing[1].DeliveryID))(t)
	if hook.Kind != api.RecipientWebhook || hook.Target != secretHook || hook.Status != api.DeliveryPending {
		t.Errorf("the webhook's delivery = %+v", hook)
	}
	if none := must(c.ListAlertDeliveries(ctx, env.ID, client.DeliveryFilter{AlertID: "alr_missing"}))(t); len(none) != 0 {
		t.Errorf("deliveries of no alert = %+v", none)
	}

	// A retry: still nothing to reach the vendor with; a pending delivery is being attempted.
	retried := must(c.RetryAlertDelivery(ctx, env.ID, vendor[0].ID))(t)
	if retried.ID != vendor[0].ID || retried.Status != api.DeliveryUndeliverable {
		t.Errorf("retried = %+v", retried)
	}
	_, err := c.RetryAlertDelivery(ctx, env.ID, hook.ID)
	if !errors.Is(err, client.ErrConflict) {
		t.Errorf("retry of a pending delivery: %v, want ErrConflict", err)
	}
	wantStatus(t, err, 409, "delivery_pending")
	for name, err := range map[string]error{
		"alert":    second(c.GetAlert(ctx, env.ID, "alr_missing")),
		"delivery": second(c.GetAlertDelivery(ctx, env.ID, "dlv_missing")),
		"env":      second(c.ListAlertDeliveries(ctx, "env_missing", client.DeliveryFilter{})),
	} {
		if !errors.Is(err, client.ErrNotFound) {
			t.Errorf("no such %s: %v, want ErrNotFound", name, err)
		}
	}

	// A member reads the deliveries without the target's secret, and may not post.
	u := must(c.CreateUser(ctx, api.UserCreate{Email: "member@example.com"}))(t)
	member := newClient(t, url, must(c.CreateToken(ctx, u.ID, api.TokenCreate{Name: "t"}))(t).Secret, nil)
	seen := must(member.GetAlertDelivery(ctx, env.ID, hook.ID))(t)
	if strings.Contains(seen.Target, "s3cret") || !strings.Contains(seen.Target, "hooks.example.com") {
		t.Errorf("a member reads the target %q", seen.Target)
	}
	_, err = member.IngestAlerts(ctx, env.ID, payload)
	wantStatus(t, err, 403, "")
}

// The dispatcher delivers to a receiver on 127.0.0.1 (private destinations allowed): the
// client reads the delivery as delivered with its attempt.
func TestIntegration_alertDelivered(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	var hits atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)
	c := newClient(t, newServerWith(t, func(cfg *apiserver.Config) { cfg.Alerting.AllowPrivateDestinations = true }), ownerToken, nil)
	env := must(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod", Cloud: "aws"}))(t)
	dests := []api.Destination{{Type: "webhook", Target: receiver.URL + "/hook", MinSeverity: "info"}}
	must(c.PutAlertRouting(ctx, env.ID, api.AlertRoutingUpdate{VendorRouting: false, Destinations: &dests}, 0))(t)
	id := must(c.IngestAlerts(ctx, env.ID, firing(map[string]string{"alertname": "X", "severity": "info"})))(t).Alerts[0].ID

	var d api.AlertDelivery
	for deadline := time.Now().Add(10 * time.Second); ; {
		ds := must(c.ListAlertDeliveries(ctx, env.ID, client.DeliveryFilter{AlertID: id}))(t)
		if len(ds) != 1 {
			t.Fatalf("deliveries = %+v", ds)
		}
		if d = ds[0]; d.Status != api.DeliveryPending || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if d.Status != api.DeliveryDelivered || d.DeliveredAt == nil || d.AttemptCount != 1 || len(d.Attempts) != 1 || hits.Load() != 1 {
		t.Fatalf("delivery = %+v after %d requests", d, hits.Load())
	}
	if at := d.Attempts[0]; at.N != 1 || at.StatusCode != http.StatusNoContent || at.Outcome != api.AttemptDelivered || at.At.IsZero() {
		t.Errorf("attempt = %+v", at)
	}
}

// A posted payload whose answer is lost is posted again by the retry, and is still one alert:
// the server takes the repeat as a duplicate and answers with the first one's id.
func TestIntegration_retriedIngestIsOneAlert(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, plain, faulty, fi := faultyClients(t, "drop")
	env := must(plain.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod", Cloud: "aws"}))(t)
	fi.armed.Store(1)
	got := must(faulty.IngestAlerts(ctx, env.ID, firing(map[string]string{"alertname": "X"})))(t)
	all := must(plain.ListAlerts(ctx, env.ID, client.AlertFilter{}))(t)
	if len(all) != 1 || len(got.Alerts) != 1 || got.Alerts[0].ID != all[0].ID {
		t.Fatalf("answered %+v; the environment holds %+v", got, all)
	}
}

// second is the error of a two-valued call.
func second[T any](_ T, err error) error { return err }
