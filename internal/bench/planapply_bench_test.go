package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// casesEnv selects the cases BenchmarkPlanApply runs: a comma-separated list of case names,
// "all" (the default), and "-name" to leave one out, e.g. "-matrix-10k" for every case but
// the slow one.
const casesEnv = "WARDEN_BENCH_CASES"

// cpuProfileEnv is read by the provider binary, not by the benchmark: when it names a
// directory, each provider process writes cpu-<pid>.pprof and heap-<pid>.pprof there as it
// exits. The benchmark points each terraform command at its own subdirectory
// (<dir>/<case>/apply, <dir>/<case>/plan) so that a plan's profile is not mixed with the
// apply's.
const cpuProfileEnv = "WARDEN_PROVIDER_CPUPROFILE"

// planApplyCase is one configuration: a shape, its size, and the latency between the
// provider and the API.
type planApplyCase struct {
	name string
	// oneEnv is grantsConfig's shape (one environment, roles roles, a grant per role);
	// otherwise matrixConfig's (a grant of every role in every environment).
	oneEnv      bool
	envs, roles int
	latency     time.Duration
	// zeroLatency names the same shape without latency, whose plan this case's is divided by.
	zeroLatency string
}

func (c planApplyCase) grants() int {
	if c.oneEnv {
		return c.roles
	}
	return c.envs * c.roles
}

func (c planApplyCase) objects() int { return c.envs + c.roles + c.grants() }

// floorKey identifies the floor graph: latency does not change it, so cases that differ only
// in latency share one measurement.
func (c planApplyCase) floorKey() string {
	return fmt.Sprintf("oneEnv=%t %d×%d", c.oneEnv, c.envs, c.roles)
}

// planApplyCases are every case, in the order they run: a case's zero-latency reference
// runs before it.
var planApplyCases = []planApplyCase{
	{name: "one-env-1k", oneEnv: true, envs: 1, roles: 1000},
	{name: "one-env-1k-20ms", oneEnv: true, envs: 1, roles: 1000, latency: 20 * time.Millisecond, zeroLatency: "one-env-1k"},
	{name: "matrix-1k", envs: 10, roles: 100},
	{name: "matrix-1k-20ms", envs: 10, roles: 100, latency: 20 * time.Millisecond, zeroLatency: "matrix-1k"},
	{name: "matrix-10k", envs: 100, roles: 100},
}

// selectCases applies a casesEnv value to planApplyCases.
func selectCases(spec string) ([]planApplyCase, error) {
	known := map[string]bool{}
	for _, c := range planApplyCases {
		known[c.name] = true
	}
	include, exclude := map[string]bool{}, map[string]bool{}
	hasAll := false
	for _, f := range strings.Split(spec, ",") {
		f = strings.TrimSpace(f)
		name, out := strings.CutPrefix(f, "-")
		switch {
		case f == "":
		case f == "all":
			hasAll = true
		case !known[name]:
			return nil, fmt.Errorf("%s: unknown case %q; the cases are %s", casesEnv, name, caseNames())
		case out:
			exclude[name] = true
		default:
			include[name] = true
		}
	}
	// Without a name to include (empty, or only exclusions) every case is in.
	all := hasAll || len(include) == 0
	var cases []planApplyCase
	for _, c := range planApplyCases {
		if (all || include[c.name]) && !exclude[c.name] {
			cases = append(cases, c)
		}
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("%s=%q selects no case; the cases are %s", casesEnv, spec, caseNames())
	}
	return cases, nil
}

func caseNames() string {
	names := make([]string, len(planApplyCases))
	for i, c := range planApplyCases {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// timing is one apply followed by one refreshing plan of the same configuration.
type timing struct{ apply, plan time.Duration }

type planApplyResult struct {
	planApplyCase
	provider, floor timing
	peakKiB         int64
	requests        int64 // through the latency proxy; 0 without one
}

func (r planApplyResult) planRatio() float64 {
	return r.provider.plan.Seconds() / r.floor.plan.Seconds()
}
func (r planApplyResult) applyRatio() float64 {
	return r.provider.apply.Seconds() / r.floor.apply.Seconds()
}

// BenchmarkPlanApply applies each case's configuration with the provider against a fresh
// Warden API, then plans it again (refreshing every object; the plan must be empty), and does
// the same with the same graph in terraform_data: Terraform's own floor. It prints one table
// of every case with the targets, met or not (`make bench`; `make bench-quick` runs
// the 1,110-object matrix only).
func BenchmarkPlanApply(b *testing.B) {
	bin := providerBinary(b)
	tf, err := exec.LookPath("terraform")
	if err != nil {
		b.Skip("terraform is not on PATH")
	}
	cases, err := selectCases(os.Getenv(casesEnv))
	if err != nil {
		b.Fatal(err)
	}
	cliConfig, rssMethod := devOverrides(b, bin)
	floors := map[string]timing{}
	var results []planApplyResult
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var r planApplyResult
			for range b.N {
				r = runPlanApply(b, tf, cliConfig, c, floors)
			}
			b.ReportMetric(r.provider.plan.Seconds(), "plan-s")
			b.ReportMetric(r.provider.apply.Seconds(), "apply-s")
			b.ReportMetric(r.floor.plan.Seconds(), "floor-plan-s")
			b.ReportMetric(r.floor.apply.Seconds(), "floor-apply-s")
			b.ReportMetric(r.planRatio(), "plan-x-floor")
			b.ReportMetric(r.applyRatio(), "apply-x-floor")
			b.ReportMetric(float64(r.peakKiB)/1024, "provider-peak-MiB")
			if r.requests > 0 {
				b.ReportMetric(float64(r.requests), "proxied-requests")
			}
			results = append(results, r)
		})
	}
	fmt.Print(planApplyTable(results, rssMethod))
}

