package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
)

// Configure's one request (checkServer): a token the API refuses or a server that cannot be
// reached fails the configuration once, on the attribute to fix, before any resource tries.

func requireAll(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%q does not say %q", s, sub)
		}
	}
}

// countingServer answers every request with status and body, counting them.
func countingServer(t *testing.T, status int, body string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// Not parallel: t.Setenv.
func TestProvider_configureRejectedToken(t *testing.T) {
	srv := acctest.NewServer(t)
	for _, tc := range []struct {
		name  string
		attrs map[string]tftypes.Value
		env   string
		from  string
	}{
		{"token from the block", map[string]tftypes.Value{"endpoint": tfString(srv.URL), "token": tfString("wrong")}, "", "token in the provider block"},
		{"token from the environment", map[string]tftypes.Value{"endpoint": tfString(srv.URL)}, "wrong", "the " + envToken + " environment variable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(envEndpoint, "")
			t.Setenv(envToken, tc.env)
			resp := configureProvider(t, tc.attrs)
			p, detail := detailOf(t, resp.Diagnostics)
			if p != "token" || resp.Diagnostics[0].Summary() != "Warden Token Rejected" {
				t.Errorf("error %q on %q, want Warden Token Rejected on token", resp.Diagnostics[0].Summary(), p)
			}
			requireAll(t, detail, srv.URL, "came from "+tc.from, "401", "mistyped, expired or revoked",
				"token in the provider block or the "+envToken+" environment variable", "POST /v1/users/{id}/tokens", "WARDEN_BOOTSTRAP_TOKEN")
			if resp.ResourceData != nil {
				t.Error("a rejected token still handed out provider data")
			}
		})
	}
}

// Each way a server can answer the check wrongly: one error, after one request when the
// answer is final (401 and 404 are not retried), the retries otherwise.
func TestProvider_configureCheckAnswers(t *testing.T) {
	t.Setenv(envEndpoint, "")
	t.Setenv(envToken, "")
	for _, tc := range []struct {
		name     string
		status   int
		summary  string
		path     string
		requests int32
		says     []string
	}{
		{"unauthorized", 401, "Warden Token Rejected", "token", 1, []string{"401 unauthorized", "came from token in the provider block"}},
		{"not a Warden API", 404, "Not a Warden API", "endpoint", 1, []string{"404 Not Found", "without /v1"}},
		{"server error", 500, "Warden API Unavailable", "endpoint", 3, []string{"500", "check the server's log"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, n := countingServer(t, tc.status, fmt.Sprintf(`{"status":%d,"code":"unauthorized","title":"x","detail":"no"}`, tc.status))
			resp := configureProvider(t, map[string]tftypes.Value{
				"endpoint": tfString(srv.URL), "token": tfString("t"),
				"retry_max": num(2), "retry_wait_min_ms": num(1), "retry_wait_max_ms": num(1),
			})
			p, detail := detailOf(t, resp.Diagnostics)
			if p != tc.path || resp.Diagnostics[0].Summary() != tc.summary {
				t.Errorf("error %q on %q, want %q on %q", resp.Diagnostics[0].Summary(), p, tc.summary, tc.path)
			}
			requireAll(t, detail, append(tc.says, srv.URL)...)
			if got := n.Load(); got != tc.requests {
				t.Errorf("%d requests, want %d", got, tc.requests)
			}
		})
	}
}

// A server that answers: one request, no diagnostics.
func TestProvider_configureOneRequest(t *testing.T) {
	t.Setenv(envEndpoint, "")
	t.Setenv(envToken, "")
	srv := acctest.NewServer(t)
	var n atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		req, err := http.NewRequestWithContext(r.Context(), r.Method, srv.URL+r.URL.Path, nil)
		if err != nil {
			t.Error(err)
			return
		}
		req.Header = r.Header.Clone()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		defer func() { _ = res.Body.Close() }()
		var body json.RawMessage
		_ = json.NewDecoder(res.Body).Decode(&body)
		w.WriteHeader(res.StatusCode)
		_, _ = w.Write(body)
	}))
	t.Cleanup(proxy.Close)
	resp := configureProvider(t, map[string]tftypes.Value{"endpoint": tfString(proxy.URL), "token": tfString(srv.Token)})
	if len(resp.Diagnostics) != 0 || n.Load() != 1 {
		t.Errorf("%d requests and diagnostics %v, want one request and none", n.Load(), resp.Diagnostics)
	}
}

