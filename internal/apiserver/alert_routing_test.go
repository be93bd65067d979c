package apiserver

import (
	"testing"

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
