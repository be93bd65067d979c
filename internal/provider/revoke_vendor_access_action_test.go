package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// actionConfig builds the action's configuration from attribute values (missing ones null).
func actionConfig(t *testing.T, a action.Action, attrs map[string]tftypes.Value) tfsdk.Config {
	t.Helper()
	var resp action.SchemaResponse
	a.Schema(context.Background(), action.SchemaRequest{}, &resp)
	typ, ok := resp.Schema.Type().TerraformType(context.Background()).(tftypes.Object)
	if !ok {
		t.Fatal("schema type is not an object")
	}
	return tfsdk.Config{Schema: resp.Schema, Raw: schemaObjectOf(t, typ, attrs)}
}

// standingSupportAccess makes an aws environment "production" whose support access is tier
// operator with standing access (require_approval = false).
func standingSupportAccess(t *testing.T, srv *acctest.Server) (*api.Environment, *api.SupportAccess) {
	t.Helper()
	ctx := context.Background()
	env, err := srv.Client.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "production", Cloud: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	standing := false
	sa, err := srv.Client.CreateSupportAccess(ctx, env.ID, api.SupportAccessCreate{Tier: "operator", RequireApproval: &standing})
	if err != nil {
		t.Fatal(err)
	}
	return env, sa
}

// vendorWithApproval makes a vendor user and an approved access request of tier in env.
func vendorWithApproval(t *testing.T, srv *acctest.Server, email, envID, tier, reason string) (*api.User, *api.AccessRequest) {
	t.Helper()
	ctx := context.Background()
	u, vc := newVendor(t, srv, email)
	r, err := vc.CreateAccessRequest(ctx, api.AccessRequestCreate{EnvironmentID: envID, Tier: tier, DurationSeconds: 3600, Reason: reason})
	if err != nil {
		t.Fatalf("file access request: %v", err)
	}
	if r, err = srv.Client.ApproveAccessRequest(ctx, r.ID); err != nil {
		t.Fatalf("approve: %v", err)
	}
	return u, r
}

// Invoke makes one call and says, one progress message each, what it ended; the same call
// again ends nothing, and says so.
func TestRevokeVendorAccessAction_invokeReportsProgress(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	env, _ := standingSupportAccess(t, srv)
	vendor, req := vendorWithApproval(t, srv, "oncall@vendor.example", env.ID, "operator", "")

	a := &revokeVendorAccessAction{}
	var cresp action.ConfigureResponse
	a.Configure(ctx, action.ConfigureRequest{ProviderData: &providerData{Client: srv.Client}}, &cresp)
	invoke := func(attrs map[string]tftypes.Value) ([]string, *action.InvokeResponse) {
		var msgs []string
		resp := &action.InvokeResponse{SendProgress: func(e action.InvokeProgressEvent) { msgs = append(msgs, e.Message) }}
		a.Invoke(ctx, action.InvokeRequest{Config: actionConfig(t, a, attrs)}, resp)
		return msgs, resp
	}
	msgs, resp := invoke(map[string]tftypes.Value{"environment_id": tfString(env.ID), "user_id": tfString(vendor.ID), "reason": tfString("INC-7")})
	want := []string{
		fmt.Sprintf("Revoking vendor user %s's access to environment %s.", vendor.ID, env.ID),
		fmt.Sprintf("Revoked approved access request %s: vendor user %s no longer holds tier \"operator\".", req.ID, vendor.ID),
		"Ended standing access: support access ",
		fmt.Sprintf("Vendor access to environment \"production\" (%s) ended: 1 approved request, standing access revoked.", env.ID),
	}
	if len(msgs) != len(want) {
		t.Fatalf("progress %q", msgs)
	}
	for i := range want {
		if !strings.HasPrefix(msgs[i], want[i]) {
			t.Errorf("progress %d: %q, want %q", i, msgs[i], want[i])
		}
	}
	if resp.Diagnostics.HasError() || len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Summary() != "Standing Vendor Access Ended" {
		t.Fatalf("diagnostics %v", resp.Diagnostics)
	}
	checkWords(t, resp.Diagnostics[0].Detail())

	msgs, resp = invoke(map[string]tftypes.Value{"environment_id": tfString(env.ID)})
	if len(resp.Diagnostics) != 0 || len(msgs) != 2 || msgs[1] != fmt.Sprintf("Nothing to revoke in environment \"production\" (%s): no vendor user holds or awaits access there.", env.ID) {
		t.Fatalf("second invoke: %q %v", msgs, resp.Diagnostics)
	}

	// A refusal is an error diagnostic naming the operation.
	_, vc := newVendor(t, srv, "other@vendor.example")
	a.Configure(ctx, action.ConfigureRequest{ProviderData: &providerData{Client: vc}}, &cresp)
	_, resp = invoke(map[string]tftypes.Value{"environment_id": tfString(env.ID)})
	if !resp.Diagnostics.HasError() || resp.Diagnostics[0].Summary() != "Unable to Revoke Vendor Access" ||
		!strings.Contains(resp.Diagnostics[0].Detail(), "cluster.admin") {
		t.Fatalf("vendor's invoke: %v", resp.Diagnostics)
	}
}

