// Package bench measures the provider end to end: real terraform plan and apply of many
// environment grants against a real Warden API, next to the same graph of terraform_data
// resources (Terraform's own floor), with the provider process's peak memory.
//
// Run it with `make bench` (which builds bin/terraform-provider-warden first), `make
// bench-quick` for the 1,110-object matrix alone, or `make profile` for the provider's CPU
// profile during that plan.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
	return terraformEnv(b, tf, dir, cliConfig, rssFile, nil, args...)
}

// terraformEnv is terraform with extra environment variables for the command (and the
// providers it starts). The rest of the benchmark's environment passes through, so that
// variables the provider reads reach it, except Terraform's own log: TF_LOG and TF_LOG_CORE
// would time Terraform writing its log (TF_LOG_PROVIDER still reaches the provider).
func terraformEnv(b *testing.B, tf, dir, cliConfig, rssFile string, extraEnv []string, args ...string) time.Duration {
	b.Helper()
	took, _ := terraformOutput(b, tf, dir, cliConfig, rssFile, extraEnv, args...)
	return took
}

// terraformOutput is terraformEnv that also returns what the command printed.
func terraformOutput(b *testing.B, tf, dir, cliConfig, rssFile string, extraEnv []string, args ...string) (time.Duration, string) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tf, args...)
	cmd.Dir = dir
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "TF_LOG=") || strings.HasPrefix(kv, "TF_LOG_CORE=")
	})
	cmd.Env = append(append(env,
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		rssFileEnv+"="+rssFile,
	), extraEnv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if err != nil {
		b.Fatalf("terraform %s in %s: %v\n%s", strings.Join(args, " "), dir, err, tail(out.String(), 60))
	}
	return took, out.String()
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
