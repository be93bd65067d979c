package provider

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The examples that for_each over maps (TestAccExamples cannot: terraform-plugin-testing's
// state shim rejects string instance keys) run through the terraform CLI itself, with this
// provider built into a temp dir and selected by dev_overrides: apply, an empty plan
// (-detailed-exitcode 0), destroy.
func TestAccExamples_forEach(t *testing.T) {
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
	for _, ex := range []struct{ name, file string }{
		{"teams", "../../examples/teams/main.tf"},
		{"environments", "../../examples/data-sources/warden_environments/data-source.tf"},
	} {
		t.Run(ex.name, func(t *testing.T) {
			srv := acctest.NewServer(t)
			if ex.name == "environments" {
				for _, n := range []string{"production", "research"} {
					if _, err := srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: n, Cloud: "gcp"}); err != nil {
						t.Fatal(err)
					}
				}
			}
			raw, err := os.ReadFile(ex.file)
			if err != nil {
				t.Fatal(err)
			}
			// The provider comes from dev_overrides: no terraform block needed.
			body := regexp.MustCompile(`(?ms)^terraform \{.*?^\}\n`).ReplaceAll(raw, nil)
			if !bytes.Contains(body, []byte(`provider "warden"`)) {
				body = append([]byte("provider \"warden\" {}\n"), body...)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "main.tf"), append([]byte("terraform {\n  required_providers {\n    warden = { source = \"wardenhq/warden\" }\n  }\n}\n"), body...), 0o600); err != nil {
				t.Fatal(err)
			}
			run := func(args ...string) (int, string) {
				cmd := exec.CommandContext(ctx, tf, args...)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
					"WARDEN_ENDPOINT="+srv.URL, "WARDEN_TOKEN="+srv.Token)
				out, err := cmd.CombinedOutput()
				code := 0
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatalf("terraform %v: %v", args, err)
				}
				return code, string(out)
			}
			if code, out := run("apply", "-auto-approve", "-input=false", "-no-color"); code != 0 {
				t.Fatalf("apply: exit %d\n%s", code, out)
			}
			if code, out := run("plan", "-input=false", "-no-color", "-detailed-exitcode"); code != 0 {
				t.Fatalf("the plan after apply is not empty: exit %d\n%s", code, out)
			}
			if code, out := run("destroy", "-auto-approve", "-input=false", "-no-color"); code != 0 {
				t.Fatalf("destroy: exit %d\n%s", code, out)
			}
		})
	}
}
