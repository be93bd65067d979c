package apiserver

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// amPayload is an Alertmanager version 4 webhook body with one alert per label set.
func amPayload(status string, starts time.Time, labelSets ...map[string]string) map[string]any {
	alerts := make([]map[string]any, len(labelSets))
	for i, l := range labelSets {
		alerts[i] = map[string]any{"status": status, "labels": l, "annotations": map[string]string{"summary": "Disk on " + l["instance"] + " almost full"},
			"startsAt": starts.Format(time.RFC3339Nano), "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus/graph",
			"fingerprint": fmt.Sprintf("fp-%s-%s", l["alertname"], l["instance"])}
	}
	return map[string]any{"version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0, "status": status, "receiver": "warden",
		"groupLabels": map[string]string{}, "commonLabels": map[string]string{}, "commonAnnotations": map[string]string{},
		"externalURL": "http://alertmanager:9093", "alerts": alerts}
}

type ingestReply struct {
	Alerts []ingestedAlert `json:"alerts"`
}

// alertEnv makes environment prod, routed as vendor and dests say when dests are given, and
// returns it with its ingest key.
func (ts *testServer) alertEnv(vendor bool, dests ...api.Destination) (api.Environment, string) {
	ts.t.Helper()
	e := ts.createEnv("prod", "aws")
	if len(dests) > 0 || !vendor {
		ts.routingWith(e.ID, vendor, dests...)
	}
	return e, ts.credentials(e.ID, ownerToken).IngestKey
}

// routingWith sets an environment's routing with the owner's token.
func (ts *testServer) routingWith(envID string, vendor bool, dests ...api.Destination) {
	ts.t.Helper()
	ts.call("PUT", "/v1/environments/"+envID+"/alert-routing", ownerToken, api.AlertRoutingUpdate{VendorRouting: vendor, Destinations: &dests}, 200, nil)
}

func (ts *testServer) deliveries(envID, query string) []api.AlertDelivery {
	ts.t.Helper()
	var l api.List[api.AlertDelivery]
	ts.call("GET", "/v1/environments/"+envID+"/alert-deliveries"+query, ownerToken, nil, 200, &l)
	return l.Items
}

// An Alertmanager webhook with the environment's ingest key is committed with its routing
// decision: the vendor and the destinations at or above their minimum get a delivery each,
// the destination above the alert's severity is left out with its reason.
func TestAlerts_ingestRecordsTheDecision(t *testing.T) {
	ts := newTestServer(t, func(c *Config) {
		c.Alerting.VendorURL, c.Alerting.VendorRoutingKey = "http://127.0.0.1:1/enqueue", "R0UTING"
	})
	e, key := ts.alertEnv(true,
		api.Destination{Type: "webhook", Target: "https://hooks.example.com/a?token=s3cret", MinSeverity: "warning"},
		api.Destination{Type: "webhook", Target: "https://hooks.example.com/b", MinSeverity: "critical"},
		api.Destination{Type: "email", Target: "oncall@example.com", MinSeverity: "info"})
	starts := ts.clock.Now().Add(-time.Minute)
	var got ingestReply
	ts.call("POST", "/v1/environments/"+e.ID+"/alerts", key, amPayload("firing", starts,
		map[string]string{"alertname": "DiskFull", "instance": "db1", "severity": "error"}), 202, &got)
	if len(got.Alerts) != 1 || got.Alerts[0].Duplicate {
		t.Fatalf("answer %+v", got)
	}
	var a api.Alert
	ts.call("GET", "/v1/environments/"+e.ID+"/alerts/"+got.Alerts[0].ID, ownerToken, nil, 200, &a)
	if a.Source != api.AlertSourceAlertmanager || a.Status != api.AlertFiring || a.Severity != "error" || a.SeverityDefaulted ||
		a.DedupKey != "fp-DiskFull-db1" || a.Summary != "Disk on db1 almost full" || !a.StartsAt.Equal(starts) || a.Test {
		t.Errorf("alert %+v", a)
	}
	chosen := map[string]bool{}
	for _, r := range a.Routing {
		chosen[r.Kind+" "+r.Target] = r.Chosen
		if !r.Chosen && (r.Reason != "below_min_severity" || r.DeliveryID != "") {
			t.Errorf("recipient left out %+v", r)
		}
	}
	want := map[string]bool{"vendor ": true, "webhook https://hooks.example.com/a?token=s3cret": true,
		"webhook https://hooks.example.com/b": false, "email oncall@example.com": true}
	if fmt.Sprint(chosen) != fmt.Sprint(want) {
		t.Errorf("routing %v, want %v", chosen, want)
	}
	ds := ts.deliveries(e.ID, "?alert_id="+a.ID)
	status := map[string]string{}
	for _, d := range ds {
		status[d.Kind] += d.Status + " "
	}
	// No SMTP server is configured: the e-mail delivery says so instead of waiting.
	if len(ds) != 3 || status["vendor"] != "pending " || status["webhook"] != "pending " || status["email"] != "undeliverable " {
		t.Errorf("deliveries %+v", ds)
	}
	var ready struct{ Alerting readyAlerting }
	ts.call("GET", "/v1/ready", "", nil, 200, &ready)
	if r := ready.Alerting; r.VendorDelivery != "configured" || r.EmailDelivery != "not_configured" || r.Pending != 2 || r.OldestPending == nil {
		t.Errorf("readiness %+v", r)
	}
}

