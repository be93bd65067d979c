package access

import "testing"

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
			[]finding{{SeverityError, CodeInvalidDestination, "destinations[0].target", "hooks.example.com/x"}}},
		{"webhook ftp", []AlertDestination{{"webhook", "ftp://example.com/x", "warning"}},
			[]finding{{SeverityError, CodeInvalidDestination, "destinations[0].target", "ftp://example.com/x"}}},
		{"webhook without host", []AlertDestination{{"webhook", "https:///x", "warning"}},
			[]finding{{SeverityError, CodeInvalidDestination, "destinations[0].target", "https:///x"}}},
		{"webhook given an address", []AlertDestination{{"webhook", "oncall@example.com", "warning"}},
			[]finding{{SeverityError, CodeInvalidDestination, "destinations[0].target", "oncall@example.com"}}},
		{"email given a URL", []AlertDestination{{"email", "https://hooks.example.com/x", "warning"}},
			[]finding{{SeverityError, CodeInvalidDestination, "destinations[0].target", "https://hooks.example.com/x"}}},
		{"email with display name", []AlertDestination{{"email", "On Call <oncall@example.com>", "warning"}},
			[]finding{{SeverityError, CodeInvalidDestination, "destinations[0].target", "On Call <oncall@example.com>"}}},
		{"unknown type and severity", []AlertDestination{{"slack", "#ops", "urgent"}}, []finding{
			{SeverityError, CodeInvalidDestination, "destinations[0].type", "slack"},
			{SeverityError, CodeInvalidDestination, "destinations[0].min_severity", "urgent"},
		}},
		{"same target twice", []AlertDestination{
			{"email", "oncall@example.com", "warning"},
			{"webhook", "https://hooks.example.com/x", "warning"},
			{"email", "oncall@example.com", "critical"},
		}, []finding{{SeverityError, CodeInvalidDestination, "destinations[2].target", "oncall@example.com"}}},
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

func TestValidate_alertDestinationSuggests(t *testing.T) {
	fs := ValidateAlertDestinations([]AlertDestination{{"webhok", "https://x.example.com", "critcal"}})
	if len(fs) != 2 || fs[0].Fix != `Did you mean "webhook"?` || fs[1].Fix != `Did you mean "critical"?` {
		t.Errorf("got %+v", fs)
	}
}
