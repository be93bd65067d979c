package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
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
	_ resource.Resource                = (*environmentResource)(nil)
	_ resource.ResourceWithConfigure   = (*environmentResource)(nil)
	_ resource.ResourceWithIdentity    = (*environmentResource)(nil)
	_ resource.ResourceWithImportState = (*environmentResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*environmentResource)(nil)
)

// NewEnvironmentResource returns the warden_environment resource.
func NewEnvironmentResource() resource.Resource { return &environmentResource{} }

type environmentResource struct {
	// access previews the access this resource's plans change (access_preview.go).
	access *accessGuard
	// typeName is this resource's type, e.g. warden_role, for the import blocks errors suggest.
	typeName string
	client   *client.Client
	// grants is told about deletes, which take grants with them.
	grants *grantReader
	// plan hears of environments created with vendor routing on, for warden_alert_routing.
	plan *planNotes
}

// environmentResourceModel is what the API reads back, as the data sources read it, and the
// one input of the creation only: the API keeps no initial vendor routing (vendor routing is
// the routing's), so fromAPI leaves it as planned.
type environmentResourceModel struct {
	environmentDataSourceModel
	InitialVendorRouting types.Bool `tfsdk:"initial_vendor_routing"`
}

// environmentDataSourceModel is the environment as the API has it.
type environmentDataSourceModel struct {
	ID             types.String `tfsdk:"id"`
	Name           types.String `tfsdk:"name"`
	Cloud          types.String `tfsdk:"cloud"`
	ResourcePrefix types.String `tfsdk:"resource_prefix"`
}

func (m *environmentDataSourceModel) fromAPI(e *api.Environment) {
	m.ID = types.StringValue(e.ID)
	m.Name = types.StringValue(e.Name)
	m.Cloud = types.StringValue(e.Cloud)
	m.ResourcePrefix = types.StringValue(e.ResourcePrefix)
}

func (m *environmentResourceModel) toAPI() api.EnvironmentCreate {
	return api.EnvironmentCreate{
		Name:           m.Name.ValueString(),
		Cloud:          m.Cloud.ValueString(),
		ResourcePrefix: m.ResourcePrefix.ValueString(),
		VendorRouting:  m.InitialVendorRouting.ValueBoolPointer(),
	}
}

func (m *environmentResourceModel) identity() idIdentity { return idIdentity{ID: m.ID} }

func (r *environmentResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_environment"
}

func (r *environmentResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An environment: an isolated set of resources (apps, databases, drains, certificates) on one cloud. " +
			"Creating one also turns on its alert routing to the vendor, unless `initial_vendor_routing = false` creates it opted out " +
			"(see `warden_alert_routing` for the routing itself). " +
			"Only `account_owner` and `deploy_owner` may create, change or delete environments.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The environment's id, chosen by the API.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Unique name. Renaming updates in place.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 128), nameRule()},
			},
			"cloud": schema.StringAttribute{
				MarkdownDescription: "Where the environment runs: " + mdList(access.CloudNames()) + ". Changing it replaces the environment, " +
					"and destroying it deletes its grants, support access, alert routing and access requests (the plan warns with the counts): " +
					"guard an environment you rely on with `lifecycle { prevent_destroy = true }`. " +
					"The `co_maintainer` support tier is available only on `gcp`.",
				Required:      true,
				Validators:    []validator.String{oneOf(access.CloudNames()...)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"resource_prefix": schema.StringAttribute{
				MarkdownDescription: "Prefix of the resources the vendor's installation creates and owns; vendor support access is scoped to resources carrying it. Default `" + access.DefaultResourcePrefix + "`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(access.DefaultResourcePrefix),
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 64)},
			},
			"initial_vendor_routing": schema.BoolAttribute{
				MarkdownDescription: "Whether the environment's alert routing starts with vendor routing on (the default) or off. " +
					"`false` creates the environment opted out, in the same step as the environment itself, so that none of its alerts " +
					"ever goes to the vendor's on-call. Set it when the environment's `warden_alert_routing` has `vendor_routing = false`: " +
					"that resource can only switch vendor routing off once the environment exists, and an alert received meanwhile would " +
					"page the vendor (the plan fails for an environment created in the same plan without it). Only the creation uses it: " +
					"afterwards vendor routing is `warden_alert_routing`'s, and changing this attribute changes nothing in Warden. It is not " +
					"read back, so an imported environment has it unset.",
				Optional: true,
			},
		},
	}
}

