package provider

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The quickstart demo (make demo: examples/quickstart/demo.sh) run as a user runs it, with
// this build's binaries and the CLI under test (TERRAFORM=TF_ACC_TERRAFORM_PATH), each in a
// demo directory and on an address of its own. The demo keeps to SQLite, so the PostgreSQL
// pass of the suite skips it.

// demoTestVersion is the version the test builds stamp into the provider binary.
const demoTestVersion = "9.8.7-test"

// buildBinaries builds this provider (with -X main.version=demoTestVersion, as the release
// sets it) and warden-server into a directory, which it returns: BIN for the demo.
func buildBinaries(ctx context.Context, t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	for _, b := range []struct{ out, pkg, ldflags string }{
		{"terraform-provider-warden", "../..", "-X main.version=" + demoTestVersion},
		{"warden-server", "../cmd/warden-server", ""},
	} {
		cmd := exec.CommandContext(ctx, "go", "build", "-ldflags", b.ldflags, "-o", filepath.Join(bin, b.out), b.pkg)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b.pkg, err, out)
		}
	}
	return bin
}

// demoCLI returns the CLI under test, skipping the test without TF_ACC or a CLI, and on the
// PostgreSQL pass.
func demoCLI(t *testing.T) string {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	if os.Getenv("WARDEN_TEST_STORE") == "postgres" {
		t.Skip("the demo runs on SQLite: the SQLite pass of the suite runs it")
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		t.Skip("TF_ACC_TERRAFORM_PATH names no terraform")
	}
	return tf
}

// freeAddress returns a 127.0.0.1 address nothing listens on (a moment ago).
func freeAddress(t *testing.T) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// demo is one demo directory, address and binaries.
type demo struct {
	t                  *testing.T
	tf, bin, dir, addr string
}

// env is the demo's environment: the machine's, without anything that would point it
// elsewhere (a user's WARDEN_* or TF_* settings, KEEP_SERVER), plus extra.
func (d demo) env(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "WARDEN_") || strings.HasPrefix(kv, "TF_") || strings.HasPrefix(kv, "KEEP_SERVER=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, append([]string{"BIN=" + d.bin, "TERRAFORM=" + d.tf, "WARDEN_DEMO_DIR=" + d.dir,
		"WARDEN_LISTEN=" + d.addr, "CHECKPOINT_DISABLE=1"}, extra...)...)
}

func (d demo) command(ctx context.Context, extra ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "bash", "../../examples/quickstart/demo.sh")
	cmd.Env = d.env(extra...)
	// Its own process group: a test that times out ends the demo's server with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// run runs the demo to its end and returns its exit code, combined output and duration.
func (d demo) run(ctx context.Context, extra ...string) (int, string, time.Duration) {
	d.t.Helper()
	start := time.Now()
	out, err := d.command(ctx, extra...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out), time.Since(start)
	case err != nil:
		d.t.Fatalf("demo.sh: %v\n%s", err, out)
	}
	return 0, string(out), time.Since(start)
}

func newDemo(ctx context.Context, t *testing.T) demo {
	return demo{t: t, tf: demoCLI(t), bin: buildBinaries(ctx, t), dir: filepath.Join(t.TempDir(), "demo"), addr: freeAddress(t)}
}