// A member without cluster.admin reads alerts with webhook targets' secrets redacted;
// vendor users read none.
func TestAlerts_readRules(t *testing.T) {
	ts := newTestServer(t)
	e, key := ts.alertEnv(false, api.Destination{Type: "webhook", Target: "https://u:pw@hooks.example.com/a?token=s3cret", MinSeverity: "info"})
	ts.call("POST", "/v1/environments/"+e.ID+"/alerts", key, amPayload("firing", ts.clock.Now(), map[string]string{"alertname": "X"}), 202, nil)
	_, member := ts.createUser("m@example.com", "member")
	_, vendor := ts.createUser("v@vendor.example", "vendor")
	var l api.List[api.Alert]
	r := ts.call("GET", "/v1/environments/"+e.ID+"/alerts", member, nil, 200, &l)
	requireContains(t, string(r.body), "hooks.example.com")
	for _, secret := range []string{"s3cret", "pw@"} {
		if l.Items[0].Routing[1].Target == "" || contains(string(r.body), secret) {
			t.Errorf("a member reads %s in %s", secret, r.body)
		}
	}
	var dl api.List[api.AlertDelivery]
	r = ts.call("GET", "/v1/environments/"+e.ID+"/alert-deliveries", member, nil, 200, &dl)
	if len(dl.Items) != 1 || contains(string(r.body), "s3cret") {
		t.Errorf("a member reads deliveries %s", r.body)
	}
	for _, path := range []string{"/alerts", "/alert-deliveries"} {
		ts.call("GET", "/v1/environments/"+e.ID+path, vendor, nil, 403, nil)
	}
}

