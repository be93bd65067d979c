package apiserver

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The formats alerts arrive in, and how each becomes an api.Alert: Alertmanager's webhook
// payload (version "4"), Grafana's (version "1", the same with more fields) and PagerDuty's
// Events API v2. Unknown fields are accepted: senders add fields between versions, and a
// sender that meets a 4xx drops the alert for good.

// webhookPayload is the Alertmanager and Grafana webhook body.
type webhookPayload struct {
	_                 struct{}          `json:"-" additionalProperties:"true"`
	Version           string            `json:"version" enum:"4,1" doc:"4 (Alertmanager) or 1 (Grafana)."`
	GroupKey          string            `json:"groupKey,omitempty" doc:"The notification group."`
	TruncatedAlerts   int               `json:"truncatedAlerts,omitempty" doc:"How many alerts the sender left out (max_alerts)."`
	Status            string            `json:"status" enum:"firing,resolved" doc:"The group's status."`
	Receiver          string            `json:"receiver,omitempty" doc:"The sender's receiver name."`
	GroupLabels       map[string]string `json:"groupLabels,omitempty" doc:"The labels the group is made by."`
	CommonLabels      map[string]string `json:"commonLabels,omitempty" doc:"Labels every alert of the group carries."`
	CommonAnnotations map[string]string `json:"commonAnnotations,omitempty" doc:"Annotations every alert of the group carries."`
	ExternalURL       string            `json:"externalURL,omitempty" doc:"The sender's address."`
	OrgID             int64             `json:"orgId,omitempty" doc:"Grafana's organization."`
	Alerts            []webhookAlert    `json:"alerts" maxItems:"1000" doc:"The alerts."`
}

// webhookAlert is one alert of a webhook payload.
type webhookAlert struct {
	_            struct{}          `json:"-" additionalProperties:"true"`
	Status       string            `json:"status" enum:"firing,resolved" doc:"firing or resolved."`
	Labels       map[string]string `json:"labels" doc:"The alert's labels; severity routes it."`
	Annotations  map[string]string `json:"annotations,omitempty" doc:"summary, description and the like."`
	StartsAt     time.Time         `json:"startsAt" doc:"When it started firing."`
	EndsAt       time.Time         `json:"endsAt,omitempty" doc:"When it was resolved (zero while firing)."`
	GeneratorURL string            `json:"generatorURL,omitempty" doc:"Where the sender shows it."`
	Fingerprint  string            `json:"fingerprint,omitempty" doc:"The sender's identity of the alert (its label set); resolutions carry the same."`
}

// alerts turns the payload into alerts received at now.
func (w webhookPayload) alerts(envID string, now time.Time) []api.Alert {
	source := api.AlertSourceAlertmanager
	if w.Version == "1" || w.OrgID != 0 {
		source = api.AlertSourceGrafana
	}
	out := make([]api.Alert, len(w.Alerts))
	for i, wa := range w.Alerts {
		a := api.Alert{EnvironmentID: envID, Source: source, Status: wa.Status, DedupKey: wa.Fingerprint,
			Labels: nonNil(wa.Labels), Annotations: nonNil(wa.Annotations), StartsAt: wa.StartsAt.UTC(), GeneratorURL: wa.GeneratorURL, ReceivedAt: now}
		if a.DedupKey == "" {
			a.DedupKey = labelsDigest(a.Labels)
		}
		if wa.Status == api.AlertResolved && !wa.EndsAt.IsZero() {
			end := wa.EndsAt.UTC()
			a.EndsAt = &end
		}
		a.Severity = a.Labels["severity"]
		a.Summary = firstOf(a.Annotations["summary"], a.Annotations["description"], a.Annotations["message"], a.Labels["alertname"], "Alert")
		out[i] = a
	}
	return out
}

// pagerDutyEvent is a PagerDuty Events API v2 event (POST /v2/enqueue).
type pagerDutyEvent struct {
	_           struct{}          `json:"-" additionalProperties:"true"`
	RoutingKey  string            `json:"routing_key" minLength:"1" doc:"The environment's ingest key (wik_…)."`
	EventAction string            `json:"event_action" enum:"trigger,acknowledge,resolve" doc:"trigger, acknowledge or resolve."`
	DedupKey    string            `json:"dedup_key,omitempty" maxLength:"255" doc:"Identifies the alert; required to resolve. A trigger without one gets one, returned in the answer."`
	Payload     *pagerDutyPayload `json:"payload,omitempty" doc:"The alert; required to trigger."`
	Client      string            `json:"client,omitempty" doc:"The sending system."`
	ClientURL   string            `json:"client_url,omitempty" doc:"Its address."`
}

type pagerDutyPayload struct {
	_             struct{}       `json:"-" additionalProperties:"true"`
	Summary       string         `json:"summary" minLength:"1" maxLength:"1024" doc:"One line."`
	Source        string         `json:"source" minLength:"1" doc:"The affected system."`
	Severity      string         `json:"severity" enum:"critical,error,warning,info" doc:"critical, error, warning or info."`
	Timestamp     *time.Time     `json:"timestamp,omitempty" doc:"When it was detected."`
	Component     string         `json:"component,omitempty" doc:"The affected part."`
	Group         string         `json:"group,omitempty" doc:"A cluster of sources."`
	Class         string         `json:"class,omitempty" doc:"The kind of event."`
	CustomDetails map[string]any `json:"custom_details,omitempty" doc:"Free-form details."`
}

// alert turns a trigger or resolve into an alert received at now. A resolve carries no
// payload: the caller gives it the last alert with its key (prior), whose severity, summary
// and labels it keeps, so that a resolution reaches whoever the trigger reached.
func (e pagerDutyEvent) alert(envID string, now time.Time, prior *api.Alert) api.Alert {
	a := api.Alert{EnvironmentID: envID, Source: api.AlertSourcePagerDuty, Status: api.AlertFiring, DedupKey: e.DedupKey,
		Labels: map[string]string{}, Annotations: map[string]string{}, StartsAt: now, ReceivedAt: now}
	if prior != nil {
		a.Severity, a.Summary, a.Labels, a.Annotations, a.StartsAt = prior.Severity, prior.Summary, prior.Labels, prior.Annotations, prior.StartsAt
	}
	if p := e.Payload; p != nil {
		a.Severity, a.Summary = p.Severity, p.Summary
		for k, v := range map[string]string{"source": p.Source, "component": p.Component, "group": p.Group, "class": p.Class} {
			if v != "" {
				a.Labels[k] = v
			}
		}
		a.Annotations["summary"] = p.Summary
		for k, v := range p.CustomDetails {
			a.Annotations[k] = detailText(v)
		}
		if p.Timestamp != nil {
			a.StartsAt = p.Timestamp.UTC()
		}
	}
	if e.EventAction == api.EventResolve {
		a.Status = api.AlertResolved
		end := now
		a.EndsAt = &end
	}
	if a.Summary == "" {
		a.Summary = "Alert " + e.DedupKey
	}
	return a
}

// labelsDigest identifies an alert that came without a fingerprint by its label set, as
// Alertmanager's fingerprint does.
func labelsDigest(labels map[string]string) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		_, _ = fmt.Fprintf(h, "%s\x00%s\x00", k, labels[k]) // a hash never fails to write
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func detailText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
