package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/apiserver"
	"github.com/wardenhq/terraform-provider-warden/internal/decisionlog"
	"github.com/wardenhq/terraform-provider-warden/internal/tlstesting"
)

const bootstrapToken = "main-test-bootstrap-token"

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParseServe_environment(t *testing.T) {
	sampled, err := decisionlog.ParseMembers("sample:0.05")
	if err != nil {
		t.Fatal(err)
	}
	env := envOf(map[string]string{
		"WARDEN_LISTEN":           "0.0.0.0:9000",
		"WARDEN_DB":               "/var/lib/warden/env.db",
		"WARDEN_TLS_CERT":         "/etc/warden/cert.pem",
		"WARDEN_TLS_KEY":          "/etc/warden/key.pem",
		"WARDEN_IDEMPOTENCY_TTL":  "1h",
		"WARDEN_SHUTDOWN_TIMEOUT": "5s",
		"WARDEN_READ_TIMEOUT":     "7s",
		"WARDEN_BOOTSTRAP_TOKEN":  bootstrapToken,

		"WARDEN_VENDOR_ALERT_URL":           "https://events.pagerduty.com/v2/enqueue",
		"WARDEN_VENDOR_ALERT_ROUTING_KEY":   "R0UTING",
		"WARDEN_SMTP_URL":                   "smtp://mail.example.com:587",
		"WARDEN_SMTP_FROM":                  "alerts@example.com",
		"WARDEN_ALLOW_PRIVATE_DESTINATIONS": "true",
		"WARDEN_ALERT_RETENTION":            "168h",
		"WARDEN_METRICS_LISTEN":             "127.0.0.1:9464",
		"WARDEN_ALERT_ATTEMPT_TIMEOUT":      "3s",

		"WARDEN_DECISION_LOG_MEMBERS":   "sample:0.05",
		"WARDEN_DECISION_LOG_QUEUE":     "1000",
		"WARDEN_DECISION_LOG_RETENTION": "720h",

		"WARDEN_GC_HEAP_FLOOR": "64MiB",
	})
	c, err := parseServe(nil, env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := serveConfig{listen: "0.0.0.0:9000", metricsListen: "127.0.0.1:9464", db: "/var/lib/warden/env.db", tlsCert: "/etc/warden/cert.pem",
		tlsKey: "/etc/warden/key.pem", idemTTL: time.Hour, readTimeout: 7 * time.Second, writeTimeout: 60 * time.Second,
		idleTimeout: 120 * time.Second, shutdownTimeout: 5 * time.Second, bootstrapToken: bootstrapToken,
		alerting: apiserver.AlertingConfig{VendorURL: "https://events.pagerduty.com/v2/enqueue", VendorRoutingKey: "R0UTING",
			SMTPURL: "smtp://mail.example.com:587", SMTPFrom: "alerts@example.com", AllowPrivateDestinations: true,
			Retention: 7 * 24 * time.Hour, DedupWindow: apiserver.DefaultAlertDedupWindow, AttemptTimeout: 3 * time.Second},
		decisionLog: apiserver.DecisionLogConfig{Members: sampled, Queue: 1000, Retention: 30 * 24 * time.Hour}, heapFloor: 64 << 20}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("from the environment:\n got %+v\nwant %+v", c, want)
	}

	// The command line wins, flag by flag.
	c, err = parseServe([]string{"-db", "/srv/flag.db", "-shutdown-timeout", "1m"}, env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.db != "/srv/flag.db" || c.shutdownTimeout != time.Minute || c.listen != "0.0.0.0:9000" {
		t.Errorf("flags over environment: %+v", c)
	}

	// Defaults when neither is set.
	c, err = parseServe(nil, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.listen != "127.0.0.1:8080" || c.db != "./warden.db" || c.tlsCert != "" || c.shutdownTimeout != 30*time.Second || c.heapFloor != defaultHeapFloor {
		t.Errorf("defaults: %+v", c)
	}
	// The decision log keeps vendors' decisions only, by default.
	if c.decisionLog != (apiserver.DecisionLogConfig{Members: decisionlog.MembersOff, Queue: decisionlog.DefaultQueue, Retention: decisionlog.DefaultRetention}) {
		t.Errorf("decision log defaults: %+v", c.decisionLog)
	}
}

func TestParseServe_refusals(t *testing.T) {
	for name, c := range map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"cert without key":            {[]string{"-tls-cert", "c.pem"}, nil, "-tls-key"},
		"key from env, no cert":       {nil, map[string]string{"WARDEN_TLS_KEY": "k.pem"}, "-tls-cert"},
		"bad duration in env":         {nil, map[string]string{"WARDEN_SHUTDOWN_TIMEOUT": "soon"}, "WARDEN_SHUTDOWN_TIMEOUT"},
		"non-positive ttl":            {[]string{"-idempotency-ttl", "0s"}, nil, "-idempotency-ttl must be positive"},
		"stray argument":              {[]string{"serve"}, nil, `unexpected argument "serve"`},
		"negative write timeout":      {nil, map[string]string{"WARDEN_WRITE_TIMEOUT": "-1s"}, "-write-timeout"},
		"unknown flag is refused":     {[]string{"-tls"}, nil, "-tls"},
		"vendor url without key":      {[]string{"-vendor-alert-url", "https://events.example.com/v2/enqueue"}, nil, "-vendor-alert-routing-key"},
		"vendor url not http":         {[]string{"-vendor-alert-url", "ftp://x", "-vendor-alert-routing-key", "k"}, nil, "-vendor-alert-url"},
		"smtp url of another scheme":  {nil, map[string]string{"WARDEN_SMTP_URL": "http://u:hunter2@mail:25", "WARDEN_SMTP_FROM": "a@b.c"}, "not smtp or smtps"},
		"smtp without from":           {[]string{"-smtp-url", "smtp://mail:25"}, nil, "-smtp-from"},
		"public URL without scheme":   {nil, map[string]string{"WARDEN_PUBLIC_URL": "warden.example.com"}, "-public-url"},
		"members neither off nor all": {[]string{"-decision-log-members", "some"}, nil, "off, all or sample:<rate>"},
		"sample rate above 1":         {nil, map[string]string{"WARDEN_DECISION_LOG_MEMBERS": "sample:5"}, "at most 1"},
		"empty decision queue":        {[]string{"-decision-log-queue", "0"}, nil, "-decision-log-queue must be at least 1"},
		"no decision retention":       {[]string{"-decision-log-retention", "0s"}, nil, "-decision-log-retention must be positive"},
		"zero attempt timeout":        {[]string{"-alert-attempt-timeout", "0s"}, nil, "-alert-attempt-timeout must be positive"},
		"heap floor not a size":       {nil, map[string]string{"WARDEN_GC_HEAP_FLOOR": "lots"}, "is not a size"},
		"heap floor in megabytes":     {[]string{"-gc-heap-floor", "256MB"}, nil, "is not a size"},
	} {
		_, err := parseServe(c.args, envOf(c.env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error repeats a password: %v", name, err)
		}
	}
}

func TestHelp_namesEnvironment(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"recover-owner", "-h"}, {"backup", "-h"}} {
		var out bytes.Buffer
		if err := run(t.Context(), args, envOf(nil), io.Discard, &out); err != nil {
			t.Errorf("%v: %v", args, err)
		}
		if !strings.Contains(out.String(), "[$WARDEN_DB]") || !strings.Contains(out.String(), "the flag wins") {
			t.Errorf("%v does not document WARDEN_DB:\n%s", args, out.String())
		}
	}
	var out bytes.Buffer
	_ = run(t.Context(), []string{"-h"}, envOf(nil), io.Discard, &out)
	for _, v := range []string{"WARDEN_LISTEN", "WARDEN_TLS_CERT", "WARDEN_TLS_KEY", "WARDEN_IDEMPOTENCY_TTL", "WARDEN_SHUTDOWN_TIMEOUT", "WARDEN_BOOTSTRAP_TOKEN"} {
		if !strings.Contains(out.String(), v) {
			t.Errorf("-h does not mention %s", v)
		}
	}
}

