package provider

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
)

// runFunction calls f.Run as Terraform would, with args, and returns the result as strings
// (nil on error) and the error.
func runFunction(t *testing.T, f function.Function, args ...attr.Value) ([]string, *function.FuncError) {
	t.Helper()
	ctx := context.Background()
	resp := function.RunResponse{Result: function.NewResultData(types.ListUnknown(types.StringType))}
	f.Run(ctx, function.RunRequest{Arguments: function.NewArgumentsData(args)}, &resp)
	if resp.Error != nil {
		return nil, resp.Error
	}
	list, ok := resp.Result.Value().(types.List)
	if !ok || list.IsUnknown() || list.IsNull() {
		t.Fatalf("result is %v, want a known list", resp.Result.Value())
	}
	var out []string
	if d := list.ElementsAs(ctx, &out, false); d.HasError() {
		t.Fatal(d)
	}
	return out, nil
}

func TestFunction_permissionsForEveryAction(t *testing.T) {
	rows := access.Matrix()
	if len(rows) != 34 {
		t.Fatalf("the matrix has %d rows, MATRIX.md 34", len(rows))
	}
	for _, row := range rows {
		got, ferr := runFunction(t, NewPermissionsForFunction(), types.StringValue(row.Action))
		if ferr != nil {
			t.Errorf("permissions_for(%q): %s", row.Action, ferr.Text)
			continue
		}
		want, _ := access.PermissionsFor(row.Action)
		if !slices.Equal(got, want) {
			t.Errorf("permissions_for(%q) = %v, access says %v", row.Action, got, want)
		}
		if len(got) == 0 || got[0] != string(access.EnvironmentAdmin) {
			t.Errorf("permissions_for(%q) = %v, want environment_admin first", row.Action, got)
		}
	}
}

func TestFunction_allowedActionsAgreesWithAccess(t *testing.T) {
	// Each permission alone, then each pair: every combination a grant commonly holds.
	names := access.PermissionNames()
	var combos [][]string
	for i, a := range names {
		combos = append(combos, []string{a})
		for _, b := range names[i+1:] {
			combos = append(combos, []string{a, b})
		}
	}
	for _, perms := range combos {
		got, ferr := runFunction(t, NewAllowedActionsFunction(), stringList(perms))
		if ferr != nil {
			t.Errorf("allowed_actions(%v): %s", perms, ferr.Text)
			continue
		}
		if want := access.AllowedActions(perms); !slices.Equal(got, want) {
			t.Errorf("allowed_actions(%v) = %v, access says %v", perms, got, want)
		}
	}

	// Round trip over all 34 actions: the permissions that allow an action, each alone,
	// allow it according to the other function.
	for _, action := range access.Actions() {
		perms, _ := runFunction(t, NewPermissionsForFunction(), types.StringValue(action))
		for _, p := range perms {
			actions, ferr := runFunction(t, NewAllowedActionsFunction(), stringList([]string{p}))
			if ferr != nil || !slices.Contains(actions, action) {
				t.Errorf("allowed_actions([%q]) lacks %q (error %v)", p, action, ferr)
			}
		}
	}

	all, _ := runFunction(t, NewAllowedActionsFunction(), stringList([]string{"environment_admin"}))
	if len(all) != 34 || !slices.IsSorted(all) {
		t.Errorf("allowed_actions([environment_admin]) = %d actions (sorted %v), want all 34 sorted", len(all), slices.IsSorted(all))
	}
	none, _ := runFunction(t, NewAllowedActionsFunction(), stringList([]string{"basic_visibility"}))
	if none == nil || len(none) != 0 {
		t.Errorf("allowed_actions([basic_visibility]) = %#v, want an empty list", none)
	}
}

func TestFunction_argumentErrors(t *testing.T) {
	cases := []struct {
		name string
		f    function.Function
		arg  attr.Value
		want []string
	}{
		{"unknown action", NewPermissionsForFunction(), types.StringValue("apps.deploi"), []string{`"apps.deploi"`, `"apps.deploy"`}},
		{"not an action at all", NewPermissionsForFunction(), types.StringValue("deployment"), []string{`"deployment"`, "not an action"}},
		{"unknown permission", NewAllowedActionsFunction(), stringList([]string{"ops", "deploymnt"}), []string{`"deploymnt"`, `"deployment"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ferr := runFunction(t, c.f, c.arg)
			if ferr == nil {
				t.Fatal("no error")
			}
			if ferr.FunctionArgument == nil || *ferr.FunctionArgument != 0 {
				t.Errorf("error does not point at argument 0: %+v", ferr)
			}
			for _, w := range c.want {
				if !strings.Contains(ferr.Text, w) {
					t.Errorf("error %q does not mention %s", ferr.Text, w)
				}
			}
		})
	}
}

// Functions need no server: they run on the provider's own copy of the matrix, so the
// acceptance test has no provider block and no resources.
func TestAccFunction_outputs(t *testing.T) {
	deployNeeds, _ := access.PermissionsFor("apps.deploy")
	opsCan := access.AllowedActions([]string{"ops"})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		Steps: []resource.TestStep{
			{
				Config: `
output "deploy_needs" { value = provider::warden::permissions_for("apps.deploy") }
output "ops_can"      { value = provider::warden::allowed_actions(["ops"]) }
output "both"         { value = provider::warden::allowed_actions(provider::warden::permissions_for("databases.create_tunnels")) }
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("deploy_needs", knownList(deployNeeds)),
					statecheck.ExpectKnownOutputValue("ops_can", knownList(opsCan)),
					statecheck.ExpectKnownOutputValue("both", knownList(access.AllowedActions([]string{"environment_admin", "tunnel"}))),
				},
			},
			{
				Config:      `output "typo" { value = provider::warden::permissions_for("apps.deploi") }`,
				ExpectError: wrappedRegexp(`"apps.deploi"`, `Did you mean "apps.deploy"?`),
			},
			{
				Config:      `output "typo" { value = provider::warden::allowed_actions(["deploymnt"]) }`,
				ExpectError: wrappedRegexp(`"deploymnt" is not an environment permission`, `Did you mean "deployment"?`),
			},
		},
	})
}
