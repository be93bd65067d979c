package alerting

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
	"github.com/wardenhq/terraform-provider-warden/internal/testclock"
)

// A webhook receiver's every kind of answer, one attempt each: what the delivery and the
// attempt record, and when the next attempt is due (the schedule's 5s step, or Retry-After).
func TestDispatcher_webhookAnswers(t *testing.T) {
	t.Parallel()
	hang := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}
	closedPort := func(t *testing.T) string {
		l, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		_ = l.Close()
		return "http://user:pw-s3cret@" + addr + "/hook?key=q-s3cret"
	}
	for _, tc := range []struct {
		name    string
		answer  http.HandlerFunc // nil: target names a closed port
		status  string
		outcome string
		code    int
		due     time.Duration // the next attempt's wait; 0 for none
		errHas  []string
	}{
		{name: "2xx", answer: answer(http.StatusNoContent), status: api.DeliveryDelivered, outcome: api.AttemptDelivered, code: 204},
		{name: "410 is gone", answer: answer(http.StatusGone), status: api.DeliveryGone, outcome: api.AttemptGone, code: 410,
			errHas: []string{"HTTP 410 Gone", "accepts no more"}},
		{name: "429 with Retry-After", answer: answer(http.StatusTooManyRequests, "Retry-After: 120"), status: api.DeliveryPending,
			outcome: api.AttemptRetry, code: 429, due: 2 * time.Minute, errHas: []string{"HTTP 429 Too Many Requests"}},
		{name: "Retry-After never before the schedule", answer: answer(http.StatusServiceUnavailable, "Retry-After: 1"),
			status: api.DeliveryPending, outcome: api.AttemptRetry, code: 503, due: 5 * time.Second},
		{name: "Retry-After capped", answer: answer(http.StatusServiceUnavailable, "Retry-After: 86400"),
			status: api.DeliveryPending, outcome: api.AttemptRetry, code: 503, due: MaxRetryAfter},
		{name: "Retry-After as a date", answer: answer(http.StatusServiceUnavailable, "Retry-After: "+epoch.Add(10*time.Minute).Format(http.TimeFormat)),
			status: api.DeliveryPending, outcome: api.AttemptRetry, code: 503, due: 10 * time.Minute},
		{name: "other 4xx retried", answer: answer(http.StatusNotFound), status: api.DeliveryPending, outcome: api.AttemptRetry,
			code: 404, due: 5 * time.Second, errHas: []string{"HTTP 404 Not Found: Not Found"}},
		{name: "hang past the timeout", answer: hang, status: api.DeliveryPending, outcome: api.AttemptRetry, due: 5 * time.Second,
			errHas: []string{"no answer in time"}},
		{name: "closed port", status: api.DeliveryPending, outcome: api.AttemptRetry, due: 5 * time.Second,
			errHas: []string{"connection refused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, testclock.New(epoch))
			var target string
			if tc.answer == nil {
				target = closedPort(t)
			} else {
				target = newReceiver(t, tc.answer).URL + "/hook?token=q-s3cret"
			}
			dl := f.add(testAlert("alr_1", api.AlertFiring, epoch), api.RecipientWebhook, target)
			start := time.Now()
			runOnce(t, f.dispatcher(Config{AllowPrivate: true, AttemptTimeout: 300 * time.Millisecond}), 1)
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("the attempt took %v, past its 300ms timeout", took)
			}
			got := f.delivery(dl.ID)
			if got.Status != tc.status || got.AttemptCount != 1 || len(got.Attempts) != 1 {
				t.Fatalf("delivery %+v; want status %s after 1 attempt", got, tc.status)
			}
			a := got.Attempts[0]
			if a.N != 1 || a.Outcome != tc.outcome || a.StatusCode != tc.code || !a.At.Equal(epoch) {
				t.Errorf("attempt %+v; want n 1, outcome %s, code %d at %v", a, tc.outcome, tc.code, epoch)
			}
			requireContains(t, "the attempt's error", a.Error, tc.errHas...)
			if strings.Contains(a.Error, "s3cret") || strings.Contains(got.LastError, "s3cret") {
				t.Errorf("a secret of the target's URL is in the error %q", a.Error)
			}
			switch {
			case tc.due == 0 && got.NextAttemptAt != nil:
				t.Errorf("a final delivery is due again at %v", got.NextAttemptAt)
			case tc.due != 0 && (got.NextAttemptAt == nil || !got.NextAttemptAt.Equal(epoch.Add(tc.due))):
				t.Errorf("next attempt at %v; want %v", got.NextAttemptAt, epoch.Add(tc.due))
			}
			if (tc.status == api.DeliveryDelivered) != (got.DeliveredAt != nil) {
				t.Errorf("delivered_at %v with status %s", got.DeliveredAt, got.Status)
			}
		})
	}
}

