package provider

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
)

// clearTransportEnv empties every provider variable, so that the developer's own settings
// never leak into a test.
func clearTransportEnv(t *testing.T) {
	t.Helper()
	for _, v := range []string{envEndpoint, envToken, envCACertificate, envInsecure} {
		t.Setenv(v, "")
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.8.9.10": true, "::1": true, "localhost": true, "LocalHost": true,
		"warden.example.com": false, "10.0.0.1": false, "0.0.0.0": false, "::": false,
		"127.0.0.1.example.com": false, "localhost.example.com": false, "128.0.0.1": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

// Not parallel: t.Setenv.
func TestProvider_plainHTTPOnlyOnLoopback(t *testing.T) {
	loopback := newFakeMatrixServer(t, access.MatrixVersion) // http://127.0.0.1:port

	t.Run("http on 127.0.0.1 is allowed", func(t *testing.T) {
		clearTransportEnv(t)
		resp := configureProvider(t, withFastRetries(map[string]tftypes.Value{"endpoint": tfString(loopback.URL), "token": tfString("t")}))
		if got := configuredEndpoint(t, resp); got != loopback.URL {
			t.Errorf("endpoint %q", got)
		}
		if len(loopback.seenTokens()) == 0 {
			t.Error("the loopback server was never called")
		}
	})

	refused := func(t *testing.T, resp provider.ConfigureResponse) {
		t.Helper()
		for _, text := range []string{"https://", "insecure = true", envInsecure, "not a loopback"} {
			if !diagAt(resp.Diagnostics, diag.SeverityError, "endpoint", text) {
				t.Errorf("no error on endpoint naming %q: %v", text, resp.Diagnostics)
			}
		}
		if resp.ResourceData != nil {
			t.Error("a refused endpoint still handed out provider data")
		}
	}
	for _, endpoint := range []string{"http://warden.example.com", "http://10.1.2.3:8080", "http://localhost.example.com/"} {
		t.Run("refused: "+endpoint, func(t *testing.T) {
			clearTransportEnv(t)
			refused(t, configureProvider(t, map[string]tftypes.Value{"endpoint": tfString(endpoint), "token": tfString("t")}))
		})
	}

	t.Run("the attribute insecure = false wins over WARDEN_INSECURE=true", func(t *testing.T) {
		clearTransportEnv(t)
		t.Setenv(envInsecure, "true")
		refused(t, configureProvider(t, map[string]tftypes.Value{
			"endpoint": tfString("http://warden.example.com"), "token": tfString("t"), "insecure": tfBool(false),
		}))
	})

	// .invalid never resolves (RFC 6761), so the configuration's check fails at once: what is
	// tested is that the configuration accepts the endpoint and goes on to try it.
	const remote = "http://warden.invalid:8080"
	tried := func(t *testing.T, resp provider.ConfigureResponse) {
		t.Helper()
		if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Summary() != "Warden API Unreachable" {
			t.Errorf("diagnostics %v, want only the check's Warden API Unreachable", resp.Diagnostics)
		}
	}
	t.Run("insecure = true allows plain http off loopback", func(t *testing.T) {
		clearTransportEnv(t)
		tried(t, configureProvider(t, withFastRetries(map[string]tftypes.Value{
			"endpoint": tfString(remote), "token": tfString("t"), "insecure": tfBool(true),
		})))
	})

	t.Run("WARDEN_INSECURE=true allows it too", func(t *testing.T) {
		clearTransportEnv(t)
		t.Setenv(envInsecure, "true")
		tried(t, configureProvider(t, withFastRetries(map[string]tftypes.Value{"endpoint": tfString(remote), "token": tfString("t")})))
	})

	t.Run("WARDEN_INSECURE that is not a boolean", func(t *testing.T) {
		clearTransportEnv(t)
		t.Setenv(envInsecure, "sometimes")
		resp := configureProvider(t, map[string]tftypes.Value{"endpoint": tfString(loopback.URL), "token": tfString("t")})
		if !diagAt(resp.Diagnostics, diag.SeverityError, "insecure", "true or false") {
			t.Errorf("no error on insecure: %v", resp.Diagnostics)
		}
	})

	t.Run("https off loopback needs no insecure", func(t *testing.T) {
		clearTransportEnv(t)
		tried(t, configureProvider(t, withFastRetries(map[string]tftypes.Value{"endpoint": tfString("https://warden.invalid"), "token": tfString("t")})))
	})
}

// Not parallel: t.Setenv.
func TestProvider_caCertificate(t *testing.T) {
	srv := startFakeMatrixServer(t, access.MatrixVersion, true) // https://127.0.0.1:port, self-signed
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	caFile := filepath.Join(t.TempDir(), "warden-ca.pem")
	if err := os.WriteFile(caFile, []byte(caPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	// reached configures the provider and reports whether its version check got through TLS:
	// the server records a token only from a completed handshake.
	reached := func(t *testing.T, attrs map[string]tftypes.Value) bool {
		t.Helper()
		before := len(srv.seenTokens())
		attrs["endpoint"] = tfString(srv.URL)
		attrs["token"] = tfString("t")
		resp := configureProvider(t, withFastRetries(attrs))
		configuredEndpoint(t, resp)
		return len(srv.seenTokens()) > before
	}

	t.Run("without the CA the handshake fails", func(t *testing.T) {
		clearTransportEnv(t)
		before := len(srv.seenTokens())
		resp := configureProvider(t, withFastRetries(map[string]tftypes.Value{"endpoint": tfString(srv.URL), "token": tfString("t")}))
		if len(srv.seenTokens()) > before {
			t.Error("a self-signed server was trusted without ca_certificate")
		}
		if !diagAt(resp.Diagnostics, diag.SeverityError, "ca_certificate", "set ca_certificate") || len(resp.Diagnostics) != 1 {
			t.Errorf("diagnostics %v, want one error on ca_certificate saying to set it", resp.Diagnostics)
		}
	})
	t.Run("attribute: PEM text", func(t *testing.T) {
		clearTransportEnv(t)
		if !reached(t, map[string]tftypes.Value{"ca_certificate": tfString(caPEM)}) {
			t.Error("ca_certificate did not make the server trusted")
		}
	})
	t.Run("environment: PEM text", func(t *testing.T) {
		clearTransportEnv(t)
		t.Setenv(envCACertificate, caPEM)
		if !reached(t, map[string]tftypes.Value{}) {
			t.Errorf("%s with PEM text did not make the server trusted", envCACertificate)
		}
	})
	t.Run("environment: a file path", func(t *testing.T) {
		clearTransportEnv(t)
		t.Setenv(envCACertificate, caFile)
		if !reached(t, map[string]tftypes.Value{}) {
			t.Errorf("%s with a path did not make the server trusted", envCACertificate)
		}
	})
	t.Run("the attribute wins over the environment", func(t *testing.T) {
		clearTransportEnv(t)
		t.Setenv(envCACertificate, filepath.Join(t.TempDir(), "missing.pem"))
		if !reached(t, map[string]tftypes.Value{"ca_certificate": tfString(caPEM)}) {
			t.Error("the attribute's CA was not used")
		}
	})

	for name, c := range map[string]struct {
		attr, env, want string
	}{
		"attribute: a private key":       {attr: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", want: "not a CERTIFICATE"},
		"attribute: damaged certificate": {attr: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", want: "not a valid certificate"},
		"attribute: truncated":           {attr: caPEM[:len(caPEM)/2], want: "incomplete"},
		"attribute: a file name":         {attr: "warden-ca.pem", want: `file("warden-ca.pem")`},
		"environment: missing file":      {env: filepath.Join(t.TempDir(), "missing.pem"), want: "no such file"},
		"environment: bad PEM text":      {env: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", want: envCACertificate},
	} {
		t.Run(name, func(t *testing.T) {
			clearTransportEnv(t)
			t.Setenv(envCACertificate, c.env)
			attrs := map[string]tftypes.Value{"endpoint": tfString(srv.URL), "token": tfString("t")}
			if c.attr != "" {
				attrs["ca_certificate"] = tfString(c.attr)
			}
			resp := configureProvider(t, attrs)
			if !diagAt(resp.Diagnostics, diag.SeverityError, "ca_certificate", c.want) {
				t.Errorf("no error on ca_certificate containing %q: %v", c.want, resp.Diagnostics)
			}
			if resp.ResourceData != nil {
				t.Error("an invalid CA still handed out provider data")
			}
		})
	}

	t.Run("a CA with a plain http endpoint draws a warning", func(t *testing.T) {
		clearTransportEnv(t)
		plain := newFakeMatrixServer(t, access.MatrixVersion)
		resp := configureProvider(t, withFastRetries(map[string]tftypes.Value{
			"endpoint": tfString(plain.URL), "token": tfString("t"), "ca_certificate": tfString(caPEM),
		}))
		configuredEndpoint(t, resp)
		if !diagAt(resp.Diagnostics, diag.SeverityWarning, "ca_certificate", "https://") {
			t.Errorf("no warning on ca_certificate: %v", resp.Diagnostics)
		}
	})
}
