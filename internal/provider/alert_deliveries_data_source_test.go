package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// alertReceiver is a webhook receiver on 127.0.0.1 that answers every request with one
// status and records the webhook-id header of each.
type alertReceiver struct {
	*httptest.Server
	mu  sync.Mutex
	ids []string
}

func newAlertReceiver(t *testing.T, status int) *alertReceiver {
	t.Helper()
	r := &alertReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.ids = append(r.ids, req.Header.Get("webhook-id"))
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

// webhookIDs is the webhook-id header of every request received, in order.
func (r *alertReceiver) webhookIDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ids)
}

// routeAlerts sets envID's alert routing through the API.
func routeAlerts(t *testing.T, srv *acctest.Server, envID string, vendor bool, dests ...api.Destination) {
	t.Helper()
	if _, err := srv.Client.PutAlertRouting(context.Background(), envID, api.AlertRoutingUpdate{VendorRouting: vendor, Destinations: &dests}, 0); err != nil {
		t.Fatal(err)
	}
}

// postAlert sends one firing alert of severity to envID through the API, as a monitoring
// system would, and returns its id.
func postAlert(t *testing.T, srv *acctest.Server, envID, severity string) string {
	t.Helper()
	got, err := srv.Client.IngestAlerts(context.Background(), envID, client.AlertmanagerPayload{Version: "4", Status: api.AlertFiring,
		Alerts: []client.AlertmanagerAlert{{Status: api.AlertFiring, Labels: map[string]string{"alertname": "DiskFull", "severity": severity},
			StartsAt: time.Now().UTC()}}})
	if err != nil {
		t.Fatal(err)
	}
	return got.Alerts[0].ID
}

// settledDeliveries waits (up to 10s) until no delivery of alertID is pending, and returns
// them.
func settledDeliveries(t *testing.T, srv *acctest.Server, envID, alertID string) []api.AlertDelivery {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		ds, err := srv.Client.ListAlertDeliveries(context.Background(), envID, client.DeliveryFilter{AlertID: alertID})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(ds, func(d api.AlertDelivery) bool { return d.Status == api.DeliveryPending }) {
			return ds
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries still pending after 10s (is the dispatcher running?): %+v", ds)
		}
	}
}

// alertDeliveriesConfig reads envID's deliveries as data.warden_alert_deliveries.<name>, with
// the filters given (HCL attribute lines).
func alertDeliveriesConfig(name, envID, filters string) string {
	return fmt.Sprintf(`
data "warden_alert_deliveries" %q {
  environment_id = %q
  %s
}
`, name, envID, filters)
}

var rfc3339 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`)

// An alert posted through the API reaches a webhook on 127.0.0.1 and not the vendor (no
// vendor endpoint configured): the data source reads both deliveries, each attribute as the
// API has it, filtered by alert and by status; a member reads the target without its secret.
func TestAccAlertDeliveriesDataSource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	env := newProduction(t, srv)
	hook := newAlertReceiver(t, http.StatusNoContent).URL + "/hook?token=s3cret"
	routeAlerts(t, srv, env.ID, true, api.Destination{Type: "webhook", Target: hook, MinSeverity: "warning"})
	alertID := postAlert(t, srv, env.ID, "error")
	ds := settledDeliveries(t, srv, env.ID, alertID)
	byKind := map[string]api.AlertDelivery{}
	for _, d := range ds {
		byKind[d.Kind] = d
	}
	webhook, vendor := byKind[api.RecipientWebhook], byKind[api.RecipientVendor]
	other := postAlert(t, srv, env.ID, "info") // below the webhook's minimum: the vendor's only

	const delivered, undeliverable, all = "data.warden_alert_deliveries.delivered", "data.warden_alert_deliveries.undeliverable", "data.warden_alert_deliveries.all"
	config := srv.Config(alertDeliveriesConfig("delivered", env.ID, fmt.Sprintf("alert_id = %q\n  status = \"delivered\"", alertID)) +
		alertDeliveriesConfig("undeliverable", env.ID, fmt.Sprintf("alert_id = %q\n  status = \"undeliverable\"", alertID)) +
		alertDeliveriesConfig("all", env.ID, ""))
	member := memberServer(t, srv, "reader@example.com")
	first := tfjsonpath.New("deliveries").AtSliceIndex(0)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(delivered, tfjsonpath.New("deliveries"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"id":              knownvalue.StringExact(webhook.ID),
							"alert_id":        knownvalue.StringExact(alertID),
							"kind":            knownvalue.StringExact("webhook"),
							"target":          knownvalue.StringExact(hook),
							"event":           knownvalue.StringExact("trigger"),
							"status":          knownvalue.StringExact("delivered"),
							"attempt_count":   knownvalue.Int64Exact(1),
							"next_attempt_at": knownvalue.Null(),
							"delivered_at":    knownvalue.StringRegexp(rfc3339),
							"last_error":      knownvalue.Null(),
							"created_at":      knownvalue.StringExact(webhook.CreatedAt.UTC().Format(time.RFC3339Nano)),
							"attempts": knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
								"n":           knownvalue.Int64Exact(1),
								"at":          knownvalue.StringRegexp(rfc3339),
								"status_code": knownvalue.Int64Exact(http.StatusNoContent),
								"latency_ms":  knownvalue.Int64Exact(webhook.Attempts[0].LatencyMS),
								"outcome":     knownvalue.StringExact("delivered"),
								"error":       knownvalue.Null(),
							})}),
						}),
					})),
					statecheck.ExpectSensitiveValue(delivered, first.AtMapKey("target")),
					statecheck.ExpectKnownValue(undeliverable, tfjsonpath.New("deliveries"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{
							"id":              knownvalue.StringExact(vendor.ID),
							"alert_id":        knownvalue.StringExact(alertID),
							"kind":            knownvalue.StringExact("vendor"),
							"target":          knownvalue.Null(),
							"event":           knownvalue.StringExact("trigger"),
							"status":          knownvalue.StringExact("undeliverable"),
							"attempt_count":   knownvalue.Int64Exact(0),
							"next_attempt_at": knownvalue.Null(),
							"delivered_at":    knownvalue.Null(),
							"last_error":      knownvalue.StringRegexp(regexp.MustCompile(`-vendor-alert-url`)),
							"created_at":      knownvalue.StringExact(vendor.CreatedAt.UTC().Format(time.RFC3339Nano)),
							"attempts":        knownvalue.ListSizeExact(0),
						}),
					})),
					// Oldest first: the first alert's two, then the other's one.
					statecheck.ExpectKnownValue(all, tfjsonpath.New("deliveries"), knownvalue.ListSizeExact(3)),
					statecheck.ExpectKnownValue(all, tfjsonpath.New("deliveries").AtSliceIndex(2).AtMapKey("alert_id"), knownvalue.StringExact(other)),
				},
			},
			{
				// Without cluster.admin, the webhook's secret is not shown.
				Config: member.Config(alertDeliveriesConfig("delivered", env.ID, `status = "delivered"`)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(delivered, first.AtMapKey("target"), knownvalue.StringExact(access.RedactTarget("webhook", hook))),
				},
			},
			{
				Config:      srv.Config(alertDeliveriesConfig("all", env.ID, `status = "sent"`)),
				ExpectError: wrappedRegexp("Invalid status", `status must be pending, delivered, failed, gone or undeliverable; got "sent".`),
			},
			{
				Config:      srv.Config(alertDeliveriesConfig("all", "env_missing", "")),
				ExpectError: wrappedRegexp("Unable to List Alert Deliveries", "env_missing"),
			},
		},
	})
}
