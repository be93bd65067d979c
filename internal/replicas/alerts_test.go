package replicas

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
		if len(ds) != nA || len(msgs) != nA || len(mail.All()) != nA {
			t.Fatalf("%d e-mail deliveries, %d messages for %d of them; want %d", len(ds), len(mail.All()), len(msgs), nA)
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

// faultSchedule is short, so that a receiver outlives it in seconds: six attempts over
// about six seconds (±10% each step).
const faultSchedule = "0s,200ms,400ms,800ms,1500ms,3s"

// faultAttempts is how many attempts faultSchedule makes before a delivery fails.
const faultAttempts = 6

// attemptTimeout is the dispatcher's bound on one attempt (alerting.Config.AttemptTimeout's
// default; warden-server has no flag for it).
const attemptTimeout = 10 * time.Second

// TestAlerts_receiversFailThenRecover sends alerts to six webhooks of one environment, each
// failing its own way: 503 for a while, 503 with Retry-After, hanging past the attempt
// timeout, down then up again, 410, and down for longer than the schedule. The first four
// are delivered once they recover, exactly once each; the 410 one is gone after one
// attempt; the last is failed after the schedule, and delivered by a retry through the API
// once it is back. The attempts the API lists are the requests each receiver got.
func TestAlerts_receiversFailThenRecover(t *testing.T) {
	t.Parallel()
	pd := alerttest.NewPagerDutyReceiver(t, vendorRoutingKey)
	w, _ := startServer(t, "W", alertingFlags(pd, nil, faultSchedule)...)
	env := newAlertEnv(t, w, "flaky")
	secret := env.Creds.SigningSecret
	unavailable, retryAfter, hanging := alerttest.NewWebhookReceiver(t, secret), alerttest.NewWebhookReceiver(t, secret), alerttest.NewWebhookReceiver(t, secret)
	flapping, gone, dead := alerttest.NewWebhookReceiver(t, secret), alerttest.NewWebhookReceiver(t, secret), alerttest.NewWebhookReceiver(t, secret)
	const n = 2 // alerts, so that each fault meets more than one delivery at once
	unavailable.Fail(http.StatusServiceUnavailable, alerttest.Always)
	retryAfter.Inject(alerttest.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "2"}, n)
	hanging.Hang(n)
	flapping.Down()
	gone.Fail(http.StatusGone, alerttest.Always)
	dead.Down()
	receivers := map[string]*alerttest.WebhookReceiver{"unavailable": unavailable, "retry-after": retryAfter, "hanging": hanging,
		"flapping": flapping, "gone": gone, "dead": dead}
	var dests []api.Destination
	for _, wr := range receivers {
		dests = append(dests, webhookTo(wr.URL()))
	}
	env.route(t, w, false, dests...)
	of := func(ds []api.AlertDelivery, wr *alerttest.WebhookReceiver) []api.AlertDelivery {
		return byTarget(ds)["webhook "+wr.URL()]
	}

	now := time.Now()
	mustIngest(t, env, firing("Flaky1", now), firing("Flaky2", now))

	// 503 for three attempts of each delivery, then healthy.
	unavailable.Await(t, settleTimeout, func(all []alerttest.Delivery) bool {
		per := map[string]int{}
		for _, d := range all {
			per[d.ID]++
		}
		return len(per) == n && slices.Min(slices.Collect(maps.Values(per))) >= 3
	})
	unavailable.Heal()
	// Refused for two attempts of each delivery, then up.
	awaitDeliveries(t, w, env.ID, settleTimeout, func(ds []api.AlertDelivery) bool {
		return len(of(ds, flapping)) == n && slices.MinFunc(of(ds, flapping), byAttempts).AttemptCount >= 2
	})
	flapping.Up()
	// Down for the whole schedule: failed; then up, and retried through the API.
	ds := awaitDeliveries(t, w, env.ID, settleTimeout, func(ds []api.AlertDelivery) bool {
		return len(of(ds, dead)) == n && !slices.ContainsFunc(of(ds, dead), func(d api.AlertDelivery) bool { return d.Status != api.DeliveryFailed })
	})
	for _, d := range of(ds, dead) {
		requireAttempts(t, "down for the whole schedule", d, api.DeliveryFailed, faultAttempts, func(i int, a api.AlertAttempt) bool {
			return a.StatusCode == 0 && strings.Contains(a.Error, "connection refused") &&
				a.Outcome == map[bool]string{true: api.AttemptFailed, false: api.AttemptRetry}[i == faultAttempts-1]
		})
	}
	dead.Up()
	for _, d := range of(ds, dead) {
		if again := retryDelivery(t, w, env.ID, d.ID); again.Status != api.DeliveryPending || again.AttemptCount != faultAttempts {
			t.Errorf("retried, delivery %s is %s with %d attempts; want pending with %d", d.ID, again.Status, again.AttemptCount, faultAttempts)
		}
	}

	ds = awaitDeliveries(t, w, env.ID, settleTimeout+attemptTimeout, settled(len(receivers)*n))
	if len(ds) != len(receivers)*n {
		t.Fatalf("%s; want %d", summarize(ds), len(receivers)*n)
	}
	for name, wr := range receivers {
		t.Run(name, func(t *testing.T) {
			mine := of(ds, wr)
			if len(mine) != n {
				t.Fatalf("%d deliveries; want %d", len(mine), n)
			}
			if dups := wr.Duplicates(); len(dups) > 0 {
				t.Errorf("accepted twice: %v", dups)
			}
			reqs := requestsByID(wr)
			for _, d := range mine {
				// Refused connections reach no receiver; every other attempt is one request.
				answered := 0
				for _, a := range d.Attempts {
					if a.StatusCode != 0 || !strings.Contains(a.Error, "connection refused") {
						answered++
					}
				}
				if len(reqs[d.ID]) != answered {
					t.Errorf("delivery %s: %d attempts reached the receiver, which got %d requests", d.ID, answered, len(reqs[d.ID]))
				}
			}
		})
	}
	for _, d := range of(ds, unavailable) {
		requireAttempts(t, "503 for a while", d, api.DeliveryDelivered, -1, func(i int, a api.AlertAttempt) bool {
			return i == len(d.Attempts)-1 || (a.StatusCode == http.StatusServiceUnavailable && a.Outcome == api.AttemptRetry)
		})
		if len(d.Attempts) < 4 {
			t.Errorf("503 for a while: delivery %s delivered after %d attempts; want 3 refused first", d.ID, len(d.Attempts))
		}
	}
	reqs := requestsByID(retryAfter)
	for _, d := range of(ds, retryAfter) {
		requireAttempts(t, "503 with Retry-After", d, api.DeliveryDelivered, 2, func(i int, a api.AlertAttempt) bool {
			return i == 1 || (a.StatusCode == http.StatusServiceUnavailable && a.Outcome == api.AttemptRetry)
		})
		// The schedule's next step is 200ms: a wait of 2s is Retry-After's.
		if r := reqs[d.ID]; len(r) == 2 && r[1].At.Sub(r[0].At) < 2*time.Second {
			t.Errorf("503 with Retry-After: 2: delivery %s attempted again after %v", d.ID, r[1].At.Sub(r[0].At))
		}
	}
	for _, d := range of(ds, hanging) {
		requireAttempts(t, "hanging past the attempt timeout", d, api.DeliveryDelivered, 2, func(i int, a api.AlertAttempt) bool {
			return i == 1 || (a.StatusCode == 0 && a.Outcome == api.AttemptRetry && strings.Contains(a.Error, "no answer in time") &&
				a.LatencyMS >= (attemptTimeout-time.Second).Milliseconds())
		})
	}
	for _, d := range of(ds, flapping) {
		requireAttempts(t, "down, then up", d, api.DeliveryDelivered, -1, func(i int, a api.AlertAttempt) bool {
			return i == len(d.Attempts)-1 || (a.StatusCode == 0 && strings.Contains(a.Error, "connection refused"))
		})
	}
	for _, d := range of(ds, gone) {
		requireAttempts(t, "410", d, api.DeliveryGone, 1, func(_ int, a api.AlertAttempt) bool {
			return a.StatusCode == http.StatusGone && a.Outcome == api.AttemptGone
		})
	}
	for _, d := range of(ds, dead) {
		requireAttempts(t, "retried once back", d, api.DeliveryDelivered, faultAttempts+1, func(i int, a api.AlertAttempt) bool {
			return i < faultAttempts || a.StatusCode == http.StatusNoContent
		})
	}
}

