package alerttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// AlertmanagerEnv names a prebuilt alertmanager binary to run instead of the one
// .ci/build-alertmanager.sh builds into the cache.
const AlertmanagerEnv = "WARDEN_ALERTMANAGER"

// AlertmanagerConfig is where an Alertmanager sends, and how soon.
type AlertmanagerConfig struct {
	// URL is the one webhook receiver: Warden's ingest URL (…/v1/environments/{id}/alerts).
	URL string
	// Token is sent as the bearer credential of every notification: the ingest key (wik_…).
	Token string
	// GroupWait is how long a new alert waits before its first notification (100ms when
	// zero); GroupInterval how long before a change to it, such as its resolution, is sent (1s);
	// RepeatInterval how long before an unchanged firing alert is sent again (24h).
	GroupWait, GroupInterval, RepeatInterval time.Duration
	// Timeout bounds each notification; zero leaves it to Alertmanager (none).
	Timeout time.Duration
}

// Alertmanager is a running Prometheus Alertmanager that sends each alert in a notification of
// its own (group_by: ['...']) to one webhook, with send_resolved. Two started with the same
// config send every alert twice, as an HA pair does when its peers have not gossiped.
type Alertmanager struct {
	// URL is the base URL of its API, http://127.0.0.1:port.
	URL    string
	Config AlertmanagerConfig
	// LogFile holds its log (debug level), whose tail the test prints when it fails.
	LogFile string

	cmd    *exec.Cmd
	exited chan struct{}
	client *http.Client
	stop   sync.Once
}

// StartAlertmanager starts an Alertmanager with cfg on free 127.0.0.1 ports and waits until it
// is ready; it stops when the test ends. The first call in a test binary may build it (about
// two minutes, once per machine: .ci/build-alertmanager.sh).
func StartAlertmanager(t testing.TB, cfg AlertmanagerConfig) *Alertmanager {
	t.Helper()
	bin, err := alertmanagerBinary()
	if err != nil {
		t.Fatalf("alerttest: no alertmanager binary: %v", err)
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(config, alertmanagerYAML(&cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(dir, "alertmanager.log")
	// Registered before the process starts, so it runs after the process stopped.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("alerttest: the tail of %s:\n%s", logFile, tail(logFile, 60))
		}
	})
	// The free port may be taken again before Alertmanager binds it: a new one then.
	for attempt := 1; ; attempt++ {
		am := &Alertmanager{Config: cfg, LogFile: logFile, exited: make(chan struct{}), client: &http.Client{}}
		err := am.launch(t, bin, dir, config)
		if err == nil {
			t.Cleanup(am.Stop)
			return am
		}
		if attempt == 3 || !strings.Contains(tail(logFile, 5), "address already in use") {
			t.Fatalf("alerttest: alertmanager did not start: %v\n%s", err, tail(logFile, 60))
		}
	}
}

func (am *Alertmanager) launch(t testing.TB, bin, dir, config string) error {
	t.Helper()
	addr := freeAddr(t)
	am.URL = "http://" + addr
	logOut, err := os.OpenFile(am.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer func() { _ = logOut.Close() }()
	// When the test's context ends, Alertmanager gets SIGTERM, and is killed if it lingers.
	am.cmd = exec.CommandContext(t.Context(), bin,
		"--config.file="+config,
		"--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		// Else it names the host by its hostname in the links of every notification.
		"--web.external-url="+am.URL,
		// Empty turns clustering off: no gossip port, and no wait for peers before sending.
		"--cluster.listen-address=",
		"--log.level=debug",
	)
	am.cmd.Cancel = func() error { return am.cmd.Process.Signal(syscall.SIGTERM) }
	am.cmd.WaitDelay = 10 * time.Second
	am.cmd.Stdout, am.cmd.Stderr = logOut, logOut
	if err := am.cmd.Start(); err != nil {
		return err
	}
	go func() {
		_ = am.cmd.Wait()
		close(am.exited)
	}()
	return am.waitReady(t.Context(), 30*time.Second)
}

func (am *Alertmanager) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		if status, _, err := am.do(ctx, http.MethodGet, "/-/ready", nil); err == nil && status == http.StatusOK {
			return nil
		}
		select {
		case <-am.exited:
			return fmt.Errorf("it exited: %v", am.cmd.ProcessState)
		case <-ctx.Done():
			am.Stop()
			return fmt.Errorf("not ready after %v", timeout)
		case <-tick.C:
		}
	}
}

