package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ action.Action                   = (*revokeVendorAccessAction)(nil)
	_ action.ActionWithConfigure      = (*revokeVendorAccessAction)(nil)
	_ action.ActionWithValidateConfig = (*revokeVendorAccessAction)(nil)
	_ action.ActionWithModifyPlan     = (*revokeVendorAccessAction)(nil)
)

// NewRevokeVendorAccessAction returns the warden_revoke_vendor_access action.
func NewRevokeVendorAccessAction() action.Action { return &revokeVendorAccessAction{} }

// revokeVendorAccessAction is the break-glass revoke: one API call that ends, in one
// transaction, everything that gives vendor users a tier in an environment.
type revokeVendorAccessAction struct {
	client *client.Client
}

type revokeVendorAccessActionModel struct {
	EnvironmentID types.String `tfsdk:"environment_id"`
	UserID        types.String `tfsdk:"user_id"`
	Reason        types.String `tfsdk:"reason"`
}

func (m *revokeVendorAccessActionModel) toAPI() api.VendorAccessRevoke {
	return api.VendorAccessRevoke{UserID: m.UserID.ValueString(), Reason: m.Reason.ValueString()}
}

func (a *revokeVendorAccessAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_revoke_vendor_access"
}

func (a *revokeVendorAccessAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "**Break-glass.** Ends at once, in one audited transaction, every vendor user's access to one environment " +
			"(or only `user_id`'s): approved access requests are revoked (their access ends now), pending ones are revoked so that " +
			"nobody approves one during the incident, and standing access (`require_approval = false`) goes back to requiring " +
			"approval. The support access itself stays, so that vendor engineers may ask again once the incident is over. " +
			"Invoking it again ends nothing and succeeds. Requires `cluster.admin` (organization owners hold it).\n\n" +
			"Run it with `terraform apply -invoke=action.warden_revoke_vendor_access.<name>` (Terraform 1.14 or later). " +
			"The next plan shows what changed outside the configuration: revoked `warden_access_request_approval` resources " +
			"read `status = \"revoked\"` and warn; a `warden_support_access` whose standing access ended plans `require_approval` " +
			"back to `false`, so set `require_approval = true` in its block (or remove it) before applying anything else, " +
			"or that apply restores standing access.",
		Attributes: map[string]schema.Attribute{
			"environment_id": schema.StringAttribute{
				MarkdownDescription: "The environment whose vendor access ends, e.g. `warden_environment.prod.id`. The plan checks that it exists.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"user_id": schema.StringAttribute{
				MarkdownDescription: "Only this vendor user's access requests (e.g. a compromised account); omit to end every vendor user's. " +
					"Standing access is not per user, so it ends for every vendor user either way. " +
					"The plan checks that the user exists and is a `vendor` user, when the provider's token may read users.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"reason": schema.StringAttribute{
				MarkdownDescription: "Why, recorded in the audit log with the revoke, e.g. an incident number. At most 1024 characters; no control characters.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 1024)},
			},
		},
	}
}

// ValidateConfig checks the reason as the API does (control characters, bidi controls).
func (a *revokeVendorAccessAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	var cfg revokeVendorAccessActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || cfg.Reason.IsNull() || cfg.Reason.IsUnknown() {
		return
	}
	addFindings(&resp.Diagnostics, access.ValidateText("reason", cfg.Reason.ValueString()),
		func(f access.Finding) path.Path { return path.Root(f.Field) }, true)
}

// ModifyPlan checks, before anything is invoked, what needs the server: that the environment
// exists and that user_id names a vendor user. A read that fails for another reason (the
// token may not read users) only warns: the API checks again on invoke.
func (a *revokeVendorAccessAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	if a.client == nil || req.Config.Raw.IsNull() {
		return
	}
	var cfg revokeVendorAccessActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	checkEnvironment(ctx, a.client, cfg.EnvironmentID, &resp.Diagnostics)
	if userID, ok := knownString(cfg.UserID); ok {
		checkVendorUser(ctx, a.client, userID, &resp.Diagnostics)
	}
}

