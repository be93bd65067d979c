package client

import (
	"context"
	"net/http"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Alerts an environment received and their deliveries: posting an Alertmanager webhook
// payload (with a user token holding cluster.admin, which marks its alerts as tests), the
// alerts with their routing decisions, and each delivery with every attempt.

// alertPageSize is the API's largest page: lists of alerts and deliveries are read whole.
const alertPageSize = 1000

// AlertmanagerPayload is an Alertmanager webhook body (version "4"), as Alertmanager posts it
// to an environment's ingest URL.
type AlertmanagerPayload struct {
	Version           string              `json:"version"`
	GroupKey          string              `json:"groupKey,omitempty"`
	Status            string              `json:"status"`
	Receiver          string              `json:"receiver,omitempty"`
	GroupLabels       map[string]string   `json:"groupLabels,omitempty"`
	CommonLabels      map[string]string   `json:"commonLabels,omitempty"`
	CommonAnnotations map[string]string   `json:"commonAnnotations,omitempty"`
	ExternalURL       string              `json:"externalURL,omitempty"`
	Alerts            []AlertmanagerAlert `json:"alerts"`
}

// AlertmanagerAlert is one alert of an AlertmanagerPayload. The severity label routes it; an
// empty Fingerprint lets the server identify the alert by its label set.
type AlertmanagerAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       *time.Time        `json:"endsAt,omitempty"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
	Fingerprint  string            `json:"fingerprint,omitempty"`
}

// IngestedAlerts is the answer to a posted payload: each alert's id, in the payload's order.
type IngestedAlerts struct {
	Alerts []IngestedAlert `json:"alerts"`
}

// IngestedAlert is one alert of a posted payload.
type IngestedAlert struct {
	ID string `json:"id"`
	// Duplicate: the alert repeats one received within the deduplication window, whose id
	// this is; nothing new was routed.
	Duplicate bool `json:"duplicate"`
}

// AlertFilter selects an environment's alerts; zero fields do not filter.
type AlertFilter struct {
	Status string    // api.AlertFiring or api.AlertResolved
	Since  time.Time // received at or after
}

// DeliveryFilter selects an environment's deliveries; zero fields do not filter.
type DeliveryFilter struct {
	AlertID string
	Status  string // one of the api.Delivery… statuses
}

// IngestAlerts posts an Alertmanager payload to an environment, as its ingest URL receives
// one. With a user token (which needs cluster.admin; anyone else gets a 403 *APIError) the
// alerts are recorded as tests, routed and delivered as any other. A retry after a lost
// answer repeats the same alerts, which the server takes as duplicates of the first.
func (c *Client) IngestAlerts(ctx context.Context, envID string, payload AlertmanagerPayload) (*IngestedAlerts, error) {
	return call[IngestedAlerts](ctx, c, request{method: http.MethodPost, path: "/v1/environments/%s/alerts", args: []string{envID}, body: payload})
}

// ListAlerts returns an environment's alerts matching f, with their routing decisions, across
// pages.
func (c *Client) ListAlerts(ctx context.Context, envID string, f AlertFilter) ([]api.Alert, error) {
	return listAll[api.Alert](ctx, c, "/v1/environments/%s/alerts", []string{envID},
		values("status", f.Status, "since", formatTime(f.Since)), alertPageSize, 0)
}

// GetAlert reads one alert with its routing decision; ErrNotFound when the environment has no
// such alert.
func (c *Client) GetAlert(ctx context.Context, envID, alertID string) (*api.Alert, error) {
	return call[api.Alert](ctx, c, request{method: http.MethodGet, path: "/v1/environments/%s/alerts/%s", args: []string{envID, alertID}})
}

// ListAlertDeliveries returns an environment's deliveries matching f, each with every attempt,
// across pages. Targets carry their secret parts only for a caller holding cluster.admin.
func (c *Client) ListAlertDeliveries(ctx context.Context, envID string, f DeliveryFilter) ([]api.AlertDelivery, error) {
	return listAll[api.AlertDelivery](ctx, c, "/v1/environments/%s/alert-deliveries", []string{envID},
		values("alert_id", f.AlertID, "status", f.Status), alertPageSize, 0)
}

// GetAlertDelivery reads one delivery with every attempt; ErrNotFound when the environment has
// no such delivery.
func (c *Client) GetAlertDelivery(ctx context.Context, envID, deliveryID string) (*api.AlertDelivery, error) {
	return call[api.AlertDelivery](ctx, c, request{method: http.MethodGet, path: "/v1/environments/%s/alert-deliveries/%s", args: []string{envID, deliveryID}})
}

// RetryAlertDelivery makes a delivered, failed, gone or undeliverable delivery pending again,
// due now, with the retry schedule started afresh. A pending one is ErrConflict (code
// delivery_pending): it is being attempted already.
func (c *Client) RetryAlertDelivery(ctx context.Context, envID, deliveryID string) (*api.AlertDelivery, error) {
	return call[api.AlertDelivery](ctx, c, request{method: http.MethodPost, path: "/v1/environments/%s/alert-deliveries/%s/retry", args: []string{envID, deliveryID}})
}
