package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ resource.Resource                   = (*supportAccessResource)(nil)
	_ resource.ResourceWithConfigure      = (*supportAccessResource)(nil)
	_ resource.ResourceWithValidateConfig = (*supportAccessResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*supportAccessResource)(nil)
	_ resource.ResourceWithImportState    = (*supportAccessResource)(nil)
	_ resource.ResourceWithIdentity       = (*supportAccessResource)(nil)
)

// NewSupportAccessResource returns the warden_support_access resource.
func NewSupportAccessResource() resource.Resource {
	return &supportAccessResource{now: time.Now, expiryWarning: defaultVendorAccessExpiryWarning}
}

type supportAccessResource struct {
	// access previews the access this resource's plans change (access_preview.go).
	access *accessGuard
	client *client.Client
	// now is the clock that expires_at is judged against; tests replace it.
	now func() time.Time
	// expiryWarning is how long before expires_at the plan warns that the access expires
	// soon (the provider's vendor_access_expiry_warning); 0 never.
	expiryWarning time.Duration
}

type supportAccessResourceModel struct {
	ID              types.String `tfsdk:"id"`
	EnvironmentID   types.String `tfsdk:"environment_id"`
	Tier            types.String `tfsdk:"tier"`
	PortForwarding  types.Bool   `tfsdk:"port_forwarding"`
	ExpiresAt       types.String `tfsdk:"expires_at"`
	RequireApproval types.Bool   `tfsdk:"require_approval"`
	Status          types.String `tfsdk:"status"`
	Capabilities    types.Set    `tfsdk:"capabilities"`
	Acknowledge     types.Set    `tfsdk:"acknowledge_new_access"`
}

// The values of status.
const (
	supportStatusActive  = "active"
	supportStatusExpired = "expired"
)

// fromAPI keeps the configured spelling of expires_at when it names the same instant as the
// API's (which answers in UTC), so that "+02:00" in the configuration is not a diff.
func (m *supportAccessResourceModel) fromAPI(a *api.SupportAccess) {
	m.ID = types.StringValue(a.ID)
	m.EnvironmentID = types.StringValue(a.EnvironmentID)
	m.Tier = types.StringValue(a.Tier)
	m.PortForwarding = types.BoolValue(a.PortForwarding)
	switch prior, ok := parseExpiry(m.ExpiresAt); {
	case a.ExpiresAt == nil:
		m.ExpiresAt = types.StringNull()
	case !ok || !prior.Equal(*a.ExpiresAt):
		m.ExpiresAt = types.StringValue(a.ExpiresAt.UTC().Format(time.RFC3339Nano))
	}
	m.RequireApproval = types.BoolValue(a.RequireApproval)
	m.Status = types.StringValue(a.Status)
	m.Capabilities = stringSet(a.Capabilities)
	m.Acknowledge = configOnly(m.Acknowledge)
}

func (m *supportAccessResourceModel) toAPI() api.SupportAccessCreate {
	body := api.SupportAccessCreate{Tier: m.Tier.ValueString(), PortForwarding: m.PortForwarding.ValueBool(),
		RequireApproval: m.RequireApproval.ValueBoolPointer()}
	if t, ok := parseExpiry(m.ExpiresAt); ok {
		body.ExpiresAt = &t
	}
	return body
}

// parseExpiry reads a known, non-null expires_at; ok is false otherwise or when it is not
// RFC 3339 (ValidateConfig reports that).
func parseExpiry(v types.String) (time.Time, bool) {
	if v.IsNull() || v.IsUnknown() {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, v.ValueString())
	return t, err == nil
}

// sameExpiry reports whether two expires_at values name the same instant (or are both null).
func sameExpiry(a, b types.String) bool {
	if a.IsNull() || b.IsNull() {
		return a.IsNull() && b.IsNull()
	}
	ta, okA := parseExpiry(a)
	tb, okB := parseExpiry(b)
	if !okA || !okB {
		return a.Equal(b)
	}
	return ta.Equal(tb)
}

func (m *supportAccessResourceModel) identity() environmentIdentity {
	return environmentIdentity{EnvironmentID: m.EnvironmentID}
}