// devOverrides writes a CLI configuration whose dev_overrides point Terraform at the
// provider wrapper (which records peak RSS) for bin, and returns its path and how the
// wrapper measures memory.
func devOverrides(b *testing.B, bin string) (cliConfig, rssMethod string) {
	b.Helper()
	overrides := b.TempDir()
	rssMethod = writeProviderWrapper(b, overrides, bin)
	cliConfig = filepath.Join(b.TempDir(), "terraformrc")
	writeFile(b, cliConfig, fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"wardenhq/warden\" = %q\n  }\n  direct {}\n}\n", overrides))
	return cliConfig, rssMethod
}

func runPlanApply(b *testing.B, tf, cliConfig string, c planApplyCase, floors map[string]timing) planApplyResult {
	b.Helper()
	r := planApplyResult{planApplyCase: c}
	srv := acctest.NewServer(b)
	// The provider talks to the API through the proxy; the benchmark's own checks go straight
	// to it, so that they neither wait nor count.
	endpoint := srv
	var proxy *acctest.LatencyProxy
	if c.latency > 0 {
		proxy = acctest.NewLatencyProxy(b, srv.URL, c.latency)
		viaProxy := *srv
		viaProxy.URL = proxy.URL
		endpoint = &viaProxy
	}
	work := b.TempDir()
	if c.oneEnv {
		writeFile(b, filepath.Join(work, "main.tf"), grantsConfig(endpoint, c.roles))
	} else {
		writeFile(b, filepath.Join(work, "main.tf"), matrixConfig(endpoint, c.envs, c.roles))
	}
	rss := filepath.Join(b.TempDir(), "provider.rss")
	r.provider.apply = terraformEnv(b, tf, work, cliConfig, rss, profileEnv(b, c.name, "apply"), applyArgs...)
	if got := grantsInAPI(b, srv); got != c.grants() {
		b.Fatalf("after apply the API holds %d grants, want %d", got, c.grants())
	}
	// -detailed-exitcode makes a non-empty plan (exit 2) fail the run: a refresh that
	// finds changes right after an apply is a provider bug, and its time would mean nothing.
	r.provider.plan = terraformEnv(b, tf, work, cliConfig, rss, profileEnv(b, c.name, "plan"), planArgs...)
	r.peakKiB = peakKiB(b, rss)
	if proxy != nil {
		r.requests = proxy.Requests()
	}

	floor, ok := floors[c.floorKey()]
	if !ok {
		dir := b.TempDir()
		if c.oneEnv {
			writeFile(b, filepath.Join(dir, "main.tf"), floorConfig(c.roles))
		} else {
			writeFile(b, filepath.Join(dir, "main.tf"), matrixFloorConfig(c.envs, c.roles))
		}
		floor.apply = terraform(b, tf, dir, cliConfig, "", applyArgs...)
		floor.plan = terraform(b, tf, dir, cliConfig, "", planArgs...)
		floors[c.floorKey()] = floor
	}
	r.floor = floor
	return r
}

var (
	applyArgs = []string{"apply", "-input=false", "-no-color", "-lock=false", "-parallelism=" + strconv.Itoa(parallelism), "-auto-approve"}
	planArgs  = []string{"plan", "-input=false", "-no-color", "-lock=false", "-parallelism=" + strconv.Itoa(parallelism), "-refresh=true", "-detailed-exitcode"}
)

// profileEnv gives one terraform command its own profile directory under cpuProfileEnv's,
// when the caller set it; nil otherwise (the provider then writes no profile).
func profileEnv(b *testing.B, caseName, step string) []string {
	b.Helper()
	root := os.Getenv(cpuProfileEnv)
	if root == "" {
		return nil
	}
	dir := filepath.Join(root, caseName, step)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	return []string{cpuProfileEnv + "=" + dir}
}

