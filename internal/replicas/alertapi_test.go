package replicas

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/alerttest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The alert API as the fault tests drive it: the servers' alerting flags, environments with
// their routing and credentials, ingestion straight at the ingest URL, and the reads of
// alerts and deliveries the client has no methods for.

const (
	// vendorRoutingKey is the operator's routing key on the vendor's on-call.
	vendorRoutingKey = "replicas-vendor-routing-key"
	smtpFrom         = "warden@alerts.replicas.test"
	// settleTimeout bounds every wait for deliveries to reach their final status.
	settleTimeout = 30 * time.Second
	// pollEvery is how often a wait on the API reads it again.
	pollEvery = 50 * time.Millisecond
)

// alertingFlags are the flags of a server delivering to the test's receivers on 127.0.0.1:
// pd as the vendor's on-call and mail (when not nil) for e-mail, with schedule as the retry
// schedule (the default when empty).
func alertingFlags(pd *alerttest.PagerDutyReceiver, mail *alerttest.SMTPServer, schedule string) []string {
	flags := []string{"-allow-private-destinations", "-vendor-alert-url", pd.URL(), "-vendor-alert-routing-key", vendorRoutingKey}
	if mail != nil {
		flags = append(flags, "-smtp-url", mail.URL(), "-smtp-from", smtpFrom)
	}
	if schedule != "" {
		flags = append(flags, "-alert-retry-schedule", schedule)
	}
	return flags
}

// startServer starts one warden-server on a fresh SQLite file with flags and waits until it
// listens; it returns the server and the file, for a restart on it.
func startServer(t *testing.T, name string, flags ...string) (*replica, string) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "warden.db")
	r := launch(t, name, db, flags...)
	r.awaitAddress(t)
	return r, db
}

// alertEnv is an environment with its alert credentials.
type alertEnv struct {
	ID    string
	Creds api.AlertCredentials
}

// newAlertEnv creates an environment through r and reads its credentials.
func newAlertEnv(t *testing.T, r *replica, name string) alertEnv {
	t.Helper()
	env, err := r.Client.CreateEnvironment(t.Context(), api.EnvironmentCreate{Name: name, Cloud: "aws"})
	if err != nil {
		t.Fatalf("create environment %s: %v", name, err)
	}
	creds, err := r.Client.AlertCredentials(t.Context(), env.ID)
	if err != nil {
		t.Fatalf("alert credentials of %s: %v", name, err)
	}
	return alertEnv{ID: env.ID, Creds: *creds}
}

// route sets e's routing through r: vendor routing on or off, and dests as the complete set.
func (e alertEnv) route(t *testing.T, r *replica, vendor bool, dests ...api.Destination) {
	t.Helper()
	if _, err := r.Client.PutAlertRouting(t.Context(), e.ID, api.AlertRoutingUpdate{VendorRouting: vendor, Destinations: &dests}, 0); err != nil {
		t.Fatalf("alert routing of %s: %v", e.ID, err)
	}
}

func webhookTo(url string) api.Destination {
	return api.Destination{Type: "webhook", Target: url, MinSeverity: "info"}
}

func emailTo(addr string) api.Destination {
	return api.Destination{Type: "email", Target: addr, MinSeverity: "info"}
}

