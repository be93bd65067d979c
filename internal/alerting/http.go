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

// UserAgent is the User-Agent of webhook and vendor deliveries.
const UserAgent = "Warden-Alerts/1"

type poster struct {
	transport *http.Transport
	// hooks sends what needs no proxy on kept connections of its own (conns.go): every
	// webhook when guarded, else those the environment names no proxy for; nil for the
	// vendor's poster, which takes the Transport.
	hooks   *hookClient
	guarded bool
}

// newPoster builds the pooled client of webhooks (guarded) or of the vendor. A guarded one
// ignores the environment's proxy: the proxy would dial the target itself and the guard
// see only the proxy, so customer webhooks always go direct. The vendor's takes the proxy,
// as the operator's egress may demand. Neither follows redirects: requests go to the
// transport itself, whose answer is the attempt's (http.Client would copy every request's
// headers in case of a redirect, and add nothing else this uses).
func newPoster(guarded bool, roots *x509.CertPool) poster {
	dialer := newDialer(guarded)
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
	if !guarded {
		t.Proxy = http.ProxyFromEnvironment
	}
	return poster{transport: t}
}

// newDialer is the posters' dialer; a guarded one checks each address it dials.
func newDialer(guarded bool) *net.Dialer {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if guarded {
		d.Control = guardedControl
	}
	return d
}

// newWebhookPoster is newPoster for webhooks: the same Transport for what goes through a
// proxy, and a hookClient with the same dialing and TLS settings for the rest.
func newWebhookPoster(guarded bool, roots *x509.CertPool) poster {
	p := newPoster(guarded, roots)
	p.hooks, p.guarded = newHookClient(newDialer(guarded), p.transport.TLSClientConfig), guarded
	return p
}

// post sends body to url; shown names the receiver in messages, redacted (made only for
// the messages of attempts that fail).
func (p poster) post(ctx context.Context, url string, shown func() string, h http.Header, body []byte, now time.Time) result {
	h.Set("User-Agent", UserAgent)
	h.Set("Content-Type", "application/json")
	var req *http.Request
	var err error
	if p.hooks != nil {
		req, err = p.hooks.request(url, h, body)
	} else {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	}
	if err != nil { // its message would quote the URL
		return result{Outcome: api.AttemptFailed, Err: shown() + " is not a URL that can be sent to"}
	}
	req.Header = h
	if p.hooks != nil && (p.guarded || noProxy(req)) {
		a, err := p.hooks.do(ctx, req)
		switch {
		case err != nil:
			return classifyHTTP(0, nil, nil, err, now, shown())
		case a.code >= 200 && a.code < 300:
			return classifyHTTP(a.code, a.header, nil, nil, now, "")
		}
		return classifyHTTP(a.code, a.header, a.body, nil, now, shown())
	}
	resp, err := p.transport.RoundTrip(req.WithContext(ctx))
	if err != nil {
		return classifyHTTP(0, nil, nil, err, now, shown())
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// Read to the end (within bounds) so that the connection is kept; nothing is quoted.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBodyRead))
		return classifyHTTP(resp.StatusCode, resp.Header, nil, nil, now, "")
	}
	got, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodyRead))
	return classifyHTTP(resp.StatusCode, resp.Header, got, nil, now, shown())
}

// noProxy reports whether the environment names no proxy for req.
func noProxy(req *http.Request) bool {
	u, err := http.ProxyFromEnvironment(req)
	return err == nil && u == nil
}