// A 3xx is an answer, and a failed one: the Location is never visited, and its query values
// stay out of the error.
func TestDispatcher_redirectNotFollowed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testclock.New(epoch))
	elsewhere := newReceiver(t, answer(http.StatusOK))
	hook := newReceiver(t, answer(http.StatusFound, "Location: "+elsewhere.URL+"/internal?token=loc-s3cret"))
	dl := f.add(testAlert("alr_1", api.AlertFiring, epoch), api.RecipientWebhook, hook.URL)
	runOnce(t, f.dispatcher(Config{AllowPrivate: true}), 1)
	got := f.delivery(dl.ID)
	if n := len(elsewhere.requests()); n != 0 {
		t.Errorf("the redirect was followed: its target got %d requests", n)
	}
	if got.Status != api.DeliveryPending || got.Attempts[0].StatusCode != http.StatusFound || got.Attempts[0].Outcome != api.AttemptRetry {
		t.Errorf("after a 302: %+v", got)
	}
	requireContains(t, "the error", got.LastError, "HTTP 302 Found", "not followed", "token=redacted")
	if strings.Contains(got.LastError, "loc-s3cret") {
		t.Errorf("the Location's query value is in the error %q", got.LastError)
	}
}

// 503, then 200 at the schedule's second step: two attempts on record, the first retried.
func TestDispatcher_retriesOnScheduleThenDelivers(t *testing.T) {
	t.Parallel()
	clock := testclock.New(epoch)
	f := newFixture(t, clock)
	hook := newReceiver(t, answer(http.StatusServiceUnavailable), answer(http.StatusOK))
	dl := f.add(testAlert("alr_1", api.AlertFiring, epoch), api.RecipientWebhook, hook.URL)
	d := f.dispatcher(Config{AllowPrivate: true})
	runOnce(t, d, 1)
	clock.Advance(4 * time.Second)
	runOnce(t, d, 0) // not due before its step
	clock.Advance(time.Second)
	runOnce(t, d, 1)
	got := f.delivery(dl.ID)
	if got.Status != api.DeliveryDelivered || got.DeliveredAt == nil || !got.DeliveredAt.Equal(epoch.Add(5*time.Second)) || got.LastError != "" {
		t.Fatalf("after 503 then 200: %+v", got)
	}
	want := []struct {
		outcome string
		code    int
	}{{api.AttemptRetry, 503}, {api.AttemptDelivered, 200}}
	for i, a := range got.Attempts {
		if a.N != i+1 || a.Outcome != want[i].outcome || a.StatusCode != want[i].code {
			t.Errorf("attempt %d: %+v; want %+v", i+1, a, want[i])
		}
	}
	reqs := hook.requests()
	if len(reqs) != 2 || reqs[0].header.Get("webhook-id") != dl.ID || reqs[1].header.Get("webhook-id") != dl.ID {
		t.Fatalf("the receiver got %d requests; want 2, both with webhook-id %s", len(reqs), dl.ID)
	}
	var p WebhookPayload
	if err := json.Unmarshal(reqs[1].body, &p); err != nil || p.Data.Delivery.Attempt != 2 {
		t.Errorf("the second body says attempt %d (%v); want 2", p.Data.Delivery.Attempt, err)
	}
}

// Every attempt of the schedule fails: the delivery is the dead letter, and the last
// attempt's outcome says so.
func TestDispatcher_deadLetterAfterTheSchedule(t *testing.T) {
	t.Parallel()
	clock := testclock.New(epoch)
	f := newFixture(t, clock)
	hook := newReceiver(t, answer(http.StatusInternalServerError))
	dl := f.add(testAlert("alr_1", api.AlertFiring, epoch), api.RecipientWebhook, hook.URL)
	sched, err := ParseSchedule("0s,1s,2s")
	if err != nil {
		t.Fatal(err)
	}
	d := f.dispatcher(Config{AllowPrivate: true, Schedule: sched})
	for _, wait := range []time.Duration{0, time.Second, 2 * time.Second} {
		clock.Advance(wait)
		runOnce(t, d, 1)
	}
	clock.Advance(time.Hour)
	runOnce(t, d, 0)
	got := f.delivery(dl.ID)
	if got.Status != api.DeliveryFailed || got.NextAttemptAt != nil || got.AttemptCount != 3 || len(hook.requests()) != 3 {
		t.Fatalf("after the schedule: %+v, %d requests", got, len(hook.requests()))
	}
	outcomes := []string{got.Attempts[0].Outcome, got.Attempts[1].Outcome, got.Attempts[2].Outcome}
	if want := []string{api.AttemptRetry, api.AttemptRetry, api.AttemptFailed}; fmt.Sprint(outcomes) != fmt.Sprint(want) {
		t.Errorf("outcomes %v; want %v", outcomes, want)
	}
	requireContains(t, "the last error", got.LastError, "HTTP 500")
}

