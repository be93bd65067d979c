// Package bench measures the provider end to end: real terraform plan and apply of many
// environment grants against a real Warden API, next to the same graph of terraform_data
// resources (Terraform's own floor), with the provider process's peak memory.
//
// Run it with `make bench` (which builds bin/terraform-provider-warden first).
package bench

import (
	"bufio"
	"bytes"
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
)

// parallelism is terraform's default, passed explicitly so that results stay comparable.
const parallelism = 10

// rssFileEnv names the file the provider wrapper appends the provider's peak RSS (KiB) to;
// Terraform passes its environment on to the plugins it starts.
const rssFileEnv = "WARDEN_BENCH_RSS_FILE"

type result struct {
	n, resources, floorResources, grantsInAPI int
	plan, apply, floorPlan, floorApply        time.Duration
	planRatio, applyRatio                     float64
	applyPerGrant                             time.Duration
	planPeakKiB, applyPeakKiB                 int64
	rssMethod                                 string
}

func BenchmarkGrants(b *testing.B) {
	bin := providerBinary(b)
	tf, err := exec.LookPath("terraform")
	if err != nil {
		b.Skip("terraform is not on PATH")
	}
	var results []result
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			var r result
			for range b.N {
				r = runOnce(b, tf, bin, n)
			}
			b.ReportMetric(r.plan.Seconds(), "plan-s")
			b.ReportMetric(r.apply.Seconds(), "apply-s")
			b.ReportMetric(r.floorPlan.Seconds(), "floor-plan-s")
			b.ReportMetric(r.floorApply.Seconds(), "floor-apply-s")
			b.ReportMetric(r.planRatio, "plan-x-floor")
			b.ReportMetric(r.applyRatio, "apply-x-floor")
			b.ReportMetric(float64(r.applyPerGrant.Microseconds())/1000, "apply-ms/grant")
			b.ReportMetric(float64(max(r.planPeakKiB, r.applyPeakKiB))/1024, "provider-peak-MiB")
			results = append(results, r)
		})
	}
	printTable(results)
}

// providerBinary is bin/terraform-provider-warden at the repository root, built by make build.
func providerBinary(b *testing.B) string {
	b.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "bin", "terraform-provider-warden"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		b.Skipf("%s is missing: run `make build` first (or `make bench`, which does)", p)
	}
	return p
}

func runOnce(b *testing.B, tf, bin string, n int) result {
	b.Helper()
	srv := acctest.NewServer(b)
	r := result{n: n, resources: 2*n + 1}

	overrides := b.TempDir()
	r.rssMethod = writeProviderWrapper(b, overrides, bin)
	cliConfig := filepath.Join(b.TempDir(), "terraformrc")
	writeFile(b, cliConfig, fmt.Sprintf(`provider_installation {
  dev_overrides {
    "wardenhq/warden" = %q
  }
  direct {}
}
`, overrides))

	work := b.TempDir()
	writeFile(b, filepath.Join(work, "main.tf"), grantsConfig(srv, n))
	planRSS, applyRSS := filepath.Join(b.TempDir(), "plan.rss"), filepath.Join(b.TempDir(), "apply.rss")
	r.plan = terraform(b, tf, work, cliConfig, planRSS, "plan", "-input=false", "-no-color", "-lock=false",
		"-parallelism="+strconv.Itoa(parallelism), "-out=tfplan")
	r.apply = terraform(b, tf, work, cliConfig, applyRSS, "apply", "-input=false", "-no-color", "-lock=false",
		"-parallelism="+strconv.Itoa(parallelism), "tfplan")
	r.planPeakKiB, r.applyPeakKiB = peakKiB(b, planRSS), peakKiB(b, applyRSS)

	// The apply must have done the work it is timed for.
	env, err := srv.Client.FindEnvironmentByName(context.Background(), "bench")
	if err != nil {
		b.Fatalf("after apply: %v", err)
	}
	grants, err := srv.Client.ListGrants(context.Background(), env.ID)
	if err != nil {
		b.Fatalf("after apply: %v", err)
	}
	if r.grantsInAPI = len(grants); r.grantsInAPI != n {
		b.Fatalf("after apply the API holds %d grants, want %d", r.grantsInAPI, n)
	}

	// The floor: Terraform alone on the same graph (one environment, N roles, N grants that
	// each reference their role by count.index and the environment), built in. The shape
	// matters: Terraform's own plan time grows faster than linearly with such references
	// (2,001 unrelated terraform_data plan in about 1 s, this graph in about 36 s), and
	// that cost is not the provider's.
	floor := b.TempDir()
	r.floorResources = r.resources
	writeFile(b, filepath.Join(floor, "main.tf"), floorConfig(n))
	r.floorPlan = terraform(b, tf, floor, cliConfig, "", "plan", "-input=false", "-no-color", "-lock=false",
		"-parallelism="+strconv.Itoa(parallelism), "-out=tfplan")
	r.floorApply = terraform(b, tf, floor, cliConfig, "", "apply", "-input=false", "-no-color", "-lock=false",
		"-parallelism="+strconv.Itoa(parallelism), "tfplan")

	r.planRatio = r.plan.Seconds() / r.floorPlan.Seconds()
	r.applyRatio = r.apply.Seconds() / r.floorApply.Seconds()
	r.applyPerGrant = r.apply / time.Duration(n)
	return r
}