// TestRun_TLSFromEnvironment runs the real command in-process: HTTPS from WARDEN_TLS_CERT
// and WARDEN_TLS_KEY, a health and readiness check with the CA pinned, then a clean drain,
// and a backup of the database it wrote.
func TestRun_TLSFromEnvironment(t *testing.T) {
	cert := tlstesting.SelfSigned(t)
	db := filepath.Join(t.TempDir(), "warden.db")
	env := envOf(map[string]string{
		"WARDEN_TLS_CERT":        cert.CertFile,
		"WARDEN_TLS_KEY":         cert.KeyFile,
		"WARDEN_DB":              db,
		"WARDEN_BOOTSTRAP_TOKEN": bootstrapToken,
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	errc := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"-listen", "127.0.0.1:0", "-shutdown-timeout", "5s"}, env, pw, &stderr)
		_ = pw.Close()
		errc <- err
	}()
	rd := bufio.NewReader(pr)
	line, err := rd.ReadString('\n')
	if err != nil {
		t.Fatalf("no announcement: %v (%v)", err, <-errc)
	}
	go func() { _, _ = io.Copy(io.Discard, rd) }()
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "warden-server listening on ")
	if !ok || !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("announcement %q, want https://127.0.0.1:…", line)
	}

	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool(t), MinVersion: tls.VersionTLS12}}}
	defer hc.CloseIdleConnections()
	for _, path := range []string{"/v1/health", "/v1/ready"} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}

	// A backup while the server runs: it must not need the server's lock.
	to := filepath.Join(t.TempDir(), "backup.db")
	var out bytes.Buffer
	if err := run(t.Context(), []string{"backup", "-to", to}, env, &out, io.Discard); err != nil {
		t.Fatalf("backup (db from WARDEN_DB) beside a running server: %v", err)
	}
	if !strings.Contains(out.String(), to) {
		t.Errorf("backup printed %q", out.String())
	}

	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("run after SIGTERM-equivalent: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"draining", "drained", "stopped"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, stderr.String())
		}
	}
	// The decision log is written out after the drain, when no request can add to it.
	if d, f := strings.Index(stderr.String(), "drained"), strings.Index(stderr.String(), "decision log stopped"); f < d {
		t.Errorf("the decision log did not stop after the drain:\n%s", stderr.String())
	}

	// recover-owner reads WARDEN_DB too (the server has stopped and released the lock).
	out.Reset()
	if err := run(t.Context(), []string{"recover-owner"}, env, &out, io.Discard); err != nil {
		t.Fatalf("recover-owner with WARDEN_DB: %v", err)
	}
	if !strings.Contains(out.String(), "holds account_owner again") {
		t.Errorf("recover-owner printed %q", out.String())
	}
}