// A wrong, rotated or other environment's key is 401 and records nothing; a user token
// needs cluster.admin.
func TestAlerts_ingestKeyChecked(t *testing.T) {
	ts := newTestServer(t)
	prod, stage := ts.createEnv("prod", "aws"), ts.createEnv("stage", "aws")
	old := ts.credentials(prod.ID, ownerToken).IngestKey
	ts.call("POST", "/v1/environments/"+prod.ID+"/alert-routing/ingest-key/rotate", ownerToken, nil, 200, nil)
	body := amPayload("firing", ts.clock.Now(), map[string]string{"alertname": "X"})
	for name, key := range map[string]string{"rotated": old, "unknown": "wik_nope", "another environment's": ts.credentials(stage.ID, ownerToken).IngestKey, "none": ""} {
		r := ts.do("POST", "/v1/environments/"+prod.ID+"/alerts", key, body)
		if r.status != 401 {
			t.Errorf("%s key: %d %s", name, r.status, r.body)
		}
	}
	_, member := ts.createUser("m@example.com", "member")
	ts.call("POST", "/v1/environments/"+prod.ID+"/alerts", member, body, 403, nil)
	var l api.List[api.Alert]
	ts.call("GET", "/v1/environments/"+prod.ID+"/alerts", ownerToken, nil, 200, &l)
	if len(l.Items) != 0 {
		t.Fatalf("refused posts recorded %+v", l.Items)
	}
	// The owner holds cluster.admin: its post is a test alert.
	var got ingestReply
	ts.call("POST", "/v1/environments/"+prod.ID+"/alerts", ownerToken, body, 202, &got)
	var a api.Alert
	ts.call("GET", "/v1/environments/"+prod.ID+"/alerts/"+got.Alerts[0].ID, ownerToken, nil, 200, &a)
	if !a.Test {
		t.Errorf("an alert posted with a user token is not marked as a test: %+v", a)
	}
}

// Repeats within the window are one alert (Alertmanager retries, HA pairs), also when they
// arrive at once; the resolution is another alert with the same key, delivered as resolve.
func TestAlerts_duplicatesAreOneAlert(t *testing.T) {
	ts := newTestServer(t)
	e, key := ts.alertEnv(true)
	starts := ts.clock.Now().Add(-time.Minute)
	labels := map[string]string{"alertname": "DiskFull", "instance": "db1", "severity": "critical"}
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Go(func() {
			var got ingestReply
			ts.call("POST", "/v1/environments/"+e.ID+"/alerts", key, amPayload("firing", starts, labels), 202, &got)
			ids[i] = got.Alerts[0].ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("one alert sent 8 times became %v", ids)
		}
	}
	var got ingestReply
	ts.call("POST", "/v1/environments/"+e.ID+"/alerts", key, amPayload("resolved", starts, labels), 202, &got)
	if got.Alerts[0].ID == ids[0] || got.Alerts[0].Duplicate {
		t.Fatalf("the resolution %+v", got)
	}
	ts.clock.Advance(DefaultAlertDedupWindow + time.Second)
	var later ingestReply
	ts.call("POST", "/v1/environments/"+e.ID+"/alerts", key, amPayload("firing", starts, labels), 202, &later)
	if later.Alerts[0].Duplicate {
		t.Errorf("a re-notification after the window is taken as a repeat")
	}
	ds := ts.deliveries(e.ID, "")
	events := ""
	for _, d := range ds {
		events += d.Event + " "
	}
	if events != "trigger resolve trigger " {
		t.Errorf("vendor deliveries %q", events)
	}
}