func (r *environmentResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("environment")
}

// ModifyPlan notes a creation for the warden_alert_routing planned after it (planNotes), warns
// that a changed initial_vendor_routing changes nothing, and warns, when a changed cloud
// replaces the environment, what its deletion takes with it (only the API knows).
func (r *environmentResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan environmentResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if req.State.Raw.IsNull() {
		// Unknown counts as opted out: the note may only ever say "certainly routes".
		r.plan.environmentCreated(plan.InitialVendorRouting.IsUnknown() || !plan.InitialVendorRouting.IsNull() && !plan.InitialVendorRouting.ValueBool())
		return
	}
	var state environmentResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.InitialVendorRouting.Equal(state.InitialVendorRouting) && !plan.InitialVendorRouting.IsUnknown() && !plan.ID.IsUnknown() {
		resp.Diagnostics.AddAttributeWarning(path.Root("initial_vendor_routing"), "Initial Vendor Routing Changes Nothing",
			fmt.Sprintf("Environment %q exists already, and initial_vendor_routing only applies to its creation: this apply records the new "+
				"value and leaves the environment's vendor routing as it is. Change vendor routing with the environment's warden_alert_routing "+
				"(vendor_routing).", state.Name.ValueString()))
	}
	if plan.Cloud.IsUnknown() || plan.Cloud.Equal(state.Cloud) || r.client == nil {
		return
	}
	warnEnvironmentReplacement(ctx, r.client, state.ID.ValueString(), state.Name.ValueString(), path.Root("cloud"), &resp.Diagnostics)
}

func (r *environmentResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		r.client = d.Client
		r.access = d.Access
		r.typeName = d.TypeName + "_environment"
		r.grants = d.Grants
		r.plan = d.Plan
	}
}

func (r *environmentResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.access.applied()
	var plan environmentResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	env, err := r.client.CreateEnvironment(ctx, plan.toAPI())
	if err != nil {
		addCreateError(ctx, &resp.Diagnostics, "Create Environment", err, adoption{typeName: r.typeName, noun: "environment", field: "name", value: plan.Name.ValueString(),
			lookup: func(ctx context.Context) (string, error) {
				env, err := r.client.FindEnvironmentByName(ctx, plan.Name.ValueString())
				if err != nil {
					return "", err
				}
				return env.ID, nil
			}})
		return
	}
	plan.fromAPI(env)
	saveVersion(ctx, resp.Private, env.Version, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

func (r *environmentResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state environmentResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
	env, err := r.client.GetEnvironment(ctx, state.ID.ValueString())
	if !readFound(ctx, err, resp, "Read Environment") {
		return
	}
	state.fromAPI(env)
	saveVersion(ctx, resp.Private, env.Version, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *environmentResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.access.applied()
	var plan environmentResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	body := plan.toAPI()
	env, err := r.client.UpdateEnvironment(ctx, plan.ID.ValueString(), api.EnvironmentUpdate{
		Name:           &body.Name,
		ResourcePrefix: &body.ResourcePrefix,
	}, savedVersion(ctx, req.Private))
	if err != nil {
		addAPIError(&resp.Diagnostics, "Update Environment", err)
		return
	}
	plan.fromAPI(env)
	saveVersion(ctx, resp.Private, env.Version, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

func (r *environmentResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.access.applied()
	deleteState(ctx, req, resp, "Delete Environment", func(ctx context.Context, state *environmentResourceModel) error {
		r.grants.Changed("")
		return r.client.DeleteEnvironment(ctx, state.ID.ValueString(), savedVersion(ctx, req.Private))
	})
}

// ImportState takes the environment's id, as the import id or as the identity's id.
func (r *environmentResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, ok := importedID(ctx, req, "id", "<environment_id>", "Unable to Import Environment", &resp.Diagnostics)
	if !ok {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, idIdentity{ID: types.StringValue(id)})...)
}