// The body and headers of a webhook, verified by the Standard Webhooks reference library on
// a running clock (timestamp tolerance included).
func TestDispatcher_webhookBodyAndSignature(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testclock.Running())
	hook := newReceiver(t, answer(http.StatusOK))
	a := testAlert("alr_1", api.AlertResolved, f.clock.Now())
	dl := f.add(a, api.RecipientWebhook, hook.URL)
	runOnce(t, f.dispatcher(Config{AllowPrivate: true}), 1)
	reqs := hook.requests()
	if len(reqs) != 1 {
		t.Fatalf("the receiver got %d requests", len(reqs))
	}
	r := reqs[0]
	if err := verify(f.creds.SigningSecret, r, true); err != nil {
		t.Errorf("the reference library refuses the signature: %v", err)
	}
	for k, want := range map[string]string{"webhook-id": dl.ID, "content-type": "application/json", "user-agent": UserAgent} {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s: %q; want %q", k, got, want)
		}
	}
	if sigs := strings.Fields(r.header.Get("webhook-signature")); len(sigs) != 1 || !strings.HasPrefix(sigs[0], "v1,") {
		t.Errorf("webhook-signature %q; want one v1 signature", sigs)
	}
	var raw map[string]any
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatal(err)
	}
	data, _ := raw["data"].(map[string]any)
	alert, _ := data["alert"].(map[string]any)
	if _, has := alert["routing"]; has || alert == nil {
		t.Errorf("the alert %v carries its routing decision (or is missing)", alert)
	}
	var p WebhookPayload
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	wantEnv := WebhookEnvironment{ID: "env_1", Name: "production", Cloud: "aws"}
	if p.Type != WebhookAlertResolved || !p.Timestamp.Equal(a.ReceivedAt) || p.Data.Environment != wantEnv ||
		p.Data.Delivery != (WebhookDelivery{ID: dl.ID, Attempt: 1}) || p.Data.Alert.ID != "alr_1" ||
		p.Data.Alert.Labels["alertname"] != "DiskFull" || p.Data.Alert.EndsAt == nil || p.Data.Alert.Summary != a.Summary {
		t.Errorf("payload %+v", p)
	}
}

// During a rotation every attempt carries two signatures, one per secret, each verifying
// alone; once the overlap is over, only the new secret's.
func TestDispatcher_signaturesDuringRotation(t *testing.T) {
	t.Parallel()
	clock := testclock.New(epoch)
	f := newFixture(t, clock)
	old := f.creds.SigningSecret
	f.rotate()
	hook := newReceiver(t, answer(http.StatusOK))
	d := f.dispatcher(Config{AllowPrivate: true})
	f.add(testAlert("alr_1", api.AlertFiring, epoch), api.RecipientWebhook, hook.URL)
	runOnce(t, d, 1)
	clock.Set(*f.creds.PreviousSigningSecretExpiresAt)
	f.add(testAlert("alr_2", api.AlertFiring, clock.Now()), api.RecipientWebhook, hook.URL)
	runOnce(t, d, 1)
	reqs := hook.requests()
	if len(reqs) != 2 {
		t.Fatalf("the receiver got %d requests", len(reqs))
	}
	if n := len(strings.Fields(reqs[0].header.Get("webhook-signature"))); n != 2 {
		t.Errorf("during the overlap %d signatures; want 2", n)
	}
	for name, secret := range map[string]string{"old": old, "new": f.creds.SigningSecret} {
		if err := verify(secret, reqs[0], false); err != nil {
			t.Errorf("during the overlap the %s secret does not verify: %v", name, err)
		}
	}
	if err := verify(f.creds.SigningSecret, reqs[1], false); err != nil {
		t.Errorf("after the overlap the new secret does not verify: %v", err)
	}
	if err := verify(old, reqs[1], false); err == nil {
		t.Error("after the overlap the old secret still verifies")
	}
}