func byAttempts(a, b api.AlertDelivery) int { return a.AttemptCount - b.AttemptCount }

// requireAttempts fails the test unless d has status and n attempts (any number when n is
// negative), the last delivered when status is, and ok holds for each.
func requireAttempts(t *testing.T, what string, d api.AlertDelivery, status string, n int, ok func(i int, a api.AlertAttempt) bool) {
	t.Helper()
	bad := d.Status != status || d.AttemptCount != len(d.Attempts) || (n >= 0 && len(d.Attempts) != n) || len(d.Attempts) == 0
	if status == api.DeliveryDelivered && !bad {
		bad = d.Attempts[len(d.Attempts)-1].Outcome != api.AttemptDelivered
	}
	for i, a := range d.Attempts {
		bad = bad || !ok(i, a)
	}
	if bad {
		t.Errorf("%s: delivery %s is %s after %d attempts (want %s after %d):\n%s", what, d.ID, d.Status, len(d.Attempts), status, n, attemptsText(d))
	}
}

func attemptsText(d api.AlertDelivery) string {
	var b strings.Builder
	for _, a := range d.Attempts {
		fmt.Fprintf(&b, "  #%d at %s: %d %s in %dms %s\n", a.N, a.At.Format("15:04:05.000"), a.StatusCode, a.Outcome, a.LatencyMS, a.Error)
	}
	return b.String()
}

