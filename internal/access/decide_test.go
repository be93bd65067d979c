package access

import (
	"strings"
	"testing"
	"time"
)

// vendorPolicy is an environment "production" (prefix aw_) with support access of tier
// ceiling, port forwarding as given, and a vendor user usr_v; requests adds approved,
// unexpired access requests of usr_v for the tiers given.
func vendorPolicy(ceiling string, portForwarding bool, requests ...string) (*Policy, time.Time) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := NewPolicy()
	p.PutEnvironment(Environment{ID: "env_1", Name: "production", Cloud: "gcp", ResourcePrefix: "aw_"})
	p.PutUser(User{ID: "usr_v", Email: "v@vendor.example", Kind: KindVendor})
	p.PutSupportAccess(SupportAccess{ID: "sa_1", EnvironmentID: "env_1", Tier: ceiling, PortForwarding: portForwarding})
	until := now.Add(time.Hour)
	for i, tier := range requests {
		p.PutAccessRequest(AccessRequest{ID: "arq_" + string(rune('a'+i)), EnvironmentID: "env_1", RequesterID: "usr_v",
			Tier: tier, Status: RequestApproved, ExpiresAt: &until})
	}
	return p, now
}

func vendorReason(t *testing.T, p *Policy, now time.Time, action, resource string) string {
	t.Helper()
	d, err := p.Authorize("usr_v", "env_1", action, resource, now)
	if err != nil {
		t.Fatal(err)
	}
	if d.Allowed {
		t.Fatalf("%s on %q allowed: %+v", action, resource, d)
	}
	return d.Reason
}

// An approved operator request asking for port forwarding while the support access has it
// off is told that port forwarding is off — not that no request holds a tier with it.
func TestDecide_portForwardingOffIsTheCause(t *testing.T) {
	p, now := vendorPolicy("operator", false, "operator")
	got := vendorReason(t, p, now, CapabilityPortForward, "aw_metrics")
	want := `Port forwarding is off in environment "production": approved access request arq_a holds tier "operator", ` +
		`but "operator.port_forward_metrics" also needs port_forwarding on the environment's support access. Set port_forwarding = true on its warden_support_access.`
	if got != want {
		t.Errorf("reason = %q\nwant     %q", got, want)
	}
	if strings.Contains(got, "No approved") {
		t.Errorf("the old, wrong cause: %q", got)
	}
	// With the flag on, the same request allows it.
	p.PutSupportAccess(SupportAccess{ID: "sa_1", EnvironmentID: "env_1", Tier: "operator", PortForwarding: true})
	if d, _ := p.Authorize("usr_v", "env_1", CapabilityPortForward, "aw_metrics", now); !d.Allowed {
		t.Errorf("port forwarding on: %+v", d)
	}
}

// Each other cause of a vendor denial is named for what it is.
func TestDecide_vendorDenialNamesTheCause(t *testing.T) {
	cases := []struct {
		name     string
		ceiling  string
		pf       bool
		requests []string
		action   string
		want     string
	}{
		{"no request", "operator", false, nil, "operator.reboot_host",
			`"operator.reboot_host" needs tier "operator"; no approved, unexpired access request gives this user a tier in environment "production". File one for tier "operator".`},
		{"tier too low", "operator", false, []string{"support"}, "operator.reboot_host",
			`"operator.reboot_host" needs tier "operator"; approved access request arq_a holds only tier "support" in environment "production". File an access request for tier "operator".`},
		{"ceiling too low", "operator", false, []string{"operator"}, "co_maintainer.apply_workspace",
			`"co_maintainer.apply_workspace" needs tier "co_maintainer"; the support access of environment "production" allows at most tier "operator".`},
		{"ceiling lowered", "support", false, []string{"operator"}, "operator.reboot_host",
			`"operator.reboot_host" needs tier "operator"; the support access of environment "production" allows at most tier "support".`},
		{"port forwarding below operator", "operator", false, []string{"support"}, CapabilityPortForward,
			`"operator.port_forward_metrics" needs tier "operator" and port forwarding; approved access request arq_a holds only tier "support"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, now := vendorPolicy(c.ceiling, c.pf, c.requests...)
			if got := vendorReason(t, p, now, c.action, "aw_x"); !strings.HasPrefix(got, c.want) {
				t.Errorf("reason = %q\nwant     %q", got, c.want)
			}
		})
	}
}

// A capability asked about without a resource says that a resource is needed, not that ""
// does not start with the prefix.
func TestDecide_vendorWithoutResource(t *testing.T) {
	p, now := vendorPolicy("operator", false, "operator")
	got := vendorReason(t, p, now, "operator.reboot_host", "")
	if want := `"operator.reboot_host" acts on one resource, and none was named: set resource to the name of a resource starting with "aw_"`; !strings.HasPrefix(got, want) {
		t.Errorf("reason = %q, want it to start with %q", got, want)
	}
	if strings.Contains(got, `"" does not`) {
		t.Errorf("the old wording: %q", got)
	}
}