func (r *supportAccessResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_support_access"
}

func (r *supportAccessResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The vendor's support access to one environment: the highest tier its on-call engineers may hold there, " +
			"scoped to resources carrying the environment's `resource_prefix`. Engineers file access requests up to this tier " +
			"(see `warden_access_request_approval`). Creating it grants, destroying it revokes. Requires `cluster.admin`.\n\n" +
			"**Expiry.** From `expires_at` on, the access authorizes nothing, but it stays in state with `status = \"expired\"`: " +
			"the plan shows no change for it and warns, naming the environment, the tier and when it expired. " +
			"Move `expires_at` later to re-activate it in place, or remove the block to revoke it. " +
			"Access deleted outside Terraform is re-created by the next plan, which says so. " +
			"While the access is active and less than the provider's `vendor_access_expiry_warning` (default 7 days) remains before `expires_at`, " +
			"every plan warns that it expires soon.\n\n" +
			"**Widening.** A change that widens the vendor's access plans with a warning on the attribute, naming the environment and " +
			"the value before and after: `expires_at` removed (the access no longer expires — e.g. a variable left unset) or moved later by more " +
			"than the window it was set for, `tier` raised, `port_forwarding` or standing access (`require_approval = false`) turned on.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The support access's id, chosen by the API.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"environment_id": schema.StringAttribute{
				MarkdownDescription: "The environment. Changing it replaces the access (revoking it in the old environment).",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"tier": schema.StringAttribute{
				MarkdownDescription: "The highest tier the vendor may hold, one of " + mdList(access.TierNames()) + " (each includes the one before). " +
					"`co_maintainer` is available only on `gcp` environments; the plan checks the environment's cloud when its id is known. " +
					"Changing it updates in place.",
				Required:   true,
				Validators: []validator.String{oneOf(access.TierNames()...)},
			},
			"port_forwarding": schema.BoolAttribute{
				MarkdownDescription: "Port forwarding to the metrics dashboard (`" + access.CapabilityPortForward + "`). " +
					"Default `false`; only `operator` and above may turn it on.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"require_approval": schema.BoolAttribute{
				MarkdownDescription: "Default `true`: a vendor user holds the tier only through an approved access request " +
					"(`warden_access_request_approval`). `false` is standing access: every vendor user " +
					"holds the tier on this environment without a request — applying grants, removing revokes — still bounded by " +
					"`expires_at` and the environment's `resource_prefix`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "Optional RFC 3339 instant, e.g. `2026-12-31T00:00:00Z`, from which the access authorizes nothing. " +
					"It must lie in the future whenever it changes; an unchanged past value never fails a plan. " +
					"A later value re-activates expired access in place; removing it makes the access last until destroyed.",
				Optional: true,
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "`" + supportStatusActive + "`, or `" + supportStatusExpired + "` once `expires_at` has passed.",
				Computed:            true,
			},
			"acknowledge_new_access": acknowledgeAttribute(),
			"capabilities": schema.SetAttribute{
				MarkdownDescription: "What the tier allows the vendor's engineers to do (e.g. `operator.reboot_host`), given `port_forwarding`; known at plan time.",
				Computed:            true,
				ElementType:         typesString,
			},
		},
	}
}

func (r *supportAccessResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = environmentIdentitySchema("support access")
}

// ValidateConfig checks what needs no server: the tier against port forwarding, and that
// expires_at is RFC 3339. Whether it lies in the future depends on the state (ModifyPlan).
func (r *supportAccessResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg supportAccessResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !cfg.ExpiresAt.IsNull() && !cfg.ExpiresAt.IsUnknown() {
		if _, err := time.Parse(time.RFC3339, cfg.ExpiresAt.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "Invalid Expiry",
				fmt.Sprintf("expires_at must be an RFC 3339 instant such as \"2026-12-31T00:00:00Z\" or \"2026-12-31T09:00:00+02:00\"; got %q.",
					cfg.ExpiresAt.ValueString()))
		}
	}
	// An unknown tier is the OneOf validator's to report.
	if cfg.Tier.IsNull() || cfg.Tier.IsUnknown() || access.TierRank(cfg.Tier.ValueString()) == 0 || cfg.PortForwarding.IsUnknown() {
		return
	}
	fs := access.ValidateSupportAccess(cfg.Tier.ValueString(), cfg.PortForwarding.ValueBool(), "")
	addFindings(&resp.Diagnostics, fs, supportFindingPath, true)
}

