package alerting

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The vendor's on-call receives PagerDuty Events API v2 events at the operator's URL
// (-vendor-alert-url, e.g. https://events.pagerduty.com/v2/enqueue) with the operator's
// routing key. PagerDuty answers 202; any 2xx counts.

type pagerDutyEvent struct {
	RoutingKey  string           `json:"routing_key"`
	EventAction string           `json:"event_action"`
	DedupKey    string           `json:"dedup_key"`
	Payload     pagerDutyPayload `json:"payload"`
	Client      string           `json:"client"`
	Links       []pagerDutyLink  `json:"links,omitempty"`
}

type pagerDutyPayload struct {
	Summary       string         `json:"summary"`
	Source        string         `json:"source"`
	Severity      string         `json:"severity"`
	Timestamp     time.Time      `json:"timestamp"`
	Component     string         `json:"component,omitempty"`
	Group         string         `json:"group"`
	Class         string         `json:"class,omitempty"`
	CustomDetails map[string]any `json:"custom_details"`
}

type pagerDutyLink struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

// PagerDuty refuses longer ones.
const (
	maxSummary  = 1024
	maxDedupKey = 255
)

// vendorDedupKey is scoped by the environment, since one vendor service receives every
// environment's alerts and two customers' fingerprints may collide; the same for trigger
// and resolve, so the resolve closes the incident. One too long becomes a digest.
func vendorDedupKey(a api.Alert) string {
	k := a.EnvironmentID + "/" + a.DedupKey
	if len(k) > maxDedupKey {
		sum := sha256.Sum256([]byte(a.DedupKey))
		k = a.EnvironmentID + "/sha256:" + hex.EncodeToString(sum[:])
	}
	return k
}

// pagerDutyBody's source is the instance or source label, else the environment: PagerDuty
// requires one, and Alertmanager has no such field.
func pagerDutyBody(j *job, routingKey string) pagerDutyEvent {
	a := j.alert
	action, at := api.EventTrigger, a.StartsAt
	if a.Status == api.AlertResolved {
		action = api.EventResolve
		if a.EndsAt != nil {
			at = *a.EndsAt
		}
	}
	summary := a.Summary
	if r := []rune(summary); len(r) > maxSummary {
		summary = string(r[:maxSummary-1]) + "…"
	}
	e := pagerDutyEvent{
		RoutingKey: routingKey, EventAction: action, DedupKey: vendorDedupKey(a), Client: "Warden",
		Payload: pagerDutyPayload{
			Summary: summary, Source: cmp.Or(a.Labels["instance"], a.Labels["source"], j.env.Name), Severity: a.Severity, Timestamp: at,
			Component: a.Labels["component"], Group: j.env.Name, Class: a.Labels["alertname"],
			CustomDetails: map[string]any{"labels": a.Labels, "annotations": a.Annotations, "alert_id": a.ID, "environment_id": a.EnvironmentID},
		},
	}
	if a.GeneratorURL != "" {
		e.Links = []pagerDutyLink{{Href: a.GeneratorURL, Text: "Source"}}
	}
	return e
}

func (d *Dispatcher) sendVendor(ctx context.Context, j *job, at time.Time) result {
	body, err := json.Marshal(pagerDutyBody(j, d.cfg.VendorRoutingKey))
	if err != nil {
		return result{Outcome: api.AttemptFailed, Err: "encoding the event: " + err.Error()}
	}
	shown := "the vendor's alert URL " + access.RedactTarget(string(access.DestinationWebhook), d.cfg.VendorURL)
	return d.vendor.post(ctx, d.cfg.VendorURL, func() string { return shown }, http.Header{}, body, at)
}
