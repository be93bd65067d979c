package access

import "testing"

func TestValidate_alertDestination(t *testing.T) {
	cases := []struct {
		name                     string
		typ, target, minSeverity string
		want                     []finding
	}{
		{"https webhook", "webhook", "https://hooks.example.com/x", "warning", nil},
		{"http webhook with port", "webhook", "http://127.0.0.1:9000/alerts", "info", nil},
		{"email", "email", "oncall@example.com", "critical", nil},
		{"webhook without scheme", "webhook", "hooks.example.com/x", "warning",
			[]finding{{SeverityError, CodeInvalidDestination, "target", "hooks.example.com/x"}}},
		{"webhook ftp", "webhook", "ftp://example.com/x", "warning",
			[]finding{{SeverityError, CodeInvalidDestination, "target", "ftp://example.com/x"}}},
		{"webhook with credentials", "webhook", "https://u:p@example.com/x", "warning",
			[]finding{{SeverityError, CodeInvalidDestination, "target", "https://u:p@example.com/x"}}},
		{"webhook given an address", "webhook", "oncall@example.com", "warning",
			[]finding{{SeverityError, CodeInvalidDestination, "target", "oncall@example.com"}}},
		{"email given a URL", "email", "https://hooks.example.com/x", "warning",
			[]finding{{SeverityError, CodeInvalidDestination, "target", "https://hooks.example.com/x"}}},
		{"email with display name", "email", "On Call <oncall@example.com>", "warning",
			[]finding{{SeverityError, CodeInvalidDestination, "target", "On Call <oncall@example.com>"}}},
		{"email without dotted domain", "email", "oncall@localhost", "warning",
			[]finding{{SeverityError, CodeInvalidDestination, "target", "oncall@localhost"}}},
		{"unknown type and severity", "slack", "#ops", "urgent", []finding{
			{SeverityError, CodeUnknownDestinationType, "type", "slack"},
			{SeverityError, CodeUnknownAlertSeverity, "min_severity", "urgent"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := pick(ValidateAlertDestination(c.typ, c.target, c.minSeverity))
			if !equal(got, c.want) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestValidate_alertDestinationSuggests(t *testing.T) {
	fs := ValidateAlertDestination("webhok", "https://x.example.com", "critcal")
	if len(fs) != 2 || fs[0].Fix != `Did you mean "webhook"?` || fs[1].Fix != `Did you mean "critical"?` {
		t.Errorf("got %+v", fs)
	}
}