// supportFindingPath puts a support access finding on its attribute: both are scalars.
func supportFindingPath(f access.Finding) path.Path { return path.Root(f.Field) }

// ModifyPlan checks what needs the state, the clock or the server (a changed expires_at must
// lie in the future; co_maintainer needs a gcp environment), computes capabilities and status
// for the plan, and warns about expired access.
func (r *supportAccessResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if prior, next := planModels[supportAccessResourceModel](ctx, req, &resp.Diagnostics); !resp.Diagnostics.HasError() {
		r.access.review(ctx, plannedSupportAccess(ctx, r.access, prior, next), &resp.Diagnostics)
	}
	if req.Plan.Raw.IsNull() || resp.Diagnostics.HasError() {
		return
	}
	var plan, state supportAccessResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	var prior *supportAccessResourceModel
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		prior = &state
	}
	if resp.Diagnostics.HasError() {
		return
	}
	env := r.plannedEnvironment(ctx, &plan, &resp.Diagnostics)
	now := r.now()
	planSupportAccess(&plan, prior, env, now, &resp.Diagnostics)
	if prior != nil {
		notice := supportNotice{now: now, warnBefore: r.expiryWarning, expirySetAt: expirySetAt(ctx, req.Private)}
		warnSupportAccessChange(&plan, prior, env, notice, &resp.Diagnostics)
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// plannedEnvironment reads the environment when its id is known at plan time (an existing
// environment, or one read by a data source); nil otherwise, or when it cannot be read.
func (r *supportAccessResource) plannedEnvironment(ctx context.Context, plan *supportAccessResourceModel, diags *diag.Diagnostics) *api.Environment {
	if r.client == nil || plan.EnvironmentID.IsNull() || plan.EnvironmentID.IsUnknown() {
		return nil
	}
	env, err := r.client.GetEnvironment(ctx, plan.EnvironmentID.ValueString())
	switch {
	case errors.Is(err, client.ErrNotFound):
		diags.AddAttributeError(path.Root("environment_id"), "Environment Not Found",
			fmt.Sprintf("No environment has the id %q. Refer to a warden_environment resource or data source, e.g. warden_environment.prod.id.",
				plan.EnvironmentID.ValueString()))
		return nil
	case err != nil:
		// The server checks the tier again on apply; a plan need not fail for a read it could skip.
		diags.AddAttributeWarning(path.Root("environment_id"), "Unable to Check the Environment's Cloud",
			fmt.Sprintf("The plan could not read the environment to check the tier against its cloud (%s); the Warden API will check it on apply.", err))
		return nil
	}
	return env
}

// planSupportAccess is ModifyPlan without the I/O: env is the environment when known, prior
// the state (nil on create), now the clock.
func planSupportAccess(plan, prior *supportAccessResourceModel, env *api.Environment, now time.Time, diags *diag.Diagnostics) {
	tierKnown := !plan.Tier.IsUnknown() && !plan.Tier.IsNull() && !plan.PortForwarding.IsUnknown()
	if env != nil && tierKnown {
		for _, f := range access.ValidateSupportAccess(plan.Tier.ValueString(), plan.PortForwarding.ValueBool(), env.Cloud) {
			if f.Code == access.CodeTierRequiresGCP {
				addFindings(diags, []access.Finding{f}, supportFindingPath, true)
			}
		}
	}
	if env == nil && tierKnown && plan.EnvironmentID.IsUnknown() && tierNeedsGCP(plan.Tier.ValueString()) {
		diags.AddAttributeWarning(path.Root("tier"), "Environment's Cloud Unknown at Plan",
			fmt.Sprintf("The %q tier is available only on gcp environments, and the environment's id is known only after apply "+
				"(it is created or replaced in this plan), so this plan cannot check its cloud. If the environment does not run on gcp, "+
				"the apply fails after it has created the environment, whose alerts then route to the vendor from its creation. "+
				"To have the plan check it, apply the environment first (e.g. terraform apply -target=warden_environment.<name>), "+
				"or check that its cloud is \"gcp\".", plan.Tier.ValueString()))
	}

	expiryChanged := prior == nil || !sameExpiry(plan.ExpiresAt, prior.ExpiresAt)
	if t, ok := parseExpiry(plan.ExpiresAt); ok && expiryChanged && !t.After(now) {
		diags.AddAttributeError(path.Root("expires_at"), "Expiry in the Past",
			fmt.Sprintf("expires_at %s has already passed (it is now %s). A new or changed expires_at must lie in the future; "+
				"set a later instant, or remove expires_at so that the access lasts until destroyed.",
				plan.ExpiresAt.ValueString(), now.UTC().Format(time.RFC3339)))
	}

	if tierKnown {
		plan.Capabilities = stringSet(access.Capabilities(plan.Tier.ValueString(), plan.PortForwarding.ValueBool()))
	} else {
		plan.Capabilities = types.SetUnknown(typesString)
	}

	switch {
	case plan.ExpiresAt.IsUnknown():
		plan.Status = types.StringUnknown()
	case expiryChanged:
		// A new or later expiry (validated above) or none at all: the access is active.
		plan.Status = types.StringValue(supportStatusActive)
	case isExpired(prior, now):
		plan.Status = types.StringValue(supportStatusExpired)
		diags.AddAttributeWarning(path.Root("expires_at"), "Support Access Expired", expiredDetail(prior, env))
	default:
		plan.Status = prior.Status
	}
}

// tierNeedsGCP reports whether the engine refuses tier on an environment that is not on gcp.
func tierNeedsGCP(tier string) bool {
	for _, f := range access.ValidateSupportAccess(tier, false, string(access.CloudAWS)) {
		if f.Code == access.CodeTierRequiresGCP {
			return true
		}
	}
	return false
}

// isExpired reports whether the access in state has expired: as last read, or since, when the
// plan runs without a refresh.
func isExpired(prior *supportAccessResourceModel, now time.Time) bool {
	if prior.Status.ValueString() == supportStatusExpired {
		return true
	}
	t, ok := parseExpiry(prior.ExpiresAt)
	return ok && !t.After(now)
}

// expiredDetail names the environment, the tier and when the access expired, and the two
// ways out.
func expiredDetail(prior *supportAccessResourceModel, env *api.Environment) string {
	where := environmentWords(prior.EnvironmentID.ValueString(), env)
	return fmt.Sprintf("The vendor's %q support access to %s expired at %s and authorizes nothing. It stays in state, and this plan changes nothing for it.\n\n"+
		"To re-activate it, move expires_at later (an in-place update). To revoke it, remove the warden_support_access block.",
		prior.Tier.ValueString(), where, prior.ExpiresAt.ValueString())
}

// supportNotice is what the plan's warnings about a change to existing access are judged by.
type supportNotice struct {
	now time.Time
	// warnBefore is vendor_access_expiry_warning: access expiring sooner than this warns.
	warnBefore time.Duration
	// expirySetAt is when the expires_at in state was set, if known: the start of the
	// window it was granted for.
	expirySetAt *time.Time
}

// warnSupportAccessChange warns, on the attribute at fault, about each change of plan from
// prior that widens the vendor's access — the diff a reviewer must not miss — and about active
// access that expires within n.warnBefore. Unknown values are not judged. A replacement (a
// new environment) is a create there, shown whole by the plan.
func warnSupportAccessChange(plan, prior *supportAccessResourceModel, env *api.Environment, n supportNotice, diags *diag.Diagnostics) {
	if !plan.EnvironmentID.Equal(prior.EnvironmentID) {
		return
	}
	where := environmentWords(prior.EnvironmentID.ValueString(), env)
	intro := "This plan widens the vendor's support access to " + where + ": "
	standing := !plan.RequireApproval.IsUnknown() && !plan.RequireApproval.ValueBool()
	holders := "Vendor engineers may then request it, and hold it once approved."
	if standing {
		holders = "With require_approval = false, every vendor user holds it without a request."
	}
	tier := prior.Tier.ValueString()
	if !plan.Tier.IsUnknown() && access.TierRank(plan.Tier.ValueString()) > access.TierRank(tier) {
		tier = plan.Tier.ValueString()
		detail := fmt.Sprintf("tier %q -> %q. %s", prior.Tier.ValueString(), tier, holders)
		if gained := gainedCapabilities(prior, plan); len(gained) > 0 {
			detail += " It adds " + strings.Join(gained, ", ") + "."
		}
		diags.AddAttributeWarning(path.Root("tier"), "Vendor Support Tier Raised", intro+detail)
	}
	if !plan.PortForwarding.IsUnknown() && plan.PortForwarding.ValueBool() && !prior.PortForwarding.ValueBool() {
		diags.AddAttributeWarning(path.Root("port_forwarding"), "Vendor Port Forwarding Turned On",
			intro+fmt.Sprintf("port_forwarding false -> true: the %q tier then includes %s (port forwarding to the metrics dashboard). %s",
				tier, access.CapabilityPortForward, holders))
	}
	if !plan.RequireApproval.IsUnknown() && !plan.RequireApproval.ValueBool() && prior.RequireApproval.ValueBool() {
		diags.AddAttributeWarning(path.Root("require_approval"), "Standing Vendor Access Turned On",
			intro+fmt.Sprintf("require_approval true -> false: from the apply on, every vendor user holds the %q tier there without an access request "+
				"or an approval (standing access), %s. Set require_approval = true (or remove it) to keep access behind approvals.", tier, untilWords(plan.ExpiresAt)))
	}
	warnExpiryWidened(plan, prior, intro, n, diags)
	warnExpiresSoon(plan, prior, where, n, diags)
}

// warnExpiryWidened warns when expires_at is removed, or moved later by more than the window
// the access was given when its expiry was last set.
func warnExpiryWidened(plan, prior *supportAccessResourceModel, intro string, n supportNotice, diags *diag.Diagnostics) {
	before, ok := parseExpiry(prior.ExpiresAt)
	if !ok || plan.ExpiresAt.IsUnknown() {
		return
	}
	if plan.ExpiresAt.IsNull() {
		diags.AddAttributeWarning(path.Root("expires_at"), "Vendor Access No Longer Expires",
			intro+fmt.Sprintf("expires_at %q -> null: the %q access no longer expires and lasts until the warden_support_access block is removed. "+
				"If expires_at comes from a variable or a module input, check that it is set.", prior.ExpiresAt.ValueString(), prior.Tier.ValueString()))
		return
	}
	after, ok := parseExpiry(plan.ExpiresAt)
	if !ok || !after.After(before) {
		return
	}
	later := after.Sub(before)
	var window time.Duration
	if n.expirySetAt != nil {
		window = before.Sub(*n.expirySetAt)
	}
	if window > 0 && later <= window {
		return // a renewal for no longer than the access was first given
	}
	granted := "the plan does not know the window it was set for"
	if window > 0 {
		granted = fmt.Sprintf("more than the %s it was granted for when expires_at was set (%s)", humanDuration(window), n.expirySetAt.UTC().Format(time.RFC3339))
	}
	diags.AddAttributeWarning(path.Root("expires_at"), "Vendor Access Extended",
		intro+fmt.Sprintf("expires_at %q -> %q, %s later: %s. Check that the vendor should hold the %q tier that much longer.",
			prior.ExpiresAt.ValueString(), plan.ExpiresAt.ValueString(), humanDuration(later), granted, prior.Tier.ValueString()))
}

// warnExpiresSoon warns, before rather than only after, about active access whose unchanged
// expires_at lies within n.warnBefore.
func warnExpiresSoon(plan, prior *supportAccessResourceModel, where string, n supportNotice, diags *diag.Diagnostics) {
	at, ok := parseExpiry(prior.ExpiresAt)
	if !ok || n.warnBefore <= 0 || !sameExpiry(plan.ExpiresAt, prior.ExpiresAt) || !at.After(n.now) || at.Sub(n.now) > n.warnBefore {
		return
	}
	diags.AddAttributeWarning(path.Root("expires_at"), "Vendor Access Expires Soon",
		fmt.Sprintf("The vendor's %q support access to %s expires in %s, at %s. From then on it authorizes nothing, and approvals there end with it. "+
			"To keep it, move expires_at later; to let it lapse, change nothing. "+
			"(This warning shows from %s before the expiry: the provider's vendor_access_expiry_warning.)",
			prior.Tier.ValueString(), where, humanDuration(at.Sub(n.now)), prior.ExpiresAt.ValueString(), humanDuration(n.warnBefore)))
}

// gainedCapabilities lists, in catalogue order, what plan's tier allows that prior's did not.
func gainedCapabilities(prior, plan *supportAccessResourceModel) []string {
	pf := plan.PortForwarding.ValueBool() && !plan.PortForwarding.IsUnknown()
	had := access.Capabilities(prior.Tier.ValueString(), prior.PortForwarding.ValueBool())
	var out []string
	for _, c := range access.Capabilities(plan.Tier.ValueString(), pf) {
		if !slices.Contains(had, c) {
			out = append(out, c)
		}
	}
	return out
}

// untilWords says how long planned access lasts: until its expiry, or with none.
func untilWords(expiresAt types.String) string {
	switch {
	case expiresAt.IsUnknown():
		return "until an expiry known only after apply"
	case expiresAt.IsNull():
		return "with no expiry"
	}
	return "until " + expiresAt.ValueString()
}

// The private state key of when the expires_at in state was set (a JSON RFC 3339 string, on
// the API's clock): the start of the window a later expiry is compared with.
const privateExpirySetKey = "expiry_set_at"

// expirySetAt reads when the expires_at in state was set; nil when unknown.
func expirySetAt(ctx context.Context, p privateReader) *time.Time {
	b, diags := p.GetKey(ctx, privateExpirySetKey)
	if diags.HasError() || len(b) == 0 {
		return nil
	}
	var t time.Time
	if err := json.Unmarshal(b, &t); err != nil {
		return nil
	}
	return &t
}

// saveExpirySetAt records that a's expires_at was set at a's last change (nothing when it has
// none).
func saveExpirySetAt(ctx context.Context, p privateWriter, a *api.SupportAccess, diags *diag.Diagnostics) {
	var v []byte // private state holds JSON: a time marshals as an RFC 3339 string
	if a.ExpiresAt != nil {
		v, _ = json.Marshal(a.UpdatedAt.UTC()) // a time from the API always marshals
	}
	diags.Append(p.SetKey(ctx, privateExpirySetKey, v)...)
}

// vendor_access_expiry_warning's default, a week's notice before vendor support access
// lapses, and its ceiling, a year.
const (
	defaultVendorAccessExpiryWarning = 7 * 24 * time.Hour
	maxVendorAccessExpiryWarning     = 365 * 24 * time.Hour
)

// durationOr reads a configured duration; fallback when it is null or unknown (its validator
// reports a malformed one before Configure runs).
func durationOr(v types.String, fallback time.Duration) time.Duration {
	if v.IsNull() || v.IsUnknown() {
		return fallback
	}
	d, err := time.ParseDuration(v.ValueString())
	if err != nil || d < 0 {
		return fallback
	}
	return d
}

// humanDuration renders d for a reader in its two largest units: "6 days 23 hours",
// "3 hours 5 minutes", "45 minutes", "less than a minute".
func humanDuration(d time.Duration) string {
	if d < time.Minute {
		return "less than a minute"
	}
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}}
	var parts []string
	for _, u := range units {
		n := d / u.size
		if n == 0 && len(parts) > 0 {
			break // "2 days 5 minutes" says no more than "2 days"
		}
		if n > 0 {
			parts = append(parts, plural(int(n), u.name, u.name+"s"))
			d -= n * u.size
		}
		if len(parts) == 2 {
			break
		}
	}
	return strings.Join(parts, " ")
}

