package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ resource.Resource                   = (*alertDestinationResource)(nil)
	_ resource.ResourceWithConfigure      = (*alertDestinationResource)(nil)
	_ resource.ResourceWithImportState    = (*alertDestinationResource)(nil)
	_ resource.ResourceWithValidateConfig = (*alertDestinationResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*alertDestinationResource)(nil)
	_ resource.ResourceWithIdentity       = (*alertDestinationResource)(nil)
)

// NewAlertDestinationResource returns the warden_alert_destination resource.
func NewAlertDestinationResource() resource.Resource { return &alertDestinationResource{} }

// alertDestinationResource is one destination on one environment, added without claiming
// the environment's other destinations: several modules can each add their own.
type alertDestinationResource struct {
	client *client.Client
}

type alertDestinationResourceModel struct {
	ID            types.String `tfsdk:"id"`
	EnvironmentID types.String `tfsdk:"environment_id"`
	Type          types.String `tfsdk:"type"`
	Target        types.String `tfsdk:"target"`
	MinSeverity   types.String `tfsdk:"min_severity"`
}

func (m *alertDestinationResourceModel) fromAPI(envID string, d api.Destination) {
	// A webhook URL often carries a secret: the id names the target by a digest, never by
	// itself, so that the secret stays out of plans and logs that show ids.
	m.ID = types.StringValue(envID + "/" + d.Type + "/" + targetDigest(d.Target))
	m.EnvironmentID = types.StringValue(envID)
	m.Type = types.StringValue(d.Type)
	m.Target = types.StringValue(d.Target)
	m.MinSeverity = types.StringValue(d.MinSeverity)
}

func (m *alertDestinationResourceModel) toAPI() api.Destination {
	return api.Destination{Type: m.Type.ValueString(), Target: m.Target.ValueString(), MinSeverity: m.MinSeverity.ValueString()}
}

// identity names the target by its digest, as the id does.
func (m *alertDestinationResourceModel) identity() alertDestinationIdentity {
	return alertDestinationIdentity{EnvironmentID: m.EnvironmentID, Type: m.Type, TargetDigest: types.StringValue(targetDigest(m.Target.ValueString()))}
}

func (r *alertDestinationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_alert_destination"
}

func (r *alertDestinationResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "One customer alert destination on one environment, added without managing the environment's other " +
			"destinations (additive), so that several modules can each add their own. Destroying it removes only this " +
			"destination. An environment's destinations are managed either with `warden_alert_routing.destinations` " +
			"(authoritative) or with `warden_alert_destination` resources, not both: the plan fails when the environment's " +
			"`destinations` are set. Needs the `cluster.admin` platform permission.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<environment_id>/<type>/<digest>`, the digest being the first 16 hex digits of the target's SHA-256: " +
					"the id never shows the target.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"environment_id": schema.StringAttribute{
				MarkdownDescription: "The environment (e.g. `warden_environment.production.id`). Changing it replaces the destination.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "Where alerts are delivered: " + mdList(access.DestinationTypeNames()) + ". Changing it replaces the destination.",
				Required:            true,
				Validators:          []validator.String{oneOf(access.DestinationTypeNames()...)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"target": schema.StringAttribute{
				MarkdownDescription: "For `webhook`, an absolute `http://` or `https://` URL; for `email`, a bare address such as " +
					"`oncall@example.com`. Checked at plan time. Changing it replaces the destination. Sensitive: webhook URLs " +
					"often carry a secret, so plans do not show it, and the resource's id names it by a digest.",
				Required:      true,
				Sensitive:     true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"min_severity": schema.StringAttribute{
				MarkdownDescription: "Alerts below this severity are not sent here: " + mdList(access.AlertSeverityNames()) +
					". Default `" + access.DefaultMinSeverity + "`. Changes in place.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(access.DefaultMinSeverity),
				Validators: []validator.String{oneOf(access.AlertSeverityNames()...)},
			},
		},
	}
}

