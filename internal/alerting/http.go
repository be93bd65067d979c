package alerting

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// UserAgent is the User-Agent of every delivery by HTTP.
const UserAgent = "Warden-Alerts/1"

// poster sends the HTTP deliveries of one kind over one pooled client.
type poster struct {
	client *http.Client
}

// newPoster builds the client of webhooks (guarded: no proxy, the dialer refuses what
// webhooks may not reach) or of the vendor (the operator's own URL: the environment's
// proxy, as the operator's egress may demand). A guarded client takes no proxy from the
// environment, since the proxy would resolve and dial the target itself and the guard
// would only ever see the proxy's address; customer webhooks therefore always go direct.
// Neither follows redirects: a 3xx is an answer, and a failed one.
func newPoster(guarded bool, roots *x509.CertPool) poster {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		DialContext:            dialer.DialContext,
		TLSClientConfig:        &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           256,
		MaxIdleConnsPerHost:    8,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    5 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	if guarded {
		dialer.Control = guardedControl
	} else {
		t.Proxy = http.ProxyFromEnvironment
	}
	return poster{client: &http.Client{
		Transport:     t,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// post sends body to url with h and classifies the answer; ctx bounds the whole attempt,
// the response body included. shown names the receiver in messages (redacted).
func (p poster) post(ctx context.Context, url, shown string, h http.Header, body []byte, now time.Time) Result {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil { // its message would quote the URL
		return Result{Outcome: api.AttemptFailed, Err: shown + " is not a URL that can be sent to"}
	}
	req.Header = h
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return classifyHTTP(0, nil, nil, err, now, shown)
	}
	defer func() { _ = resp.Body.Close() }()
	// An error reading the body does not change the answer: the status is what counts.
	got, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodyRead))
	return classifyHTTP(resp.StatusCode, resp.Header, got, nil, now, shown)
}