// Stop stops Alertmanager (SIGTERM, then SIGKILL after 10s) and waits until it has exited.
func (am *Alertmanager) Stop() {
	am.stop.Do(func() {
		_ = am.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-am.exited:
		case <-time.After(10 * time.Second):
			_ = am.cmd.Process.Kill()
			<-am.exited
		}
	})
}

// PostableAlert is an alert as Alertmanager's API v2 takes it (POST /api/v2/alerts).
type PostableAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations,omitempty"`
	// StartsAt is when it began (Alertmanager's now when zero); EndsAt when it ends: a time in
	// the past resolves it, zero leaves it firing until resolve_timeout.
	StartsAt     time.Time `json:"startsAt,omitzero"`
	EndsAt       time.Time `json:"endsAt,omitzero"`
	GeneratorURL string    `json:"generatorURL,omitempty"`
}

// Post sends alerts to Alertmanager, as Prometheus does.
func (am *Alertmanager) Post(ctx context.Context, alerts ...PostableAlert) error {
	return postAlerts(ctx, am.client, am.URL, alerts)
}

// Resolve posts alerts with their end set to now, so Alertmanager sends their resolution
// (same labels, same fingerprint) at the next group interval.
func (am *Alertmanager) Resolve(ctx context.Context, alerts ...PostableAlert) error {
	now := time.Now()
	resolved := make([]PostableAlert, len(alerts))
	for i, a := range alerts {
		if a.EndsAt.IsZero() || a.EndsAt.After(now) {
			a.EndsAt = now
		}
		// Alertmanager refuses an end before the start; it keeps the earliest start it saw.
		if a.StartsAt.After(a.EndsAt) {
			a.StartsAt = time.Time{}
		}
		resolved[i] = a
	}
	return am.Post(ctx, resolved...)
}

func postAlerts(ctx context.Context, c *http.Client, base string, alerts []PostableAlert) error {
	b, err := json.Marshal(alerts)
	if err != nil {
		return err
	}
	status, body, err := doRequest(ctx, c, http.MethodPost, base+"/api/v2/alerts", b)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("alertmanager: POST /api/v2/alerts: %d %s", status, bytes.TrimSpace(body))
	}
	return nil
}

func (am *Alertmanager) do(ctx context.Context, method, path string, body []byte) (int, []byte, error) {
	return doRequest(ctx, am.client, method, am.URL+path, body)
}

func doRequest(ctx context.Context, c *http.Client, method, url string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// alertmanagerYAML fills cfg's defaults and renders it as Alertmanager's configuration: JSON,
// which is YAML too, so that every value is quoted right.
func alertmanagerYAML(cfg *AlertmanagerConfig) []byte {
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&cfg.GroupWait, 100 * time.Millisecond}, {&cfg.GroupInterval, time.Second}, {&cfg.RepeatInterval, 24 * time.Hour}} {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	// Milliseconds: the one unit both Prometheus's durations and Go's parse at any size.
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) + "ms" }
	webhook := map[string]any{
		"url":           cfg.URL,
		"send_resolved": true,
		"max_alerts":    0,
		"http_config": map[string]any{
			"authorization": map[string]any{"type": "Bearer", "credentials": cfg.Token},
		},
	}
	if cfg.Timeout > 0 {
		webhook["timeout"] = ms(cfg.Timeout)
	}
	b, err := json.MarshalIndent(map[string]any{
		"route": map[string]any{
			"receiver":        "warden",
			"group_by":        []string{"..."},
			"group_wait":      ms(cfg.GroupWait),
			"group_interval":  ms(cfg.GroupInterval),
			"repeat_interval": ms(cfg.RepeatInterval),
		},
		"receivers": []any{map[string]any{"name": "warden", "webhook_configs": []any{webhook}}},
	}, "", "  ")
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	return b
}

var alertmanagerBinary = sync.OnceValues(func() (string, error) {
	if p := os.Getenv(AlertmanagerEnv); p != "" {
		return p, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	// Not the test's context: the build is shared by every test of the binary.
	cmd := exec.CommandContext(context.Background(), "bash", filepath.Join(root, ".ci", "build-alertmanager.sh"), "--path")
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf(".ci/build-alertmanager.sh: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
})

// repoRoot is the nearest directory above the working directory (a test's package) that
// holds .ci/build-alertmanager.sh.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, ".ci", "build-alertmanager.sh")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no .ci/build-alertmanager.sh above the working directory; set " + AlertmanagerEnv)
		}
		dir = parent
	}
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