func (r *alertDestinationResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = alertDestinationIdentitySchema()
}

// ValidateConfig checks the target against its type with internal/access, as the API will.
// Bad types and severities are the OneOf validators' to report.
func (r *alertDestinationResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m alertDestinationResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.Type.IsNull() || m.Type.IsUnknown() || m.Target.IsNull() || m.Target.IsUnknown() {
		return
	}
	var fs []access.Finding
	for _, f := range access.ValidateAlertDestinations([]access.AlertDestination{{Type: m.Type.ValueString(), Target: m.Target.ValueString(),
		MinSeverity: access.DefaultMinSeverity}}) {
		if strings.HasSuffix(f.Field, ".target") {
			fs = append(fs, f)
		}
	}
	addFindings(&resp.Diagnostics, fs, func(access.Finding) path.Path { return path.Root("target") }, true)
}

// ModifyPlan fails the plan of a new destination on an environment whose destinations
// warden_alert_routing owns as a whole: its next apply would remove it again, so the API
// refuses the add.
func (r *alertDestinationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || !req.State.Raw.IsNull() || r.client == nil {
		return
	}
	var plan alertDestinationResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.EnvironmentID.IsUnknown() {
		return
	}
	env := plan.EnvironmentID.ValueString()
	routing, err := r.client.GetAlertRouting(ctx, env)
	if err != nil {
		return // An environment the plan cannot read yet is for the apply to report.
	}
	name := env
	if e, err := r.client.GetEnvironment(ctx, env); err == nil {
		name = e.Name
	}
	if d := access.CanWriteDestinations(name, access.ListMode(routing.DestinationsMode), access.ModeAdditive, len(routing.Destinations)); d != nil {
		resp.Diagnostics.AddAttributeError(path.Root("environment_id"), "Destinations Managed Two Ways", d.Message)
	}
}

func (r *alertDestinationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		r.client = d.Client
	}
}

func (r *alertDestinationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan alertDestinationResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.add(ctx, &plan, "", "Create Alert Destination", &resp.Diagnostics)
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
	}
}

// add sends the destination; the API adds it or, given the min_severity it replaces (the
// state's, on Update), changes the min_severity of the one with the same type and target. An
// existing destination with another min_severity is another configuration's: Create is
// refused (409 destination_exists) rather than overwrite it.
func (r *alertDestinationResource) add(ctx context.Context, m *alertDestinationResourceModel, replaces, op string, diags *diag.Diagnostics) {
	env := m.EnvironmentID.ValueString()
	routing, err := r.client.ChangeAlertDestination(ctx, env, m.toAPI(), replaces)
	if err != nil {
		addAPIError(diags, op, err)
		return
	}
	if i := slices.IndexFunc(routing.Destinations, func(d api.Destination) bool {
		return d.Type == m.Type.ValueString() && d.Target == m.Target.ValueString()
	}); i >= 0 {
		m.fromAPI(env, routing.Destinations[i])
	}
}

func (r *alertDestinationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state alertDestinationResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
	env := state.EnvironmentID.ValueString()
	routing, err := r.client.GetAlertRouting(ctx, env)
	if !readFound(ctx, err, resp, "Read Alert Destination") {
		return
	}
	i := slices.IndexFunc(routing.Destinations, func(d api.Destination) bool {
		return d.Type == state.Type.ValueString() && d.Target == state.Target.ValueString()
	})
	if i < 0 {
		// Removed outside Terraform: gone from the state, so the plan adds it again.
		resp.State.RemoveResource(ctx)
		return
	}
	state.fromAPI(env, routing.Destinations[i])
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *alertDestinationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan alertDestinationResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state alertDestinationResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.add(ctx, &plan, state.MinSeverity.ValueString(), "Update Alert Destination", &resp.Diagnostics)
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
	}
}

