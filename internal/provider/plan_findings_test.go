package provider

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	fwtest "github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
)

// planDiagnostics is what one `terraform plan` of a create shows of a resource's own checks:
// Terraform validates the configuration, validates it again while planning the resource, and
// calls ModifyPlan when neither found an error. The diagnostics come back as reported, not
// deduplicated, so that a test sees a finding reported twice.
func planDiagnostics(t *testing.T, r resource.Resource, attrs map[string]tftypes.Value) diag.Diagnostics {
	t.Helper()
	var all diag.Diagnostics
	for range 2 {
		d := validateResourceConfig(t, r, attrs)
		all = append(all, d...)
		if d.HasError() {
			return all
		}
	}
	return append(all, modifyResourcePlan(t, r, attrs, nil).Diagnostics...)
}

// planFinding is one diagnostic a plan must show: its severity, path and a phrase of it.
type planFinding struct {
	sev  diag.Severity
	path string
	text string
}

// requireExactly fails t unless diags are exactly want, each once.
func requireExactly(t *testing.T, diags diag.Diagnostics, want ...planFinding) {
	t.Helper()
	for _, w := range want {
		if !diagAt(diags, w.sev, w.path, w.text) {
			t.Errorf("want a %v at %s containing %q; got %v", w.sev, w.path, w.text, diags)
		}
	}
	if len(diags) != len(want) {
		t.Errorf("want %d diagnostics, got %d: %v", len(want), len(diags), diags)
	}
}

// The grant of the issue: a typo among the permissions and a required action they do not
// allow are reported in one plan, each on its element, the typo with its suggestion.
func TestEnvironmentGrantPlan_everyFindingAtOnce(t *testing.T) {
	cfg := grantConfig([]string{"deploymnt", "basic_visibility"}, []string{"apps.deploy"})
	requireExactly(t, planDiagnostics(t, NewEnvironmentGrantResource(), cfg),
		planFinding{diag.SeverityError, `permissions[Value("deploymnt")]`, `Did you mean "deployment"?`},
		planFinding{diag.SeverityError, `require_actions[Value("apps.deploy")]`, `"deploymnt" is not an environment permission and was ignored.`},
	)
	// With matrix_validation = false a newer server may know the name, and what it allows:
	// both become warnings.
	requireExactly(t, planDiagnostics(t, &environmentGrantResource{matrixValidation: false}, cfg),
		planFinding{diag.SeverityWarning, `permissions[Value("deploymnt")]`, "the Warden server will judge this name"},
		planFinding{diag.SeverityWarning, `require_actions[Value("apps.deploy")]`, "a newer Warden server may know the ignored names"},
	)
}

// A warning is shown once per plan, not once per ValidateConfig call.
func TestEnvironmentGrantPlan_warningOnce(t *testing.T) {
	requireExactly(t, planDiagnostics(t, NewEnvironmentGrantResource(), grantConfig([]string{"full_visibility", "basic_visibility"}, nil)),
		planFinding{diag.SeverityWarning, `permissions[Value("basic_visibility")]`, "full_visibility includes it"})
	// Beside an error, the warning comes with it: the plan stops there.
	requireExactly(t, planDiagnostics(t, NewEnvironmentGrantResource(), grantConfig([]string{"environment_admin", "ops"}, []string{"apps.dance"})),
		planFinding{diag.SeverityWarning, `permissions[Value("ops")]`, "environment_admin already allows every action"},
		planFinding{diag.SeverityError, `require_actions[Value("apps.dance")]`, "is not an action of the permissions matrix"})
}

// The role of the issue: a typo and an environment action in one plan, each on its element.
func TestRolePlan_everyFindingAtOnce(t *testing.T) {
	requireExactly(t, planRole(t, "cluster.admn", "audit.read", "apps.deploy"),
		planFinding{diag.SeverityError, `permissions[Value("cluster.admn")]`, `"cluster.admn" is not a platform permission. Did you mean "cluster.admin"?`},
		planFinding{diag.SeverityError, `permissions[Value("apps.deploy")]`, `"apps.deploy" is an environment action, not a platform permission.`},
	)
	// A built-in role's name stays an error beside a typo that matrix_validation = false softens.
	diags := planDiagnostics(t, &roleResource{matrixValidation: false}, roleAttrs("account_owner", "users.reed"))
	requireExactly(t, diags,
		planFinding{diag.SeverityError, `permissions[Value("account_owner")]`, "built-in organization role"},
		planFinding{diag.SeverityWarning, `permissions[Value("users.reed")]`, "matrix_validation is false"},
	)
}