// A certificate that does not load fails the start before the database is created.
func TestRun_badCertificateWritesNothing(t *testing.T) {
	cert := tlstesting.SelfSigned(t)
	db := filepath.Join(t.TempDir(), "warden.db")
	err := run(t.Context(), []string{"-listen", "127.0.0.1:0", "-db", db, "-tls-cert", cert.CertFile, "-tls-key", cert.CertFile},
		envOf(map[string]string{"WARDEN_BOOTSTRAP_TOKEN": bootstrapToken}), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), cert.CertFile) {
		t.Fatalf("a certificate given as its own key: %v", err)
	}
	if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the database was created anyway: %v", err)
	}
}

// --version and -version print the version whatever else the command line or the
// environment holds; the release sets it with -ldflags "-X main.version=…" (.goreleaser.yml),
// which TestVersion_setByLinker checks on a real build.
func TestRun_version(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-version"}, {"-listen", "127.0.0.1:1", "--version"}} {
		var out bytes.Buffer
		db := filepath.Join(t.TempDir(), "warden.db")
		env := map[string]string{"WARDEN_DB": db}
		if args[0] == "--version" {
			env["WARDEN_SHUTDOWN_TIMEOUT"] = "soon" // first on the command line, it wins over a bad variable
		}
		if err := run(t.Context(), args, envOf(env), &out, io.Discard); err != nil {
			t.Errorf("%v: %v", args, err)
		}
		if got, want := out.String(), "warden-server "+version+"\n"; got != want {
			t.Errorf("%v printed %q, want %q", args, got, want)
		}
		if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%v opened the store: %v", args, err)
		}
	}
}