// TestAlerts_retryStartsTheScheduleAgain retries a failed delivery through the API while its
// receiver still fails once: the retry begins the schedule again (the API promises it), so
// the one failure is retried at the schedule's next step and the delivery is delivered,
// rather than failed again after a single attempt.
func TestAlerts_retryStartsTheScheduleAgain(t *testing.T) {
	t.Parallel()
	pd := alerttest.NewPagerDutyReceiver(t, vendorRoutingKey)
	const schedule, attempts = "0s,200ms,400ms", 3
	w, _ := startServer(t, "W", alertingFlags(pd, nil, schedule)...)
	env := newAlertEnv(t, w, "retried")
	hook := alerttest.NewWebhookReceiver(t, env.Creds.SigningSecret)
	hook.Down()
	env.route(t, w, false, webhookTo(hook.URL()))
	mustIngest(t, env, firing("Retried", time.Now()))
	d := awaitDeliveries(t, w, env.ID, settleTimeout, settled(1))[0]
	requireAttempts(t, "down for the whole schedule", d, api.DeliveryFailed, attempts, func(int, api.AlertAttempt) bool { return true })

	hook.Up()
	hook.Fail(http.StatusServiceUnavailable, 1)
	retryDelivery(t, w, env.ID, d.ID)
	d = awaitDeliveries(t, w, env.ID, settleTimeout, settled(1))[0]
	requireAttempts(t, "retried while the receiver fails once more", d, api.DeliveryDelivered, attempts+2, func(i int, a api.AlertAttempt) bool {
		return i != attempts || (a.StatusCode == http.StatusServiceUnavailable && a.Outcome == api.AttemptRetry)
	})
}