// amAlert and amNotification are Alertmanager's webhook payload (version 4), as the ingest
// URL takes it: what a test posts itself when it must know which alerts were answered 202.
type amAlert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations,omitempty"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt,omitzero"`
	Fingerprint string            `json:"fingerprint"`
}

type amNotification struct {
	Version  string    `json:"version"`
	Status   string    `json:"status"`
	Receiver string    `json:"receiver"`
	Alerts   []amAlert `json:"alerts"`
}

// firing is a firing critical alert named name whose fingerprint is its name.
func firing(name string, startsAt time.Time) amAlert {
	return amAlert{Status: api.AlertFiring, Labels: map[string]string{"alertname": name, "severity": "critical"},
		Annotations: map[string]string{"summary": name + " fired"}, StartsAt: startsAt, Fingerprint: name}
}

// ingestAnswer is the 202 answer to a notification.
type ingestAnswer struct {
	Alerts []struct {
		ID        string `json:"id"`
		Duplicate bool   `json:"duplicate"`
	} `json:"alerts"`
}

// ingest posts alerts to ingestURL (the environment's, or the same path on a proxy) with the
// ingest key, as Alertmanager does; it returns the status and, on 202, the answer. A request
// that gets no answer returns its error.
func ingest(ctx context.Context, c *http.Client, ingestURL, key string, alerts ...amAlert) (int, ingestAnswer, error) {
	var out ingestAnswer
	b, err := json.Marshal(amNotification{Version: "4", Status: alerts[0].Status, Receiver: "warden", Alerts: alerts})
	if err != nil {
		return 0, out, err
	}
	status, body, err := send(ctx, c, http.MethodPost, ingestURL, "Bearer "+key, b)
	if err != nil || status != http.StatusAccepted {
		return status, out, err
	}
	return status, out, json.Unmarshal(body, &out)
}

// mustIngest is ingest that fails the test unless every alert is answered 202, as new.
func mustIngest(t *testing.T, e alertEnv, alerts ...amAlert) ingestAnswer {
	t.Helper()
	status, ans, err := ingest(t.Context(), http.DefaultClient, e.Creds.IngestURL, e.Creds.IngestKey, alerts...)
	if err != nil || status != http.StatusAccepted || len(ans.Alerts) != len(alerts) {
		t.Fatalf("ingest into %s: %d %+v %v", e.ID, status, ans, err)
	}
	for _, a := range ans.Alerts {
		if a.Duplicate {
			t.Fatalf("ingest into %s: alert %s taken for a repeat", e.ID, a.ID)
		}
	}
	return ans
}

func send(ctx context.Context, c *http.Client, method, u, authorization string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", authorization)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// ownerCall sends a request with the owner's token to r and decodes a 200 answer into out.
func ownerCall(t *testing.T, r *replica, method, path string, out any) {
	t.Helper()
	status, body, err := send(t.Context(), http.DefaultClient, method, r.URL+path, "Bearer "+bootstrapToken, nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("%s %s via %s: %d %s %v", method, path, r.name, status, body, err)
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("%s %s: %v: %s", method, path, err, body)
	}
}

// listAll reads every page of the list at path (which has no query of its own besides q).
func listAll[T any](t *testing.T, r *replica, path string, q url.Values) []T {
	t.Helper()
	var all []T
	q.Set("limit", "1000")
	for {
		var page api.List[T]
		ownerCall(t, r, http.MethodGet, path+"?"+q.Encode(), &page)
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		q.Set("cursor", page.NextCursor)
	}
}

func listAlerts(t *testing.T, r *replica, envID string) []api.Alert {
	t.Helper()
	return listAll[api.Alert](t, r, "/v1/environments/"+envID+"/alerts", url.Values{})
}

func listDeliveries(t *testing.T, r *replica, envID string) []api.AlertDelivery {
	t.Helper()
	return listAll[api.AlertDelivery](t, r, "/v1/environments/"+envID+"/alert-deliveries", url.Values{})
}

func retryDelivery(t *testing.T, r *replica, envID, id string) api.AlertDelivery {
	t.Helper()
	var d api.AlertDelivery
	ownerCall(t, r, http.MethodPost, "/v1/environments/"+envID+"/alert-deliveries/"+id+"/retry", &d)
	return d
}

// awaitDeliveries reads envID's deliveries through r until done holds for them, and returns
// them; it fails the test, saying what stands, when done does not hold within timeout.
func awaitDeliveries(t *testing.T, r *replica, envID string, timeout time.Duration, done func([]api.AlertDelivery) bool) []api.AlertDelivery {
	t.Helper()
	var ds []api.AlertDelivery
	waitUntil(t, timeout, func() bool {
		ds = listDeliveries(t, r, envID)
		return done(ds)
	}, func() string { return "deliveries of " + envID + ": " + summarize(ds) })
	return ds
}

// waitUntil polls cond until it holds; it fails the test with what it says when cond does
// not hold within timeout.
func waitUntil(t *testing.T, timeout time.Duration, cond func() bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not there after %v: %s", timeout, what())
		}
		<-tick.C
	}
}

// settled reports that n deliveries exist and none is pending.
func settled(n int) func([]api.AlertDelivery) bool {
	return func(ds []api.AlertDelivery) bool {
		if len(ds) < n {
			return false
		}
		for _, d := range ds {
			if d.Status == api.DeliveryPending {
				return false
			}
		}
		return true
	}
}

// summarize counts deliveries by kind and status, for failure messages.
func summarize(ds []api.AlertDelivery) string {
	counts := map[string]int{}
	for _, d := range ds {
		counts[d.Kind+" "+d.Status]++
	}
	return fmt.Sprintf("%d deliveries %v", len(ds), counts)
}

// byTarget groups deliveries by kind and target (the vendor's target is empty).
func byTarget(ds []api.AlertDelivery) map[string][]api.AlertDelivery {
	out := map[string][]api.AlertDelivery{}
	for _, d := range ds {
		out[d.Kind+" "+d.Target] = append(out[d.Kind+" "+d.Target], d)
	}
	return out
}

// requireDelivered fails the test for each delivery of ds that is not delivered by its last
// recorded attempt.
func requireDelivered(t *testing.T, ds []api.AlertDelivery) {
	t.Helper()
	for _, d := range ds {
		n := len(d.Attempts)
		if d.Status != api.DeliveryDelivered || d.DeliveredAt == nil || n == 0 || d.AttemptCount != n || d.Attempts[n-1].Outcome != api.AttemptDelivered {
			t.Errorf("%s delivery %s (alert %s) is not delivered by its last attempt: %+v", d.Kind, d.ID, d.AlertID, d)
		}
	}
}

// webhookBody decodes what a webhook delivery carried: Warden's WebhookPayload, as far as
// these tests read it.
type webhookBody struct {
	Type string `json:"type"`
	Data struct {
		Alert       api.Alert `json:"alert"`
		Environment struct {
			ID string `json:"id"`
		} `json:"environment"`
		Delivery struct {
			ID      string `json:"id"`
			Attempt int    `json:"attempt"`
		} `json:"delivery"`
	} `json:"data"`
}

func decodeWebhook(t *testing.T, d alerttest.Delivery) webhookBody {
	t.Helper()
	var b webhookBody
	if err := d.Decode(&b); err != nil {
		t.Fatalf("webhook %s: %v: %s", d.ID, err, d.Raw)
	}
	return b
}

// requestsByID groups what a webhook receiver got, accepted or not, by webhook-id.
func requestsByID(wr *alerttest.WebhookReceiver) map[string][]alerttest.Delivery {
	out := map[string][]alerttest.Delivery{}
	for _, d := range wr.All() {
		out[d.ID] = append(out[d.ID], d)
	}
	return out
}

// quietFor is how long receivers must get nothing new to be quiet.
const quietFor = 250 * time.Millisecond

// quiet waits until count (what receivers got so far) has not changed for quietFor: the
// requests a killed server left in their sockets have then been read.
func quiet(t *testing.T, count func() int) {
	t.Helper()
	last, since := count(), time.Now()
	waitUntil(t, settleTimeout, func() bool {
		if n := count(); n != last {
			last, since = n, time.Now()
		}
		return time.Since(since) >= quietFor
	}, func() string { return fmt.Sprintf("the receivers are still getting requests: %d so far", last) })
}

// logCount is how many times r's log says s.
func logCount(t *testing.T, r *replica, s string) int {
	t.Helper()
	b, err := os.ReadFile(r.logPath)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), s)
}
