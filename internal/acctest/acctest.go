// Package acctest holds what acceptance tests share: a real Warden API server per test (on
// 127.0.0.1, with its own SQLite file, or its own PostgreSQL database when
// WARDEN_TEST_STORE=postgres), a client bound to it, its clock (which a test moves past an
// expiry rather than sleeping), and the provider block that points Terraform at it. Each test
// gets its own server, so tests run in parallel and never see each other's objects.
package acctest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/apiserver"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
	"github.com/wardenhq/terraform-provider-warden/internal/pgtest"
	"github.com/wardenhq/terraform-provider-warden/internal/testclock"
	"github.com/wardenhq/terraform-provider-warden/internal/testserver"
)

// BootstrapToken is the account_owner token of every test server.
const BootstrapToken = "acctest-bootstrap-token"

// Server is a running Warden API for one test.
type Server struct {
	URL    string
	Token  string
	Client *client.Client
	// Clock is the server's clock: real time until the test moves it. A test moves it past an
	// expiry (Clock.AdvanceTo) instead of sleeping; the provider keeps real time, so what it
	// checks at plan (a new expires_at lies in the future) still needs a real future time.
	Clock *testclock.Clock
}

// StoreEnv selects the store of every test server: "postgres" gives each test a fresh
// PostgreSQL database (internal/pgtest: the package's TestMain must call pgtest.Main);
// anything else a fresh SQLite file.
const StoreEnv = "WARDEN_TEST_STORE"

// RetrySchedule is the alert retry schedule of every test server: three attempts within a
// second, so that a test of a receiver that keeps failing sees its delivery fail without
// waiting for the default schedule's minutes and hours.
var RetrySchedule = []time.Duration{0, 200 * time.Millisecond, 500 * time.Millisecond}

// NewServer starts a Warden API on a random 127.0.0.1 port with a fresh store (StoreEnv) and
// its own Clock; it stops when the test ends. Its alerting delivers to 127.0.0.1 (test
// receivers are local) on RetrySchedule; each configure changes the configuration further
// before the server starts (e.g. the vendor's alert endpoint).
func NewServer(t testing.TB, configure ...func(*apiserver.Config)) *Server {
	t.Helper()
	db := filepath.Join(t.TempDir(), "warden.db")
	if os.Getenv(StoreEnv) == "postgres" {
		db = pgtest.URL(t)
	}
	return NewServerOn(t, db, configure...)
}

// NewServerOn is NewServer on a given database: a SQLite path or a postgres:// URL.
func NewServerOn(t testing.TB, db string, configure ...func(*apiserver.Config)) *Server {
	t.Helper()
	clock := testclock.Running()
	cfg := apiserver.Config{
		DB:             db,
		BootstrapToken: BootstrapToken,
		Now:            clock.Now,
		Alerting:       apiserver.AlertingConfig{AllowPrivateDestinations: true, RetrySchedule: RetrySchedule},
	}
	for _, c := range configure {
		c(&cfg)
	}
	srv, err := apiserver.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start Warden API: %v", err)
	}
	// Registered first, so it runs after the HTTP server has closed.
	t.Cleanup(func() { _ = srv.Close() })
	url := testserver.Start(t, srv.Handler())
	c, err := client.New(client.Config{Endpoint: url, Token: BootstrapToken})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return &Server{URL: url, Token: BootstrapToken, Client: c, Clock: clock}
}

// ProviderBlock is the provider configuration pointing at s; prepend it to a test's HCL.
func (s *Server) ProviderBlock() string {
	return fmt.Sprintf(`
provider "warden" {
  endpoint = %q
  token    = %q
}
`, s.URL, s.Token)
}

// Config joins the provider block with the resources under test.
func (s *Server) Config(hcl string) string { return s.ProviderBlock() + hcl }

// UseLocalTerraform makes terraform-plugin-testing run the terraform on PATH, so that it never
// tries to download one. Call it from TestMain: t.Setenv cannot be used in parallel tests.
func UseLocalTerraform() {
	if os.Getenv("TF_ACC_TERRAFORM_PATH") != "" {
		return
	}
	if p, err := exec.LookPath("terraform"); err == nil {
		_ = os.Setenv("TF_ACC_TERRAFORM_PATH", p)
	}
}