// TestAlerts_killMidBurst posts a burst of alerts with distinct labels straight at the
// ingest URL from many connections, SIGKILLs the server once a third of them have been
// answered 202, and restarts it on the same SQLite file. Every alert answered 202 is stored,
// and every delivery of every stored alert (a webhook and the vendor) ends delivered, at the
// receiver at least once, by one recorded attempt. A receiver may get a delivery twice only
// when the killed server sent that attempt and never recorded it (under way, or done but not
// yet written) and the restarted one sent the same attempt again: the test reports how many.
func TestAlerts_killMidBurst(t *testing.T) {
	t.Parallel()
	pd := alerttest.NewPagerDutyReceiver(t, vendorRoutingKey)
	flags := alertingFlags(pd, nil, faultSchedule)
	w1, db := startServer(t, "W1", flags...)
	env := newAlertEnv(t, w1, "burst")
	hook := alerttest.NewWebhookReceiver(t, env.Creds.SigningSecret)
	env.route(t, w1, true, webhookTo(hook.URL()))

	const total, posters, killAfter = 300, 24, 100
	type outcome struct {
		status int
		id     string
		err    error
	}
	outcomes := make([]outcome, total)
	var next, accepted atomic.Int64
	var kill sync.Once
	var exitedAt time.Time
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: posters}, Timeout: settleTimeout}
	defer c.CloseIdleConnections()
	startsAt := time.Now()
	var wg sync.WaitGroup
	for range posters {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < total; i = int(next.Add(1) - 1) {
				status, ans, err := ingest(t.Context(), c, env.Creds.IngestURL, env.Creds.IngestKey, firing(fmt.Sprintf("Burst%03d", i), startsAt))
				outcomes[i] = outcome{status: status, err: err}
				if status != http.StatusAccepted || len(ans.Alerts) != 1 {
					continue
				}
				outcomes[i].id = ans.Alerts[0].ID
				if accepted.Add(1) == killAfter {
					kill.Do(func() {
						if err := w1.kill(); err != nil {
							t.Errorf("SIGKILL: %v", err)
						}
						<-w1.exited
						exitedAt = time.Now()
					})
				}
			}
		})
	}
	wg.Wait()
	if exitedAt.IsZero() {
		t.Fatalf("only %d of %d alerts were answered 202, none killed the server", accepted.Load(), total)
	}
	// What the killed server sent may still be in the receivers' sockets: once they are quiet,
	// whatever arrives is the restarted server's.
	quiet(t, func() int { return len(hook.All()) + len(pd.All()) })
	restartedAt := time.Now()
	w2 := launch(t, "W2", db, flags...)
	w2.awaitAddress(t)

	stored := indexAlerts(listAlerts(t, w2, env.ID))
	byName := map[string]api.Alert{}
	for _, a := range stored {
		if prev, dup := byName[a.DedupKey]; dup {
			t.Errorf("alert %s stored twice: %s and %s", a.DedupKey, prev.ID, a.ID)
		}
		byName[a.DedupKey] = a
	}
	var answered, unanswered, refused int
	for i, o := range outcomes {
		switch {
		case o.status == http.StatusAccepted:
			answered++
			if _, ok := stored[o.id]; !ok {
				t.Errorf("alert %d was answered 202 as %s, and is not stored after the restart", i, o.id)
			}
		case o.err != nil:
			unanswered++
		default:
			refused++
			t.Errorf("alert %d was answered %d", i, o.status)
		}
	}
	ds := awaitDeliveries(t, w2, env.ID, settleTimeout, settled(2*len(stored)))
	requireDelivered(t, ds)
	if len(ds) != 2*len(stored) {
		t.Fatalf("%d alerts stored, %s; want a webhook and a vendor delivery each", len(stored), summarize(ds))
	}

	// What each receiver accepted, by the key it tells deliveries apart by; for webhooks,
	// with the attempt number each copy carried (the vendor's events carry none).
	type copyOf struct {
		at      time.Time
		attempt int
	}
	hooked := map[string][]copyOf{}
	for _, d := range hook.Deliveries() {
		hooked[d.ID] = append(hooked[d.ID], copyOf{d.At, decodeWebhook(t, d).Data.Delivery.Attempt})
	}
	paged := map[string][]copyOf{}
	for _, ev := range pd.Events() {
		if ev.Action != api.EventTrigger {
			t.Errorf("the vendor got a %s, for only firing alerts were sent", ev.Action)
		}
		paged[ev.DedupKey] = append(paged[ev.DedupKey], copyOf{ev.At, 1})
	}
	twice := map[string]int{}
	for _, d := range ds {
		key, got := d.ID, hooked
		if d.Kind == api.RecipientVendor {
			key, got = env.ID+"/"+stored[d.AlertID].DedupKey, paged
		}
		copies := got[key]
		delete(got, key)
		// The receivers are healthy: one attempt each is recorded. A second copy of it is
		// the killed server's unrecorded attempt, sent again after the restart.
		switch {
		case d.AttemptCount != 1:
			t.Errorf("%s delivery %s to a healthy receiver took %d attempts:\n%s", d.Kind, d.ID, d.AttemptCount, attemptsText(d))
		case len(copies) == 0:
			t.Errorf("%s delivery %s (alert %s) is delivered, and its receiver never got it", d.Kind, d.ID, d.AlertID)
		case len(copies) == 1 && copies[0].attempt == 1:
		case len(copies) == 2 && copies[0].at.Before(restartedAt) && copies[1].at.After(restartedAt) && copies[0].attempt == 1 && copies[1].attempt == 1:
			twice[d.Kind]++
		default:
			t.Errorf("%s delivery %s accepted as %+v (killed at %s, restarted at %s): only the attempt under way at the kill may be sent again",
				d.Kind, d.ID, copies, exitedAt.Format(time.StampMicro), restartedAt.Format(time.StampMicro))
		}
	}
	for id := range hooked {
		t.Errorf("the webhook accepted %s, which is no stored delivery", id)
	}
	for key := range paged {
		t.Errorf("the vendor accepted an event for %s, which is no stored alert", key)
	}
	t.Logf("%d of %d alerts answered 202 (the kill came after the %dth), %d unanswered (%d of those stored: committed, answer lost), %d refused; "+
		"sent twice, in flight at the kill: %d webhook and %d vendor deliveries of %d",
		answered, total, killAfter, unanswered, len(stored)-answered, refused, twice[api.RecipientWebhook], twice[api.RecipientVendor], len(ds))
}