// grantsInAPI counts the grants in every environment, asking the API directly: the apply
// must have done the work it is timed for.
func grantsInAPI(b *testing.B, srv *acctest.Server) int {
	b.Helper()
	ctx := context.Background()
	envs, err := srv.Client.ListEnvironments(ctx, client.ListEnvironmentsOptions{})
	if err != nil {
		b.Fatalf("after apply: list environments: %v", err)
	}
	n := 0
	for _, env := range envs {
		grants, err := srv.Client.ListGrants(ctx, env.ID)
		if err != nil {
			b.Fatalf("after apply: list grants of %s: %v", env.Name, err)
		}
		n += len(grants)
	}
	return n
}

// matrixFloorConfig is matrixConfig's graph with terraform_data in place of every Warden
// resource: the same counts and the same references from each grant to its role and
// environment, which is what Terraform's own graph work grows with.
func matrixFloorConfig(envs, roles int) string {
	return fmt.Sprintf(`resource "terraform_data" "env" {
  count = %d
  input = { name = "env-${count.index}", cloud = "gcp" }
}

resource "terraform_data" "role" {
  count = %d
  input = "role-${count.index}"
}

resource "terraform_data" "grant" {
  count = %d
  input = {
    role_id        = terraform_data.role[count.index %% %d].id
    environment_id = terraform_data.env[floor(count.index / %d)].id
    permissions    = ["deployment", "ops"]
  }
}
`, envs, roles, envs*roles, roles, roles)
}

// The targets. They are printed, met or not: a benchmark on a shared machine is a
// measurement, not a gate.
const (
	targetPlanXFloor   = 2.0
	targetApplyXFloor  = 1.1
	targetRSS1kMiB     = 100
	targetRSS10kMiB    = 200
	targetPlanXLatency = 1.5
	targetPlanX10k     = 11.0
)

// planApplyTable is the results as a Markdown table (what the README quotes), then a line
// per target.
func planApplyTable(results []planApplyResult, rssMethod string) string {
	if len(results) == 0 {
		return ""
	}
	byName := map[string]planApplyResult{}
	for _, r := range results {
		byName[r.name] = r
	}
	var s strings.Builder
	fmt.Fprintf(&s, "\nWarden provider vs terraform_data (apply, then plan with refresh; -parallelism=%d; provider memory by %s)\n\n", parallelism, rssMethod)
	s.WriteString("| case | objects | latency | plan | floor plan | plan ÷ floor | apply | floor apply | apply ÷ floor | plan ÷ 0 ms plan | peak RSS (MiB) |\n")
	s.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		vsZero := "–"
		if z, ok := byName[r.zeroLatency]; ok {
			vsZero = fmt.Sprintf("%.2f×", r.provider.plan.Seconds()/z.provider.plan.Seconds())
		}
		fmt.Fprintf(&s, "| %s | %s | %s | %s | %s | %.2f× | %s | %s | %.2f× | %s | %.0f |\n",
			r.name, thousands(int64(r.objects())), latency(r.latency),
			secs(r.provider.plan), secs(r.floor.plan), r.planRatio(),
			secs(r.provider.apply), secs(r.floor.apply), r.applyRatio(),
			vsZero, float64(r.peakKiB)/1024)
	}
	s.WriteString("\nTargets:\n")
	for _, line := range targetLines(byName) {
		s.WriteString("  " + line + "\n")
	}
	return s.String()
}

// targetLines says of each target whether it was met, or that the run did not measure it.
func targetLines(byName map[string]planApplyResult) []string {
	var lines []string
	verdict := func(what string, got, limit float64, unit string, ok bool) {
		if !ok {
			lines = append(lines, fmt.Sprintf("%s ≤ %g%s: not measured", what, limit, unit))
			return
		}
		met := "met"
		if got > limit {
			met = "NOT met"
		}
		prec := 2
		if unit == " MiB" {
			prec = 0
		}
		lines = append(lines, fmt.Sprintf("%s ≤ %g%s: %.*f%s — %s", what, limit, unit, prec, got, unit, met))
	}
	k1, ok1 := byName["matrix-1k"]
	verdict("matrix-1k plan ÷ floor plan", k1.planRatio(), targetPlanXFloor, "×", ok1)
	verdict("matrix-1k apply ÷ floor apply", k1.applyRatio(), targetApplyXFloor, "×", ok1)
	verdict("matrix-1k provider peak RSS", float64(k1.peakKiB)/1024, targetRSS1kMiB, " MiB", ok1)
	k10, ok10 := byName["matrix-10k"]
	verdict("matrix-10k provider peak RSS", float64(k10.peakKiB)/1024, targetRSS10kMiB, " MiB", ok10)
	for _, c := range planApplyCases {
		if c.zeroLatency == "" {
			continue
		}
		r, ok := byName[c.name]
		z, okZ := byName[c.zeroLatency]
		verdict(c.name+" plan ÷ "+c.zeroLatency+" plan", r.provider.plan.Seconds()/z.provider.plan.Seconds(), targetPlanXLatency, "×", ok && okZ)
	}
	verdict("matrix-10k plan ÷ matrix-1k plan", k10.provider.plan.Seconds()/k1.provider.plan.Seconds(), targetPlanX10k, "×", ok1 && ok10)
	return lines
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func latency(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
}
