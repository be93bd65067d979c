package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// withoutRouting is how a webhook shapes an alert for encoding/json (alerting.WebhookAlert):
// the shallower nil Routing hides the alert's and is left out.
type withoutRouting struct {
	Alert
	Routing *struct{} `json:"routing,omitempty"`
}

// checkAppendJSON fails t unless AppendJSON writes what json.Marshal does, both ways, and
// fails exactly where json.Marshal fails.
func checkAppendJSON(t *testing.T, a Alert) {
	t.Helper()
	for _, routing := range []bool{true, false} {
		var v any = a
		if !routing {
			v = withoutRouting{Alert: a}
		}
		want, err := json.Marshal(v)
		got, ok := a.AppendJSON([]byte("prefix"), routing)
		if !bytes.HasPrefix(got, []byte("prefix")) {
			t.Fatalf("AppendJSON(routing %v) lost what it appended to: %q", routing, got)
		}
		got = got[len("prefix"):]
		if ok != (err == nil) {
			t.Fatalf("AppendJSON(routing %v) ok = %v, json.Marshal error = %v", routing, ok, err)
		}
		if ok && !bytes.Equal(got, want) {
			t.Fatalf("AppendJSON(routing %v) =\n%s\njson.Marshal =\n%s", routing, got, want)
		}
		if !ok && len(got) != 0 {
			t.Fatalf("AppendJSON(routing %v) failed but appended %q", routing, got)
		}
	}
}

// everyField is an alert with every field, its recipients' too, set: a field added to
// either type and not to AppendJSON shows as a difference from json.Marshal.
func everyField() Alert {
	ends := time.Date(2026, 12, 1, 23, 0, 0, 5, time.FixedZone("", -7*3600))
	return Alert{ID: "alr_1", EnvironmentID: "env_1", Source: AlertSourceGrafana, Status: AlertResolved, DedupKey: "fp<1>",
		Severity: "critical", SeverityDefaulted: true, Summary: "Disk & \"more\"\n", Labels: map[string]string{"b": "2", "a": "1", "ü": "\u2028"},
		Annotations: map[string]string{"summary": "x"}, StartsAt: time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC), EndsAt: &ends,
		GeneratorURL: "http://prom/graph?g0.expr=up&x=<y>", ReceivedAt: time.Date(2026, 12, 1, 23, 0, 1, 123456789, time.UTC), Test: true,
		Routing: []AlertRecipient{{Kind: RecipientVendor, Target: "t", MinSeverity: "error", Chosen: true, Reason: "opted_out", Detail: "d", DeliveryID: "dlv_1"}}}
}

func TestAlertAppendJSON(t *testing.T) {
	full := everyField()
	for _, v := range []reflect.Value{reflect.ValueOf(full), reflect.ValueOf(full.Routing[0])} {
		for i := range v.NumField() {
			if v.Field(i).IsZero() {
				t.Fatalf("everyField leaves %s.%s unset: set it, and encode it in AppendJSON", v.Type().Name(), v.Type().Field(i).Name)
			}
		}
	}
	checkAppendJSON(t, full)

	cases := map[string]func(a *Alert){
		"zero": func(a *Alert) { *a = Alert{} },
		"empty maps and routing": func(a *Alert) {
			a.Labels, a.Annotations, a.Routing = map[string]string{}, map[string]string{}, []AlertRecipient{}
		},
		"bare recipient":      func(a *Alert) { a.Routing = []AlertRecipient{{}, {Kind: "webhook"}} },
		"control characters":  func(a *Alert) { a.Summary = "\x00\x01\b\f\t\r\n\x1f\x7f end" },
		"invalid UTF-8":       func(a *Alert) { a.Labels = map[string]string{"\xff": "a\xc3", "k": "\xed\xa0\x80"} },
		"separators":          func(a *Alert) { a.ID = "\u2028\u2029\u202a" },
		"year 10000":          func(a *Alert) { a.StartsAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"ends in year -1":     func(a *Alert) { e := time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC); a.EndsAt = &e },
		"received offset 24h": func(a *Alert) { a.ReceivedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)) },
		"no generator URL":    func(a *Alert) { a.GeneratorURL, a.EndsAt = "", nil },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			a := everyField()
			change(&a)
			checkAppendJSON(t, a)
		})
	}
}

func FuzzAlertAppendJSON(f *testing.F) {
	f.Add("alr_1", "fp", "Disk <full> & \"hot\"", "severity", "critical", "http://x/?a=1&b=2", int64(0), int64(1), false)
	f.Add("\xff\u2028", "\x00", "\\", "", "", "", int64(-62135596800), int64(253402300800), true)
	f.Fuzz(func(t *testing.T, id, dedup, summary, key, value, url string, starts, ends int64, test bool) {
		e := time.Unix(ends, starts%1e9).In(time.FixedZone("", int(starts%(30*3600))))
		a := Alert{ID: id, EnvironmentID: key, Source: value, Status: summary, DedupKey: dedup, Severity: value, Summary: summary,
			Labels: map[string]string{key: value, value: key, id: summary}, Annotations: map[string]string{url: dedup},
			StartsAt: time.Unix(starts, ends%1e9).UTC(), EndsAt: &e, GeneratorURL: url, ReceivedAt: time.Unix(0, starts), Test: test,
			Routing: []AlertRecipient{{Kind: key, Target: url, MinSeverity: value, Chosen: test, Reason: summary, Detail: id, DeliveryID: dedup}}}
		checkAppendJSON(t, a)
	})
}

// BenchmarkAlertJSON is a stored alert encoded by hand and by json.Marshal.
func BenchmarkAlertJSON(b *testing.B) {
	a := everyField()
	b.Run("AppendJSON", func(b *testing.B) {
		for b.Loop() {
			a.AppendJSON(make([]byte, 0, 1024), true)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(a); err != nil {
				b.Fatal(err)
			}
		}
	})
}
