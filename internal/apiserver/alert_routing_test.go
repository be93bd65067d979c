package apiserver

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

func TestAlertRouting_defaultPutAndReset(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("alerts", "gcp")
	var r api.AlertRouting
	ts.call("GET", "/v1/environments/"+env.ID+"/alert-routing", ownerToken, nil, 200, &r)
	if !r.VendorRouting || len(r.Destinations) != 0 || r.Destinations == nil || r.EnvironmentID != env.ID || r.Version != 1 {
		t.Fatalf("default routing %+v", r)
	}

	dests := []api.Destination{
		{Type: "webhook", Target: "https://hooks.example.com/x", MinSeverity: "warning"},
		{Type: "email", Target: "oncall@example.com", MinSeverity: "critical"},
	}
	put := api.AlertRoutingUpdate{VendorRouting: false, Destinations: &dests}
	var got api.AlertRouting
	ts.call("PUT", "/v1/environments/"+env.ID+"/alert-routing", ownerToken, put, 200, &got, "If-Match", `"1"`)
	if got.VendorRouting || len(got.Destinations) != 2 || got.Destinations[0].Type != "email" || got.Version != 2 || got.ID != r.ID {
		t.Fatalf("after put %+v", got)
	}
	// The same set in another order is no change.
	dests[0], dests[1] = dests[1], dests[0]
	ts.call("PUT", "/v1/environments/"+env.ID+"/alert-routing", ownerToken, put, 200, &got)
	if got.Version != 2 {
		t.Fatalf("reordered put bumped the version: %+v", got)
	}

	for _, tc := range []struct {
		d     api.Destination
		field string
	}{
		{api.Destination{Type: "webhook", Target: "ftp://x", MinSeverity: "info"}, "destinations[1].target"},
		{api.Destination{Type: "email", Target: "nobody", MinSeverity: "info"}, "destinations[1].target"},
		{api.Destination{Type: "pager", Target: "x", MinSeverity: "info"}, "destinations[1].type"},
		{api.Destination{Type: "webhook", Target: "https://hooks.example.com/x", MinSeverity: "info"}, "destinations[1].target"}, // duplicate
	} {
		body := api.AlertRoutingUpdate{VendorRouting: true, Destinations: &[]api.Destination{dests[1], tc.d}}
		res := ts.do("PUT", "/v1/environments/"+env.ID+"/alert-routing", ownerToken, body)
		if p := res.problem(t); res.status != 422 || p.Field != tc.field {
			t.Errorf("%+v: %d %+v", tc.d, res.status, p)
		}
	}

	// Members without cluster.admin cannot change routing.
	_, secret := ts.createUser("m@example.com", "member")
	ts.call("PUT", "/v1/environments/"+env.ID+"/alert-routing", secret, put, 403, nil)
	ts.call("DELETE", "/v1/environments/"+env.ID+"/alert-routing", secret, nil, 403, nil)

	ts.call("DELETE", "/v1/environments/"+env.ID+"/alert-routing", ownerToken, nil, 204, nil)
	ts.call("GET", "/v1/environments/"+env.ID+"/alert-routing", ownerToken, nil, 200, &got)
	if !got.VendorRouting || len(got.Destinations) != 0 || got.ID != r.ID || got.Version != 3 {
		t.Fatalf("after reset %+v", got)
	}
}