// ansi matches the colour codes of the CLIs' output.
var ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// The whole demo with KEEP_SERVER=1: it applies the quickstart and prints its outputs once,
// with no advice to run what it then runs itself; the export lines it prints, sourced in a
// fresh shell that has nothing else set, let the plan it prints run in .demo/quickstart
// without init (and plan nothing); and a second demo while that server runs stops at once,
// naming it.
func TestAccQuickstartDemo_keepServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	t.Parallel()
	d := newDemo(ctx, t)
	code, out, _ := d.run(ctx, "KEEP_SERVER=1")
	out = ansi.ReplaceAllString(out, "")
	pid := 0
	if m := regexp.MustCompile(`Stop the server with: kill (\d+)`).FindStringSubmatch(out); m != nil {
		pid, _ = strconv.Atoi(m[1])
		t.Cleanup(func() { stopProcess(t, pid) })
	}
	if code != 0 {
		t.Fatalf("KEEP_SERVER=1 demo: exit %d\n%s", code, out)
	}
	if pid == 0 {
		t.Fatalf("the demo does not say how to stop the server it kept:\n%s", out)
	}
	if n := len(regexp.MustCompile(`(?m)^Outputs:$`).FindAllString(out, -1)); n != 1 {
		t.Errorf("the demo prints its outputs %d times, want once:\n%s", n, out)
	}
	if strings.Contains(out, `apply "tfplan"`) {
		t.Errorf("the demo advises running the apply it runs itself:\n%s", out)
	}
	for _, want := range []string{"Apply complete! Resources: 16 added", "No changes."} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, out)
		}
	}

	// What the user copies into another shell.
	var exports []string
	planLine := ""
	for l := range strings.Lines(out) {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "export "):
			exports = append(exports, l)
		case strings.HasPrefix(l, "cd ") && strings.HasSuffix(l, " plan"):
			planLine = l
		}
	}
	for _, v := range []string{"WARDEN_ENDPOINT", "WARDEN_TOKEN", "TF_CLI_CONFIG_FILE"} {
		if !strings.Contains(strings.Join(exports, "\n"), "export "+v+"=") {
			t.Errorf("the demo prints no export of %s:\n%s", v, out)
		}
	}
	if planLine == "" {
		t.Fatalf("the demo prints no plan command to run:\n%s", out)
	}
	script := strings.Join(exports, "\n") + `
test -n "$WARDEN_TOKEN" || { echo "WARDEN_TOKEN is not set"; exit 90; }
` + planLine + " -input=false -no-color -detailed-exitcode\n"
	// A fresh shell: only PATH and HOME, as a new terminal has before the user pastes.
	shell := exec.CommandContext(ctx, "bash", "-c", script)
	shell.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	shell.Dir = t.TempDir()
	got, err := shell.CombinedOutput()
	if err != nil {
		t.Errorf("the printed exports and plan, in a fresh shell:\n%s\n--- %v\n%s", script, err, got)
	} else if !strings.Contains(string(got), "No changes.") {
		t.Errorf("the printed plan did not run against the kept server:\n%s", got)
	}

	// The same demo again, while that server runs: it refuses at once and names the server.
	code, out, took := d.run(ctx)
	if code == 0 || took > 10*time.Second {
		t.Errorf("a second demo beside the kept server: exit %d after %v, want a quick failure\n%s", code, took, out)
	}
	if want := "kill " + strconv.Itoa(pid); !strings.Contains(out, "KEEP_SERVER=1") || !strings.Contains(out, want) {
		t.Errorf("a second demo beside the kept server does not name it (%q):\n%s", want, out)
	}
	if ranTerraform(out) {
		t.Errorf("a second demo beside the kept server ran Terraform:\n%s", out)
	}
}

// status401 is an HTTP 401 in Terraform's output, as a word: the temporary directories the
// output names are random numbers, which may hold the digits 401.
var status401 = regexp.MustCompile(`\b401\b`)

// ranTerraform reports whether a demo's output shows Terraform planning, or a request
// refused with 401.
func ranTerraform(out string) bool {
	return status401.MatchString(out) || strings.Contains(out, "Plan:")
}

// A random directory's digits are not a 401; Terraform's own words are.
func TestRanTerraform(t *testing.T) {
	for out, want := range map[string]bool{
		"a Warden API kept by an earlier KEEP_SERVER=1 run still runs on /tmp/TestAccQuickstartDemo_keepServer4019312440/002/demo (pid 4081)": false,
		"Error: unexpected status 401: Unauthorized":                true,
		"the server answered 401 Unauthorized":                      true,
		"Plan: 16 to add, 0 to change, 0 to destroy.":               true,
		"make demo: 127.0.0.1:8401 is taken by another HTTP server": false,
	} {
		if got := ranTerraform(out); got != want {
			t.Errorf("ranTerraform(%q) = %v, want %v", out, got, want)
		}
	}
}

