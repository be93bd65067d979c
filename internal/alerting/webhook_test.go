package alerting

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// A webhook's body made from its alert's shared prefix is byte for byte the payload's own
// encoding, whatever the alert, the environment's name and the attempt; an id that JSON would
// escape is encoded whole.
func TestWebhookBody_isThePayloadsEncoding(t *testing.T) {
	t.Parallel()
	resolved := testAlert("alr_2", api.AlertResolved, epoch)
	end := epoch.Add(time.Minute)
	resolved.EndsAt = &end
	resolved.Labels["quote"] = `"<b>&</b>" é \u2028`
	for _, c := range []struct {
		alert api.Alert
		env   api.Environment
		id    string
		n     int
	}{
		{testAlert("alr_1", api.AlertFiring, epoch), api.Environment{Meta: api.Meta{ID: "env_1"}, Name: "prod", Cloud: "aws"}, "dlv_01jq7x", 1},
		{resolved, api.Environment{Meta: api.Meta{ID: "env_1"}, Name: `<prod> & "staging" ü`, Cloud: "gcp"}, "dlv_2-B", 12},
		{testAlert("alr_3", api.AlertFiring, epoch), api.Environment{Meta: api.Meta{ID: "env_1"}, Name: "prod"}, `dlv_<3>"`, 3},
	} {
		j := &job{d: api.AlertDelivery{ID: c.id, AlertID: c.alert.ID, Kind: api.RecipientWebhook}, alert: c.alert, env: c.env}
		j.prefix = webhookPrefix(j)
		if j.prefix == nil {
			t.Fatalf("%s: no prefix", c.id)
		}
		got, err := webhookBody(j, c.n)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(webhookPayload(j, c.n))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s attempt %d:\n got %s\nwant %s", c.id, c.n, got, want)
		}
	}
}

// An alert whose time encoding/json refuses has no prefix, and its body fails as
// json.Marshal does rather than coming out half written.
func TestWebhookPrefix_refusedTime(t *testing.T) {
	t.Parallel()
	a := testAlert("alr_1", api.AlertFiring, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
	j := &job{d: api.AlertDelivery{ID: "dlv_1", AlertID: a.ID, Kind: api.RecipientWebhook}, alert: a, env: api.Environment{Meta: api.Meta{ID: "env_1"}}}
	if j.prefix = webhookPrefix(j); j.prefix != nil {
		t.Fatalf("prefix = %s", j.prefix)
	}
	if b, err := webhookBody(j, 1); err == nil {
		t.Fatalf("body = %s, want json.Marshal's error", b)
	}
}
