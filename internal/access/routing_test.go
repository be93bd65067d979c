package access

import (
	"slices"
	"testing"
)

func TestParseAlertSeverity(t *testing.T) {
	cases := []struct {
		in    string
		want  AlertSeverity
		known bool
	}{
		{"info", AlertInfo, true},
		{"warning", AlertWarning, true},
		{"error", AlertError, true},
		{"critical", AlertCritical, true},
		{" CRITICAL ", AlertCritical, true},
		{"Error", AlertError, true},
		{"", DefaultAlertSeverity, false},
		{"page", DefaultAlertSeverity, false},
		{"warn", DefaultAlertSeverity, false},
	}
	for _, c := range cases {
		got, known := ParseAlertSeverity(c.in)
		if got != c.want || known != c.known {
			t.Errorf("ParseAlertSeverity(%q) = %q, %v; want %q, %v", c.in, got, known, c.want, c.known)
		}
	}
}

func TestAlertSeverity_order(t *testing.T) {
	if got := AlertSeverityNames(); !slices.Equal(got, []string{"info", "warning", "error", "critical"}) {
		t.Fatalf("AlertSeverityNames() = %v", got)
	}
	for i, a := range alertSeverities {
		for j, b := range alertSeverities {
			if a.AtLeast(b) != (i >= j) {
				t.Errorf("%s.AtLeast(%s) = %v", a, b, a.AtLeast(b))
			}
		}
	}
}

func TestDecideRouting(t *testing.T) {
	hook := AlertDestination{"webhook", "https://hooks.example.com/x", "warning"}
	pager := AlertDestination{"webhook", "https://pager.example.com/x", "error"}
	mail := AlertDestination{"email", "oncall@example.com", "critical"}
	noise := AlertDestination{"email", "all@example.com", "info"}
	all := []AlertDestination{hook, pager, mail, noise}
	// why holds, per destination of all, "" when it receives the alert, else the reason it does not.
	cases := []struct {
		name      string
		severity  string
		vendor    bool
		wantSev   AlertSeverity
		defaulted bool
		vendorWhy SkipReason
		why       []SkipReason
	}{
		{"critical reaches all", "critical", true, AlertCritical, false, "", []SkipReason{"", "", "", ""}},
		{"error misses critical-only", "error", true, AlertError, false, "", []SkipReason{"", "", SkipBelowMinSeverity, ""}},
		{"warning", "warning", true, AlertWarning, false, "", []SkipReason{"", SkipBelowMinSeverity, SkipBelowMinSeverity, ""}},
		{"info only to info", "info", true, AlertInfo, false, "", []SkipReason{SkipBelowMinSeverity, SkipBelowMinSeverity, SkipBelowMinSeverity, ""}},
		{"opted out, critical", "critical", false, AlertCritical, false, SkipOptedOut, []SkipReason{"", "", "", ""}},
		{"opted out, info", "info", false, AlertInfo, false, SkipOptedOut, []SkipReason{SkipBelowMinSeverity, SkipBelowMinSeverity, SkipBelowMinSeverity, ""}},
		{"missing severity is warning", "", true, AlertWarning, true, "", []SkipReason{"", SkipBelowMinSeverity, SkipBelowMinSeverity, ""}},
		{"unknown severity is warning", "page", false, AlertWarning, true, SkipOptedOut, []SkipReason{"", SkipBelowMinSeverity, SkipBelowMinSeverity, ""}},
		{"case ignored", "CRITICAL", true, AlertCritical, false, "", []SkipReason{"", "", "", ""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := DecideRouting(c.severity, Routing{VendorRouting: c.vendor, Destinations: all})
			if d.Severity != c.wantSev || d.SeverityDefaulted != c.defaulted {
				t.Errorf("severity = %q (defaulted %v), want %q (%v)", d.Severity, d.SeverityDefaulted, c.wantSev, c.defaulted)
			}
			if d.Vendor.Chosen != (c.vendorWhy == "") || d.Vendor.Reason != c.vendorWhy {
				t.Errorf("vendor = %+v, want reason %q", d.Vendor, c.vendorWhy)
			}
			if len(d.Destinations) != len(all) {
				t.Fatalf("%d destination decisions, want %d", len(d.Destinations), len(all))
			}
			for i, rd := range d.Destinations {
				if rd.Destination != all[i] || rd.Chosen != (c.why[i] == "") || rd.Reason != c.why[i] {
					t.Errorf("destination %d = %+v, want reason %q", i, rd, c.why[i])
				}
				if !rd.Chosen && rd.Detail == "" {
					t.Errorf("destination %d left out without a detail", i)
				}
			}
		})
	}
}

func TestDecideRouting_noDestinations(t *testing.T) {
	d := DecideRouting("critical", Routing{VendorRouting: true})
	if !d.Vendor.Chosen || len(d.Destinations) != 0 {
		t.Fatalf("decision = %+v", d)
	}
}

// FuzzDecideRouting holds the decision's properties for any severity word and routing:
// every recipient is either chosen with no reason or left out with one; the vendor follows
// vendor_routing alone; and a destination chosen at one severity is chosen at every higher
// one (monotonic).
func FuzzDecideRouting(f *testing.F) {
	f.Add("critical", true, "warning\nerror\ninfo")
	f.Add("", false, "critical")
	f.Add("PAGE", true, "bogus\nwarning")
	f.Fuzz(func(t *testing.T, severity string, vendor bool, mins string) {
		skipLarge(t, severity, mins)
		var ds []AlertDestination
		for _, m := range list(mins) {
			ds = append(ds, AlertDestination{Type: "email", Target: "x@example.com", MinSeverity: m})
		}
		r := Routing{VendorRouting: vendor, Destinations: ds}
		d := DecideRouting(severity, r)
		check := func(who string, rd RecipientDecision) {
			if rd.Chosen == (rd.Reason != "") || rd.Chosen == (rd.Detail != "") {
				t.Fatalf("%s: chosen %v with reason %q, detail %q", who, rd.Chosen, rd.Reason, rd.Detail)
			}
		}
		check("vendor", d.Vendor)
		if d.Vendor.Chosen != vendor {
			t.Fatalf("vendor chosen %v with vendor_routing %v", d.Vendor.Chosen, vendor)
		}
		if !slices.Contains(alertSeverities, d.Severity) {
			t.Fatalf("routed by %q, not a severity", d.Severity)
		}
		if len(d.Destinations) != len(ds) {
			t.Fatalf("%d decisions for %d destinations", len(d.Destinations), len(ds))
		}
		for i, rd := range d.Destinations {
			check(rd.Destination.Target, rd)
			if rd.Destination != ds[i] {
				t.Fatalf("decision %d is for %+v, not %+v", i, rd.Destination, ds[i])
			}
			if !rd.Chosen && rd.Reason != SkipBelowMinSeverity {
				t.Fatalf("destination left out for %q", rd.Reason)
			}
		}
		for _, higher := range alertSeverities {
			if !higher.AtLeast(d.Severity) {
				continue
			}
			hd := DecideRouting(string(higher), r)
			for i := range ds {
				if d.Destinations[i].Chosen && !hd.Destinations[i].Chosen {
					t.Fatalf("destination %d chosen at %s but not at %s", i, d.Severity, higher)
				}
			}
		}
	})
}
