package alerttest

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Delivery is one request a WebhookReceiver got.
type Delivery struct {
	Request
	// ID, Timestamp and Signature are the webhook-id, webhook-timestamp (as a time; zero when
	// absent or not a number) and webhook-signature headers.
	ID        string
	Timestamp time.Time
	Signature string
	// Body is the JSON body as a map; nil when it is not a JSON object.
	Body map[string]any
	// Secrets are the receiver's secrets the signature verified with: more than one while a
	// sender signs with an old and a new secret during a rotation. Empty when unsigned.
	Secrets []string
	// Err says why the request was rejected with 401; empty when it was not.
	Err string
}

// WebhookReceiver is a webhook endpoint that accepts (204) only requests signed per Standard
// Webhooks 1.0 with one of its secrets, checked by the reference library, and answers 401 to
// the others. It records every request and can be made to fail (Endpoint).
type WebhookReceiver struct {
	*Endpoint
	Journal[Delivery]

	mu              sync.Mutex
	secrets         []string
	unsigned        bool
	ignoreTimestamp bool
}

// NewWebhookReceiver starts a receiver trusting secrets (whsec_…) on a free 127.0.0.1 port;
// it stops when the test ends.
func NewWebhookReceiver(t testing.TB, secrets ...string) *WebhookReceiver {
	t.Helper()
	if len(secrets) == 0 {
		t.Fatal("alerttest: NewWebhookReceiver needs a secret (NewUnsignedReceiver accepts unsigned requests)")
	}
	wr := &WebhookReceiver{}
	wr.SetSecrets(t, secrets...)
	wr.Endpoint = newEndpoint(t, "/hook", wr.judge)
	return wr
}

// NewUnsignedReceiver starts a receiver that accepts (200) every request without checking a
// signature: where Alertmanager sends, for one, as its webhook is not signed.
func NewUnsignedReceiver(t testing.TB) *WebhookReceiver {
	t.Helper()
	wr := &WebhookReceiver{unsigned: true}
	wr.Endpoint = newEndpoint(t, "/hook", wr.judge)
	return wr
}

// SetSecrets replaces the secrets the receiver trusts: a rotation seen from the receiver's
// side. Each must be whsec_ followed by base64.
func (wr *WebhookReceiver) SetSecrets(t testing.TB, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if _, err := standardwebhooks.NewWebhook(s); err != nil {
			t.Fatalf("alerttest: secret %q: %v", s, err)
		}
	}
	wr.mu.Lock()
	defer wr.mu.Unlock()
	wr.secrets = append([]string(nil), secrets...)
}

// IgnoreTimestamps accepts signatures whatever their timestamp: for senders on a test clock
// moved far from real time, which the library's five-minute tolerance would reject.
func (wr *WebhookReceiver) IgnoreTimestamps() {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	wr.ignoreTimestamp = true
}

// Deliveries is every accepted request, in arrival order.
func (wr *WebhookReceiver) Deliveries() []Delivery { return wr.Accepted() }

// Rejected is every request answered 401 for its signature.
func (wr *WebhookReceiver) Rejected() []Delivery {
	return filter(wr.All(), func(d Delivery) bool { return d.Err != "" })
}

// IDs is the webhook-id of every accepted delivery, in arrival order.
func (wr *WebhookReceiver) IDs() []string {
	var ids []string
	for _, d := range wr.Deliveries() {
		ids = append(ids, d.ID)
	}
	return ids
}

// Duplicates is every webhook-id accepted more than once: a sender that retries a delivery
// the receiver already acknowledged. Webhook ids exist so that receivers can drop these.
func (wr *WebhookReceiver) Duplicates() []string {
	seen := map[string]int{}
	var dups []string
	for _, id := range wr.IDs() {
		if seen[id]++; seen[id] == 2 {
			dups = append(dups, id)
		}
	}
	return dups
}

func (wr *WebhookReceiver) judge(req Request) (int, any, func(Request)) {
	d := Delivery{
		ID:        req.Header.Get(standardwebhooks.HeaderWebhookID),
		Signature: req.Header.Get(standardwebhooks.HeaderWebhookSignature),
	}
	if sec, err := strconv.ParseInt(req.Header.Get(standardwebhooks.HeaderWebhookTimestamp), 10, 64); err == nil {
		d.Timestamp = time.Unix(sec, 0)
	}
	_ = json.Unmarshal(req.Raw, &d.Body)
	status := http.StatusOK
	if !wr.unsigned {
		status = http.StatusNoContent
		var err error
		if d.Secrets, err = wr.verify(req); err != nil {
			status, d.Err = http.StatusUnauthorized, err.Error()
		}
	}
	return status, nil, func(req Request) {
		d.Request = req
		wr.add(d)
	}
}

// verify returns the secrets req's signature verifies with, or why it verifies with none.
func (wr *WebhookReceiver) verify(req Request) ([]string, error) {
	wr.mu.Lock()
	secrets, ignoreTimestamp := wr.secrets, wr.ignoreTimestamp
	wr.mu.Unlock()
	var ok []string
	var errs []error
	for _, s := range secrets {
		wh, err := standardwebhooks.NewWebhook(s)
		if err == nil {
			if ignoreTimestamp {
				err = wh.VerifyIgnoringTimestamp(req.Raw, req.Header)
			} else {
				err = wh.Verify(req.Raw, req.Header)
			}
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ok = append(ok, s)
	}
	if len(ok) == 0 {
		return nil, errors.Join(errs...)
	}
	return ok, nil
}
