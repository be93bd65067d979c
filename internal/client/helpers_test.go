package client_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/apiserver"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
	"github.com/wardenhq/terraform-provider-warden/internal/testserver"
	"github.com/wardenhq/terraform-provider-warden/internal/tlstesting"
)

const ownerToken = "warden-test-bootstrap-token"

// newServer starts a Warden API with an empty store and returns its URL.
func newServer(t *testing.T) string {
	t.Helper()
	return testserver.Start(t, newAPI(t))
}

// newTLSServer is newServer over HTTPS, presenting cert.
func newTLSServer(t *testing.T, cert tlstesting.Cert) string {
	t.Helper()
	return testserver.StartTLS(t, newAPI(t), cert)
}

// newServerWith is newServer with the configuration changed by configure first.
func newServerWith(t *testing.T, configure func(*apiserver.Config)) string {
	t.Helper()
	return testserver.Start(t, newAPI(t, configure))
}

// newAPI is the handler of a Warden API on a fresh SQLite file, closed when the test ends
// (after the HTTP server in front of it, whose cleanup is registered later); each configure
// changes its configuration first.
func newAPI(t *testing.T, configure ...func(*apiserver.Config)) http.Handler {
	t.Helper()
	cfg := apiserver.Config{
		DB:             filepath.Join(t.TempDir(), "warden.db"),
		BootstrapToken: ownerToken,
	}
	for _, c := range configure {
		c(&cfg)
	}
	srv, err := apiserver.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("apiserver.New: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("closing server: %v", err)
		}
	})
	return srv.Handler()
}

// newClient builds a client for url with fast retries; rt, when non-nil, wraps the transport.
func newClient(t *testing.T, url, token string, rt http.RoundTripper) *client.Client {
	t.Helper()
	cfg := client.Config{
		Endpoint:     url,
		Token:        token,
		RetryWaitMin: 5 * time.Millisecond,
		RetryWaitMax: 2 * time.Second,
		UserAgent:    "client-integration-test",
	}
	if rt != nil {
		cfg.HTTPClient = &http.Client{Transport: rt}
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	return c
}

// must(c.GetRole(ctx, id))(t) returns the value or stops the test on the error.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

func ptr[T any](v T) *T { return &v }

// wantStatus fails unless err is an *APIError with that status (any, when 0) and code (any,
// when "").
func wantStatus(t *testing.T, err error, status int, code string) client.APIError {
	t.Helper()
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want an *APIError %d", err, err, status)
	}
	if (status != 0 && apiErr.Status != status) || (code != "" && apiErr.Code != code) {
		t.Fatalf("err = %v, want %d %s", err, status, code)
	}
	return *apiErr
}
