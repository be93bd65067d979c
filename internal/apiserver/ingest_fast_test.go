package apiserver

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// ingestCase is one POST to an environment's alerts: its path, key, raw body (made for the
// path it goes through, so that each path's alerts are its own) and extra headers.
type ingestCase struct {
	name, path, token string
	body              func(path string) string
	headers           []string
}

// ingestCases are the requests both paths must answer alike: new alerts and repeats,
// refused keys, and bodies, headers and paths the fast path leaves to huma.
func ingestCases(t *testing.T, envID, key, otherKey string) []ingestCase {
	payload := func(mutate func(map[string]any)) func(string) string {
		return func(path string) string {
			p := amPayload("firing", time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC), map[string]string{"alertname": "DiskFull", "instance": "node-" + path, "severity": "critical"})
			p["groupKey"] = `{}:{instance="node-` + path + `"}`
			if mutate != nil {
				mutate(p)
			}
			raw, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			return string(raw)
		}
	}
	raw := func(s string) func(string) string { return func(string) string { return s } }
	alerts := "/v1/environments/" + envID + "/alerts"
	plain := payload(nil)
	return []ingestCase{
		{name: "new", path: alerts, token: key, body: plain},
		{name: "repeat", path: alerts, token: key, body: plain},
		{name: "two alerts", path: alerts, token: key, body: payload(func(p map[string]any) {
			a, _ := p["alerts"].([]map[string]any)
			b := map[string]any{}
			for k, v := range a[0] {
				b[k] = v
			}
			fp, _ := a[0]["fingerprint"].(string)
			b["fingerprint"] = fp + "-second"
			p["alerts"] = append(a, b)
		})},
		{name: "resolved", path: alerts, token: key, body: payload(func(p map[string]any) { p["status"] = "resolved" })},
		{name: "no alerts", path: alerts, token: key, body: payload(func(p map[string]any) { p["alerts"] = []any{} })},
		{name: "grafana's fields", path: alerts, token: key, body: payload(func(p map[string]any) { p["version"], p["orgId"], p["title"] = "1", 1, "[FIRING:1]" })},
		{name: "spaced", path: alerts, token: key, body: func(path string) string { return "\n " + strings.ReplaceAll(plain(path), ",", " ,\t") + " \r\n" }},
		{name: "unknown key", path: alerts, token: "wik_unknown", body: plain},
		{name: "another environment's key", path: alerts, token: otherKey, body: plain},
		{name: "unknown environment", path: "/v1/environments/env_nowhere/alerts", token: key, body: plain},
		{name: "key with spaces", path: alerts, body: plain, headers: []string{"Authorization", "Bearer   " + key + " "}},
		{name: "another scheme", path: alerts, body: plain, headers: []string{"Authorization", "Token " + key}},
		{name: "no key", path: alerts, body: plain},
		{name: "user token", path: alerts, token: ownerToken, body: plain},
		{name: "bad status", path: alerts, token: key, body: payload(func(p map[string]any) { p["status"] = "burning" })},
		{name: "too many alerts", path: alerts, token: key, body: payload(func(p map[string]any) {
			a, _ := p["alerts"].([]map[string]any)
			p["alerts"] = slicesRepeat(a[0], maxWebhookAlerts+1)
		})},
		{name: "duplicate key", path: alerts, token: key, body: func(path string) string {
			return strings.Replace(plain(path), `"version":"4"`, `"version":"4","version":"1"`, 1)
		}},
		{name: "case variant", path: alerts, token: key, body: func(path string) string { return strings.Replace(plain(path), `"receiver"`, `"Receiver"`, 1) }},
		{name: "not a time", path: alerts, token: key, body: func(path string) string {
			return strings.Replace(plain(path), `"startsAt":"2026`, `"startsAt":"x2026`, 1)
		}},
		{name: "syntax error", path: alerts, token: key, body: func(path string) string { return strings.TrimSuffix(plain(path), "}") }},
		{name: "empty body", path: alerts, token: key, body: raw(``)},
		{name: "too large", path: alerts, token: key, body: func(path string) string {
			return strings.Replace(plain(path), `"receiver":"warden"`, `"receiver":"`+strings.Repeat("a", 1<<20)+`"`, 1)
		}},
		{name: "charset", path: alerts, token: key, body: plain, headers: []string{"Content-Type", "application/json; charset=utf-8"}},
		{name: "text/plain", path: alerts, token: key, body: plain, headers: []string{"Content-Type", "text/plain"}},
		{name: "accept cbor", path: alerts, token: key, body: plain, headers: []string{"Accept", "application/cbor"}},
		{name: "a query", path: alerts + "?x=1", token: key, body: plain},
		{name: "trailing slash", path: alerts + "/", token: key, body: plain},
		{name: "dot segment", path: "/v1/environments/" + envID + "/x/../alerts", token: key, body: plain},
		{name: "escaped id", path: "/v1/environments/" + envID[:4] + "%5F" + envID[5:] + "/alerts", token: key, body: plain},
	}
}

