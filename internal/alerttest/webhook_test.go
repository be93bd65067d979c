package alerttest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sign is the Standard Webhooks 1.0 signature, written from the specification rather than
// taken from the library the receiver verifies with: v1,base64(HMAC-SHA256(key, id.ts.body)).
func sign(t *testing.T, secret, id string, ts time.Time, body []byte) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, key)
	_, _ = fmt.Fprintf(mac, "%s.%d.%s", id, ts.Unix(), body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func signedHeader(id string, ts time.Time, signatures ...string) http.Header {
	return http.Header{
		"Webhook-Id":        {id},
		"Webhook-Timestamp": {strconv.FormatInt(ts.Unix(), 10)},
		"Webhook-Signature": {strings.Join(signatures, " ")},
		"Content-Type":      {"application/json"},
	}
}

func TestWebhookReceiver_acceptsASignatureMadeToTheSpec(t *testing.T) {
	t.Parallel()
	secret := newSecret()
	wr := NewWebhookReceiver(t, secret)
	body := []byte(`{"type":"alert.trigger","data":{"alert_id":"alr_1"}}`)
	now := time.Now()
	if status, _ := mustSend(t, wr.URL(), signedHeader("dlv_1", now, sign(t, secret, "dlv_1", now, body)), body); status != http.StatusNoContent {
		t.Fatalf("status %d, want 204", status)
	}
	got := wr.WaitFor(t, 1, time.Second)[0]
	if got.ID != "dlv_1" || got.Timestamp.Unix() != now.Unix() || got.Body["type"] != "alert.trigger" || string(got.Raw) != string(body) {
		t.Errorf("recorded %+v", got)
	}
	if !slices.Equal(got.Secrets, []string{secret}) || got.Err != "" {
		t.Errorf("verified with %q (err %q), want the one secret", got.Secrets, got.Err)
	}
}

func TestWebhookReceiver_rejectsABadSignatureWith401AndRecordsIt(t *testing.T) {
	t.Parallel()
	secret, other := newSecret(), newSecret()
	wr := NewWebhookReceiver(t, secret)
	body := []byte(`{"n":1}`)
	now := time.Now()
	for name, h := range map[string]http.Header{
		"other secret": signedHeader("dlv_a", now, sign(t, other, "dlv_a", now, body)),
		"other id":     signedHeader("dlv_b", now, sign(t, secret, "dlv_x", now, body)),
		"stale":        signedHeader("dlv_c", now.Add(-time.Hour), sign(t, secret, "dlv_c", now.Add(-time.Hour), body)),
		"unsigned":     {"Content-Type": {"application/json"}},
	} {
		if status, _ := mustSend(t, wr.URL(), h, body); status != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, status)
		}
	}
	if n := len(wr.Rejected()); n != 4 || wr.Count() != 0 || len(wr.All()) != 4 {
		t.Fatalf("%d rejected, %d accepted, %d in all; want 4, 0, 4", n, wr.Count(), len(wr.All()))
	}
	for _, d := range wr.Rejected() {
		if d.Status != http.StatusUnauthorized || d.Err == "" {
			t.Errorf("rejected delivery %s recorded as %d %q", d.ID, d.Status, d.Err)
		}
	}
}

func TestWebhookReceiver_rotationSignaturesAndDuplicates(t *testing.T) {
	t.Parallel()
	oldSecret, newSecret := newSecret(), newSecret()
	wr := NewWebhookReceiver(t, oldSecret, newSecret)
	body := []byte(`{}`)
	now := time.Now()
	// A sender amid a rotation signs with both secrets: one header, two signatures.
	both := signedHeader("dlv_1", now, sign(t, oldSecret, "dlv_1", now, body), sign(t, newSecret, "dlv_1", now, body))
	for range 2 {
		mustSend(t, wr.URL(), both, body)
	}
	got := wr.WaitFor(t, 2, time.Second)
	if !slices.Equal(got[0].Secrets, []string{oldSecret, newSecret}) {
		t.Errorf("verified with %q, want both secrets", got[0].Secrets)
	}
	if dups := wr.Duplicates(); !slices.Equal(dups, []string{"dlv_1"}) {
		t.Errorf("Duplicates() = %q, want [dlv_1]", dups)
	}
	// Once the receiver trusts only the new secret, a signature by the old one alone fails.
	wr.SetSecrets(t, newSecret)
	if status, _ := mustSend(t, wr.URL(), signedHeader("dlv_2", now, sign(t, oldSecret, "dlv_2", now, body)), body); status != http.StatusUnauthorized {
		t.Errorf("old secret after the rotation: status %d, want 401", status)
	}
	if ids := wr.IDs(); !slices.Equal(ids, []string{"dlv_1", "dlv_1"}) {
		t.Errorf("IDs() = %q", ids)
	}
}

func TestWebhookReceiver_ignoreTimestampsAcceptsAMovedClock(t *testing.T) {
	t.Parallel()
	secret := newSecret()
	wr := NewWebhookReceiver(t, secret)
	wr.IgnoreTimestamps()
	later := time.Now().Add(48 * time.Hour)
	if status, _ := mustSend(t, wr.URL(), signedHeader("dlv_1", later, sign(t, secret, "dlv_1", later, nil)), nil); status != http.StatusNoContent {
		t.Fatalf("status %d, want 204", status)
	}
}

func TestUnsignedReceiver_acceptsAndRecordsAnything(t *testing.T) {
	t.Parallel()
	wr := NewUnsignedReceiver(t)
	if status, _ := mustSend(t, wr.URL(), http.Header{"Authorization": {"Bearer x"}}, []byte(`{"version":"4"}`)); status != http.StatusOK {
		t.Fatalf("status %d, want 200", status)
	}
	if d := wr.WaitFor(t, 1, time.Second)[0]; d.Body["version"] != "4" || d.Header.Get("Authorization") != "Bearer x" {
		t.Errorf("recorded %+v", d)
	}
}