// The demo's address taken by another HTTP server (one that answers health checks, and 401
// to everything else, as another Warden would to the demo's token): the demo fails within
// seconds saying the address is taken and how to choose another, never runs Terraform against
// the other server, and leaves no database behind.
func TestAccQuickstartDemo_addressTaken(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	t.Parallel()
	var requests atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.URL.Path == "/v1/health" {
			_, _ = w.Write([]byte(`{"status":"ok"}`))
			return
		}
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	}))
	defer other.Close()
	d := newDemo(ctx, t)
	d.addr = other.Listener.Addr().String()

	code, out, took := d.run(ctx)
	if code == 0 || took > 20*time.Second {
		t.Fatalf("the demo on a taken address: exit %d after %v, want a quick failure\n%s", code, took, out)
	}
	for _, want := range []string{d.addr, "address already in use", "WARDEN_LISTEN="} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo's message lacks %q:\n%s", want, out)
		}
	}
	if ranTerraform(out) || strings.Contains(out, "Error:") {
		t.Errorf("the demo ran Terraform against the other server:\n%s", out)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the other server got %d requests from the demo", n)
	}
	if _, err := os.Stat(filepath.Join(d.dir, "warden.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused server left its database: %v", err)
	}
}

// The demo's server killed while Terraform runs: the demo fails saying that its server
// stopped, with its exit status and log, rather than only Terraform's connection errors.
func TestAccQuickstartDemo_serverDies(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	t.Parallel()
	d := newDemo(ctx, t)
	cmd := d.command(ctx)
	var out bytes.Buffer
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = pw.Close()
	// The demo names its server's pid once it answers; kill it then, before Terraform is done.
	killed := false
	sc := bufio.NewScanner(pr)
	pidOf := regexp.MustCompile(`^Warden API on \S+ \(pid (\d+),`)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if m := pidOf.FindStringSubmatch(sc.Text()); m != nil && !killed {
			pid, _ := strconv.Atoi(m[1])
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatalf("kill the demo's server %d: %v", pid, err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	text := ansi.ReplaceAllString(out.String(), "")
	if !killed {
		t.Fatalf("the demo never said its server's pid:\n%s", text)
	}
	if err == nil {
		t.Fatalf("the demo succeeded without its server:\n%s", text)
	}
	for _, want := range []string{"stopped during the demo", "exited with status 137", filepath.Join(d.dir, "server.log")} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo's message lacks %q:\n%s", want, text)
		}
	}
}

// stopProcess ends a server a test started (through the demo), by its pid, and waits for it.
func stopProcess(t *testing.T, pid int) {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return // already gone
	}
	for range 100 {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("the kept server %d did not stop on SIGTERM", pid)
}

// The provider binary says its version, the one the release stamps with -X main.version, and
// exits 0 (Terraform starts it with no arguments; a user checking a mirror runs it by hand).
func TestProviderBinary_version(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the provider")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	bin := t.TempDir()
	build := exec.CommandContext(ctx, "go", "build", "-ldflags", "-X main.version="+demoTestVersion, "-o", filepath.Join(bin, "p"), "../..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, flag := range []string{"--version", "-version"} {
		out, err := exec.CommandContext(ctx, filepath.Join(bin, "p"), flag).CombinedOutput()
		if want := "terraform-provider-warden " + demoTestVersion + "\n"; err != nil || string(out) != want {
			t.Errorf("terraform-provider-warden %s: %q, %v; want %q and exit 0", flag, out, err, want)
		}
	}
	cfg, err := os.ReadFile("../../.goreleaser.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(cfg, []byte(`ldflags: ["-s -w -X main.version={{ .Version }}"]`)) {
		t.Error(".goreleaser.yml does not set main.version")
	}
}