// attemptLogged is what a server's log says of each attempt that leaves its delivery pending
// (delivered ones are logged at debug, which warden-server does not print).
const attemptLogged = `msg="alert delivery attempt"`

// TestAlerts_replicasShareTheOutbox posts alerts round-robin to two replicas on one
// PostgreSQL database, for an environment routed to the vendor, a webhook and e-mail, and
// one opted out of vendor routing with a webhook. The opted-in webhook answers 503 until
// both replicas' dispatchers have been seen retrying it, so that both work the outbox.
// Every delivery arrives once: no webhook-id is accepted twice, no attempt (webhook-id and
// attempt number) is sent twice, each receiver got exactly the attempts the API lists, and
// the vendor gets one trigger per opted-in alert and nothing of the other environment's.
func TestAlerts_replicasShareTheOutbox(t *testing.T) {
	t.Parallel()
	pd := alerttest.NewPagerDutyReceiver(t, vendorRoutingKey)
	mail := alerttest.NewSMTPServer(t, alerttest.SMTPOptions{})
	a, b := startPair(t, alertingFlags(pd, mail, faultSchedule)...)
	proxy := newRoundRobin(t, a, b)
	in, out := newAlertEnv(t, a, "opted-in"), newAlertEnv(t, b, "opted-out")
	hookIn, hookOut := alerttest.NewWebhookReceiver(t, in.Creds.SigningSecret), alerttest.NewWebhookReceiver(t, out.Creds.SigningSecret)
	const mailbox = "oncall@in.example"
	in.route(t, a, true, webhookTo(hookIn.URL()), emailTo(mailbox))
	out.route(t, b, false, webhookTo(hookOut.URL()))
	hookIn.Fail(http.StatusServiceUnavailable, alerttest.Always)

	const perEnv, posters = 100, 8
	startsAt := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range posters {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < 2*perEnv; i = int(next.Add(1) - 1) {
				e := []alertEnv{in, out}[i%2]
				u := proxy.URL + "/v1/environments/" + e.ID + "/alerts"
				if status, ans, err := ingest(t.Context(), http.DefaultClient, u, e.Creds.IngestKey, firing(fmt.Sprintf("Shared%03d", i), startsAt)); err != nil ||
					status != http.StatusAccepted || len(ans.Alerts) != 1 || ans.Alerts[0].Duplicate {
					t.Errorf("alert %d: %d %+v %v", i, status, ans, err)
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, u := range proxy.ups {
		if u.answered.Load() == 0 {
			t.Fatalf("replica %s received no alert: %s", u.r.name, proxy)
		}
	}

	waitUntil(t, settleTimeout, func() bool { return logCount(t, a, attemptLogged) > 0 && logCount(t, b, attemptLogged) > 0 }, func() string {
		return fmt.Sprintf("replica A logged %d retried attempts and B %d: one dispatcher did not take part", logCount(t, a, attemptLogged), logCount(t, b, attemptLogged))
	})
	hookIn.Heal()

	dsIn := awaitDeliveries(t, b, in.ID, settleTimeout, settled(3*perEnv))
	dsOut := awaitDeliveries(t, a, out.ID, settleTimeout, settled(perEnv))
	requireDelivered(t, dsIn)
	requireDelivered(t, dsOut)
	if len(dsIn) != 3*perEnv || len(dsOut) != perEnv {
		t.Fatalf("opted in: %s; opted out: %s; want %d and %d", summarize(dsIn), summarize(dsOut), 3*perEnv, perEnv)
	}
	t.Logf("%s; retries logged: A %d, B %d", proxy, logCount(t, a, attemptLogged), logCount(t, b, attemptLogged))

	for name, c := range map[string]struct {
		wr *alerttest.WebhookReceiver
		ds []api.AlertDelivery
	}{"opted in": {hookIn, byTarget(dsIn)["webhook "+hookIn.URL()]}, "opted out": {hookOut, byTarget(dsOut)["webhook "+hookOut.URL()]}} {
		t.Run(name+" webhook", func(t *testing.T) {
			if dups := c.wr.Duplicates(); len(dups) > 0 {
				t.Errorf("%d webhook-ids accepted twice, the first: %s", len(dups), dups[0])
			}
			reqs := requestsByID(c.wr)
			for _, d := range c.ds {
				var sent []int
				for _, r := range reqs[d.ID] {
					sent = append(sent, decodeWebhook(t, r).Data.Delivery.Attempt)
				}
				delete(reqs, d.ID)
				if want := seq(d.AttemptCount); !slices.Equal(sent, want) {
					t.Errorf("delivery %s: the receiver got attempts %v; the API lists %v", d.ID, sent, want)
				}
			}
			for id := range reqs {
				t.Errorf("the receiver got %s, which is no delivery of this environment's", id)
			}
		})
	}
	t.Run("the vendor", func(t *testing.T) {
		keys := map[string]int{}
		for _, ev := range pd.All() {
			if !strings.HasPrefix(ev.DedupKey, in.ID+"/") || ev.Action != api.EventTrigger {
				t.Errorf("an event not a trigger of the opted-in environment's: %s", ev.Raw)
			}
			keys[ev.DedupKey]++
		}
		for _, d := range byTarget(dsIn)["vendor "] {
			if d.AttemptCount != 1 {
				t.Errorf("vendor delivery %s took %d attempts to a healthy receiver", d.ID, d.AttemptCount)
			}
		}
		if len(keys) != perEnv || len(pd.All()) != perEnv {
			t.Errorf("%d events under %d dedup keys; want one each for %d alerts", len(pd.All()), len(keys), perEnv)
		}
	})
	t.Run("the mailbox", func(t *testing.T) {
		ids := map[string]int{}
		for _, m := range mail.All() {
			ids[m.Header.Get("X-Warden-Delivery-Id")]++
		}
		for _, d := range byTarget(dsIn)["email "+mailbox] {
			if ids[d.ID] != 1 {
				t.Errorf("e-mail delivery %s: %d messages", d.ID, ids[d.ID])
			}
		}
		if len(mail.All()) != perEnv {
			t.Errorf("%d messages; want %d", len(mail.All()), perEnv)
		}
	})
}

// seq is 1, 2, … n.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i + 1
	}
	return s
}