func TestVersion_setByLinker(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "warden-server")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-ldflags", "-X main.version=1.2.3-test", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, flag := range []string{"--version", "-version"} {
		out, err := exec.CommandContext(ctx, bin, flag).CombinedOutput()
		if err != nil || string(out) != "warden-server 1.2.3-test\n" {
			t.Errorf("warden-server %s: %q, %v; want \"warden-server 1.2.3-test\" and exit 0", flag, out, err)
		}
	}
	// The release sets the same variable.
	cfg, err := os.ReadFile("../../../.goreleaser.yml")
	if err != nil {
		t.Fatal(err)
	}
	server := cfg[bytes.Index(cfg, []byte("binary: warden-server")):]
	if !bytes.Contains(server[:bytes.Index(server, []byte("goarch"))], []byte("-X main.version={{ .Version }}")) {
		t.Errorf(".goreleaser.yml: the warden-server build does not set -X main.version={{ .Version }}")
	}
}

// startServer runs the command in-process on db until the test ends, and returns its URL and
// its log so far (through the announcement).
func startServer(t *testing.T, db string, stderr io.Writer) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"-listen", "127.0.0.1:0", "-db", db}, envOf(map[string]string{"WARDEN_BOOTSTRAP_TOKEN": bootstrapToken}), pw, stderr)
		_ = pw.Close()
		errc <- err
	}()
	rd := bufio.NewReader(pr)
	line, err := rd.ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no announcement: %v (%v)", err, <-errc)
	}
	go func() { _, _ = io.Copy(io.Discard, rd) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return strings.TrimPrefix(strings.TrimSpace(line), "warden-server listening on ")
}

// syncBuffer is a bytes.Buffer the server's log and the test may use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The first start on an empty store logs the owner it created, once: its e-mail and user id,
// never the token. Later starts on the same store create nobody and say nothing of it.
func TestRun_logsBootstrapOwner(t *testing.T) {
	db := filepath.Join(t.TempDir(), "warden.db")
	var first syncBuffer
	url := startServer(t, db, &first)
	var lines []string
	for l := range strings.Lines(first.String()) {
		if strings.Contains(l, "bootstrap owner") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("%d log lines about the bootstrap owner, want 1:\n%s", len(lines), first.String())
	}
	line := lines[0]
	if !strings.Contains(line, "email="+apiserver.BootstrapEmail) || !regexp.MustCompile(`user_id=usr_[a-z0-9]+`).MatchString(line) {
		t.Errorf("the line names neither the e-mail nor the user id: %s", line)
	}
	if strings.Contains(first.String(), bootstrapToken) {
		t.Errorf("the log holds the bootstrap token:\n%s", first.String())
	}
	// The id logged is the owner's: the API answers with it for the bootstrap token.
	id := regexp.MustCompile(`user_id=(usr_[a-z0-9]+)`).FindStringSubmatch(line)[1]
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url+"/v1/users/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+bootstrapToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), apiserver.BootstrapEmail) {
		t.Errorf("GET /v1/users/%s: %d %s", id, resp.StatusCode, body)
	}
}

func TestRun_noBootstrapLogOnExistingStore(t *testing.T) {
	db := filepath.Join(t.TempDir(), "warden.db")
	srv, err := apiserver.New(t.Context(), apiserver.Config{DB: db, BootstrapToken: bootstrapToken})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	startServer(t, db, &log)
	if strings.Contains(log.String(), "bootstrap owner") {
		t.Errorf("a start on a bootstrapped store logs a bootstrap owner:\n%s", log.String())
	}
}

// sqliteFiles are the files a start may write beside (and as) the database.
func sqliteFiles(db string) []string {
	return []string{db, db + "-wal", db + "-shm", db + "-journal", db + ".lock"}
}