// One warden_alert_routing per environment: a create takes the routing under a new claim,
// which every later write of its holder names; a second create, or a write under another
// claim, is refused with 409 alert_routing_claimed in words that name the fix; the holder's
// destroy ends the claim, and the routing may be claimed again.
func TestAlertRouting_claim(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("claimed", "gcp")
	path := "/v1/environments/" + env.ID + "/alert-routing"

	var first api.AlertRouting
	ts.call("PUT", path, ownerToken, api.AlertRoutingUpdate{VendorRouting: false, Claim: access.RoutingClaimNew}, 200, &first)
	if !strings.HasPrefix(first.ClaimID, "rcl_") || first.ClaimedAt == nil || first.VendorRouting {
		t.Fatalf("claimed routing %+v", first)
	}
	var read api.AlertRouting
	ts.call("GET", path, ownerToken, nil, 200, &read)
	if read.ClaimID != first.ClaimID || read.ClaimedAt == nil || !read.ClaimedAt.Equal(*first.ClaimedAt) {
		t.Fatalf("read back %+v, want claim %s", read, first.ClaimID)
	}

	// A second create, and a write under some other claim: refused, nothing changed.
	for _, claim := range []string{access.RoutingClaimNew, "rcl_someoneelse"} {
		res := ts.do("PUT", path, ownerToken, api.AlertRoutingUpdate{VendorRouting: true, Claim: claim})
		p := res.problem(t)
		if res.status != 409 || p.Code != access.CodeRoutingClaimed || p.Field != "environment_id" {
			t.Fatalf("claim %q: %d %+v", claim, res.status, p)
		}
		requireContains(t, p.Detail, `Environment "claimed"`, "another warden_alert_routing", first.ClaimID,
			"Keep one warden_alert_routing per environment", "import block")
		res = ts.do("DELETE", path+"?claim="+claim, ownerToken, nil)
		if p := res.problem(t); res.status != 409 || p.Code != access.CodeRoutingClaimed {
			t.Fatalf("reset under claim %q: %d %+v", claim, res.status, p)
		}
	}
	ts.call("GET", path, ownerToken, nil, 200, &read)
	if read.VendorRouting || read.Version != first.Version || read.ClaimID != first.ClaimID {
		t.Fatalf("a refused claim changed the routing: %+v", read)
	}

	// The holder continues; a write under no claim (the console) neither checks nor changes it.
	var next api.AlertRouting
	ts.call("PUT", path, ownerToken, api.AlertRoutingUpdate{VendorRouting: true, Claim: first.ClaimID}, 200, &next, "If-Match", fmt.Sprintf(`"%d"`, first.Version))
	if !next.VendorRouting || next.ClaimID != first.ClaimID {
		t.Fatalf("holder's update %+v", next)
	}
	ts.call("PUT", path, ownerToken, api.AlertRoutingUpdate{VendorRouting: false}, 200, &next)
	if next.ClaimID != first.ClaimID {
		t.Fatalf("an unclaimed write changed the claim: %+v", next)
	}

	// Malformed claims are the caller's mistake.
	for _, body := range []api.AlertRoutingUpdate{{Claim: "mine"}, {EndClaim: true}} {
		res := ts.do("PUT", path, ownerToken, body)
		if p := res.problem(t); res.status != 422 || (p.Field != "claim" && p.Field != "end_claim") {
			t.Errorf("%+v: %d %+v", body, res.status, p)
		}
	}

	// The holder's destroy ends the claim; then a new one is granted, and a plain reset ends it too.
	var ended api.AlertRouting
	ts.call("PUT", path, ownerToken, api.AlertRoutingUpdate{VendorRouting: true, Claim: first.ClaimID, EndClaim: true}, 200, &ended)
	if ended.ClaimID != "" || ended.ClaimedAt != nil {
		t.Fatalf("ended claim %+v", ended)
	}
	var second api.AlertRouting
	ts.call("PUT", path, ownerToken, api.AlertRoutingUpdate{VendorRouting: true, Claim: access.RoutingClaimNew}, 200, &second)
	if second.ClaimID == "" || second.ClaimID == first.ClaimID {
		t.Fatalf("second claim %+v", second)
	}
	ts.call("DELETE", path+"?claim="+second.ClaimID, ownerToken, nil, 204, nil)
	var reset api.AlertRouting
	ts.call("GET", path, ownerToken, nil, 200, &reset)
	if reset.ClaimID != "" || reset.ClaimedAt != nil || !reset.VendorRouting {
		t.Fatalf("after the holder's reset %+v", reset)
	}
	// A holder whose claim a reset ended takes the routing back under it.
	var retaken api.AlertRouting
	ts.call("PUT", path, ownerToken, api.AlertRoutingUpdate{VendorRouting: false, Claim: second.ClaimID}, 200, &retaken)
	if retaken.ClaimID != second.ClaimID || retaken.ClaimedAt == nil {
		t.Fatalf("claim continued after a reset: %+v", retaken)
	}
	ts.call("DELETE", path, ownerToken, nil, 204, nil)
	var plain api.AlertRouting
	ts.call("GET", path, ownerToken, nil, 200, &plain)
	if plain.ClaimID != "" {
		t.Fatalf("a plain reset left the claim: %+v", plain)
	}
}

// An environment created opted out has vendor routing off from its first moment: its
// routing is made so in the creating transaction, the audit log never shows it on, and an
// alert ingested at once is not routed to the vendor.
func TestEnvironments_createOptedOut(t *testing.T) {
	ts := newTestServer(t, func(c *Config) {
		c.Alerting.VendorURL, c.Alerting.VendorRoutingKey = "http://127.0.0.1:1/enqueue", "R0UTING"
	})
	off := false
	var env api.Environment
	ts.call("POST", "/v1/environments", ownerToken, api.EnvironmentCreate{Name: "quiet", Cloud: "aws", VendorRouting: &off}, 201, &env)
	var r api.AlertRouting
	ts.call("GET", "/v1/environments/"+env.ID+"/alert-routing", ownerToken, nil, 200, &r)
	if r.VendorRouting || r.Version != 1 {
		t.Fatalf("routing of an environment created opted out: %+v", r)
	}
	var events api.List[api.AuditEvent]
	ts.call("GET", "/v1/audit-events?object_id="+r.ID, ownerToken, nil, 200, &events)
	if len(events.Items) != 1 || events.Items[0].Action != "alert_routing.create" {
		t.Fatalf("routing audit %+v", events.Items)
	}
	for _, e := range events.Items {
		var after struct {
			VendorRouting *bool `json:"vendor_routing"`
		}
		if err := json.Unmarshal(e.After, &after); err != nil || after.VendorRouting == nil || *after.VendorRouting {
			t.Errorf("audit event %s records %s", e.Action, e.After)
		}
	}

	key := ts.credentials(env.ID, ownerToken).IngestKey
	var got ingestReply
	ts.call("POST", "/v1/environments/"+env.ID+"/alerts", key, amPayload("firing", ts.clock.Now(),
		map[string]string{"alertname": "DiskFull", "instance": "db1", "severity": "critical"}), 202, &got)
	var a api.Alert
	ts.call("GET", "/v1/environments/"+env.ID+"/alerts/"+got.Alerts[0].ID, ownerToken, nil, 200, &a)
	if len(a.Routing) != 1 || a.Routing[0].Kind != "vendor" || a.Routing[0].Chosen || a.Routing[0].Reason != "opted_out" {
		t.Errorf("routing of the first alert %+v", a.Routing)
	}
	if ds := ts.deliveries(env.ID, ""); len(ds) != 0 {
		t.Errorf("deliveries %+v", ds)
	}

	// Left out, the default holds: vendor routing on.
	var dflt api.AlertRouting
	e2 := ts.createEnv("loud", "aws")
	ts.call("GET", "/v1/environments/"+e2.ID+"/alert-routing", ownerToken, nil, 200, &dflt)
	if !dflt.VendorRouting {
		t.Errorf("default routing %+v", dflt)
	}
}