// slicesRepeat is n copies of v.
func slicesRepeat(v map[string]any, n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = v
	}
	return out
}

var alertIDField = regexp.MustCompile(`"id":"alr_[a-z0-9]+"`)

// The fast path answers an environment's alerts exactly as the huma operation does: each
// request sent through each, with the same status, content type, WWW-Authenticate and body
// (but for request and alert ids), and the same number of alerts committed.
func TestFastIngest_answersAsHuma(t *testing.T) {
	ts := newTestServer(t)
	prod, key := ts.alertEnv(true)
	stage := ts.createEnv("stage", "aws")
	count := func() int {
		var l api.List[api.Alert]
		ts.call("GET", "/v1/environments/"+prod.ID+"/alerts?limit=500", ownerToken, nil, 200, &l)
		return len(l.Items)
	}
	accepted := 0
	for _, tc := range ingestCases(t, prod.ID, key, ts.credentials(stage.ID, ownerToken).IngestKey) {
		var got [2]string
		for i, path := range []string{"fast", "huma"} {
			ts.srv.noFastIngest.Store(path == "huma")
			before := count()
			r := ts.do(http.MethodPost, tc.path, tc.token, []byte(tc.body(path)), tc.headers...)
			got[i] = string(alertIDField.ReplaceAll([]byte(answer(r)), []byte(`"id":"alr_…"`)))
			got[i] += " | committed " + strconv.Itoa(count()-before)
			if r.status == http.StatusAccepted {
				accepted++
			}
		}
		ts.srv.noFastIngest.Store(false)
		if got[0] != got[1] {
			t.Errorf("%s:\n fast: %.600s\n huma: %.600s", tc.name, got[0], got[1])
		}
	}
	if accepted < 12 {
		t.Fatalf("%d answers were 202: the cases should commit alerts through both paths", accepted)
	}
}

// The fast path takes the webhooks Alertmanager sends with an ingest key and leaves the rest
// to huma, each with its body exactly as it arrived.
func TestFastIngest_takesTheCommonRequest(t *testing.T) {
	ts := newTestServer(t)
	prod, key := ts.alertEnv(true)
	stage := ts.createEnv("stage", "aws")
	cfg := huma.DefaultConfig("test", "1")
	cfg.Formats = map[string]huma.Format{"application/json": strictJSON, "json": strictJSON}
	hapi := humago.New(http.NewServeMux(), cfg)
	fast := map[string]bool{"new": true, "repeat": true, "two alerts": true, "resolved": true, "no alerts": true, "spaced": true,
		"unknown key": true, "another environment's key": true, "unknown environment": true, "key with spaces": true, "a query": true, "accept cbor": true}
	for _, tc := range ingestCases(t, prod.ID, key, ts.credentials(stage.ID, ownerToken).IngestKey) {
		body := tc.body("fast")
		declined := declinedBody(t, func(next http.Handler) http.Handler { return ts.srv.withRequest(ts.srv.withFastIngest(hapi, next)) },
			tc.path, tc.token, body, tc.headers)
		took := declined == nil
		if took != fast[tc.name] {
			t.Errorf("%s: fast path took it: %v, want %v", tc.name, took, fast[tc.name])
		}
		if !took && len(body) <= 1<<20 && string(declined) != body {
			t.Errorf("%s: declined with the body %.200q, want %.200q", tc.name, declined, body)
		}
	}
}