// A refused start leaves the directory as it found it: no database, no WAL or shared memory,
// no lock file; and says why.
func TestRun_refusedStartLeavesNoFiles(t *testing.T) {
	taken, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = taken.Close() }()
	for name, c := range map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"no bootstrap token":    {nil, nil, "set WARDEN_BOOTSTRAP_TOKEN"},
		"short bootstrap token": {nil, map[string]string{"WARDEN_BOOTSTRAP_TOKEN": "short"}, "at least 16"},
		"address in use":        {[]string{"-listen", taken.Addr().String()}, map[string]string{"WARDEN_BOOTSTRAP_TOKEN": bootstrapToken}, "another warden-server, or another program, listens on " + taken.Addr().String()},
		"metrics address in use": {[]string{"-metrics-listen", taken.Addr().String()}, map[string]string{"WARDEN_BOOTSTRAP_TOKEN": bootstrapToken},
			"another program listens on " + taken.Addr().String() + "; choose another address with -metrics-listen"},
		"bad flag":       {[]string{"-idempotency-ttl", "-1s"}, map[string]string{"WARDEN_BOOTSTRAP_TOKEN": bootstrapToken}, "-idempotency-ttl must be positive"},
		"unknown flag":   {[]string{"-tls"}, map[string]string{"WARDEN_BOOTSTRAP_TOKEN": bootstrapToken}, "-tls"},
		"bad vendor url": {[]string{"-vendor-alert-url", "ftp://x", "-vendor-alert-routing-key", "k"}, map[string]string{"WARDEN_BOOTSTRAP_TOKEN": bootstrapToken}, "-vendor-alert-url"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "warden.db")
			args := append([]string{"-db", db}, c.args...)
			if len(c.args) == 0 || c.args[0] != "-listen" {
				args = append(args, "-listen", "127.0.0.1:0")
			}
			err := run(t.Context(), args, envOf(c.env), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%v: %v, want an error containing %q", args, err, c.want)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				t.Errorf("a refused start left %s behind", e.Name())
			}
		})
	}
}

// A start refused because another server holds the database takes nothing away from that
// server: its database, WAL and lock stay.
func TestRun_refusedStartKeepsAnotherServersFiles(t *testing.T) {
	db := filepath.Join(t.TempDir(), "warden.db")
	startServer(t, db, io.Discard)
	before := existing(sqliteFiles(db))
	if len(before) < 2 {
		t.Fatalf("the running server has only %v", before)
	}
	err := run(t.Context(), []string{"-listen", "127.0.0.1:0", "-db", db}, envOf(map[string]string{"WARDEN_BOOTSTRAP_TOKEN": bootstrapToken}), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "in use by another warden-server") {
		t.Fatalf("a second server on the same database: %v", err)
	}
	if after := existing(sqliteFiles(db)); !reflect.DeepEqual(after, before) {
		t.Errorf("the refused start changed the running server's files: %v, then %v", before, after)
	}
}

func existing(names []string) []string {
	var out []string
	for _, n := range names {
		if _, err := os.Stat(n); err == nil {
			out = append(out, filepath.Base(n))
		}
	}
	return out
}

// -metrics-listen serves the metrics on a listener of their own, announced after the API, to
// a scraper without a token; on -listen they still need one. Both drain on SIGTERM.
func TestRun_metricsListener(t *testing.T) {
	db := filepath.Join(t.TempDir(), "warden.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr syncBuffer
	errc := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"-listen", "127.0.0.1:0", "-metrics-listen", "127.0.0.1:0", "-db", db},
			envOf(map[string]string{"WARDEN_BOOTSTRAP_TOKEN": bootstrapToken}), pw, &stderr)
		_ = pw.Close()
		errc <- err
	}()
	rd := bufio.NewReader(pr)
	var lines []string
	for range 2 {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("announcements %q: %v (%v)", lines, err, <-errc)
		}
		lines = append(lines, strings.TrimSpace(line))
	}
	go func() { _, _ = io.Copy(io.Discard, rd) }()
	api, ok := strings.CutPrefix(lines[0], "warden-server listening on ")
	metrics, ok2 := strings.CutPrefix(lines[1], "warden-server metrics on ")
	if !ok || !ok2 || !strings.HasSuffix(metrics, "/metrics") {
		t.Fatalf("announcements %q: want the API's, then the metrics'", lines)
	}

	get := func(url, token string) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if status, body := get(metrics, ""); status != 200 || !strings.Contains(body, `warden_build_info{goversion="`) ||
		!strings.Contains(body, `version="`+version+`"`) {
		t.Errorf("GET %s without a token: %d\n%.500s", metrics, status, body)
	}
	if status, _ := get(api+"/metrics", ""); status != 401 {
		t.Errorf("GET /metrics on -listen without a token: %d, want 401", status)
	}
	if status, body := get(api+"/metrics", bootstrapToken); status != 200 || !strings.Contains(body, "warden_http_requests_total") {
		t.Errorf("GET /metrics on -listen as the owner: %d", status)
	}

	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("run after SIGTERM-equivalent: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "msg=drained listener=metrics") {
		t.Errorf("the metrics listener did not drain:\n%s", stderr.String())
	}
}