// driftCheck asserts that a plan reports an object changed outside Terraform: address's
// attribute was before in state and is after now.
type driftCheck struct {
	address, attribute string
	before, after      any
}

func (c driftCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceDrift {
		if rc.Address != c.address || rc.Change == nil {
			continue
		}
		b, _ := rc.Change.Before.(map[string]any)
		a, _ := rc.Change.After.(map[string]any)
		if b[c.attribute] == c.before && a[c.attribute] == c.after {
			return
		}
		resp.Error = fmt.Errorf("%s drifted, but %s went %v → %v, want %v → %v", c.address, c.attribute, b[c.attribute], a[c.attribute], c.before, c.after)
		return
	}
	var drifted []string
	for _, rc := range req.Plan.ResourceDrift {
		drifted = append(drifted, rc.Address)
	}
	resp.Error = fmt.Errorf("the plan shows no drift of %s (drifted: %v)", c.address, drifted)
}

const (
	breakGlassSupportAddr  = "warden_support_access.vendor"
	breakGlassApprovalAddr = "warden_access_request_approval.oncall"
	breakGlassTriggerAddr  = "terraform_data.incident"
)

// breakGlassConfig is the environment "production" with operator support access
// (supportAttrs adds to it); with approval, the approval of the request filed with reason
// "pager"; with actionAttrs, the break-glass action, run once after terraform_data.incident is
// created, as an incident runbook's configuration would trigger it.
func breakGlassConfig(srv *acctest.Server, supportAttrs string, approval bool, actionAttrs string) string {
	hcl := fmt.Sprintf(`
resource "warden_environment" "prod" {
  name  = "production"
  cloud = "gcp"
}
resource "warden_support_access" "vendor" {
  environment_id = warden_environment.prod.id
  tier           = "operator"
  %s
}
resource "warden_user" "alice" {
  email = "alice@example.com"
  name  = "Alice"
}
`, supportAttrs)
	if approval {
		hcl += `
data "warden_access_requests" "prod" {
  environment_id = warden_environment.prod.id
}
resource "warden_access_request_approval" "oncall" {
  access_request_id = one([for r in data.warden_access_requests.prod.access_requests : r.id if r.reason == "pager"])
  depends_on        = [warden_support_access.vendor]
}
`
	}
	if actionAttrs != "" {
		hcl += fmt.Sprintf(`
action "warden_revoke_vendor_access" "break_glass" {
  config {
    environment_id = warden_environment.prod.id
    %s
  }
}
resource "terraform_data" "incident" {
  input = "INC-7"
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.warden_revoke_vendor_access.break_glass]
    }
  }
  depends_on = [warden_support_access.vendor]
}
`, actionAttrs)
	}
	return srv.Config(hcl)
}

// vendorAccess asks the API whether u may reboot a prefixed host in "production".
func vendorAccess(t *testing.T, srv *acctest.Server, u *api.User) (*api.AuthorizeResponse, error) {
	env := mustFindEnvironment(t, srv, "production")
	return srv.Client.Authorize(context.Background(), api.AuthorizeRequest{PrincipalID: u.ID, EnvironmentID: env.ID,
		Action: "operator.reboot_host", Resource: "aw_host1"})
}

