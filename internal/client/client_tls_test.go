package client_test

import (
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
	"github.com/wardenhq/terraform-provider-warden/internal/tlstesting"
)

func TestClient_privateCA(t *testing.T) {
	cert := tlstesting.SelfSigned(t)
	url := newTLSServer(t, cert)

	pool, err := client.CertPoolFromPEM(cert.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(client.Config{Endpoint: url, Token: ownerToken, RootCAs: pool, RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.PermissionMatrix(t.Context())
	if err != nil {
		t.Fatalf("over TLS with the CA trusted: %v", err)
	}
	if m.Version != access.MatrixVersion {
		t.Errorf("matrix version %q", m.Version)
	}

	// Without the CA the same call fails on the certificate, not retried into a timeout.
	plain, err := client.New(client.Config{Endpoint: url, Token: ownerToken, RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = plain.PermissionMatrix(t.Context())
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("without the CA: %v, want an unknown-authority error", err)
	}
}

func TestCertPoolFromPEM_refusals(t *testing.T) {
	cert := tlstesting.SelfSigned(t)
	truncated := string(cert.CertPEM[:len(cert.CertPEM)/2])
	for name, c := range map[string]struct{ pem, want string }{
		"empty":             {"", "no PEM certificate"},
		"not PEM":           {"hello", "no PEM certificate"},
		"a private key":     {string(cert.KeyPEM), `"PRIVATE KEY", not a CERTIFICATE`},
		"truncated":         {truncated, "block 1 is incomplete"},
		"second truncated":  {string(cert.CertPEM) + truncated, "block 2 is incomplete"},
		"garbage in a cert": {"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "block 1 is not a valid certificate"},
	} {
		if _, err := client.CertPoolFromPEM([]byte(c.pem)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", name, err, c.want)
		}
	}
	// Comments around blocks, as CA bundles carry, are fine.
	if _, err := client.CertPoolFromPEM([]byte("# our CA\n" + string(cert.CertPEM) + "\n# end\n")); err != nil {
		t.Errorf("commented bundle: %v", err)
	}
}

func TestNew_rootCAsNeedTheDefaultTransport(t *testing.T) {
	_, err := client.New(client.Config{Endpoint: "https://127.0.0.1:1", RootCAs: x509.NewCertPool(), HTTPClient: &http.Client{}})
	if err == nil || !strings.Contains(err.Error(), "RootCAs") {
		t.Errorf("RootCAs with HTTPClient: %v", err)
	}
}
