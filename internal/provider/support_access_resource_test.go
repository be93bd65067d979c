package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

func TestSupportAccessValidateConfig(t *testing.T) {
	cases := []struct {
		name  string
		attrs map[string]tftypes.Value
		sev   diag.Severity
		path  string
		text  string
	}{
		{
			name:  "port forwarding needs operator",
			attrs: map[string]tftypes.Value{"tier": tfString("support"), "port_forwarding": tfBool(true)},
			sev:   diag.SeverityError, path: "port_forwarding", text: `Set port_forwarding = false, or raise tier to "operator".`,
		},
		{
			name:  "expires_at must be RFC 3339",
			attrs: map[string]tftypes.Value{"tier": tfString("operator"), "expires_at": tfString("2026-12-31 00:00")},
			sev:   diag.SeverityError, path: "expires_at", text: "RFC 3339",
		},
		{
			name:  "a date alone is not an instant",
			attrs: map[string]tftypes.Value{"tier": tfString("operator"), "expires_at": tfString("2026-12-31")},
			sev:   diag.SeverityError, path: "expires_at", text: `got "2026-12-31"`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.attrs["environment_id"] = tfString("env_1")
			diags := validateResourceConfig(t, NewSupportAccessResource(), tc.attrs)
			if !diagAt(diags, tc.sev, tc.path, tc.text) || len(diags) != 1 {
				t.Fatalf("want one %v at %s containing %q; got %v", tc.sev, tc.path, tc.text, diags)
			}
		})
	}

	for _, ok := range []map[string]tftypes.Value{
		{"tier": tfString("operator"), "port_forwarding": tfBool(true)},
		{"tier": tfString("co_maintainer"), "port_forwarding": tfBool(true), "expires_at": tfString("2026-12-31T09:00:00+02:00")},
		// A past instant is valid here: whether it must lie in the future depends on the state.
		{"tier": tfString("support"), "expires_at": tfString("2001-01-01T00:00:00Z")},
		{"tier": unknownString, "port_forwarding": tfBool(true), "expires_at": unknownString},
	} {
		ok["environment_id"] = tfString("env_1")
		if diags := validateResourceConfig(t, NewSupportAccessResource(), ok); len(diags) != 0 {
			t.Errorf("%v: want no diagnostics, got %v", ok, diags)
		}
	}
}

func supportModel(tier string, pf bool, expiresAt string) *supportAccessResourceModel {
	m := &supportAccessResourceModel{
		ID:             types.StringUnknown(),
		EnvironmentID:  types.StringValue("env_1"),
		Tier:           types.StringValue(tier),
		PortForwarding: types.BoolValue(pf),
		ExpiresAt:      types.StringNull(),
		Status:         types.StringUnknown(),
		Capabilities:   types.SetUnknown(typesString),
	}
	if expiresAt != "" {
		m.ExpiresAt = types.StringValue(expiresAt)
	}
	return m
}

func supportState(tier string, pf bool, expiresAt, status string) *supportAccessResourceModel {
	m := supportModel(tier, pf, expiresAt)
	m.ID = types.StringValue("sup_1")
	m.Status = types.StringValue(status)
	m.Capabilities = stringSet(access.Capabilities(tier, pf))
	return m
}

var (
	testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	gcpEnv  = &api.Environment{Meta: api.Meta{ID: "env_1"}, Name: "production", Cloud: "gcp"}
	awsEnv  = &api.Environment{Meta: api.Meta{ID: "env_1"}, Name: "staging", Cloud: "aws"}
)

func TestSupportAccessPlan_coMaintainerNeedsGCP(t *testing.T) {
	var diags diag.Diagnostics
	planSupportAccess(supportModel("co_maintainer", false, ""), nil, awsEnv, testNow, &diags)
	if !diagAt(diags, diag.SeverityError, "tier", "available only on gcp environments; this environment runs on aws") || len(diags) != 1 {
		t.Fatalf("want the tier_requires_gcp finding on tier, got %v", diags)
	}

	diags = nil
	planSupportAccess(supportModel("co_maintainer", false, ""), nil, gcpEnv, testNow, &diags)
	planSupportAccess(supportModel("co_maintainer", false, ""), nil, nil, testNow, &diags) // environment not known yet
	if len(diags) != 0 {
		t.Fatalf("want no diagnostics, got %v", diags)
	}
}