func TestRolePlan_warningOnce(t *testing.T) {
	requireExactly(t, planRole(t, "users.admin", "users.read"),
		planFinding{diag.SeverityWarning, `permissions[Value("users.read")]`, `"users.read" is redundant: "users.admin" includes it.`})
}

// The role's name rule is the engine's, in its words: not the framework's generic "must be
// none of" with a Go slice.
func TestRoleResource_builtinNameInTheEnginesWords(t *testing.T) {
	diags := validateResourceConfig(t, NewRoleResource(), map[string]tftypes.Value{"name": tfString("account_owner")})
	// Attribute validators run before ValidateConfig: call the name's own.
	diags.Append(runStringValidators(t, NewRoleResource(), "name", "account_owner")...)
	requireExactly(t, diags, planFinding{diag.SeverityError, "name",
		`"account_owner" is the name of a built-in organization role; a role you define cannot take it. Choose another name.`})
	for _, d := range diags {
		if strings.Contains(d.Detail(), "must be none of") || strings.Contains(d.Detail(), "[") {
			t.Errorf("generic wording: %q", d.Detail())
		}
	}
	if diags := runStringValidators(t, NewRoleResource(), "name", "deployers"); len(diags) != 0 {
		t.Errorf("an ordinary name: %v", diags)
	}
}

// runStringValidators runs the validators of a resource's string attribute on v.
func runStringValidators(t *testing.T, r resource.Resource, attr, v string) diag.Diagnostics {
	t.Helper()
	ctx := context.Background()
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	a, ok := sresp.Schema.Attributes[attr].(schema.StringAttribute)
	if !ok {
		t.Fatalf("%s is not a string attribute", attr)
	}
	var diags diag.Diagnostics
	for _, val := range a.Validators {
		var resp validator.StringResponse
		val.ValidateString(ctx, validator.StringRequest{Path: path.Root(attr), ConfigValue: types.StringValue(v)}, &resp)
		diags.Append(resp.Diagnostics...)
	}
	return diags
}

// TestAccEnvironmentGrantResource_everyFindingInOnePlan: the typo (with its suggestion) and the
// required action the permissions do not allow fail one plan together, each on its own line
// of the configuration, and the uncovered action names the permission it ignored.
func TestAccEnvironmentGrantResource_everyFindingInOnePlan(t *testing.T) {
	srv := acctest.NewServer(t)
	fwtest.ParallelTest(t, fwtest.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []fwtest.TestStep{{
			Config: srv.Config(`
resource "warden_environment_grant" "test" {
  role_id         = "rol_any"
  environment_id  = "env_any"
  permissions     = ["deploymnt", "basic_visibility"]
  require_actions = ["apps.deploy"]
}`),
			PlanOnly: true,
			ExpectError: wrappedRegexp(
				"Error: Unknown Permission", `permissions = ["deploymnt", "basic_visibility"]`,
				`"deploymnt" is not an environment permission. Did you mean "deployment"?`,
				"Error: Uncovered Action", `require_actions = ["apps.deploy"]`,
				`The permission basic_visibility does not allow "apps.deploy". "deploymnt" is not an environment permission and was ignored.`,
				`Add deployment or environment_admin to allow "apps.deploy".`),
		}},
	})
}

// TestAccRoleResource_everyFindingInOnePlan: the typo (with its suggestion) and the
// environment action fail one plan together, each on its element.
func TestAccRoleResource_everyFindingInOnePlan(t *testing.T) {
	srv := acctest.NewServer(t)
	fwtest.ParallelTest(t, fwtest.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []fwtest.TestStep{{
			Config: srv.Config(`
resource "warden_role" "test" {
  name        = "deployers"
  permissions = ["cluster.admn", "audit.read", "apps.deploy"]
}`),
			PlanOnly: true,
			// Terraform sorts diagnostics of one line by summary.
			ExpectError: wrappedRegexp(
				"Error: Environment Action", `"apps.deploy" is an environment action, not a platform permission.`,
				"Grant it with warden_environment_grant using permissions deployment or environment_admin.",
				"Error: Unknown Platform Permission", `"cluster.admn" is not a platform permission. Did you mean "cluster.admin"?`),
		}},
	})
}

