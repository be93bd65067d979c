package alerting

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// Webhook deliveries follow Standard Webhooks 1.0: a POST of a JSON body with the headers
// webhook-id (the delivery's id: the same on every attempt, so that a receiver drops
// repeats), webhook-timestamp (this attempt's unix seconds) and webhook-signature ("v1,"
// and the base64 HMAC-SHA256 of "<id>.<timestamp>.<body>" under the environment's signing
// secret; during a rotation one for the new secret and one for the previous, space-separated,
// so that a receiver verifies with either while it switches over).

// The webhook event types.
const (
	WebhookAlertFiring   = "alert.firing"
	WebhookAlertResolved = "alert.resolved"
)

// WebhookPayload is the JSON body of every webhook delivery:
//
//	{
//	  "type": "alert.firing",               // or "alert.resolved"
//	  "timestamp": "2026-06-01T12:00:00Z",  // when Warden received the alert (RFC 3339)
//	  "data": {
//	    "alert": {
//	      "id": "alr_…",
//	      "environment_id": "env_…",
//	      "source": "alertmanager",         // alertmanager, grafana or pagerduty
//	      "status": "firing",               // firing or resolved
//	      "dedup_key": "…",                 // the same for an alert's firing and resolution
//	      "severity": "critical",           // info, warning, error or critical
//	      "severity_defaulted": false,      // true when the sender named no known severity
//	      "summary": "Disk almost full",
//	      "labels": {"alertname": "DiskFull", "instance": "db-1"},
//	      "annotations": {"runbook_url": "…"},
//	      "starts_at": "2026-06-01T11:58:00Z",
//	      "ends_at": "2026-06-01T12:30:00Z",    // resolved alerts only
//	      "generator_url": "https://…",         // when the sender gave one
//	      "received_at": "2026-06-01T12:00:00Z",
//	      "test": false                     // true for an alert sent by warden_send_test_alert
//	    },
//	    "environment": {"id": "env_…", "name": "production", "cloud": "aws"},
//	    "delivery": {"id": "dlv_…", "attempt": 1}   // id = the webhook-id header; attempt counts from 1
//	  }
//	}
//
// The alert is the API's alert without its routing decision, which names the environment's
// other destinations.
type WebhookPayload struct {
	Type      string      `json:"type"`
	Timestamp time.Time   `json:"timestamp"`
	Data      WebhookData `json:"data"`
}

// WebhookData is the data of a webhook delivery.
type WebhookData struct {
	Alert       WebhookAlert       `json:"alert"`
	Environment WebhookEnvironment `json:"environment"`
	Delivery    WebhookDelivery    `json:"delivery"`
}

// WebhookAlert is the alert delivered: api.Alert without Routing.
type WebhookAlert struct {
	api.Alert
	// Routing shadows api.Alert's routing decision (encoding/json keeps the shallower of two
	// fields of one name) and, nil, leaves it out.
	Routing *struct{} `json:"routing,omitempty"`
}

// WebhookEnvironment names the environment an alert was sent to.
type WebhookEnvironment struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Cloud string `json:"cloud"`
}

// WebhookDelivery names the delivery and the attempt: the id is the webhook-id header.
type WebhookDelivery struct {
	ID      string `json:"id"`
	Attempt int    `json:"attempt"`
}

func webhookPayload(j *job, n int) WebhookPayload {
	typ := WebhookAlertFiring
	if j.alert.Status == api.AlertResolved {
		typ = WebhookAlertResolved
	}
	return WebhookPayload{Type: typ, Timestamp: j.alert.ReceivedAt, Data: WebhookData{
		Alert:       WebhookAlert{Alert: j.alert},
		Environment: WebhookEnvironment{ID: j.env.ID, Name: j.env.Name, Cloud: j.env.Cloud},
		Delivery:    WebhookDelivery{ID: j.d.ID, Attempt: n},
	}}
}

// signingKeys decodes c's secrets, newest first; c is Current, so the previous is live.
func signingKeys(c store.AlertCredentialsRecord) ([][]byte, error) {
	var keys [][]byte
	for _, s := range []string{c.SigningSecret, c.PreviousSigningSecret} {
		if s == "" {
			continue
		}
		k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
		if err != nil || !strings.HasPrefix(s, "whsec_") {
			return nil, errors.New("the environment's signing secret is not of the form whsec_<base64>")
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("the environment has no signing secret")
	}
	return keys, nil
}

func signature(keys [][]byte, id, ts string, body []byte) string {
	sigs := make([]string, len(keys))
	for i, k := range keys {
		mac := hmac.New(sha256.New, k)
		mac.Write([]byte(id + "." + ts + "."))
		mac.Write(body)
		sigs[i] = "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	}
	return strings.Join(sigs, " ")
}

func (d *Dispatcher) sendWebhook(ctx context.Context, j *job, n int, at time.Time) result {
	body, err := webhookBody(j, n)
	if err != nil {
		return result{Outcome: api.AttemptFailed, Err: "encoding the body: " + err.Error()}
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	// Keys as http.Header.Set would make them, without its work on every attempt.
	h := http.Header{
		"Webhook-Id":        {j.d.ID},
		"Webhook-Timestamp": {ts},
		"Webhook-Signature": {signature(j.keys, j.d.ID, ts, body)},
	}
	return d.webhooks.post(ctx, j.d.Target, func() string { return access.RedactTarget(j.d.Kind, j.d.Target) }, h, body, at)
}

// webhookPrefix is the encoding of j's payload up to the delivery's id, which every delivery
// of an alert shares (prepare makes it once per alert), written by hand as json.Marshal
// writes it; nil when it cannot be (a time encoding/json refuses).
func webhookPrefix(j *job) []byte {
	p := webhookPayload(j, 0)
	b := make([]byte, 0, 1024)
	b = api.AppendJSONString(append(b, `{"type":`...), p.Type)
	b, ok := api.AppendJSONTime(append(b, `,"timestamp":`...), p.Timestamp)
	if !ok {
		return nil
	}
	if b, ok = p.Data.Alert.AppendJSON(append(b, `,"data":{"alert":`...), false); !ok {
		return nil
	}
	env := p.Data.Environment
	b = api.AppendJSONString(append(b, `,"environment":{"id":`...), env.ID)
	b = api.AppendJSONString(append(b, `,"name":`...), env.Name)
	b = api.AppendJSONString(append(b, `,"cloud":`...), env.Cloud)
	return append(b, `},"delivery":{"id":`...)
}

// prefixCut is how the encoding of a payload with the zero WebhookDelivery ends.
const prefixCut = `"","attempt":0}}}`

// webhookBody is json.Marshal(webhookPayload(j, n)), from j's prefix when it has one: on a
// busy server, encoding each alert once rather than once per recipient is a few percent of
// the CPU.
func webhookBody(j *job, n int) ([]byte, error) {
	if j.prefix == nil || !plainID(j.d.ID) {
		return json.Marshal(webhookPayload(j, n))
	}
	b := make([]byte, 0, len(j.prefix)+len(j.d.ID)+len(prefixCut)+20)
	b = append(append(append(b, j.prefix...), '"'), j.d.ID...)
	b = strconv.AppendInt(append(b, `","attempt":`...), int64(n), 10)
	return append(b, "}}}"...), nil
}

// plainID reports whether id is encoded in JSON as it is, between quotes.
func plainID(id string) bool {
	for _, r := range id {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '_' && r != '-' {
			return false
		}
	}
	return true
}