// PagerDuty Events v2: a trigger is answered as PagerDuty answers, a resolve with only the
// key reaches whoever the trigger reached, a bad event is 400 naming the field.
func TestAlerts_pagerDutyEvents(t *testing.T) {
	ts := newTestServer(t)
	e, key := ts.alertEnv(false, api.Destination{Type: "webhook", Target: "https://hooks.example.com/a", MinSeverity: "error"})
	var ans struct {
		Status, Message, DedupKey, AlertID string
	}
	trigger := map[string]any{"routing_key": key, "event_action": "trigger", "dedup_key": "disk-db1",
		"payload": map[string]any{"summary": "Disk full on db1", "source": "db1", "severity": "error", "custom_details": map[string]any{"free": 2}}}
	r := ts.call("POST", "/v1/alerts/enqueue", "", trigger, 202, nil)
	requireContains(t, string(r.body), `"status":"success"`, `"message":"Event processed"`, `"dedup_key":"disk-db1"`)
	ts.call("POST", "/v1/alerts/enqueue", "", map[string]any{"routing_key": key, "event_action": "resolve", "dedup_key": "disk-db1"}, 202, &ans)
	var a api.Alert
	ts.call("GET", "/v1/environments/"+e.ID+"/alerts/"+jsonField(t, r.body, "alert_id"), ownerToken, nil, 200, &a)
	if a.Source != api.AlertSourcePagerDuty || a.Severity != "error" || a.Labels["source"] != "db1" || a.Annotations["free"] != "2" {
		t.Errorf("trigger recorded %+v", a)
	}
	ds := ts.deliveries(e.ID, "")
	if len(ds) != 2 || ds[0].Event != "trigger" || ds[1].Event != "resolve" || ds[1].Kind != "webhook" {
		t.Errorf("deliveries %+v", ds)
	}
	for name, c := range map[string]struct {
		body  map[string]any
		field string
	}{
		"trigger without payload": {map[string]any{"routing_key": key, "event_action": "trigger"}, "payload"},
		"resolve without key":     {map[string]any{"routing_key": key, "event_action": "resolve"}, "dedup_key"},
		"bad severity": {map[string]any{"routing_key": key, "event_action": "trigger",
			"payload": map[string]any{"summary": "x", "source": "y", "severity": "page"}}, "payload.severity"},
	} {
		r := ts.do("POST", "/v1/alerts/enqueue", "", c.body)
		if p := r.problem(t); r.status/100 != 4 || !contains(string(r.body), c.field) {
			t.Errorf("%s: %d %+v", name, r.status, p)
		}
	}
	if r := ts.do("POST", "/v1/alerts/enqueue", "", map[string]any{"routing_key": "wik_unknown", "event_action": "resolve", "dedup_key": "x"}); r.status != 401 {
		t.Errorf("unknown routing key: %d", r.status)
	}
}

