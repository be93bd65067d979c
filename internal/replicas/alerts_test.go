package replicas

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/alerttest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The alert routing promises, end to end against warden-server processes and real receivers:
// every alert reaches every destination it was routed to, through receivers that fail and
// recover and a server killed mid-burst; two replicas never send one attempt twice; and an
// environment that opted out of vendor routing sends the vendor nothing.

// TestAlerts_alertmanagerEndToEnd routes alerts from a real Alertmanager per environment: A
// (vendor routing on, a webhook and an e-mail destination) and B (opted out, a webhook). Each
// alert's firing and resolution reach A's webhook signed with A's secret, A's mailbox and the
// vendor (trigger, then resolve with the same dedup_key); B's reach B's webhook signed with
// B's secret, and the vendor gets nothing of B's.
func TestAlerts_alertmanagerEndToEnd(t *testing.T) {
	t.Parallel()
	pd := alerttest.NewPagerDutyReceiver(t, vendorRoutingKey)
	mail := alerttest.NewSMTPServer(t, alerttest.SMTPOptions{})
	w, _ := startServer(t, "W", alertingFlags(pd, mail, "")...)

	envA, envB := newAlertEnv(t, w, "prod-a"), newAlertEnv(t, w, "prod-b")
	hookA := alerttest.NewWebhookReceiver(t, envA.Creds.SigningSecret)
	hookB := alerttest.NewWebhookReceiver(t, envB.Creds.SigningSecret)
	const mailbox = "oncall@a.example"
	envA.route(t, w, true, webhookTo(hookA.URL()), emailTo(mailbox))
	envB.route(t, w, false, webhookTo(hookB.URL()))

	alertsOf := func(env string, names ...string) []alerttest.PostableAlert {
		var out []alerttest.PostableAlert
		for i, name := range names {
			out = append(out, alerttest.PostableAlert{
				Labels:      map[string]string{"alertname": name, "env": env, "severity": []string{"critical", "warning", "info"}[i%3]},
				Annotations: map[string]string{"summary": name + " in " + env},
			})
		}
		return out
	}
	sent := map[string][]alerttest.PostableAlert{
		envA.ID: alertsOf("a", "DiskFull", "HighLatency", "CertExpiring"),
		envB.ID: alertsOf("b", "QueueBacklog", "NodeDown"),
	}
	ams := map[string]*alerttest.Alertmanager{}
	for _, e := range []alertEnv{envA, envB} {
		ams[e.ID] = alerttest.StartAlertmanager(t, alerttest.AlertmanagerConfig{URL: e.Creds.IngestURL, Token: e.Creds.IngestKey})
		if err := ams[e.ID].Post(t.Context(), sent[e.ID]...); err != nil {
			t.Fatal(err)
		}
	}
	hookA.WaitFor(t, len(sent[envA.ID]), settleTimeout)
	hookB.WaitFor(t, len(sent[envB.ID]), settleTimeout)
	for id, am := range ams {
		if err := am.Resolve(t.Context(), sent[id]...); err != nil {
			t.Fatal(err)
		}
	}

	// A firing and a resolution per alert; A's go to three recipients, B's to one.
	nA, nB := 2*len(sent[envA.ID]), 2*len(sent[envB.ID])
	dsA := awaitDeliveries(t, w, envA.ID, settleTimeout, settled(3*nA))
	dsB := awaitDeliveries(t, w, envB.ID, settleTimeout, settled(nB))
	requireDelivered(t, dsA)
	requireDelivered(t, dsB)
	alertsA, alertsB := listAlerts(t, w, envA.ID), listAlerts(t, w, envB.ID)
	if len(alertsA) != nA || len(alertsB) != nB || len(dsA) != 3*nA || len(dsB) != nB {
		t.Fatalf("A: %d alerts, %s; B: %d alerts, %s; want %d and %d alerts", len(alertsA), summarize(dsA), len(alertsB), summarize(dsB), nA, nB)
	}
	for _, a := range alertsB {
		if v := a.Routing[0]; v.Kind != api.RecipientVendor || v.Chosen || v.Reason != "opted_out" || v.DeliveryID != "" {
			t.Errorf("B's alert %s: the vendor's routing decision %+v; want not chosen, opted_out", a.ID, v)
		}
	}

	t.Run("A's webhook", func(t *testing.T) {
		checkWebhooks(t, hookA, envA, alertsA, byTarget(dsA)["webhook "+hookA.URL()])
	})
	t.Run("B's webhook", func(t *testing.T) {
		checkWebhooks(t, hookB, envB, alertsB, byTarget(dsB)["webhook "+hookB.URL()])
	})
	t.Run("A's mailbox", func(t *testing.T) {
		ds := byTarget(dsA)["email "+mailbox]
		msgs := map[string]alerttest.Message{}
		for _, m := range mail.Messages() {
			msgs[m.Header.Get("X-Warden-Delivery-Id")] = m
		}
		if len(ds) != nA || len(msgs) != nA {
			t.Fatalf("%d e-mail deliveries, %d distinct messages; want %d", len(ds), len(msgs), nA)
		}
		alerts := indexAlerts(alertsA)
		for _, d := range ds {
			m, ok := msgs[d.ID]
			a := alerts[d.AlertID]
			want := "[" + strings.ToUpper(a.Status) + " "
			if !ok || !slices.Equal(m.To, []string{mailbox}) || m.From != smtpFrom || !strings.HasPrefix(m.Header.Get("Subject"), want) ||
				m.Header.Get("X-Warden-Alert-Id") != a.ID {
				t.Errorf("delivery %s of %s alert %s: message %q to %v from %q, subject %q", d.ID, a.Status, a.ID, m.Header.Get("Message-Id"), m.To, m.From, m.Header.Get("Subject"))
			}
		}
	})
	t.Run("the vendor", func(t *testing.T) {
		byKey := map[string][]alerttest.Event{}
		for _, ev := range pd.All() {
			byKey[ev.DedupKey] = append(byKey[ev.DedupKey], ev)
			if !strings.HasPrefix(ev.DedupKey, envA.ID+"/") || ev.Payload.CustomDetails["environment_id"] != envA.ID {
				t.Errorf("the vendor got an event not of A's (B opted out): %s", ev.Raw)
			}
		}
		alerts := indexAlerts(alertsA)
		for _, d := range byTarget(dsA)["vendor "] {
			a := alerts[d.AlertID]
			want := api.EventTrigger
			if a.Status == api.AlertResolved {
				want = api.EventResolve
			}
			if d.Event != want {
				t.Errorf("vendor delivery %s of %s alert %s: event %s", d.ID, a.Status, a.ID, d.Event)
			}
		}
		if len(byKey) != len(sent[envA.ID]) {
			t.Fatalf("the vendor got events under %d dedup keys, want one per alert of A's (%d): %v", len(byKey), len(sent[envA.ID]), slices.Collect(maps.Keys(byKey)))
		}
		for key, evs := range byKey {
			if len(evs) != 2 || evs[0].Action != "trigger" || evs[1].Action != "resolve" || len(evs[0].Errors)+len(evs[1].Errors) > 0 {
				t.Errorf("dedup_key %s: %d events; want a valid trigger, then a resolve", key, len(evs))
				continue
			}
			fp := strings.TrimPrefix(key, envA.ID+"/")
			var firing, resolved int
			for _, a := range alertsA {
				if a.DedupKey == fp && a.Status == api.AlertFiring {
					firing++
				} else if a.DedupKey == fp {
					resolved++
				}
			}
			if firing != 1 || resolved != 1 {
				t.Errorf("dedup_key %s names %d firing and %d resolved alerts of A's; want one of each (Alertmanager's fingerprint)", key, firing, resolved)
			}
		}
	})
}