// TestAccFindings_eachDiagnosticOnce runs `terraform plan -json` through the CLI (this
// provider built and chosen by dev_overrides), whose machine-readable output lists every
// diagnostic as reported, without the human view's "(and one more similar warning
// elsewhere)": each finding of a grant and a role, warnings included, is there exactly once.
func TestAccFindings_eachDiagnosticOnce(t *testing.T) {
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
	srv := acctest.NewServer(t)
	rc := buildProviderOverrides(ctx, t)
	plan := func(t *testing.T, hcl string) map[string]int {
		t.Helper()
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "main.tf"), "terraform {\n  required_providers {\n    warden = { source = \"wardenhq/warden\" }\n  }\n}\n"+srv.ProviderBlock()+hcl)
		_, out := cliRunner(ctx, t, tf, dir, rc)("plan", "-json", "-input=false", "-no-color")
		seen := map[string]int{}
		for line := range strings.Lines(out) {
			var msg struct {
				Type       string `json:"type"`
				Diagnostic struct {
					Severity, Summary, Detail, Address string
				} `json:"diagnostic"`
			}
			if json.Unmarshal([]byte(line), &msg) != nil || msg.Type != "diagnostic" || msg.Diagnostic.Address == "" {
				continue // not a diagnostic of a resource (the dev_overrides warning has no address)
			}
			d := msg.Diagnostic
			seen[d.Severity+" "+d.Address+": "+d.Summary+": "+d.Detail]++
		}
		return seen
	}
	requireOnce := func(t *testing.T, seen map[string]int, want ...string) {
		t.Helper()
		for _, w := range want {
			n := 0
			for d, c := range seen {
				if strings.Contains(d, w) {
					n += c
				}
			}
			if n != 1 {
				t.Errorf("%q is reported %d times, want once; all: %v", w, n, seen)
			}
		}
		if len(seen) != len(want) {
			t.Errorf("want %d diagnostics, got %v", len(want), seen)
		}
	}

	t.Run("warnings", func(t *testing.T) {
		requireOnce(t, plan(t, `
resource "warden_environment_grant" "w" {
  role_id        = "rol_any"
  environment_id = "env_any"
  permissions    = ["full_visibility", "basic_visibility"]
}
resource "warden_role" "r" {
  name        = "readers"
  permissions = ["users.admin", "users.read"]
}
`),
			`warning warden_environment_grant.w: Redundant Permission: "basic_visibility" is redundant: full_visibility includes it.`,
			`warning warden_role.r: Redundant Permission: "users.read" is redundant: "users.admin" includes it.`,
			// The ids name nothing: the access preview cannot say who gains what.
			`warning warden_environment_grant.w: Access Change Not Previewed Yet: Who gains and loses access through this change is known only after apply: environment "env_any" does not exist on the server yet`)
	})
	t.Run("errors", func(t *testing.T) {
		requireOnce(t, plan(t, `
resource "warden_environment_grant" "e" {
  role_id         = "rol_any"
  environment_id  = "env_any"
  permissions     = ["deploymnt", "basic_visibility"]
  require_actions = ["apps.deploy"]
}
resource "warden_role" "r" {
  name        = "deployers"
  permissions = ["cluster.admn", "audit.read", "apps.deploy"]
}
`),
			`error warden_environment_grant.e: Unknown Permission: "deploymnt" is not an environment permission. Did you mean "deployment"?`,
			`error warden_environment_grant.e: Uncovered Action: The permission basic_visibility does not allow "apps.deploy".`,
			`error warden_role.r: Unknown Platform Permission: "cluster.admn" is not a platform permission. Did you mean "cluster.admin"?`,
			`error warden_role.r: Environment Action: "apps.deploy" is an environment action`)
	})
}
