package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
)

func grantConfig(perms []string, required []string) map[string]tftypes.Value {
	attrs := map[string]tftypes.Value{
		"role_id":        tfString("rol_1"),
		"environment_id": tfString("env_1"),
		"permissions":    tfStrings(true, perms...),
	}
	if required != nil {
		attrs["require_actions"] = tfStrings(true, required...)
	}
	return attrs
}

func TestEnvironmentGrantValidateConfig(t *testing.T) {
	type want struct {
		sev  diag.Severity
		path string
		text string
	}
	cases := []struct {
		name     string
		perms    []string
		required []string
		want     []want
	}{
		{
			name:     "uncovered required action names the permissions that allow it",
			perms:    []string{"deployment"},
			required: []string{"apps.deploy", "databases.read_credentials"},
			want: []want{{diag.SeverityError, `require_actions[Value("databases.read_credentials")]`,
				"Add `sensitive_access`, or `environment_admin`, to allow `databases.read_credentials`."}},
		},
		{
			name:  "environment_admin beside others warns on each other permission",
			perms: []string{"environment_admin", "ops", "tunnel"},
			want: []want{
				{diag.SeverityWarning, `permissions[Value("ops")]`, "environment_admin already allows every action"},
				{diag.SeverityWarning, `permissions[Value("tunnel")]`, `Remove "tunnel".`},
			},
		},
		{
			name:  "full_visibility includes basic_visibility",
			perms: []string{"full_visibility", "basic_visibility"},
			want:  []want{{diag.SeverityWarning, `permissions[Value("basic_visibility")]`, "full_visibility includes it"}},
		},
		{
			name:  "empty permissions",
			perms: []string{},
			want:  []want{{diag.SeverityError, "permissions", "A grant needs at least one permission."}},
		},
		{
			name:     "every finding is reported, not only the first",
			perms:    []string{"environment_admin", "deployment"},
			required: []string{"apps.deploy"},
			want:     []want{{diag.SeverityWarning, `permissions[Value("deployment")]`, `Remove "deployment".`}},
		},
		{name: "tunnel alone is a documented pattern", perms: []string{"tunnel"}},
		{name: "tunnel with sensitive_access", perms: []string{"tunnel", "sensitive_access"}, required: []string{"databases.read_credentials", "databases.create_tunnels"}},
		// Unknown names wait for ModifyPlan, where matrix_validation is known.
		{name: "unknown names are left to ModifyPlan", perms: []string{"deploymnt"}, required: []string{"apps.deplyo"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			diags := validateResourceConfig(t, NewEnvironmentGrantResource(), grantConfig(tc.perms, tc.required))
			for _, w := range tc.want {
				if !diagAt(diags, w.sev, w.path, w.text) {
					t.Errorf("want %v at %s containing %q; got %v", w.sev, w.path, w.text, diags)
				}
			}
			if len(diags) != len(tc.want) {
				t.Errorf("want %d diagnostics, got %d: %v", len(tc.want), len(diags), diags)
			}
		})
	}
}

func TestEnvironmentGrantValidateConfig_unknownValuesSkipped(t *testing.T) {
	attrs := grantConfig(nil, []string{"databases.read_credentials"})
	attrs["permissions"] = unknownStringSet
	if diags := validateResourceConfig(t, NewEnvironmentGrantResource(), attrs); len(diags) != 0 {
		t.Fatalf("unknown permissions must not be judged: %v", diags)
	}
	attrs = grantConfig([]string{"environment_admin", "ops"}, nil)
	attrs["require_actions"] = unknownStringSet
	diags := validateResourceConfig(t, NewEnvironmentGrantResource(), attrs)
	if !diagAt(diags, diag.SeverityWarning, `permissions[Value("ops")]`, "redundant") || len(diags) != 1 {
		t.Fatalf("known permissions are judged while require_actions is unknown: %v", diags)
	}
}

