package access

import (
	"strings"
	"testing"
	"time"
)

func TestCanClaimRouting(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	held := RoutingClaim{ID: "rcl_a", ClaimedAt: &at}
	cases := []struct {
		cur    RoutingClaim
		wanted string
		denied bool
	}{
		{RoutingClaim{}, RoutingClaimNew, false}, // an unclaimed routing is anyone's
		{RoutingClaim{}, "rcl_a", false},         // a holder whose claim a reset ended continues
		{held, "rcl_a", false},                   // the holder continues
		{held, "", false},                        // a write that is no resource's is not judged
		{held, RoutingClaimNew, true},            // a second create
		{held, "rcl_b", true},                    // another resource's claim
	}
	for _, c := range cases {
		d := CanClaimRouting("prod", c.cur, c.wanted)
		if (d != nil) != c.denied {
			t.Errorf("%+v wanting %q: %v, want denied %v", c.cur, c.wanted, d, c.denied)
			continue
		}
		if d == nil {
			continue
		}
		if d.Kind != Conflict || d.Code != CodeRoutingClaimed || d.Field != "environment_id" {
			t.Errorf("denial %+v", d)
		}
		for _, want := range []string{`Environment "prod"'s alert routing is already managed by another warden_alert_routing (claim rcl_a since 2026-03-04T05:06:07Z).`,
			"overwrite each other's vendor_routing and destinations", "Keep one warden_alert_routing per environment", "import block"} {
			if !strings.Contains(d.Message, want) {
				t.Errorf("message %q lacks %q", d.Message, want)
			}
		}
	}
	if d := RoutingClaimedTwice("prod"); d.Code != CodeRoutingClaimed || !strings.Contains(d.Message, `in this configuration also manages environment "prod"'s`) {
		t.Errorf("RoutingClaimedTwice: %+v", d)
	}
}