func (r *alertDestinationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	deleteState(ctx, req, resp, "Delete Alert Destination", func(ctx context.Context, state *alertDestinationResourceModel) error {
		return r.client.RemoveAlertDestination(ctx, state.EnvironmentID.ValueString(), state.Type.ValueString(), state.Target.ValueString())
	})
}

// ImportState takes "<environment_id>/<type>/<target>", the state id
// "<environment_id>/<type>/<digest>", or an identity naming the environment, the type and the
// target's digest. A digest is looked up among the environment's destinations.
func (r *alertDestinationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	const (
		summary = "Unable to Import Alert Destination"
		form    = "<environment_id>/<type>/<target> or the state id <environment_id>/<type>/<digest>"
	)
	var envID, typ, target string
	if req.ID == "" {
		var ident alertDestinationIdentity
		if !importIdentity(ctx, req, &ident, summary, &resp.Diagnostics) {
			return
		}
		if err := requireIdentity(identityAttr{"environment_id", ident.EnvironmentID}, identityAttr{"type", ident.Type},
			identityAttr{"target_digest", ident.TargetDigest}); err != nil {
			resp.Diagnostics.AddError(summary, err.Error())
			return
		}
		envID, typ, target = ident.EnvironmentID.ValueString(), ident.Type.ValueString(), ident.TargetDigest.ValueString()
		if !digestForm.MatchString(target) {
			resp.Diagnostics.AddError(summary, fmt.Sprintf("The identity's target_digest must be 16 lowercase hex digits, the first of the SHA-256 of the target "+
				"(the last part of the resource's id, <environment_id>/<type>/<digest>); got %q.", target))
			return
		}
	} else {
		// Not splitImportID: a target is an e-mail address or a URL, and keeps its slashes.
		parts := strings.SplitN(req.ID, "/", 3)
		if len(parts) != 3 || slices.Contains(parts, "") {
			resp.Diagnostics.AddError(summary, badImportID(req.ID, form).Error())
			return
		}
		envID, typ, target = parts[0], parts[1], parts[2]
		if _, err := splitImportID(envID, "<environment_id>"); err != nil {
			resp.Diagnostics.AddError(summary, fmt.Sprintf("The first part of import id %q names the environment: %s. Expected %s.", req.ID, err, form))
			return
		}
	}
	if !slices.Contains(access.DestinationTypeNames(), typ) {
		resp.Diagnostics.AddError(summary, fmt.Sprintf("The type part of the import is %q; a destination's type is %s. Expected %s.",
			typ, strings.Join(access.DestinationTypeNames(), " or "), form))
		return
	}
	if digestForm.MatchString(target) {
		// The state id or the identity: find the environment's destination of that type with that digest.
		routing, err := r.client.GetAlertRouting(ctx, envID)
		if err != nil {
			addAPIError(&resp.Diagnostics, "Import Alert Destination", err)
			return
		}
		i := slices.IndexFunc(routing.Destinations, func(d api.Destination) bool {
			return d.Type == typ && targetDigest(d.Target) == target
		})
		if i < 0 {
			resp.Diagnostics.AddError(summary,
				fmt.Sprintf("Environment %s has no %s destination with digest %s. Import by %s, or by an identity whose target_digest is "+
					"substr(sha256(target), 0, 16).", envID, typ, target, form))
			return
		}
		target = routing.Destinations[i].Target
	}
	// min_severity is the Read's to fill in; the default stands in until then.
	var m alertDestinationResourceModel
	m.fromAPI(envID, api.Destination{Type: typ, Target: target, MinSeverity: access.DefaultMinSeverity})
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, m.identity())...)
}

// digestForm is the last part of the state id; no e-mail address or URL looks like it.
var digestForm = regexp.MustCompile(`^[0-9a-f]{16}$`)

// targetDigest names a target in an id without showing it (as the audit log names it).
func targetDigest(target string) string { return access.TargetDigest(target) }