// checkVendorUser reads user_id: a user that does not exist, or is not a vendor user, fails
// the plan.
func checkVendorUser(ctx context.Context, c *client.Client, id string, diags *diag.Diagnostics) {
	u, err := c.GetUser(ctx, id)
	switch {
	case errors.Is(err, client.ErrNotFound):
		diags.AddAttributeError(path.Root("user_id"), "User Not Found",
			fmt.Sprintf("No user has the id %q. Refer to a warden_user resource or data source, e.g. data.warden_user.oncall.id.", id))
	case err != nil:
		diags.AddAttributeWarning(path.Root("user_id"), "Unable to Check the User",
			fmt.Sprintf("The plan could not read the user (%s); the Warden API will check that it is a vendor user when the action runs.", err))
	case u.Kind != string(access.KindVendor):
		diags.AddAttributeError(path.Root("user_id"), "Not a Vendor User",
			fmt.Sprintf("User %q (%s) is a %s user; only vendor users hold support tiers, so there is nothing of theirs to revoke. "+
				"Set user_id to a vendor user, or omit it to revoke every vendor user's access.", u.Email, u.ID, u.Kind))
	}
}

func (a *revokeVendorAccessAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	if d := castProviderData(req.ProviderData, &resp.Diagnostics); d != nil {
		a.client = d.Client
	}
}

// Invoke makes the one API call and reports, one progress message each, what it ended.
func (a *revokeVendorAccessAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg revokeVendorAccessActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	progress := progressOf(resp)
	envID := cfg.EnvironmentID.ValueString()
	whose := "every vendor user's"
	if userID, ok := knownString(cfg.UserID); ok {
		whose = fmt.Sprintf("vendor user %s's", userID)
	}
	progress("Revoking %s access to environment %s.", whose, envID)
	res, err := a.client.RevokeVendorAccess(ctx, envID, cfg.toAPI())
	if err != nil {
		addAPIError(&resp.Diagnostics, "Revoke Vendor Access", err)
		return
	}
	for _, line := range revocationLines(res) {
		progress("%s", line)
	}
	if res.StandingAccessEnded {
		resp.Diagnostics.AddWarning("Standing Vendor Access Ended",
			fmt.Sprintf("The support access of environment %q (%s) now requires approval (require_approval = true) for every vendor user; "+
				"standing access is not per user. If a warden_support_access resource manages it with require_approval = false, "+
				"the next plan shows the change and applying it restores standing access: set require_approval = true in that block "+
				"(or remove the block) to keep it ended.", res.EnvironmentName, envID))
	}
}

// revocationLines says what a revoke ended, one line per object, and a summary last.
func revocationLines(res *api.VendorAccessRevocation) []string {
	var out []string
	for _, r := range res.RevokedApprovals {
		out = append(out, fmt.Sprintf("Revoked approved access request %s: vendor user %s no longer holds tier %q.", r.ID, r.RequesterID, r.Tier))
	}
	for _, r := range res.RevokedPending {
		out = append(out, fmt.Sprintf("Revoked pending access request %s (vendor user %s, tier %q): it can no longer be approved.", r.ID, r.RequesterID, r.Tier))
	}
	if res.StandingAccessEnded && res.SupportAccess != nil {
		out = append(out, fmt.Sprintf("Ended standing access: support access %s (tier %q) now requires an approved request for every vendor user.",
			res.SupportAccess.ID, res.SupportAccess.Tier))
	}
	var ended []string
	if n := len(res.RevokedApprovals); n > 0 {
		ended = append(ended, plural(n, "approved request", "approved requests"))
	}
	if n := len(res.RevokedPending); n > 0 {
		ended = append(ended, plural(n, "pending request", "pending requests"))
	}
	if res.StandingAccessEnded {
		ended = append(ended, "standing access")
	}
	if len(ended) == 0 {
		return append(out, fmt.Sprintf("Nothing to revoke in environment %q (%s): no vendor user holds or awaits access there.",
			res.EnvironmentName, res.EnvironmentID))
	}
	return append(out, fmt.Sprintf("Vendor access to environment %q (%s) ended: %s revoked.", res.EnvironmentName, res.EnvironmentID, strings.Join(ended, ", ")))
}