func TestEnvironmentGrantModifyPlan_unknownNames(t *testing.T) {
	cfg := grantConfig([]string{"deploymnt", "ops"}, []string{"apps.deplyo"})

	strict := modifyResourcePlan(t, NewEnvironmentGrantResource(), cfg, nil)
	if !diagAt(strict.Diagnostics, diag.SeverityError, `permissions[Value("deploymnt")]`, `Did you mean "deployment"?`) {
		t.Errorf("want an error on the misspelt permission: %v", strict.Diagnostics)
	}
	if !diagAt(strict.Diagnostics, diag.SeverityError, `require_actions[Value("apps.deplyo")]`, `Did you mean "apps.deploy"?`) {
		t.Errorf("want an error on the misspelt action: %v", strict.Diagnostics)
	}
	if n := len(strict.Diagnostics); n != 2 {
		t.Errorf("ModifyPlan repeats ValidateConfig's findings: want 2 diagnostics, got %d: %v", n, strict.Diagnostics)
	}

	lenient := modifyResourcePlan(t, &environmentGrantResource{matrixValidation: false}, cfg, nil)
	if lenient.Diagnostics.HasError() {
		t.Errorf("matrix_validation = false must downgrade unknown names: %v", lenient.Diagnostics)
	}
	if !diagAt(lenient.Diagnostics, diag.SeverityWarning, `permissions[Value("deploymnt")]`, "the Warden server will judge this name") {
		t.Errorf("want a warning on the unknown permission: %v", lenient.Diagnostics)
	}
	// Only the newer server knows what an unknown permission allows.
	var allowed types.Set
	lenient.Diagnostics.Append(lenient.Plan.GetAttribute(context.Background(), path.Root("allowed_actions"), &allowed)...)
	if !allowed.IsUnknown() {
		t.Errorf("allowed_actions with an unknown permission: want unknown, got %v", allowed)
	}
}

func TestEnvironmentGrantModifyPlan_allowedActionsKnownAtPlan(t *testing.T) {
	ctx := context.Background()
	resp := modifyResourcePlan(t, NewEnvironmentGrantResource(), grantConfig([]string{"deployment", "ops"}, nil), nil)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	var allowed types.Set
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("allowed_actions"), &allowed)...)
	if want := stringSet(access.AllowedActions([]string{"deployment", "ops"})); !allowed.Equal(want) {
		t.Fatalf("allowed_actions = %v, want %v", allowed, want)
	}

	// With permissions unchanged, the plan keeps what the API computed.
	prior := grantConfig([]string{"deployment", "ops"}, nil)
	prior["id"] = tfString("grt_1")
	prior["allowed_actions"] = tfStrings(true, "apps.deploy")
	resp = modifyResourcePlan(t, NewEnvironmentGrantResource(), grantConfig([]string{"deployment", "ops"}, []string{"apps.deploy"}), prior)
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("allowed_actions"), &allowed)...)
	if want := stringSet([]string{"apps.deploy"}); !allowed.Equal(want) {
		t.Fatalf("allowed_actions with unchanged permissions = %v, want the state's %v", allowed, want)
	}

	// The framework plans a computed attribute as unknown; ModifyPlan must leave it so.
	attrs := grantConfig(nil, nil)
	attrs["permissions"] = unknownStringSet
	attrs["allowed_actions"] = unknownStringSet
	resp = modifyResourcePlan(t, NewEnvironmentGrantResource(), attrs, nil)
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("allowed_actions"), &allowed)...)
	if !allowed.IsUnknown() {
		t.Fatalf("allowed_actions with unknown permissions = %v, want unknown", allowed)
	}
}

func TestEnvironmentGrantImportState_badID(t *testing.T) {
	ctx := context.Background()
	r := NewEnvironmentGrantResource()
	var sresp fwresource.SchemaResponse
	r.Schema(ctx, fwresource.SchemaRequest{}, &sresp)
	resp := fwresource.ImportStateResponse{State: tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil)}}
	imp, ok := r.(fwresource.ResourceWithImportState)
	if !ok {
		t.Fatal("no ImportState")
	}
	imp.ImportState(ctx, fwresource.ImportStateRequest{ID: "rol_1"}, &resp)
	if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics[0].Detail(), `"<role_id>/<environment_id>"`) {
		t.Fatalf("want the expected form in the error, got %v", resp.Diagnostics)
	}
}
