package bench

import (
	"context"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// whoCanQuestions is how many distinct who-can questions the load cycles through.
const whoCanQuestions = 1024

// BenchmarkWhoCanAPI drives GET /v1/environments/{id}/principals?action=… with wrk against
// bin/warden-server holding BenchmarkAuthorizeAPI's data set (10,000 grants, 1,000 members
// in 100 groups, vendors with approved requests), and reports answers/s with the p50 and p99
// latency beside the authorize target's p99. Each answer lists every member who may do a
// matrix action in one environment (most of them, in this data set) or every vendor holding a
// capability: a much larger body than authorize's.
func BenchmarkWhoCanAPI(b *testing.B) {
	wrk := wrkPath(b)
	cfg := wrkConfig{threads: envInt(b, apiThreadsEnv, 1), connections: envInt(b, apiConnectionsEnv, 8),
		seconds: envSeconds(b, apiDurationEnv, 10*time.Second)}
	token := randomToken(b)
	url, pids := startBenchServer(b, token)

	c := newAPIClient(url)
	start := time.Now()
	d, err := seed(b.Context(), c, token)
	if err != nil {
		b.Fatalf("seeding: %v", err)
	}
	seeding := time.Since(start)
	fmt.Printf("seeded %d environments, %d roles, %d grants, %d members (+%d vendors), %d groups in %.1fs\n",
		len(d.envs), len(d.roles), d.grants, len(d.members), len(d.vendors), len(d.groups), seeding.Seconds())

	paths := whoCanPaths(d, whoCanQuestions)
	size, err := verifyWhoCan(b.Context(), c, token, d, paths[:50])
	if err != nil {
		b.Fatalf("before the load: %v", err)
	}
	c.http.CloseIdleConnections()

	script := filepath.Join(b.TempDir(), "whocan.lua")
	if err := writeWrkGetScript(script, token, paths); err != nil {
		b.Fatal(err)
	}
	warm := cfg
	warm.seconds = min(warmupSeconds, cfg.seconds)
	if _, err := runWrk(b.Context(), wrk, warm, script, url, false); err != nil {
		b.Fatalf("warm-up: %v", err)
	}
	var r wrkResult
	other := -1.0
	for b.Loop() {
		stop := func() {}
		if profile := os.Getenv(apiCPUProfileEnv); profile != "" {
			stop = startCPUProfile(b, profile)
		}
		before, okBefore := sampleCPU(pids)
		r, err = runWrk(b.Context(), wrk, cfg, script, url, true)
		after, okAfter := sampleCPU(pids)
		stop()
		if err != nil {
			b.Fatal(err)
		}
		if okBefore && okAfter {
			other = otherCPU(before, after, r.wrkCPU)
		}
	}
	b.ReportMetric(r.rps, "answers/s")
	b.ReportMetric(r.p50, "p50-ms")
	b.ReportMetric(r.p99, "p99-ms")
	if other >= 0 {
		b.ReportMetric(100*other, "other-cpu-%")
	}
	fmt.Printf("who-can on %s: %s answers/s, p50 %.2f ms, p99 %.2f ms (wrk %s; answers of %s bytes on average; %d grants, %d users, %d groups)\n",
		benchStore(), thousands(int64(r.rps+0.5)), r.p50, r.p99, cfg, thousands(int64(size)), d.grants, len(d.members), len(d.groups))
	fmt.Printf("p99 beside authorize's target (p99 ≤ %.0f ms): %.1f×\n", targetP99Ms, r.p99/targetP99Ms)
	if other > 0.1 {
		fmt.Printf("warning: other processes used %.0f%% of the machine's CPU during the load: these numbers are low\n", 100*other)
	}
}

// wrkPath finds wrk or skips.
func wrkPath(b *testing.B) string {
	b.Helper()
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("wrk is not on PATH: run `make bench-api`, which installs it from Debian")
	}
	return wrk
}

// startBenchServer starts bin/warden-server (or, with WARDEN_BENCH_API_CPUPROFILE set, the
// same handler in-process) and returns its URL and the pids whose CPU is ours.
func startBenchServer(b *testing.B, token string) (string, []int) {
	b.Helper()
	if os.Getenv(apiCPUProfileEnv) != "" {
		return startInProcessServer(b, token), []int{os.Getpid()}
	}
	url, pid := startServerBinary(b, serverBinary(b), token)
	return url, []int{os.Getpid(), pid}
}

