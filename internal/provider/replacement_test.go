package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// A changed cloud or kind replaces the object; the plan warns, on that attribute, what goes
// with it, counted from the API, and how to guard against it.
func TestReplacementWarnings(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	c := srv.Client
	env, err := c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod", Cloud: "gcp"})
	if err != nil {
		t.Fatal(err)
	}
	user, err := c.CreateUser(ctx, api.UserCreate{Email: "alice@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"deployers", "oncall"} {
		r, err := c.CreateRole(ctx, api.RoleCreate{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateGrant(ctx, env.ID, api.GrantCreate{RoleID: r.ID, Permissions: []string{"ops"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateRoleAssignment(ctx, r.ID, api.RoleAssignmentCreate{UserID: user.ID}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateSupportAccess(ctx, env.ID, api.SupportAccessCreate{Tier: "operator"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateGroup(ctx, api.GroupCreate{Name: "sre", Members: &[]string{user.ID}}); err != nil {
		t.Fatal(err)
	}

	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	envState := map[string]tftypes.Value{"id": str(env.ID), "name": str("prod"), "cloud": str("gcp"), "resource_prefix": str("aw_")}
	envPlan := map[string]tftypes.Value{"id": str(env.ID), "name": str("prod"), "cloud": str("aws"), "resource_prefix": str("aw_")}
	resp := modifyResourcePlan(t, &environmentResource{client: c}, envPlan, envState)
	if !diagAt(resp.Diagnostics, diag.SeverityWarning, "cloud", "2 environment grants and its support access (tier operator)") ||
		!strings.Contains(resp.Diagnostics[0].Detail(), "prevent_destroy") {
		t.Errorf("environment replacement: %v", resp.Diagnostics)
	}
	// Unchanged cloud: no warning, no API call needed.
	if resp := modifyResourcePlan(t, &environmentResource{client: c}, envState, envState); len(resp.Diagnostics) != 0 {
		t.Errorf("unchanged cloud: %v", resp.Diagnostics)
	}

	userState := map[string]tftypes.Value{"id": str(user.ID), "email": str(user.Email), "name": str(""), "kind": str("member")}
	userPlan := map[string]tftypes.Value{"id": str(user.ID), "email": str(user.Email), "name": str(""), "kind": str("vendor")}
	resp = modifyResourcePlan(t, &userResource{client: c}, userPlan, userState)
	if !diagAt(resp.Diagnostics, diag.SeverityWarning, "kind", "its membership of sre and 2 role assignments") {
		t.Errorf("user replacement: %v", resp.Diagnostics)
	}
}