func TestSupportAccessPlan_expiry(t *testing.T) {
	past := testNow.Add(-time.Hour).Format(time.RFC3339)
	future := testNow.Add(time.Hour).Format(time.RFC3339)
	later := testNow.Add(48 * time.Hour).Format(time.RFC3339)

	t.Run("create in the past fails", func(t *testing.T) {
		var diags diag.Diagnostics
		planSupportAccess(supportModel("operator", false, past), nil, gcpEnv, testNow, &diags)
		if !diagAt(diags, diag.SeverityError, "expires_at", "must lie in the future") {
			t.Fatalf("got %v", diags)
		}
	})

	t.Run("changed to the past fails", func(t *testing.T) {
		var diags diag.Diagnostics
		planSupportAccess(supportModel("operator", false, past), supportState("operator", false, future, "active"), gcpEnv, testNow, &diags)
		if !diagAt(diags, diag.SeverityError, "expires_at", "has already passed") {
			t.Fatalf("got %v", diags)
		}
	})

	t.Run("unchanged past value warns and plans no change", func(t *testing.T) {
		var diags diag.Diagnostics
		prior := supportState("operator", false, past, "expired")
		plan := supportModel("operator", false, past)
		planSupportAccess(plan, prior, gcpEnv, testNow, &diags)
		if diags.HasError() {
			t.Fatalf("an unchanged past expires_at must never fail a plan: %v", diags)
		}
		for _, text := range []string{`"operator"`, `environment "production" (env_1)`, "expired at " + past,
			"move expires_at later (an in-place update)", "remove the warden_support_access block"} {
			if !diagAt(diags, diag.SeverityWarning, "expires_at", text) {
				t.Errorf("warning lacks %q: %v", text, diags)
			}
		}
		if plan.Status.ValueString() != "expired" || !plan.Capabilities.Equal(prior.Capabilities) {
			t.Errorf("plan status %v capabilities %v: want the state's, so that the plan is empty", plan.Status, plan.Capabilities)
		}
	})

	t.Run("the same instant spelt differently is no change", func(t *testing.T) {
		var diags diag.Diagnostics
		plan := supportModel("operator", false, testNow.Add(-time.Hour).In(time.FixedZone("", 2*3600)).Format(time.RFC3339))
		planSupportAccess(plan, supportState("operator", false, past, "expired"), gcpEnv, testNow, &diags)
		if diags.HasError() || plan.Status.ValueString() != "expired" {
			t.Fatalf("got %v, status %v", diags, plan.Status)
		}
	})

	t.Run("a later expiry re-activates", func(t *testing.T) {
		var diags diag.Diagnostics
		plan := supportModel("operator", false, later)
		planSupportAccess(plan, supportState("operator", false, past, "expired"), gcpEnv, testNow, &diags)
		if len(diags) != 0 || plan.Status.ValueString() != "active" {
			t.Fatalf("got %v, status %v", diags, plan.Status)
		}
	})

	t.Run("removing the expiry re-activates", func(t *testing.T) {
		var diags diag.Diagnostics
		plan := supportModel("operator", false, "")
		planSupportAccess(plan, supportState("operator", false, past, "expired"), gcpEnv, testNow, &diags)
		if len(diags) != 0 || plan.Status.ValueString() != "active" {
			t.Fatalf("got %v, status %v", diags, plan.Status)
		}
	})

	t.Run("active access passed its expiry without a refresh", func(t *testing.T) {
		var diags diag.Diagnostics
		planSupportAccess(supportModel("operator", false, past), supportState("operator", false, past, "active"), nil, testNow, &diags)
		if diags.HasError() || !diagAt(diags, diag.SeverityWarning, "expires_at", "environment env_1 expired at") {
			t.Fatalf("got %v", diags)
		}
	})
}

func TestSupportAccessPlan_capabilitiesKnownAtPlan(t *testing.T) {
	var diags diag.Diagnostics
	plan := supportModel("operator", true, "")
	planSupportAccess(plan, nil, nil, testNow, &diags)
	want := stringSet(access.Capabilities("operator", true))
	if !plan.Capabilities.Equal(want) || plan.Status.ValueString() != "active" {
		t.Fatalf("capabilities %v status %v, want %v active", plan.Capabilities, plan.Status, want)
	}
	var caps []string
	diags.Append(plan.Capabilities.ElementsAs(context.Background(), &caps, false)...)
	if !strings.Contains(strings.Join(caps, ","), access.CapabilityPortForward) {
		t.Fatalf("port forwarding capability missing: %v", caps)
	}
}

// The warning comes out of ModifyPlan itself, which terraform-plugin-testing cannot assert.
func TestSupportAccessModifyPlan_expiredWarning(t *testing.T) {
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	prior := map[string]tftypes.Value{
		"id": tfString("sup_1"), "environment_id": tfString("env_1"), "tier": tfString("support"),
		"port_forwarding": tfBool(false), "expires_at": tfString(past), "status": tfString("expired"),
		"capabilities": tfStrings(true, access.Capabilities("support", false)...),
	}
	planned := map[string]tftypes.Value{}
	for k, v := range prior {
		planned[k] = v
	}
	planned["status"] = unknownString
	resp := modifyResourcePlan(t, NewSupportAccessResource(), planned, prior)
	if resp.Diagnostics.HasError() || !diagAt(resp.Diagnostics, diag.SeverityWarning, "expires_at", `"support" support access to environment env_1 expired at `+past) {
		t.Fatalf("got %v", resp.Diagnostics)
	}
	var status types.String
	resp.Diagnostics.Append(resp.Plan.GetAttribute(context.Background(), path.Root("status"), &status)...)
	if status.ValueString() != "expired" {
		t.Fatalf("planned status %v, want expired (no change)", status)
	}
}

func TestSupportAccessFromAPI_keepsConfiguredSpelling(t *testing.T) {
	at := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	m := supportModel("operator", false, "2026-12-31T02:00:00+02:00")
	m.fromAPI(&api.SupportAccess{Meta: api.Meta{ID: "sup_1"}, EnvironmentID: "env_1", Tier: "operator", ExpiresAt: &at, Status: "active"})
	if m.ExpiresAt.ValueString() != "2026-12-31T02:00:00+02:00" {
		t.Fatalf("expires_at = %v", m.ExpiresAt)
	}
	m.fromAPI(&api.SupportAccess{Meta: api.Meta{ID: "sup_1"}, EnvironmentID: "env_1", Tier: "operator", ExpiresAt: nil, Status: "active"})
	if !m.ExpiresAt.IsNull() {
		t.Fatalf("expires_at = %v, want null", m.ExpiresAt)
	}
	later := at.Add(time.Hour)
	m.fromAPI(&api.SupportAccess{Meta: api.Meta{ID: "sup_1"}, EnvironmentID: "env_1", Tier: "operator", ExpiresAt: &later, Status: "active"})
	if m.ExpiresAt.ValueString() != "2026-12-31T01:00:00Z" {
		t.Fatalf("expires_at changed outside Terraform = %v", m.ExpiresAt)
	}
}