// A failed or undeliverable delivery can be retried (audited); a pending one cannot.
func TestAlerts_retry(t *testing.T) {
	ts := newTestServer(t)
	e, key := ts.alertEnv(true)
	ts.call("POST", "/v1/environments/"+e.ID+"/alerts", key, amPayload("firing", ts.clock.Now(), map[string]string{"alertname": "X"}), 202, nil)
	d := ts.deliveries(e.ID, "")[0]
	if d.Status != api.DeliveryUndeliverable || !contains(d.LastError, "-vendor-alert-url") {
		t.Fatalf("a vendor delivery without an endpoint %+v", d)
	}
	var routing api.AlertRouting
	ts.call("GET", "/v1/environments/"+e.ID+"/alert-routing", ownerToken, nil, 200, &routing)
	if !routing.VendorRouting || routing.VendorDelivery != "not_configured" {
		t.Errorf("the routing's read does not say the vendor is undeliverable: %+v", routing)
	}
	var again api.AlertDelivery
	ts.call("POST", "/v1/environments/"+e.ID+"/alert-deliveries/"+d.ID+"/retry", ownerToken, nil, 200, &again)
	if again.Status != api.DeliveryUndeliverable {
		t.Errorf("retried without an endpoint: %+v", again)
	}
	_, member := ts.createUser("m@example.com", "member")
	ts.call("POST", "/v1/environments/"+e.ID+"/alert-deliveries/"+d.ID+"/retry", member, nil, 403, nil)
	ts.call("POST", "/v1/environments/"+e.ID+"/alert-deliveries/dlv_nope/retry", ownerToken, nil, 404, nil)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// jsonField is the string field name of the JSON object raw.
func jsonField(t *testing.T, raw []byte, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	s, _ := m[name].(string)
	return s
}

// Grafana's webhook (version 1) is Alertmanager's with more fields: every field it adds is
// taken, the alert recorded as Grafana's; a payload of another version is refused on its field.
func TestAlerts_grafanaPayload(t *testing.T) {
	ts := newTestServer(t)
	e, key := ts.alertEnv(true)
	body := amPayload("firing", ts.clock.Now(), map[string]string{"alertname": "HighLatency", "severity": "warning"})
	body["version"], body["orgId"], body["title"], body["state"], body["message"] = "1", 1, "[FIRING:1] HighLatency", "alerting", "Latency above 1s"
	alerts, _ := body["alerts"].([]map[string]any)
	alerts[0]["values"], alerts[0]["silenceURL"], alerts[0]["dashboardURL"] = map[string]float64{"B": 1.2}, "http://grafana/silence", "http://grafana/d/1"
	var got ingestReply
	ts.call("POST", "/v1/environments/"+e.ID+"/alerts", key, body, 202, &got)
	var a api.Alert
	ts.call("GET", "/v1/environments/"+e.ID+"/alerts/"+got.Alerts[0].ID, ownerToken, nil, 200, &a)
	if a.Source != api.AlertSourceGrafana || a.Severity != "warning" {
		t.Errorf("grafana alert %+v", a)
	}
	body["version"] = "3"
	if p := ts.do("POST", "/v1/environments/"+e.ID+"/alerts", key, body).problem(t); p.Status != 422 || p.Field != "version" {
		t.Errorf("version 3: %+v", p)
	}
}

// The payload is decoded once, and a body senders would not send is answered as a validated
// body is everywhere else: 400 for one that is not JSON, 422 naming the field for one that
// breaks the schema, and the exact-field refusals of decodeJSON.
func TestAlerts_ingestRefusesBadPayloads(t *testing.T) {
	ts := newTestServer(t)
	e, key := ts.alertEnv(true)
	alert := `{"status":"firing","labels":{"alertname":"X"},"startsAt":"2026-01-01T00:00:00Z"}`
	many := strings.TrimSuffix(strings.Repeat(alert+",", 1001), ",")
	for _, c := range []struct {
		name, body  string
		status      int
		code, field string
	}{
		{"not JSON", `not json`, 400, "bad_request", ""},
		{"a number for a string", `{"version":4,"status":"firing","alerts":[]}`, 422, codeInvalidField, "version"},
		{"another version", `{"version":"3","status":"firing","alerts":[]}`, 422, codeInvalidField, "version"},
		{"no alerts", `{"version":"4","status":"firing"}`, 422, codeInvalidField, "alerts"},
		{"too many alerts", `{"version":"4","status":"firing","alerts":[` + many + `]}`, 422, codeInvalidField, "alerts"},
		{"an alert without labels", `{"version":"4","status":"firing","alerts":[{"status":"firing","startsAt":"2026-01-01T00:00:00Z"}]}`, 422, codeInvalidField, "alerts[0].labels"},
		{"an alert of another status", `{"version":"4","status":"firing","alerts":[{"status":"bogus","labels":{},"startsAt":"2026-01-01T00:00:00Z"}]}`, 422, codeInvalidField, "alerts[0].status"},
		{"a start that is no instant", `{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{},"startsAt":"yesterday"}]}`, 422, codeInvalidField, "alerts[0].startsAt"},
		{"a null alert", `{"version":"4","status":"firing","alerts":[null]}`, 422, codeInvalidField, "alerts[0]"},
		{"a label that is no string", `{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"a":1},"startsAt":"2026-01-01T00:00:00Z"}]}`, 422, codeInvalidField, "alerts[0].labels.a"},
		{"an optional field of another type", `{"version":"4","status":"firing","groupKey":5,"alerts":[]}`, 422, codeInvalidField, "groupKey"},
		{"a duplicate key", `{"version":"4","status":"firing","x":1,"x":2,"alerts":[]}`, 422, codeDuplicateField, "x"},
	} {
		p := ts.do("POST", "/v1/environments/"+e.ID+"/alerts", key, []byte(c.body)).problem(t)
		if p.Status != c.status || p.Code != c.code || p.Field != c.field {
			t.Errorf("%s: %d %s %q (%s); want %d %s %q", c.name, p.Status, p.Code, p.Field, p.Detail, c.status, c.code, c.field)
		}
	}
	var got ingestReply
	ts.call("POST", "/v1/environments/"+e.ID+"/alerts", key, []byte(`{"version":"4","status":"firing","alerts":[`+alert+`]}`), 202, &got)
	if len(got.Alerts) != 1 || got.Alerts[0].ID == "" {
		t.Errorf("a valid payload: %+v", got)
	}
}