// The dispatcher keeps an environment's signing keys a moment (envcache.go); Forget, which
// the API calls after a rotation, makes the next attempt read the new secret.
func TestDispatcher_forgetAfterRotation(t *testing.T) {
	t.Parallel()
	clock := testclock.New(epoch)
	f := newFixture(t, clock)
	old := f.creds.SigningSecret
	hook := newReceiver(t, answer(http.StatusOK))
	d := f.dispatcher(Config{AllowPrivate: true})
	f.add(testAlert("alr_1", api.AlertFiring, epoch), api.RecipientWebhook, hook.URL)
	runOnce(t, d, 1)
	if _, ok := d.envs.get("env_1", clock.Now()); !ok {
		t.Fatal("the environment read for the attempt is not kept")
	}
	f.rotate()
	d.Forget("env_1")
	f.add(testAlert("alr_2", api.AlertFiring, epoch), api.RecipientWebhook, hook.URL)
	runOnce(t, d, 1)
	reqs := hook.requests()
	if len(reqs) != 2 {
		t.Fatalf("the receiver got %d requests", len(reqs))
	}
	if n := len(strings.Fields(reqs[1].header.Get("webhook-signature"))); n != 2 {
		t.Errorf("after the rotation and Forget, %d signatures; want 2 (new and old)", n)
	}
	for name, secret := range map[string]string{"old": old, "new": f.creds.SigningSecret} {
		if err := verify(secret, reqs[1], false); err != nil {
			t.Errorf("the %s secret does not verify: %v", name, err)
		}
	}
}

// envCache answers what was put for envFresh, with the previous secret dropped once its
// overlap ends (judged at each get), nothing after Forget, and starts over at its bound.
func TestEnvCache(t *testing.T) {
	t.Parallel()
	var c envCache
	creds := store.AlertCredentialsRecord{AlertCredentials: api.AlertCredentials{EnvironmentID: "env_1", SigningSecret: "whsec_" + base64.StdEncoding.EncodeToString([]byte("new-secret-0123456789"))}}
	rotated := creds
	rotated.PreviousSigningSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("old-secret-0123456789"))
	until := epoch.Add(time.Hour)
	rotated.PreviousSigningSecretExpiresAt = &until
	keys, err := signingKeys(rotated.Current(epoch))
	if err != nil {
		t.Fatal(err)
	}
	c.put("env_1", &envInfo{env: api.Environment{Name: "prod"}, keys: keys}, rotated)
	if e, ok := c.get("env_1", epoch); !ok || len(e.keys) != 2 {
		t.Fatalf("during the overlap get = %v, %v; want two keys", e, ok)
	}
	if e, ok := c.get("env_1", until); !ok || len(e.keys) != 1 || string(e.keys[0]) != "new-secret-0123456789" {
		t.Fatalf("after the overlap get = %v, %v; want the new key alone", e, ok)
	}
	if _, ok := c.get("env_2", epoch); ok {
		t.Error("an environment never put is answered")
	}
	c.forget("env_1")
	if _, ok := c.get("env_1", epoch); ok {
		t.Error("a forgotten environment is answered")
	}
	c.put("env_1", &envInfo{}, creds)
	c.mu.Lock()
	e := c.m["env_1"]
	e.read = time.Now().Add(-envFresh)
	c.m["env_1"] = e
	c.mu.Unlock()
	if _, ok := c.get("env_1", epoch); ok {
		t.Error("an environment read envFresh ago is answered")
	}
	for i := range envCacheMax + 1 {
		c.put(fmt.Sprint("env_", i), &envInfo{}, creds)
	}
	if n := len(c.m); n > envCacheMax {
		t.Errorf("%d environments kept; at most %d", n, envCacheMax)
	}
}

// Without AllowPrivate, the dialer refuses 127.0.0.1 after resolution: nothing reaches the
// receiver, and the attempt says why.
func TestDispatcher_guardRefusesLoopbackAtDelivery(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testclock.New(epoch))
	hook := newReceiver(t, answer(http.StatusOK))
	target := strings.Replace(hook.URL, "127.0.0.1", "localhost", 1)
	dl := f.add(testAlert("alr_1", api.AlertFiring, epoch), api.RecipientWebhook, target)
	runOnce(t, f.dispatcher(Config{}), 1)
	got := f.delivery(dl.ID)
	if n := len(hook.requests()); n != 0 {
		t.Errorf("the guarded dialer let %d requests through to loopback", n)
	}
	if got.Status != api.DeliveryPending || got.Attempts[0].Outcome != api.AttemptRetry {
		t.Errorf("after a refused dial: %+v", got)
	}
	requireContains(t, "the error", got.LastError, "a loopback address", "only delivered to public addresses")
}

