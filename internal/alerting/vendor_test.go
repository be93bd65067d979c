package alerting

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/testclock"
)

// The vendor's on-call gets a PagerDuty Events v2 trigger and then a resolve with one
// dedup_key, scoped by the environment; PagerDuty's 202 is delivered.
func TestDispatcher_vendorPagerDutyEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testclock.New(epoch))
	pd := newReceiver(t, answer(http.StatusAccepted))
	trigger := f.add(testAlert("alr_1", api.AlertFiring, epoch), api.RecipientVendor, "")
	resolve := f.add(testAlert("alr_2", api.AlertResolved, epoch), api.RecipientVendor, "")
	runOnce(t, f.dispatcher(Config{VendorURL: pd.URL + "/v2/enqueue", VendorRoutingKey: "R0UTING-KEY"}), 2)
	for _, id := range []string{trigger.ID, resolve.ID} {
		if got := f.delivery(id); got.Status != api.DeliveryDelivered || got.Attempts[0].StatusCode != http.StatusAccepted {
			t.Errorf("%s: %+v; want delivered with 202", id, got)
		}
	}
	events := map[string]pagerDutyEvent{}
	for _, r := range pd.requests() {
		var e pagerDutyEvent
		if err := json.Unmarshal(r.body, &e); err != nil {
			t.Fatal(err)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		events[e.EventAction] = e
	}
	tr, rs := events[api.EventTrigger], events[api.EventResolve]
	if len(events) != 2 || tr.DedupKey != "env_1/fp-disk" || rs.DedupKey != tr.DedupKey {
		t.Fatalf("events %+v; want a trigger and a resolve with dedup_key env_1/fp-disk", events)
	}
	p := tr.Payload
	if tr.RoutingKey != "R0UTING-KEY" || tr.Client != "Warden" || p.Summary != "Disk almost full" || p.Source != "db-1" ||
		p.Severity != "critical" || p.Group != "production" || p.Class != "DiskFull" || !p.Timestamp.Equal(epoch.Add(-2*60e9)) ||
		len(tr.Links) != 1 || tr.Links[0].Href != "https://prometheus.example.com/graph?g0.expr=disk" {
		t.Errorf("trigger %+v", tr)
	}
	labels, _ := p.CustomDetails["labels"].(map[string]any)
	annotations, _ := p.CustomDetails["annotations"].(map[string]any)
	if labels["alertname"] != "DiskFull" || annotations["description"] == nil {
		t.Errorf("custom_details %v; want the labels and annotations", p.CustomDetails)
	}
	if !rs.Payload.Timestamp.Equal(epoch) {
		t.Errorf("the resolve's timestamp %v; want the alert's end, %v", rs.Payload.Timestamp, epoch)
	}
}

// A dedup key that, scoped, is past PagerDuty's 255 characters becomes a digest, the same
// for the trigger and the resolve.
func TestVendorDedupKey_long(t *testing.T) {
	t.Parallel()
	a := api.Alert{EnvironmentID: "env_1", DedupKey: strings.Repeat("k", 300)}
	k := vendorDedupKey(a)
	if len(k) > maxDedupKey || !strings.HasPrefix(k, "env_1/sha256:") || vendorDedupKey(a) != k {
		t.Errorf("vendorDedupKey = %q (%d chars)", k, len(k))
	}
	a.EnvironmentID = "env_2"
	if vendorDedupKey(a) == k {
		t.Error("two environments' alerts share a dedup_key")
	}
}