// requireVendorAccess checks each vendor's access against want, through the API.
func requireVendorAccess(t *testing.T, srv *acctest.Server, want bool, users ...*api.User) error {
	for _, u := range users {
		a, err := vendorAccess(t, srv, u)
		if err != nil {
			return err
		}
		if a.Allowed != want {
			return fmt.Errorf("vendor %s: allowed %v, want %v (%s)", u.Email, a.Allowed, want, a.Reason)
		}
	}
	return nil
}

// requireRequestStatus checks access requests' statuses through the API.
func requireRequestStatus(srv *acctest.Server, status string, reqs ...**api.AccessRequest) error {
	for _, r := range reqs {
		cur, err := srv.Client.GetAccessRequest(context.Background(), (*r).ID)
		if err != nil {
			return err
		}
		if cur.Status != status {
			return fmt.Errorf("access request %s is %s, want %s", cur.ID, cur.Status, status)
		}
	}
	return nil
}

// The break-glass ends every vendor's access to the environment at once — standing access, an
// approval managed by Terraform and one approved through the API — and the next plan shows
// what changed outside Terraform.
func TestAccRevokeVendorAccess_breakGlass(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	var (
		oncall, second       *api.User
		oncallReq, secondReq *api.AccessRequest
	)
	const standing = "require_approval = false"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{terraformOnly(version1_14, "actions")},
		Steps: []resource.TestStep{
			{
				Config: breakGlassConfig(srv, standing, false, ""),
				Check: func(*terraform.State) error {
					var vc *client.Client
					oncall, vc = newVendor(t, srv, "oncall@vendor.example")
					env := mustFindEnvironment(t, srv, "production")
					var err error
					oncallReq, err = vc.CreateAccessRequest(ctx, api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "operator", DurationSeconds: 3600, Reason: "pager"})
					if err != nil {
						return err
					}
					second, secondReq = vendorWithApproval(t, srv, "second@vendor.example", env.ID, "support", "api")
					return requireVendorAccess(t, srv, true, oncall, second)
				},
			},
			{
				Config: breakGlassConfig(srv, standing, true, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(breakGlassApprovalAddr, tfjsonpath.New("status"), knownvalue.StringExact("approved")),
				},
				Check: func(*terraform.State) error { return requireRequestStatus(srv, "approved", &oncallReq, &secondReq) },
			},
			{
				// The action runs once, when terraform_data.incident is created.
				Config:             breakGlassConfig(srv, standing, true, `reason = "INC-7: vendor credentials leaked"`),
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(breakGlassTriggerAddr, plancheck.ResourceActionCreate)},
					// The plan after the break-glass: the refresh shows both changes made outside
					// Terraform; standing access would come back on apply, the revoked approval stays.
					PostApplyPostRefresh: []plancheck.PlanCheck{
						driftCheck{address: breakGlassSupportAddr, attribute: "require_approval", before: false, after: true},
						driftCheck{address: breakGlassApprovalAddr, attribute: "status", before: "approved", after: "revoked"},
						plancheck.ExpectResourceAction(breakGlassSupportAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(breakGlassSupportAddr, tfjsonpath.New("require_approval"), knownvalue.Bool(false)),
						plancheck.ExpectResourceAction(breakGlassApprovalAddr, plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction(breakGlassTriggerAddr, plancheck.ResourceActionNoop),
					},
				},
				Check: func(*terraform.State) error {
					if err := requireVendorAccess(t, srv, false, oncall, second); err != nil {
						return fmt.Errorf("after the break-glass: %w", err)
					}
					if err := requireRequestStatus(srv, "revoked", &oncallReq, &secondReq); err != nil {
						return err
					}
					env := mustFindEnvironment(t, srv, "production")
					sa, err := srv.Client.GetSupportAccess(ctx, env.ID)
					if err != nil {
						return err
					}
					if !sa.RequireApproval || sa.Status != "active" {
						return fmt.Errorf("support access after the break-glass: %+v", sa)
					}
					evs, err := srv.Client.ListAuditEvents(ctx, client.AuditFilter{ObjectID: env.ID})
					if err != nil {
						return err
					}
					i := slices.IndexFunc(evs, func(e api.AuditEvent) bool { return e.Action == "vendor_access.revoke" })
					if i < 0 || !strings.Contains(string(evs[i].After), "INC-7: vendor credentials leaked") {
						return fmt.Errorf("no audited break-glass among %+v", evs)
					}
					var rec api.VendorAccessRevocation
					if err := json.Unmarshal(evs[i].After, &rec); err != nil {
						return err
					}
					if len(rec.RevokedApprovals) != 2 || !rec.StandingAccessEnded {
						return fmt.Errorf("audited break-glass %s", evs[i].After)
					}
					return nil
				},
			},
			{
				// What the guide says to do next: keep standing access off and drop the ended
				// approval. The action does not run again, and nobody regains access.
				Config: breakGlassConfig(srv, "require_approval = true", false, `reason = "INC-7: vendor credentials leaked"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(breakGlassSupportAddr, plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction(breakGlassApprovalAddr, plancheck.ResourceActionDestroy),
						plancheck.ExpectResourceAction(breakGlassTriggerAddr, plancheck.ResourceActionNoop),
					},
				},
				Check: func(*terraform.State) error { return requireVendorAccess(t, srv, false, oncall, second) },
			},
		},
	})
}

// Narrowed to one vendor user: that user's access ends, another's stays. What the plan can
// check, it checks: user_id must name a vendor user, and the reason must be plain text.
func TestAccRevokeVendorAccess_oneVendor(t *testing.T) {
	srv := acctest.NewServer(t)
	var (
		oncall, second       *api.User
		oncallReq, secondReq *api.AccessRequest
	)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{terraformOnly(version1_14, "actions")},
		Steps: []resource.TestStep{
			{
				Config: breakGlassConfig(srv, "", false, ""),
				Check: func(*terraform.State) error {
					env := mustFindEnvironment(t, srv, "production")
					oncall, oncallReq = vendorWithApproval(t, srv, "oncall@vendor.example", env.ID, "operator", "pager")
					second, secondReq = vendorWithApproval(t, srv, "second@vendor.example", env.ID, "operator", "api")
					return requireVendorAccess(t, srv, true, oncall, second)
				},
			},
			{
				Config:      breakGlassConfig(srv, "", false, `user_id = warden_user.alice.id`),
				ExpectError: regexp.MustCompile(`(?s)Not a Vendor User.*is a member user; only vendor users hold support tiers`),
			},
			{
				Config:      breakGlassConfig(srv, "", false, `user_id = "usr_missing"`),
				ExpectError: regexp.MustCompile(`(?s)User Not Found.*No user has the id "usr_missing"`),
			},
			{
				Config:      breakGlassConfig(srv, "", false, `reason = "INC-7\u001b[31m"`),
				ExpectError: regexp.MustCompile(`Invalid Text`),
			},
			{
				PreConfig: func() {
					// Still nothing ended by the refused plans.
					if err := requireVendorAccess(t, srv, true, oncall, second); err != nil {
						t.Fatal(err)
					}
				},
				Config: breakGlassConfig(srv, "", false, `user_id = data.warden_user.oncall.id`) + `
data "warden_user" "oncall" {
  email = "oncall@vendor.example"
}
`,
				Check: func(*terraform.State) error {
					if err := requireVendorAccess(t, srv, false, oncall); err != nil {
						return err
					}
					if err := requireVendorAccess(t, srv, true, second); err != nil {
						return fmt.Errorf("another vendor lost access: %w", err)
					}
					if err := requireRequestStatus(srv, "revoked", &oncallReq); err != nil {
						return err
					}
					return requireRequestStatus(srv, "approved", &secondReq)
				},
			},
		},
	})
}

// The documented example, applied with a trigger for each of its actions: the one narrowed to
// oncall@vendor.example ends that engineer's approval, the other every vendor's.
func TestAccRevokeVendorAccess_example(t *testing.T) {
	raw, err := os.ReadFile("../../examples/actions/warden_revoke_vendor_access/action.tf")
	if err != nil {
		t.Fatal(err)
	}
	srv := acctest.NewServer(t)
	seedTeam(t, srv, true)
	env := mustFindEnvironment(t, srv, "production")
	oncall, oncallReq := vendorWithApproval(t, srv, "oncall@vendor.example", env.ID, "operator", "")
	second, secondReq := vendorWithApproval(t, srv, "second@vendor.example", env.ID, "operator", "")
	trigger := func(name string) string {
		return fmt.Sprintf(`
resource "terraform_data" "%[1]s" {
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.warden_revoke_vendor_access.%[1]s]
    }
  }
}
`, name)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{terraformOnly(version1_14, "actions")},
		Steps: []resource.TestStep{
			{
				// Declared, not invoked: nothing ends.
				Config: srv.Config(string(raw)),
				Check:  func(*terraform.State) error { return requireVendorAccess(t, srv, true, oncall, second) },
			},
			{
				Config: srv.Config(string(raw) + trigger("oncall")),
				Check: func(*terraform.State) error {
					if err := requireVendorAccess(t, srv, false, oncall); err != nil {
						return err
					}
					if err := requireRequestStatus(srv, "approved", &secondReq); err != nil {
						return err
					}
					return requireRequestStatus(srv, "revoked", &oncallReq)
				},
			},
			{
				Config: srv.Config(string(raw) + trigger("oncall") + trigger("production")),
				Check: func(*terraform.State) error {
					if err := requireVendorAccess(t, srv, false, oncall, second); err != nil {
						return err
					}
					return requireRequestStatus(srv, "revoked", &oncallReq, &secondReq)
				},
			},
		},
	})
}

// After a break-glass ended standing access, refreshing a warden_support_access that still
// says require_approval = false warns that applying turns it back on.
func TestSupportAccessRead_warnsWhenStandingAccessEnded(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	env, sa := standingSupportAccess(t, srv)
	r := &supportAccessResource{client: srv.Client}
	var sresp fwresource.SchemaResponse
	r.Schema(ctx, fwresource.SchemaRequest{}, &sresp)
	var iresp fwresource.IdentitySchemaResponse
	r.IdentitySchema(ctx, fwresource.IdentitySchemaRequest{}, &iresp)
	read := func() *fwresource.ReadResponse {
		state := tfsdk.State{Schema: sresp.Schema}
		m := supportAccessResourceModel{ExpiresAt: types.StringNull()}
		m.fromAPI(sa)
		m.RequireApproval = types.BoolValue(false) // what the configuration last applied
		if diags := state.Set(ctx, &m); diags.HasError() {
			t.Fatal(diags)
		}
		identity := &tfsdk.ResourceIdentity{Schema: iresp.IdentitySchema,
			Raw: tftypes.NewValue(iresp.IdentitySchema.Type().TerraformType(ctx), nil)}
		resp := &fwresource.ReadResponse{State: state, Identity: identity}
		r.Read(ctx, fwresource.ReadRequest{State: state}, resp)
		// Outside the framework's server there is no private state to keep the version in
		// (its type is internal); that error is this harness's, not Read's.
		resp.Diagnostics = slices.DeleteFunc(resp.Diagnostics, func(d diag.Diagnostic) bool { return d.Summary() == "Uninitialized ProviderData" })
		return resp
	}
	if resp := read(); len(resp.Diagnostics) != 0 {
		t.Fatalf("standing access unchanged: %v", resp.Diagnostics)
	}
	if _, err := srv.Client.RevokeVendorAccess(ctx, env.ID, api.VendorAccessRevoke{}); err != nil {
		t.Fatal(err)
	}
	resp := read()
	if len(resp.Diagnostics) != 1 || !diagAt(resp.Diagnostics, diag.SeverityWarning, "require_approval", "set require_approval = true") {
		t.Fatalf("after the break-glass: %v", resp.Diagnostics)
	}
	var got supportAccessResourceModel
	resp.Diagnostics.Append(resp.State.Get(ctx, &got)...)
	if !got.RequireApproval.ValueBool() {
		t.Fatalf("refreshed state %+v", got)
	}
}
