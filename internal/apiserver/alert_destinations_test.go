package apiserver

import (
	"net/url"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The additive destination routes, with the same modes and conflicts as group members.
func TestAlertDestinations_additive(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("alerts", "aws")
	base := "/v1/environments/" + env.ID + "/alert-routing"
	hook := api.Destination{Type: "webhook", Target: "https://hooks.example.com/a/b", MinSeverity: "warning"}
	mail := api.Destination{Type: "email", Target: "oncall@example.com", MinSeverity: "critical"}
	del := func(d api.Destination) string {
		return base + "/destinations?" + url.Values{"type": {d.Type}, "target": {d.Target}}.Encode()
	}
	var r api.AlertRouting
	ts.call("POST", base+"/destinations", ownerToken, hook, 200, &r)
	ts.call("POST", base+"/destinations", ownerToken, mail, 200, &r)
	if r.DestinationsMode != string(access.ModeAdditive) || len(r.Destinations) != 2 || r.Destinations[0] != mail {
		t.Fatalf("after two adds %+v", r)
	}
	// The same again is no change; another min_severity changes it in place.
	v := r.Version
	ts.call("POST", base+"/destinations", ownerToken, hook, 200, &r)
	if r.Version != v {
		t.Fatalf("re-adding bumped the version: %+v", r)
	}
	// Another min_severity is another module's setting: refused, unless the caller names the
	// one it replaces (warden_alert_destination's update).
	hook.MinSeverity = "info"
	p := requireProblem(t, ts.do("POST", base+"/destinations", ownerToken, hook), 409, access.CodeDestinationExists)
	if p.Field != "min_severity" {
		t.Fatalf("field %q", p.Field)
	}
	requireContains(t, p.Detail, `"warning"`, "replace_min_severity")
	requireProblem(t, ts.do("POST", base+"/destinations?replace_min_severity=critical", ownerToken, hook), 409, access.CodeDestinationExists)
	ts.call("POST", base+"/destinations?replace_min_severity=warning", ownerToken, hook, 200, &r)
	if len(r.Destinations) != 2 || r.Destinations[1] != hook {
		t.Fatalf("after changing min_severity %+v", r)
	}
	// A retry of the change, once made, is a success.
	ts.call("POST", base+"/destinations?replace_min_severity=warning", ownerToken, hook, 200, &r)
	// Validated as for a complete set, on the request's own fields.
	for _, tc := range []struct {
		d     api.Destination
		field string
	}{
		{api.Destination{Type: "webhook", Target: "ftp://x", MinSeverity: "info"}, "target"},
		{api.Destination{Type: "pager", Target: "x", MinSeverity: "info"}, "type"},
	} {
		if p := ts.do("POST", base+"/destinations", ownerToken, tc.d).problem(t); p.Status != 422 || p.Field != tc.field {
			t.Errorf("%+v: %+v", tc.d, p)
		}
	}
	// A complete set, even with vendor routing unchanged, would wipe them.
	p = ts.do("PUT", base, ownerToken, api.AlertRoutingUpdate{VendorRouting: true, Destinations: &[]api.Destination{}}).problem(t)
	if p.Status != 409 || p.Code != access.CodeModeConflict || p.Field != "destinations" {
		t.Fatalf("complete set on additive destinations: %+v", p)
	}
	requireContains(t, p.Detail, `"alerts"`, "warden_alert_routing.destinations", "warden_alert_destination", "not both")
	// Vendor routing alone is no destinations write.
	ts.call("PUT", base, ownerToken, api.AlertRoutingUpdate{VendorRouting: false}, 200, &r)
	if r.VendorRouting || len(r.Destinations) != 2 || r.DestinationsMode != string(access.ModeAdditive) {
		t.Fatalf("vendor routing alone %+v", r)
	}

	// Members without cluster.admin cannot add or remove.
	_, secret := ts.createUser("m@example.com", "member")
	ts.call("POST", base+"/destinations", secret, mail, 403, nil)
	ts.call("DELETE", del(mail), secret, nil, 403, nil)

	ts.call("DELETE", del(mail), ownerToken, nil, 204, nil)
	ts.call("DELETE", del(mail), ownerToken, nil, 404, nil)
	ts.call("DELETE", del(hook), ownerToken, nil, 204, nil)
	ts.call("GET", base, ownerToken, nil, 200, &r)
	if r.DestinationsMode != "" || len(r.Destinations) != 0 {
		t.Fatalf("the last one gone, the environment is free again: %+v", r)
	}

	// Authoritative now: additive changes are refused, until released.
	ts.call("PUT", base, ownerToken, api.AlertRoutingUpdate{VendorRouting: true, Destinations: &[]api.Destination{mail}}, 200, &r)
	for _, res := range []response{ts.do("POST", base+"/destinations", ownerToken, hook), ts.do("DELETE", del(mail), ownerToken, nil)} {
		p := res.problem(t)
		if p.Status != 409 || p.Code != access.CodeModeConflict || p.Field != "environment_id" {
			t.Fatalf("additive change on authoritative destinations: %+v", p)
		}
		requireContains(t, p.Detail, "authoritatively", "warden_alert_destination")
	}
	ts.call("PUT", base, ownerToken, api.AlertRoutingUpdate{VendorRouting: true, ReleaseDestinations: true}, 200, &r)
	if r.DestinationsMode != "" || len(r.Destinations) != 1 {
		t.Fatalf("after release %+v", r)
	}
	ts.call("POST", base+"/destinations", ownerToken, hook, 200, &r)

	seen := map[string]int{}
	for _, e := range ts.auditLog(ownerToken) {
		seen[e.Action]++
	}
	if seen["alert_routing.destination_add"] != 4 || seen["alert_routing.destination_remove"] != 2 {
		t.Fatalf("audited %v", seen)
	}
}