// Vendor deliveries without -vendor-alert-url and e-mail without SMTP are undeliverable at
// once, saying which flag to set, with no attempt.
func TestDispatcher_undeliverableWithoutConfiguration(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testclock.New(epoch))
	a := testAlert("alr_1", api.AlertFiring, epoch)
	vendor, email := f.add(a, api.RecipientVendor, ""), f.add(a, api.RecipientEmail, "oncall@example.com")
	runOnce(t, f.dispatcher(Config{}), 2)
	for id, flag := range map[string]string{vendor.ID: FlagVendorURL, email.ID: FlagSMTPURL} {
		got := f.delivery(id)
		if got.Status != api.DeliveryUndeliverable || got.AttemptCount != 0 || len(got.Attempts) != 0 || got.NextAttemptAt != nil {
			t.Errorf("%s: %+v; want undeliverable with no attempt", id, got)
		}
		requireContains(t, id+"'s error", got.LastError, flag)
	}
}

// An attempt whose lease another dispatcher took meanwhile is dropped: the other's lease
// stands and nothing of the late attempt is recorded.
func TestDispatcher_lostLeaseDropsTheAttempt(t *testing.T) {
	t.Parallel()
	clock := testclock.New(epoch)
	f := newFixture(t, clock)
	d := f.dispatcher(Config{AllowPrivate: true})
	var taken []api.AlertDelivery
	hook := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		// The attempt outlives its lease: another dispatcher takes the delivery over.
		clock.Advance(d.cfg.LeaseFor + time.Second)
		if err := f.st.Update(r.Context(), func(tx store.Tx) (err error) {
			taken, err = tx.LeaseDeliveries("other-owner", clock.Now(), clock.Now().Add(time.Minute), 10)
			return err
		}); err != nil {
			t.Error(err)
		}
		w.WriteHeader(http.StatusOK)
	})
	dl := f.add(testAlert("alr_1", api.AlertFiring, epoch), api.RecipientWebhook, hook.URL)
	runOnce(t, d, 1)
	if len(taken) != 1 {
		t.Fatalf("the other dispatcher leased %d deliveries; want the expired one", len(taken))
	}
	got := f.delivery(dl.ID)
	if got.Status != api.DeliveryPending || got.AttemptCount != 0 || len(got.Attempts) != 0 {
		t.Errorf("the late attempt was recorded: %+v", got)
	}
}

// A backlog larger than a batch goes in rounds of Batch, each delivery once.
func TestDispatcher_backlogInBatches(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testclock.New(epoch))
	hook := newReceiver(t, answer(http.StatusOK))
	a := testAlert("alr_1", api.AlertFiring, epoch)
	for range 25 {
		f.add(a, api.RecipientWebhook, hook.URL)
	}
	d := f.dispatcher(Config{AllowPrivate: true, Batch: 10, Workers: 3})
	for _, want := range []int{10, 10, 5, 0} {
		runOnce(t, d, want)
	}
	ids := map[string]bool{}
	for _, r := range hook.requests() {
		ids[r.header.Get("webhook-id")] = true
	}
	if len(ids) != 25 || len(hook.requests()) != 25 {
		t.Errorf("%d requests for %d deliveries; want 25 for 25", len(hook.requests()), len(ids))
	}
}

// Run delivers as soon as it is notified (the poll interval is an hour here), and returns
// once its context ends.
func TestDispatcher_runWakesOnNotify(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testclock.Running())
	hook, got := newIDReceiver(t, 1)
	d := f.dispatcher(Config{AllowPrivate: true, PollInterval: time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		d.Run(ctx)
	}()
	dl := f.add(testAlert("alr_1", api.AlertFiring, f.clock.Now()), api.RecipientWebhook, hook.URL)
	// The first poll may already have found the delivery missing: only Notify wakes Run now.
	d.Notify()
	select {
	case id := <-got:
		if id != dl.ID {
			t.Errorf("delivered %s; want %s", id, dl.ID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Notify did not wake the dispatcher")
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if s := f.delivery(dl.ID).Status; s != api.DeliveryDelivered {
		t.Errorf("after Run: status %s; want delivered", s)
	}
}