// Through the CLI, as a user meets it: a plan of several resources and a data source with a
// bad token, or against a dead server, shows exactly one error diagnostic, with the fix. A
// configuration without resources is never configured, so a dead server does not fail it;
// nor does one that only calls the provider's functions under Terraform, which calls them
// unconfigured. OpenTofu configures a provider before it calls its functions: there the
// dead server fails such a plan, once.
func TestAccProvider_configureFailsOnce(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		t.Skip("TF_ACC_TERRAFORM_PATH names no terraform")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	rc := buildProviderOverrides(ctx, t)
	srv := acctest.NewServer(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	dead := closed.URL
	closed.Close()

	resources := `
resource "warden_environment" "a" {
  name  = "a"
  cloud = "aws"
}
resource "warden_environment" "b" {
  name  = "b"
  cloud = "gcp"
}
resource "warden_role" "r" {
  name        = "r"
  permissions = ["users.read"]
}
data "warden_permission_matrix" "m" {}
`
	functions := `output "ops_can" { value = provider::warden::allowed_actions(["ops"]) }`
	functionsOnly := struct{ summary, says string }{}
	if underOpenTofu() {
		functionsOnly.summary, functionsOnly.says = "Warden API Unreachable", "connection refused"
	}
	for _, tc := range []struct {
		name, endpoint, token, body string
		summary, says               string
	}{
		{"bad token", srv.URL, "not-a-token", resources, "Warden Token Rejected", "did not accept the provider's token"},
		{"dead server", dead, srv.Token, resources, "Warden API Unreachable", "connection refused"},
		{"dead server, no resources", dead, srv.Token, "", "", ""},
		{"dead server, functions only", dead, srv.Token, functions, functionsOnly.summary, functionsOnly.says},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "main.tf"), fmt.Sprintf(`terraform {
  required_providers {
    warden = { source = "wardenhq/warden" }
  }
}
provider "warden" {
  endpoint = %q
  token    = %q
}
%s`, tc.endpoint, tc.token, tc.body))
			start := time.Now()
			code, out := cliRunner(ctx, t, tf, dir, rc)("plan", "-json", "-input=false")
			errs := jsonDiagnostics(t, out, diag.SeverityError)
			if tc.summary == "" {
				if code != 0 || len(errs) != 0 {
					t.Fatalf("exit %d, errors %v; want a plan\n%s", code, errs, out)
				}
				return
			}
			if code == 0 || len(errs) != 1 || errs[0].Summary != tc.summary || !strings.Contains(errs[0].Detail, tc.says) {
				t.Fatalf("exit %d, errors %+v; want exactly one %q\n%s", code, errs, tc.summary, out)
			}
			// The default retries wait about three seconds in all.
			if d := time.Since(start); d > configureCheckTimeout+20*time.Second {
				t.Errorf("the plan took %s", d)
			}
		})
	}
}

type jsonDiagnostic struct {
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail"`
}

// jsonDiagnostics are the diagnostics of severity sev in the machine-readable output (-json)
// of a terraform or tofu command.
func jsonDiagnostics(t *testing.T, out string, sev diag.Severity) []jsonDiagnostic {
	t.Helper()
	want := map[diag.Severity]string{diag.SeverityError: "error", diag.SeverityWarning: "warning"}[sev]
	var ds []jsonDiagnostic
	for _, line := range strings.Split(out, "\n") {
		var msg struct {
			Type       string          `json:"type"`
			Diagnostic *jsonDiagnostic `json:"diagnostic"`
		}
		if json.Unmarshal([]byte(line), &msg) != nil || msg.Type != "diagnostic" || msg.Diagnostic == nil {
			continue
		}
		if msg.Diagnostic.Severity == want {
			ds = append(ds, *msg.Diagnostic)
		}
	}
	return ds
}