// grantsConfig declares one environment, n roles and n grants of [deployment, ops], one per
// role in that environment.
func grantsConfig(srv *acctest.Server, n int) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    warden = {
      source = "wardenhq/warden"
    }
  }
}

provider "warden" {
  endpoint = %q
  token    = %q
}

resource "warden_environment" "bench" {
  name  = "bench"
  cloud = "gcp"
}

resource "warden_role" "bench" {
  count = %d
  name  = format("bench-%%04d", count.index)
}

resource "warden_environment_grant" "bench" {
  count          = %d
  role_id        = warden_role.bench[count.index].id
  environment_id = warden_environment.bench.id
  permissions    = ["deployment", "ops"]
}
`, srv.URL, srv.Token, n, n)
}

// floorConfig is grantsConfig's graph with terraform_data in place of every Warden resource.
func floorConfig(n int) string {
	return fmt.Sprintf(`resource "terraform_data" "environment" {
  input = "bench"
}

resource "terraform_data" "role" {
  count = %d
  input = format("bench-%%04d", count.index)
}

resource "terraform_data" "grant" {
  count = %d
  input = {
    role_id        = terraform_data.role[count.index].id
    environment_id = terraform_data.environment.id
    permissions    = ["deployment", "ops"]
  }
}
`, n, n)
}

// writeProviderWrapper puts, where dev_overrides points, an executable named like the
// provider that runs the real binary and records its peak RSS. GNU time reports the peak
// exactly; without it the wrapper samples VmHWM from /proc while the provider runs.
func writeProviderWrapper(b *testing.B, dir, bin string) string {
	b.Helper()
	var script, method string
	if _, err := os.Stat("/usr/bin/time"); err == nil {
		method = "GNU time %M"
		script = fmt.Sprintf(`#!/bin/sh
if [ -z "$%[1]s" ]; then exec %[2]q "$@"; fi
exec /usr/bin/time -a -f %%M -o "$%[1]s" %[2]q "$@"
`, rssFileEnv, bin)
	} else {
		method = "VmHWM sampled every 50 ms"
		script = fmt.Sprintf(`#!/bin/sh
if [ -z "$%[1]s" ]; then exec %[2]q "$@"; fi
%[2]q "$@" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null' TERM INT
peak=0
while kill -0 $pid 2>/dev/null; do
  hwm=$(awk '/^VmHWM:/ {print $2}' /proc/$pid/status 2>/dev/null)
  if [ -n "$hwm" ] && [ "$hwm" -gt "$peak" ]; then peak=$hwm; fi
  sleep 0.05
done
echo $peak >> "$%[1]s"
wait $pid
`, rssFileEnv, bin)
	}
	p := filepath.Join(dir, "terraform-provider-warden")
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		b.Fatal(err)
	}
	return method
}

// terraform runs one terraform command in dir and returns how long it took.
func terraform(b *testing.B, tf, dir, cliConfig, rssFile string, args ...string) time.Duration {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tf, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		rssFileEnv+"="+rssFile,
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if err != nil {
		b.Fatalf("terraform %s in %s: %v\n%s", strings.Join(args, " "), dir, err, tail(out.String(), 60))
	}
	return took
}

// peakKiB is the largest value recorded in an RSS file: the largest of the provider
// processes Terraform started during one command.
func peakKiB(b *testing.B, file string) int64 {
	b.Helper()
	f, err := os.Open(file)
	if err != nil {
		b.Logf("no provider memory recorded (%v)", err)
		return 0
	}
	defer func() { _ = f.Close() }()
	var peak int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, err := strconv.ParseInt(strings.TrimSpace(sc.Text()), 10, 64); err == nil {
			peak = max(peak, v)
		}
	}
	return peak
}

func printTable(results []result) {
	if len(results) == 0 {
		return
	}
	fmt.Printf("\nWarden provider vs terraform_data (parallelism %d; provider memory by %s)\n", parallelism, results[0].rssMethod)
	fmt.Printf("%6s %9s %9s %9s %9s %9s %9s %8s %8s %11s %12s %12s\n",
		"N", "resources", "plan s", "apply s", "floor pl", "floor ap", "floor res", "plan ×", "apply ×", "apply/grant", "prov MiB pl", "prov MiB ap")
	for _, r := range results {
		fmt.Printf("%6d %9d %9.2f %9.2f %9.2f %9.2f %9d %8.1f %8.1f %9.1fms %12.1f %12.1f\n",
			r.n, r.resources, r.plan.Seconds(), r.apply.Seconds(), r.floorPlan.Seconds(), r.floorApply.Seconds(), r.floorResources,
			r.planRatio, r.applyRatio, float64(r.applyPerGrant.Microseconds())/1000,
			float64(r.planPeakKiB)/1024, float64(r.applyPeakKiB)/1024)
	}
	fmt.Println()
}

func writeFile(b *testing.B, path, content string) {
	b.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		b.Fatal(err)
	}
}

func tail(s string, lines int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}
