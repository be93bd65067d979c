package access

import (
	"strings"
	"testing"
)

func TestValidate_alertDestinations(t *testing.T) {
	cases := []struct {
		name string
		ds   []AlertDestination
		want []finding
	}{
		{"valid", []AlertDestination{
			{"webhook", "https://hooks.example.com/x", "warning"},
			{"webhook", "http://127.0.0.1:9000/alerts", "info"},
			{"email", "oncall@example.com", "critical"},
		}, nil},
		{"none", nil, nil},
		{"webhook without scheme", []AlertDestination{{"webhook", "hooks.example.com/x", "warning"}},
			[]finding{{SeverityError, CodeInvalidDestination, "destinations[0].target", ""}}},
		{"webhook ftp", []AlertDestination{{"webhook", "ftp://example.com/x", "warning"}},
			[]finding{{SeverityError, CodeInvalidDestination, "destinations[0].target", ""}}},
		{"webhook without host", []AlertDestination{{"webhook", "https:///x", "warning"}},
			[]finding{{SeverityError, CodeInvalidDestination, "destinations[0].target", ""}}},
		{"webhook given an address", []AlertDestination{{"webhook", "oncall@example.com", "warning"}},
			[]finding{{SeverityError, CodeInvalidDestination, "destinations[0].target", ""}}},
		{"email given a URL", []AlertDestination{{"email", "https://hooks.example.com/x", "warning"}},
			[]finding{{SeverityError, CodeInvalidDestination, "destinations[0].target", ""}}},
		{"email with display name", []AlertDestination{{"email", "On Call <oncall@example.com>", "warning"}},
			[]finding{{SeverityError, CodeInvalidDestination, "destinations[0].target", ""}}},
		{"unknown type and severity", []AlertDestination{{"slack", "#ops", "urgent"}}, []finding{
			{SeverityError, CodeInvalidDestination, "destinations[0].type", "slack"},
			{SeverityError, CodeInvalidDestination, "destinations[0].min_severity", "urgent"},
		}},
		{"same target twice", []AlertDestination{
			{"email", "oncall@example.com", "warning"},
			{"webhook", "https://hooks.example.com/x", "warning"},
			{"email", "oncall@example.com", "critical"},
		}, []finding{{SeverityError, CodeInvalidDestination, "destinations[2].target", ""}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := pick(ValidateAlertDestinations(c.ds))
			if !equal(got, c.want) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// A target is sensitive (a webhook URL often carries its token): no finding about it repeats
// it, or any part of it, in its message, fix or value.
func TestValidate_alertDestinationTargetNeverEchoed(t *testing.T) {
	const secret = "s3cretT0ken"
	for _, d := range []AlertDestination{
		{"webhook", "ftp://alerts.corp.test/x?token=" + secret, "warning"},
		{"webhook", "alerts.corp.test/" + secret, "warning"},
		{"webhook", "https:///" + secret, "warning"},
		{"webhook", "https://alerts.corp.test/cafe\u0301?token=" + secret, "warning"},
		{"webhook", "https://alerts.corp.test/\u200b?token=" + secret, "warning"},
		{"email", secret + " <oncall@example.com>", "warning"},
		{"email", "https://alerts.corp.test/" + secret, "warning"},
	} {
		fs := ValidateAlertDestinations([]AlertDestination{d, d})
		if len(fs) < 2 {
			t.Errorf("%q: want a finding on the target and one on the repeat, got %+v", d.Target, fs)
		}
		for _, f := range fs {
			if strings.Contains(f.Message+f.Fix+f.Value, secret) || strings.Contains(f.Message+f.Fix+f.Value, "alerts.corp.test") {
				t.Errorf("%q: the finding repeats the target: %+v", d.Target, f)
			}
		}
	}
	fs := ValidateAlertDestinations([]AlertDestination{{"webhook", "ftp://hooks.example.com/x", "warning"}})
	if len(fs) != 1 || fs[0].String() != "The webhook target must use http or https. Use an absolute http:// or https:// URL, e.g. https://hooks.example.com/warden." {
		t.Errorf("got %+v", fs)
	}
}

func TestValidate_alertDestinationSuggests(t *testing.T) {
	fs := ValidateAlertDestinations([]AlertDestination{{"webhok", "https://x.example.com", "critcal"}})
	if len(fs) != 2 || fs[0].Fix != `Did you mean "webhook"?` || fs[1].Fix != `Did you mean "critical"?` {
		t.Errorf("got %+v", fs)
	}
}

func TestRedactTarget(t *testing.T) {
	for _, c := range []struct{ typ, in, want string }{
		{"webhook", "https://hooks.example.com/warden", "https://hooks.example.com/warden"},
		{"webhook", "https://user:pa55@hooks.example.com/w", "https://redacted@hooks.example.com/w"},
		{"webhook", "https://token@hooks.example.com/w", "https://redacted@hooks.example.com/w"},
		{"webhook", "https://h.example.com/w?token=s3cret&channel=ops", "https://h.example.com/w?token=redacted&channel=redacted"},
		{"webhook", "https://h.example.com/w?a=1&a=2&empty=", "https://h.example.com/w?a=redacted&a=redacted&empty=redacted"},
		{"webhook", "https://h.example.com/w?s3cret", "https://h.example.com/w?redacted"},
		{"webhook", "https://h.example.com/w?k=v;x=secret", "https://h.example.com/w?k=redacted"},
		{"webhook", "https://h.example.com/w#sig=abc", "https://h.example.com/w"},
		{"webhook", "http://u:p@127.0.0.1:9000/x?key=k#frag", "http://redacted@127.0.0.1:9000/x?key=redacted"},
		{"webhook", "http://[::1]:namedport", "redacted"},
		{"email", "oncall+tag@example.com", "oncall+tag@example.com"},
	} {
		if got := RedactTarget(c.typ, c.in); got != c.want {
			t.Errorf("RedactTarget(%q, %q) = %q, want %q", c.typ, c.in, got, c.want)
		}
	}
}
