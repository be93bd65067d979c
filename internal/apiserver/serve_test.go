package apiserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/testserver"
	"github.com/wardenhq/terraform-provider-warden/internal/tlstesting"
)

// startServe runs Serve on 127.0.0.1:0 until the returned cancel is called; wait returns
// Serve's result.
func startServe(t *testing.T, h http.Handler, o ServeOptions) (url string, cancel func(), wait func() error) {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	announced := make(chan string, 1)
	o.Announce = func(u string) { announced <- u }
	errc := make(chan error, 1)
	go func() { errc <- Serve(ctx, ln, h, o) }()
	select {
	case url = <-announced:
	case err := <-errc:
		cancel()
		t.Fatalf("Serve: %v", err)
	}
	var result error
	done := false
	wait = func() error {
		if !done {
			result, done = <-errc, true
		}
		return result
	}
	t.Cleanup(func() { cancel(); _ = wait() })
	return url, cancel, wait
}

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	status, body, err := testserver.Get(t, c, url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return status, body
}

func TestServe_TLS(t *testing.T) {
	cert := tlstesting.SelfSigned(t)
	ts := newTestServer(t)
	url, cancel, wait := startServe(t, ts.srv.Handler(), ServeOptions{TLSCertFile: cert.CertFile, TLSKeyFile: cert.KeyFile})
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("announced %q, want https://127.0.0.1:…", url)
	}

	pinned := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool(t), MinVersion: tls.VersionTLS12}}}
	defer pinned.CloseIdleConnections()
	for path, want := range map[string]string{"/v1/health": "ok", "/v1/ready": "ready"} {
		status, body := get(t, pinned, url+path)
		var out struct{ Status string }
		if err := json.Unmarshal([]byte(body), &out); err != nil || status != 200 || out.Status != want {
			t.Errorf("GET %s over TLS: %d %s, want 200 status %q", path, status, body, want)
		}
	}

	// Without the CA pinned, the certificate is unknown: the server is really speaking TLS
	// with the certificate it was given.
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url+"/v1/health", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err == nil {
		_ = resp.Body.Close()
		t.Fatal("a client without the CA reached the server")
	}
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("want an unknown-authority error, got %v", err)
	}

	cancel()
	if err := wait(); err != nil {
		t.Errorf("Serve after cancel: %v", err)
	}
}

func TestServe_TLSHalfConfigured(t *testing.T) {
	cert := tlstesting.SelfSigned(t)
	for name, o := range map[string]ServeOptions{
		"-tls-key":  {TLSCertFile: cert.CertFile},
		"-tls-cert": {TLSKeyFile: cert.KeyFile},
	} {
		ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		err = Serve(t.Context(), ln, http.NotFoundHandler(), o)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("only one of the pair: %v, want an error naming %s", err, name)
		}
	}
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	err = Serve(t.Context(), ln, http.NotFoundHandler(), ServeOptions{TLSCertFile: cert.CertFile, TLSKeyFile: cert.CertFile})
	if err == nil || !strings.Contains(err.Error(), cert.CertFile) {
		t.Errorf("a certificate as its own key: %v, want an error naming the files", err)
	}
}

// An in-flight request finishes during the drain; a new connection is refused.
func TestServe_drainWaitsForInFlight(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "finished")
	})
	url, cancel, wait := startServe(t, h, ServeOptions{ShutdownTimeout: 10 * time.Second})
	type result struct {
		status int
		body   string
	}
	got := make(chan result, 1)
	go func() {
		status, body := get(t, http.DefaultClient, url)
		got <- result{status, body}
	}()
	<-started
	cancel()
	// Shutdown closes the listener first: wait until it does, then let the request finish.
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := (&net.Dialer{}).DialContext(t.Context(), "tcp", strings.TrimPrefix(url, "http://"))
		if err != nil {
			break
		}
		_ = conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections after the drain began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	if r := <-got; r.status != 200 || r.body != "finished" {
		t.Errorf("in-flight request: %d %q", r.status, r.body)
	}
	if err := wait(); err != nil {
		t.Errorf("clean drain: %v", err)
	}
}

func TestServe_drainTimeout(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		close(started)
		<-release
	})
	url, cancel, wait := startServe(t, h, ServeOptions{ShutdownTimeout: 50 * time.Millisecond})
	go func() {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
		}
	}()
	<-started
	cancel()
	if err := wait(); err == nil || !strings.Contains(err.Error(), "still running") {
		t.Errorf("drain past its timeout: %v", err)
	}
}
