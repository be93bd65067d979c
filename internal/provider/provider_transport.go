package provider

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// How the provider reaches the API safely: a private CA to trust (ca_certificate), and the
// refusal of plain HTTP anywhere but loopback unless insecure says so — a bearer token of an
// account that grants access must not cross a network in clear text by accident.

// configInsecure resolves insecure: the attribute, else WARDEN_INSECURE, else false.
func configInsecure(attr types.Bool, resp *provider.ConfigureResponse) bool {
	if !attr.IsNull() {
		return attr.ValueBool()
	}
	v := strings.TrimSpace(os.Getenv(envInsecure))
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("insecure"), "Invalid "+envInsecure,
			fmt.Sprintf("The %s environment variable is %q; set it to true or false, or set insecure in the provider block.", envInsecure, v))
	}
	return b
}

// configRootCAs resolves ca_certificate: the attribute (PEM text), else WARDEN_CA_CERTIFICATE
// (PEM text, or the path of a PEM file); nil when neither is set.
func configRootCAs(attr types.String, resp *provider.ConfigureResponse) *x509.CertPool {
	var pemBytes []byte
	var source string
	switch {
	case !attr.IsNull() && attr.ValueString() != "":
		v := attr.ValueString()
		source = "ca_certificate"
		if !strings.Contains(v, "-----BEGIN") {
			resp.Diagnostics.AddAttributeError(path.Root("ca_certificate"), "Invalid Warden CA Certificate",
				fmt.Sprintf("ca_certificate takes the PEM text of the certificate, not a file name. If %q is a file, write ca_certificate = file(%q).", truncate(v, 80), truncate(v, 80)))
			return nil
		}
		pemBytes = []byte(v)
	case os.Getenv(envCACertificate) != "":
		v := os.Getenv(envCACertificate)
		if strings.HasPrefix(strings.TrimSpace(v), "-----BEGIN") {
			source = "the " + envCACertificate + " environment variable"
			pemBytes = []byte(v)
			break
		}
		source = "the file " + v + " (named by " + envCACertificate + ")"
		b, err := os.ReadFile(v)
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("ca_certificate"), "Unreadable Warden CA Certificate",
				fmt.Sprintf("%s holds neither PEM text (starting with -----BEGIN) nor the path of a readable file: %s.", envCACertificate, err))
			return nil
		}
		pemBytes = b
	default:
		return nil
	}
	pool, err := client.CertPoolFromPEM(pemBytes)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("ca_certificate"), "Invalid Warden CA Certificate",
			fmt.Sprintf("The CA certificate from %s is not usable: %s. Give one or more PEM blocks, each -----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----.", source, err))
		return nil
	}
	return pool
}

// checkEndpointTransport refuses http:// off loopback unless insecure, and warns about a CA
// that an http:// endpoint will never use. A malformed endpoint is left to client.New.
func checkEndpointTransport(endpoint string, insecure, hasCA bool, resp *provider.ConfigureResponse) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return
	}
	if hasCA {
		resp.Diagnostics.AddAttributeWarning(path.Root("ca_certificate"), "CA Certificate Unused",
			"ca_certificate is set but the endpoint "+endpoint+" is plain http://, so no certificate is checked. Use an https:// endpoint.")
	}
	if insecure || isLoopback(u.Hostname()) {
		return
	}
	resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Insecure Warden Endpoint",
		fmt.Sprintf("The endpoint %s is plain http:// on %s, which is not a loopback address: the bearer token would cross the network unencrypted. "+
			"Use https:// (with ca_certificate for a private CA), or, only on a network you trust, set insecure = true in the provider block (or %s=true).",
			endpoint, u.Hostname(), envInsecure))
}

// isLoopback is true for localhost and any loopback IP (127.0.0.0/8, ::1).
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// unknownTokenHTTPClient is the HTTP client of a provider configured while its token is
// unknown. Terraform does that whenever the token comes from an ephemeral value whose own
// arguments are not known yet: in every destroy plan of a configuration that reads the user
// from a data source, for one, where the provider is usually not called at all. So Configure
// succeeds, and only a call that needs the API fails, before anything leaves the machine,
// saying why.
func unknownTokenHTTPClient() *http.Client {
	return &http.Client{Transport: unknownTokenTransport{}}
}

// unknownTokenTransport refuses every request.
type unknownTokenTransport struct{}

func (unknownTokenTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("the provider's token was unknown when Terraform configured the provider: it depends on a value known only " +
		"after apply (e.g. an ephemeral warden_token whose user_id comes from a resource not created yet). Create what it depends on first " +
		"(terraform apply -target), or set token to a value known at plan")
}
