package apiserver

import (
	"reflect"
	"strings"
	"testing"
)

// plainWebhook is an Alertmanager webhook as Alertmanager writes it.
const plainWebhook = `{"receiver":"warden","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"DiskFull","instance":"node-7","severity":"critical"},` +
	`"annotations":{"summary":"Disk on node-7 almost full"},"startsAt":"2026-12-01T23:50:30.123456789Z","endsAt":"0001-01-01T00:00:00Z",` +
	`"generatorURL":"http://prometheus:9090/graph?g0.expr=up&g0.tab=1","fingerprint":"5ef77f1f8a3ecfe5"}],"groupLabels":{"instance":"node-7"},` +
	`"commonLabels":{"alertname":"DiskFull","instance":"node-7","severity":"critical"},"commonAnnotations":{"summary":"Disk on node-7 almost full"},` +
	`"externalURL":"http://alertmanager:9093","version":"4","groupKey":"{}:{instance=\"node-7\"}","truncatedAlerts":0}`

// The bodies decodePlainWebhook must leave to decodeJSON: each is either refused there or
// needs what the plain reader does not do.
var notPlainWebhooks = []string{
	`{"version":"4","version":"4","status":"firing","alerts":[]}`,                                         // a duplicate key
	`{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"a":"1","a":"2"}}]}`,         // a duplicate label
	`{"Version":"4","status":"firing","alerts":[]}`,                                                       // a case variant
	`{"version":"4","status":"firing","alerts":[],"title":"Grafana"}`,                                     // a field of Grafana's
	`{"version":null,"status":"firing","alerts":[]}`,                                                      // null
	`{"version":"4","status":"firing","alerts":[],"truncatedAlerts":1.0}`,                                 // a fraction
	`{"version":"4","status":"firing","alerts":[],"truncatedAlerts":01}`,                                  // a leading zero
	`{"version":"4","status":"firing","alerts":[],"orgId":99999999999999999999}`,                          // too large
	`{"version":"4","status":"firing","alerts":[]} {}`,                                                    // trailing data
	`{"version":"4","status":"firing","alerts":[],}`,                                                      // a trailing comma
	"{\"version\":\"4\t\",\"status\":\"firing\",\"alerts\":[]}",                                           // a control character
	`{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{},"startsAt":"yesterday"}]}`, // not a time
	`{"version":"4","status":"firing","alerts":{}}`, `[]`, `""`, ``, `{"version":"4"`,
}

var plainWebhookSeeds = append([]string{
	plainWebhook,
	` { "version" : "1" , "status" : "resolved" , "orgId" : -0 , "alerts" : [ ] } `,
	`{"version":"4","status":"firing","alerts":[{"status":"resolved","labels":{"é":"ü"},"annotations":{},"startsAt":"2026-12-01T23:50:30+05:30","endsAt":"2026-12-01T23:59:00-01:00"},{"status":"firing","labels":{}}]}`,
	`{"version":"4","status":"firing","alerts":[],"truncatedAlerts":-9223372036854775808,"groupLabels":{}}`,
	`{}`,
	`{"vers\u0069on":"4","status":"fir\u0069ng","alerts":[{"status":"firing","labels":{"\ud83d\ude00\"":"\ud800\n","\u00e9":"\/"}}]}`,
	"{\"version\":\"4\xff\",\"status\":\"firing\xc3\",\"alerts\":[{\"labels\":{\"\xed\xa0\x80\":\"\\u00e9\xff\"}}]}",
	`{"version":"4\x","status":"firing","alerts":[]}`, `{"version":"4\u12","status":"firing","alerts":[]}`, `{"version":"4\`,
}, notPlainWebhooks...)

// decodePlainWebhook reads what decodeJSON reads, or declines.
func TestDecodePlainWebhook_agreesWithDecodeJSON(t *testing.T) {
	for _, body := range plainWebhookSeeds {
		checkDecodePlainWebhook(t, []byte(body))
	}
	if _, ok := decodePlainWebhook([]byte(plainWebhook)); !ok {
		t.Fatal("Alertmanager's own webhook is not plain")
	}
	for _, body := range notPlainWebhooks {
		if w, ok := decodePlainWebhook([]byte(body)); ok {
			t.Errorf("%q is plain: %+v", body, w)
		}
	}
	many := `{"version":"4","status":"firing","alerts":[` + strings.Repeat(`{"status":"firing","labels":{"a":"b"}},`, 1500) + `{}]}`
	checkDecodePlainWebhook(t, []byte(many))
}

func FuzzDecodePlainWebhook(f *testing.F) {
	for _, body := range plainWebhookSeeds {
		f.Add([]byte(body))
	}
	f.Fuzz(checkDecodePlainWebhook)
}

func checkDecodePlainWebhook(t *testing.T, body []byte) {
	got, ok := decodePlainWebhook(body)
	if !ok {
		return
	}
	var want webhookPayload
	if err := decodeJSON(body, &want); err != nil {
		t.Fatalf("decodePlainWebhook took %q, which decodeJSON refuses: %v", body, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: decodePlainWebhook read\n%+v\ndecodeJSON\n%+v", body, got, want)
	}
}

// BenchmarkDecodeWebhook is Alertmanager's webhook read by hand and through decodeJSON.
func BenchmarkDecodeWebhook(b *testing.B) {
	body := []byte(plainWebhook)
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			if _, ok := decodePlainWebhook(body); !ok {
				b.Fatal("not plain")
			}
		}
	})
	b.Run("decodeJSON", func(b *testing.B) {
		for b.Loop() {
			var w webhookPayload
			if err := decodeJSON(body, &w); err != nil {
				b.Fatal(err)
			}
		}
	})
}