// checkWebhooks requires that wr accepted each of env's webhook deliveries ds exactly once,
// signed with env's secret, carrying the alert the delivery is of, and nothing else.
func checkWebhooks(t *testing.T, wr *alerttest.WebhookReceiver, env alertEnv, alerts []api.Alert, ds []api.AlertDelivery) {
	t.Helper()
	if len(ds) != len(alerts) {
		t.Fatalf("%d webhook deliveries for %d alerts", len(ds), len(alerts))
	}
	if r := wr.Rejected(); len(r) > 0 {
		t.Errorf("%d deliveries refused for their signature, the first: %s", len(r), r[0].Err)
	}
	got := map[string]alerttest.Delivery{}
	for _, d := range wr.Deliveries() {
		if _, dup := got[d.ID]; dup {
			t.Errorf("webhook-id %s accepted twice", d.ID)
		}
		got[d.ID] = d
	}
	byAlert := indexAlerts(alerts)
	for _, d := range ds {
		req, ok := got[d.ID]
		if !ok {
			t.Errorf("delivery %s never reached the receiver", d.ID)
			continue
		}
		delete(got, d.ID)
		b := decodeWebhook(t, req)
		a := byAlert[d.AlertID]
		if !slices.Equal(req.Secrets, []string{env.Creds.SigningSecret}) || b.Data.Environment.ID != env.ID || b.Data.Alert.ID != a.ID ||
			b.Type != "alert."+a.Status || b.Data.Delivery.ID != d.ID || b.Data.Alert.Labels["alertname"] != a.Labels["alertname"] {
			t.Errorf("delivery %s of alert %s (%s): signed with %d of the receiver's secrets, carrying %s", d.ID, a.ID, a.Status, len(req.Secrets), req.Raw)
		}
	}
	for id := range got {
		t.Errorf("the receiver accepted webhook-id %s, which is no delivery of %s's", id, env.ID)
	}
}

func indexAlerts(as []api.Alert) map[string]api.Alert {
	out := make(map[string]api.Alert, len(as))
	for _, a := range as {
		out[a.ID] = a
	}
	return out
}