// environmentWords names an environment in a diagnostic: by name and id when it was read,
// by id otherwise.
func environmentWords(id string, env *api.Environment) string {
	if env != nil {
		return fmt.Sprintf("environment %q (%s)", env.Name, env.ID)
	}
	return "environment " + id
}

// plannedSupportAccess is the access this support access's plan changes: the vendor users'
// tiers, as support_access_upsert of the whole support access when it is created or changes,
// support_access_delete when it goes (both when it moves to another environment).
func plannedSupportAccess(ctx context.Context, g *accessGuard, prior, next *supportAccessResourceModel) plannedAccess {
	del := func(m *supportAccessResourceModel) api.AccessChange {
		return api.AccessChange{Kind: string(access.ChangeSupportDelete), EnvironmentID: m.EnvironmentID.ValueString()}
	}
	if next == nil {
		return plannedAccess{at: path.Empty(), changes: []api.AccessChange{del(prior)}}
	}
	pa := plannedAccess{at: path.Root("tier"), ack: ackOf(ctx, next.Acknowledge)}
	moved := prior != nil && !prior.EnvironmentID.Equal(next.EnvironmentID)
	if prior != nil && !moved {
		switch {
		case !prior.Tier.Equal(next.Tier):
		case !prior.PortForwarding.Equal(next.PortForwarding):
			pa.at = path.Root("port_forwarding")
		case !prior.RequireApproval.Equal(next.RequireApproval):
			pa.at = path.Root("require_approval")
		case !sameExpiry(prior.ExpiresAt, next.ExpiresAt):
			pa.at = path.Root("expires_at")
		default:
			return pa
		}
	}
	pa.could = func(ctx context.Context) (couldGive, error) {
		names := access.Capabilities(next.Tier.ValueString(), next.PortForwarding.ValueBool())
		if next.Tier.IsUnknown() {
			names = access.Capabilities(string(access.TierCoMaintainer), true)
		}
		return g.inEnvironment(ctx, next.EnvironmentID.ValueString(), next.EnvironmentID.IsUnknown(), names)
	}
	c, ok := supportChange(next)
	switch {
	case next.EnvironmentID.IsUnknown():
		pa.pending = "its environment is created (or replaced) in this plan"
	case !ok:
		pa.pending = "its tier, port forwarding, expiry or approval are known only after apply"
	default:
		if moved {
			pa.changes = append(pa.changes, del(prior))
		}
		pa.changes = append(pa.changes, c)
	}
	return pa
}

