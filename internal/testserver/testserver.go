// Package testserver runs an http.Handler for one test on 127.0.0.1, on a free port, until the
// test ends. It is the one way tests here start a server: internal/apiserver's newTestServer
// (which cannot import a package that imports apiserver, hence no apiserver here),
// internal/acctest's NewServer and the client's tests all start theirs with it.
//
// Only tests and test helpers import it.
package testserver

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/tlstesting"
)

// Start serves h over HTTP and returns its base URL, http://127.0.0.1:port. The server
// closes when the test ends, after cleanups registered later and before those registered
// earlier (such as closing what h serves from).
func Start(t testing.TB, h http.Handler) string {
	t.Helper()
	hs := unstarted(t, h)
	hs.Start()
	t.Cleanup(hs.Close)
	return hs.URL
}

// StartTLS is Start over HTTPS, presenting cert; its URL is https://127.0.0.1:port. A client
// must trust cert (cert.Pool) to reach it.
func StartTLS(t testing.TB, h http.Handler, cert tlstesting.Cert) string {
	t.Helper()
	pair, err := tls.X509KeyPair(cert.CertPEM, cert.KeyPEM)
	if err != nil {
		t.Fatalf("testserver: certificate: %v", err)
	}
	hs := unstarted(t, h)
	hs.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	hs.StartTLS()
	t.Cleanup(hs.Close)
	return hs.URL
}

// unstarted is an httptest server listening on 127.0.0.1 itself: httptest may fall back to
// [::1], and obeys the -httptest.serve flag.
func unstarted(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testserver: listen: %v", err)
	}
	hs := httptest.NewUnstartedServer(h)
	// Replace the listener httptest opened for itself.
	_ = hs.Listener.Close()
	hs.Listener = ln
	return hs
}

// Get sends GET url with c under the test's context and returns the status and the body. A
// request that fails (refused, or a certificate c does not trust) returns its error.
func Get(t testing.TB, c *http.Client, url string) (int, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}
