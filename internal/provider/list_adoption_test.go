package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// TestAccListAdoption_generateConfig is the adoption flow of the guide "Adopting Existing
// Access", through the terraform CLI with this provider built and chosen by dev_overrides
// (terraform-plugin-testing's query steps cannot generate configuration): objects made
// outside Terraform, through the API; `terraform query -generate-config-out`; a plan that
// only imports; apply; and then a plan that is empty.
func TestAccListAdoption_generateConfig(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		t.Skip("TF_ACC_TERRAFORM_PATH names no terraform")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	skipUnlessTerraform(ctx, t, tf, terraformOnly(version1_14, "list resources"))

	srv := acctest.NewServer(t)
	c := srv.Client
	prod := made(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "production", Cloud: "gcp", ResourcePrefix: "prod_"}))(t)
	staging := made(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "staging", Cloud: "aws"}))(t)
	alice := made(c.CreateUser(ctx, api.UserCreate{Email: "alice@example.com", Name: "Alice"}))(t)
	bob := made(c.CreateUser(ctx, api.UserCreate{Email: "bob@example.com"}))(t)
	made(c.CreateUser(ctx, api.UserCreate{Email: "vera@vendor.example", Kind: "vendor"}))(t)
	sre := made(c.CreateGroup(ctx, api.GroupCreate{Name: "sre", Members: &[]string{alice.ID, bob.ID}}))(t)
	oncall := made(c.CreateGroup(ctx, api.GroupCreate{Name: "oncall", Description: "members added one at a time"}))(t)
	made(c.AddGroupMember(ctx, oncall.ID, bob.ID))(t)
	deployers := made(c.CreateRole(ctx, api.RoleCreate{Name: "deployers", Description: "ship code", Permissions: []string{"users.read"}}))(t)
	viewers := made(c.CreateRole(ctx, api.RoleCreate{Name: "viewers"}))(t)
	made(c.CreateRoleAssignment(ctx, deployers.ID, api.RoleAssignmentCreate{GroupID: sre.ID}))(t)
	made(c.CreateRoleAssignment(ctx, viewers.ID, api.RoleAssignmentCreate{UserID: bob.ID}))(t)
	made(c.CreateGrant(ctx, prod.ID, api.GrantCreate{RoleID: deployers.ID, Permissions: []string{"deployment", "basic_visibility"}}))(t)
	made(c.CreateGrant(ctx, staging.ID, api.GrantCreate{RoleID: viewers.ID, Permissions: []string{"full_visibility"}}))(t)
	expiry := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	made(c.CreateSupportAccess(ctx, prod.ID, api.SupportAccessCreate{Tier: "operator", PortForwarding: true, ExpiresAt: &expiry}))(t)
	standing := false
	made(c.CreateSupportAccess(ctx, staging.ID, api.SupportAccessCreate{Tier: "support", RequireApproval: &standing}))(t)
	made(c.PutAlertRouting(ctx, prod.ID, api.AlertRoutingUpdate{VendorRouting: false, Destinations: &[]api.Destination{
		{Type: "email", Target: "oncall@example.com", MinSeverity: "warning"},
		{Type: "webhook", Target: "https://hooks.example.com/warden", MinSeverity: "critical"},
	}}, 0))(t)
	made(c.AddAlertDestination(ctx, staging.ID, api.Destination{Type: "email", Target: "staging@example.com", MinSeverity: "info"}))(t)

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "main.tf"), "terraform {\n  required_providers {\n    warden = { source = \"wardenhq/warden\" }\n  }\n}\n"+srv.ProviderBlock())
	query, err := os.ReadFile("../../examples/adopting/adopt.tfquery.hcl")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "adopt.tfquery.hcl"), string(query))
	run := cliRunner(ctx, t, tf, dir, buildProviderOverrides(ctx, t))

	if code, out := run("query", "-no-color", "-generate-config-out=adopted.tf"); code != 0 {
		t.Fatalf("query: exit %d\n%s", code, out)
	}
	generated, err := os.ReadFile(filepath.Join(dir, "adopted.tf"))
	if err != nil {
		t.Fatal(err)
	}
	// Every object found, each with an import block by identity: 2 environments; the bootstrap
	// owner and 3 users; 2 groups; the 2 custom roles (built-in ones are not importable); the
	// 2 assignments and the owner's account_owner; 2 grants; 2 support accesses; 2 routings.
	const objects = 19
	if n := strings.Count(string(generated), "\nimport {"); n != objects {
		t.Errorf("adopted.tf has %d import blocks, want %d:\n%s", n, objects, generated)
	}
	if n := strings.Count(string(generated), "  identity = {"); n != objects {
		t.Errorf("adopted.tf has %d identities, want %d:\n%s", n, objects, generated)
	}

	code, out := run("plan", "-no-color", "-input=false", "-detailed-exitcode")
	if code != 2 || !strings.Contains(out, fmt.Sprintf("Plan: %d to import, 0 to add, 0 to change, 0 to destroy.", objects)) {
		t.Fatalf("the plan of the generated configuration does more than import: exit %d\n%s\n\nadopted.tf:\n%s", code, out, generated)
	}
	if code, out := run("apply", "-no-color", "-input=false", "-auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	if code, out := run("plan", "-no-color", "-input=false", "-detailed-exitcode"); code != 0 {
		t.Fatalf("the plan after adopting is not empty: exit %d\n%s", code, out)
	}
}

// skipUnlessTerraform applies a version check to the CLI at tf, for tests that drive the
// CLI themselves rather than through a test case's TerraformVersionChecks.
func skipUnlessTerraform(ctx context.Context, t *testing.T, tf string, check tfversion.TerraformVersionCheck) {
	t.Helper()
	out, err := exec.CommandContext(ctx, tf, "version", "-json").Output()
	if err != nil {
		t.Fatalf("%s version: %v", tf, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s version -json: %v", tf, err)
	}
	var resp tfversion.CheckTerraformVersionResponse
	check.CheckTerraformVersion(ctx, tfversion.CheckTerraformVersionRequest{TerraformVersion: version.Must(version.NewVersion(v.Version))}, &resp)
	if resp.Error != nil {
		t.Fatal(resp.Error)
	}
	if resp.Skip != "" {
		t.Skip(resp.Skip)
	}
}

// buildProviderOverrides builds this provider and returns a CLI configuration file whose
// dev_overrides make Terraform use it: no terraform init, no registry.
func buildProviderOverrides(ctx context.Context, t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(bin, "terraform-provider-warden"), "../..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the provider: %v\n%s", err, out)
	}
	rc := filepath.Join(t.TempDir(), "terraformrc")
	writeFile(t, rc, fmt.Sprintf("provider_installation {\n  dev_overrides { \"wardenhq/warden\" = %q }\n  direct {}\n}\n", bin))
	return rc
}

// cliRunner runs the terraform at tf in dir with the CLI configuration rc, returning the
// exit code and the combined output.
func cliRunner(ctx context.Context, t *testing.T, tf, dir, rc string) func(args ...string) (int, string) {
	return func(args ...string) (int, string) {
		t.Helper()
		cmd := exec.CommandContext(ctx, tf, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			return ee.ExitCode(), string(out)
		case err != nil:
			t.Fatalf("terraform %v: %v", args, err)
		}
		return 0, string(out)
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