func (r *supportAccessResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		r.client = d.Client
		r.access = d.Access
		r.expiryWarning = d.VendorAccessExpiryWarning
	}
}

func (r *supportAccessResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.access.applied()
	var plan supportAccessResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	a, err := r.client.CreateSupportAccess(ctx, plan.EnvironmentID.ValueString(), plan.toAPI())
	if err != nil {
		addAPIError(&resp.Diagnostics, "Create Support Access", err)
		return
	}
	plan.fromAPI(a)
	saveVersion(ctx, resp.Private, a.Version, &resp.Diagnostics)
	saveExpirySetAt(ctx, resp.Private, a, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

// Read keeps expired access in state (the API still returns it, with status "expired"); only
// access deleted outside Terraform leaves the state, with a warning that the plan re-creates
// it, since after RemoveResource the plan cannot tell drift from a first create.
func (r *supportAccessResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state supportAccessResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
	a, err := r.client.GetSupportAccess(ctx, state.EnvironmentID.ValueString())
	if errors.Is(err, client.ErrNotFound) {
		if !state.ID.IsNull() {
			resp.Diagnostics.AddWarning("Support Access Revoked Outside Terraform",
				fmt.Sprintf("The vendor's %q support access to environment %s was revoked outside Terraform (it did not expire: expired access "+
					"stays readable). This plan re-creates it; remove the warden_support_access block to keep it revoked.",
					state.Tier.ValueString(), state.EnvironmentID.ValueString()))
		}
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Read Support Access", err)
		return
	}
	if !state.RequireApproval.IsNull() && !state.RequireApproval.ValueBool() && a.RequireApproval {
		resp.Diagnostics.AddAttributeWarning(path.Root("require_approval"), "Standing Vendor Access Ended Outside Terraform",
			fmt.Sprintf("The standing %q support access to environment %s was ended outside Terraform (for example by the warden_revoke_vendor_access "+
				"break-glass action): vendor users now need an approved access request there. A plan from this configuration turns standing access "+
				"back on; set require_approval = true in the warden_support_access block (or remove the block) to keep it ended.",
				a.Tier, state.EnvironmentID.ValueString()))
	}
	// An expiry changed outside Terraform, or one whose setting this state never saw (just
	// imported, or written by an older provider), counts from the access's last change: the
	// latest it can have been set, so that the window compared with is never too long.
	if unseen := expirySetAt(ctx, req.Private) == nil; a.ExpiresAt != nil && (unseen || !sameExpiry(state.ExpiresAt, timeString(a.ExpiresAt))) {
		saveExpirySetAt(ctx, resp.Private, a, &resp.Diagnostics)
	}
	state.fromAPI(a)
	saveVersion(ctx, resp.Private, a.Version, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update sends only what changed: an unchanged expires_at may lie in the past, which the API
// would reject.
func (r *supportAccessResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.access.applied()
	var plan, state supportAccessResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var body api.SupportAccessUpdate
	if !plan.Tier.Equal(state.Tier) {
		body.Tier = plan.Tier.ValueStringPointer()
	}
	if !plan.PortForwarding.Equal(state.PortForwarding) {
		body.PortForwarding = plan.PortForwarding.ValueBoolPointer()
	}
	if !plan.RequireApproval.Equal(state.RequireApproval) {
		body.RequireApproval = plan.RequireApproval.ValueBoolPointer()
	}
	if !sameExpiry(plan.ExpiresAt, state.ExpiresAt) {
		if t, ok := parseExpiry(plan.ExpiresAt); ok {
			body.ExpiresAt = &t
		} else {
			body.ClearExpiry = true
		}
	}
	if body == (api.SupportAccessUpdate{}) {
		// Only acknowledge_new_access changed: the provider's alone.
		state.Acknowledge = plan.Acknowledge
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
		return
	}
	a, err := r.client.UpdateSupportAccess(ctx, plan.EnvironmentID.ValueString(), body, savedVersion(ctx, req.Private))
	if err != nil {
		addAPIError(&resp.Diagnostics, "Update Support Access", err)
		return
	}
	plan.fromAPI(a)
	saveVersion(ctx, resp.Private, a.Version, &resp.Diagnostics)
	if body.ExpiresAt != nil || body.ClearExpiry {
		saveExpirySetAt(ctx, resp.Private, a, &resp.Diagnostics)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

func (r *supportAccessResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.access.applied()
	deleteState(ctx, req, resp, "Delete Support Access", func(ctx context.Context, state *supportAccessResourceModel) error {
		return r.client.DeleteSupportAccess(ctx, state.EnvironmentID.ValueString(), savedVersion(ctx, req.Private))
	})
}

// ImportState takes the environment's id, or the support access's own (its state id, sup_…):
// an environment has at most one, so the own id is found by asking each environment. An
// identity names the environment.
func (r *supportAccessResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	envID, ok := importedID(ctx, req, "environment_id", "<environment_id>", "Unable to Import Support Access", &resp.Diagnostics)
	if !ok {
		return
	}
	if strings.HasPrefix(req.ID, "sup_") {
		envs, err := r.client.ListEnvironments(ctx, client.ListEnvironmentsOptions{})
		if err != nil {
			addAPIError(&resp.Diagnostics, "Import Support Access", err)
			return
		}
		envID = ""
		for _, e := range envs {
			if a, err := r.client.GetSupportAccess(ctx, e.ID); err == nil && a.ID == req.ID {
				envID = e.ID
				break
			}
		}
		if envID == "" {
			resp.Diagnostics.AddError("Cannot Import Support Access",
				fmt.Sprintf("No environment has support access with id %q. Import by the environment's id, or by the support access's own id (sup_…).", req.ID))
			return
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("environment_id"), envID)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, environmentIdentity{EnvironmentID: types.StringValue(envID)})...)
}