// whoCanPaths is the mix the load cycles through: matrix actions in any environment, and 5 %
// capabilities in the environments with support access.
func whoCanPaths(d dataset, n int) []string {
	rng := mrand.New(mrand.NewPCG(5, 17))
	actions := access.Actions()
	var caps []string
	for _, c := range access.AllCapabilities() {
		caps = append(caps, c.Name)
	}
	out := make([]string, 0, n)
	for range n {
		env, action := d.envs[rng.IntN(len(d.envs))], actions[rng.IntN(len(actions))]
		if rng.IntN(100) < vendorPercent {
			env, action = d.envs[rng.IntN(apiSupportEnvs)], caps[rng.IntN(len(caps))]
		}
		out = append(out, "/v1/environments/"+env.ID+"/principals?action="+url.QueryEscape(action))
	}
	return out
}

// verifyWhoCan proves the load measures real answers: each sample is answered 200 and, for
// one member per answer, agrees with POST /v1/authorize. It returns the mean body size.
func verifyWhoCan(ctx context.Context, c *apiClient, token string, d dataset, sample []string) (float64, error) {
	total, listed := 0, 0
	for i, p := range sample {
		var w api.WhoCan
		if err := c.call(ctx, http.MethodGet, p, token, nil, &w, http.StatusOK); err != nil {
			return 0, err
		}
		raw, err := json.Marshal(w)
		if err != nil {
			return 0, err
		}
		total += len(raw)
		listed += len(w.Principals)
		in := map[string]bool{}
		for _, pr := range w.Principals {
			in[pr.UserID] = true
		}
		u := d.members[(i*37)%len(d.members)]
		var a api.AuthorizeResponse
		req := api.AuthorizeRequest{PrincipalID: u.ID, EnvironmentID: w.EnvironmentID, Action: w.Action}
		if access.IsCapability(w.Action) {
			u = d.vendors[0]
			req = api.AuthorizeRequest{PrincipalID: u.ID, EnvironmentID: w.EnvironmentID, Action: w.Action, Resource: access.DefaultResourcePrefix + "host1"}
		}
		if err := c.call(ctx, http.MethodPost, "/v1/authorize", token, req, &a, http.StatusOK); err != nil {
			return 0, err
		}
		if a.Allowed != in[u.ID] {
			return 0, fmt.Errorf("%s %s: authorize %v, who-can lists %s: %v", w.EnvironmentID, w.Action, a.Allowed, u.Email, in[u.ID])
		}
	}
	if listed == 0 {
		return 0, fmt.Errorf("the sample of %d questions listed nobody", len(sample))
	}
	fmt.Printf("sample of %d who-can answers: %d principals listed, each agreeing with authorize for the user checked\n", len(sample), listed)
	return float64(total) / float64(len(sample)), nil
}

// wrkGetScriptTemplate cycles each wrk thread through the paths from its own offset.
const wrkGetScriptTemplate = `-- Generated by BenchmarkWhoCanAPI (internal/bench/whocan_bench_test.go).
local headers = {["Authorization"] = %s}
local paths = {
%s}
local n = #paths
local i = 0
local threads = 0

function setup(thread)
  thread:set("offset", threads * 101)
  threads = threads + 1
end

function init(args)
  i = (offset or 0) %% n
end

function request()
  i = i %% n + 1
  return wrk.format("GET", paths[i], headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("warden-bench-errors connect=%%d read=%%d write=%%d status=%%d timeout=%%d requests=%%d\n",
    e.connect, e.read, e.write, e.status, e.timeout, summary.requests))
end
`

func writeWrkGetScript(path, token string, paths []string) error {
	var b strings.Builder
	for _, p := range paths {
		fmt.Fprintf(&b, "  %s,\n", strconv.Quote(p))
	}
	return os.WriteFile(path, []byte(fmt.Sprintf(wrkGetScriptTemplate, strconv.Quote("Bearer "+token), b.String())), 0o600)
}
