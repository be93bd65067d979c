package provider

import (
	"context"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ resource.Resource                   = (*environmentGrantResource)(nil)
	_ resource.ResourceWithConfigure      = (*environmentGrantResource)(nil)
	_ resource.ResourceWithValidateConfig = (*environmentGrantResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*environmentGrantResource)(nil)
	_ resource.ResourceWithImportState    = (*environmentGrantResource)(nil)
	_ resource.ResourceWithIdentity       = (*environmentGrantResource)(nil)
)

// NewEnvironmentGrantResource returns the warden_environment_grant resource.
func NewEnvironmentGrantResource() resource.Resource {
	return &environmentGrantResource{matrixValidation: true}
}

type environmentGrantResource struct {
	// typeName is this resource's type, e.g. warden_role, for the import blocks errors suggest.
	typeName string
	client   *client.Client
	grants   *grantReader
	access   *accessGuard
	// matrixValidation mirrors the provider attribute; true until Configure says otherwise so
	// that an unconfigured resource is strict.
	matrixValidation bool
}

type environmentGrantResourceModel struct {
	ID             types.String `tfsdk:"id"`
	RoleID         types.String `tfsdk:"role_id"`
	EnvironmentID  types.String `tfsdk:"environment_id"`
	Permissions    types.Set    `tfsdk:"permissions"`
	RequireActions types.Set    `tfsdk:"require_actions"`
	AllowedActions types.List   `tfsdk:"allowed_actions"`
	Acknowledge    types.Set    `tfsdk:"acknowledge_new_access"`
}

// fromAPI leaves RequireActions alone: it lives only in the configuration and state.
func (m *environmentGrantResourceModel) fromAPI(g *api.Grant) {
	m.ID = types.StringValue(g.ID)
	m.RoleID = types.StringValue(g.RoleID)
	m.EnvironmentID = types.StringValue(g.EnvironmentID)
	m.Permissions = stringSet(g.Permissions)
	m.AllowedActions = stringList(g.AllowedActions)
	if m.RequireActions.IsUnknown() {
		m.RequireActions = types.SetNull(typesString)
	}
	m.Acknowledge = configOnly(m.Acknowledge)
}

func (m *environmentGrantResourceModel) toAPI(ctx context.Context, diags *diag.Diagnostics) api.GrantCreate {
	perms, _ := setStrings(ctx, m.Permissions, diags)
	return api.GrantCreate{RoleID: m.RoleID.ValueString(), Permissions: perms}
}

func (m *environmentGrantResourceModel) identity() grantIdentity {
	return grantIdentity{RoleID: m.RoleID, EnvironmentID: m.EnvironmentID}
}

func (r *environmentGrantResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_environment_grant"
}

func (r *environmentGrantResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The environment permissions one role holds in one environment (the permissions matrix: see the permissions reference guide). " +
			"A combination the matrix rejects fails at `terraform plan` on the permission at fault, with a fix. " +
			"`tunnel` without `sensitive_access` is a documented pattern — read-only database access with credentials managed " +
			"inside the database — and draws no warning. Only an owner, or a holder of `environment_admin` on the environment, " +
			"may manage its grants, and nobody can grant a permission they do not hold.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The grant's id, chosen by the API (the `grant_id` that `/v1/authorize` answers with).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"role_id": schema.StringAttribute{
				MarkdownDescription: "The role holding the permissions. Changing it replaces the grant.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"environment_id": schema.StringAttribute{
				MarkdownDescription: "The environment the permissions apply to. Changing it replaces the grant.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"permissions": schema.SetAttribute{
				MarkdownDescription: "The environment permissions, at least one of " + mdList(access.PermissionNames()) + ". " +
					"Changing them updates the grant in place, in one transaction. `environment_admin` beside any other permission, " +
					"and `basic_visibility` beside any other (every permission allows the basic reads), are redundant and draw a warning. " +
					"A plan reports every finding at once, each on its element.",
				Required:    true,
				ElementType: typesString,
			},
			"require_actions": schema.SetAttribute{
				MarkdownDescription: "Matrix actions (e.g. `apps.deploy`) that `permissions` must allow: the plan fails on any action they do not, " +
					"naming the permissions that would. Checked by the provider only; never sent to the API, so changing it changes nothing there.",
				Optional:    true,
				ElementType: typesString,
			},
			// A list, sorted by the API: the framework compares sets element by element against
			// every other element on each refresh (quadratic), a list only pairwise.
			"allowed_actions": schema.ListAttribute{
				MarkdownDescription: "Every matrix action that `permissions` allow, sorted, known at plan time (the same list as " +
					"`provider::warden::allowed_actions(permissions)`).",
				Computed:    true,
				ElementType: typesString,
			},
			"acknowledge_new_access": acknowledgeAttribute(),
		},
	}
}

func (r *environmentGrantResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = grantIdentitySchema()
}

// ValidateConfig reports the findings of access.ValidateGrant when an error among them stops
// the plan here and none of them waits for matrix_validation; otherwise ModifyPlan reports
// them all, once (see findingsInValidate).
func (r *environmentGrantResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg environmentGrantResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	fs, ok := grantFindings(ctx, &cfg, &resp.Diagnostics)
	if ok && findingsInValidate(fs, access.Finding.DependsOnUnknownNames) {
		addFindings(&resp.Diagnostics, fs, setElementPath, true)
	}
}

// grantFindings validates the configured permissions and required actions; ok is false while
// the permissions are not yet known. Unknown required actions are left out until they are.
func grantFindings(ctx context.Context, m *environmentGrantResourceModel, diags *diag.Diagnostics) ([]access.Finding, bool) {
	perms, ok := setStrings(ctx, m.Permissions, diags)
	if !ok || m.Permissions.IsNull() {
		return nil, false
	}
	required, ok := setStrings(ctx, m.RequireActions, diags)
	if !ok {
		required = nil
	}
	return access.ValidateGrant(perms, required), true
}

// ModifyPlan reports the findings ValidateConfig left (unknown names and what reasons without
// them as errors, or as warnings with matrix_validation = false; warnings) and computes
// allowed_actions from the planned permissions, so that the plan shows them.
func (r *environmentGrantResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	// The preview comes last: a plan this resource's own checks fail is not previewed.
	prior, next := planModels[environmentGrantResourceModel](ctx, req, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	defer func() { r.access.review(ctx, r.plannedAccess(ctx, prior, next), &resp.Diagnostics) }()
	if next == nil {
		return
	}
	plan, state := *next, environmentGrantResourceModel{}
	if prior != nil {
		state = *prior
	}
	fs, ok := grantFindings(ctx, &plan, &resp.Diagnostics)
	if !ok {
		return
	}
	if !findingsInValidate(fs, access.Finding.DependsOnUnknownNames) {
		addPlanFindings(&resp.Diagnostics, fs, access.Finding.DependsOnUnknownNames, setElementPath, r.matrixValidation)
	}

	perms, _ := setStrings(ctx, plan.Permissions, &resp.Diagnostics)
	switch {
	case !req.State.Raw.IsNull() && plan.Permissions.Equal(state.Permissions):
		// Unchanged permissions keep what the API computed, even if its matrix is newer.
		plan.AllowedActions = state.AllowedActions
	case slices.ContainsFunc(perms, func(p string) bool { return !access.IsPermission(p) }):
		// A name only a newer server knows: only that server can say what it allows.
		plan.AllowedActions = types.ListUnknown(typesString)
	default:
		plan.AllowedActions = stringList(access.AllowedActions(perms))
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("allowed_actions"), plan.AllowedActions)...)
}

// plannedAccess is the access this grant's plan changes: a grant_upsert when it is created or
// its permissions change, a grant_delete when it goes (both when it is replaced).
func (r *environmentGrantResource) plannedAccess(ctx context.Context, prior, next *environmentGrantResourceModel) plannedAccess {
	del := func(m *environmentGrantResourceModel) api.AccessChange {
		return api.AccessChange{Kind: string(access.ChangeGrantDelete), EnvironmentID: m.EnvironmentID.ValueString(), RoleID: m.RoleID.ValueString()}
	}
	if next == nil {
		return plannedAccess{at: path.Empty(), changes: []api.AccessChange{del(prior)}}
	}
	pa := plannedAccess{at: path.Root("permissions"), ack: ackOf(ctx, next.Acknowledge)}
	replaced := prior != nil && (!prior.RoleID.Equal(next.RoleID) || !prior.EnvironmentID.Equal(next.EnvironmentID))
	if prior != nil && !replaced && prior.Permissions.Equal(next.Permissions) {
		return pa
	}
	var diags diag.Diagnostics
	perms, permsKnown := setStrings(ctx, next.Permissions, &diags)
	pa.could = func(ctx context.Context) (couldGive, error) {
		names := access.Actions()
		if permsKnown {
			names = access.AllowedActions(perms)
		}
		return r.access.inEnvironment(ctx, next.EnvironmentID.ValueString(), next.EnvironmentID.IsUnknown(), names)
	}
	switch {
	case next.RoleID.IsUnknown():
		pa.pending = "its role is created (or replaced) in this plan, so who holds it is known only then"
		return pa
	case next.EnvironmentID.IsUnknown():
		pa.pending = "its environment is created (or replaced) in this plan"
		return pa
	case !permsKnown:
		pa.pending = "its permissions are known only after apply"
		return pa
	}
	if replaced {
		pa.changes = append(pa.changes, del(prior))
	}
	pa.changes = append(pa.changes, api.AccessChange{Kind: string(access.ChangeGrantUpsert), EnvironmentID: next.EnvironmentID.ValueString(),
		RoleID: next.RoleID.ValueString(), Permissions: &perms})
	return pa
}

func (r *environmentGrantResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		r.client = d.Client
		r.typeName = d.TypeName + "_environment_grant"
		r.grants = d.Grants
		r.access = d.Access
		r.matrixValidation = d.MatrixValidation
	}
}

func (r *environmentGrantResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.access.applied()
	plan, body, ok := planned[environmentGrantResourceModel, api.GrantCreate](ctx, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	r.grants.Changed(plan.EnvironmentID.ValueString())
	g, err := r.client.CreateGrant(ctx, plan.EnvironmentID.ValueString(), body)
	if err != nil {
		addCreateError(ctx, &resp.Diagnostics, "Create Environment Grant", err, adoption{typeName: r.typeName, noun: "grant",
			existing: "This role already has a grant in this environment, outside this configuration or in another warden_environment_grant block.",
			importID: plan.RoleID.ValueString() + "/" + plan.EnvironmentID.ValueString(), field: "role_id"})
		return
	}
	plan.fromAPI(g)
	saveVersion(ctx, resp.Private, g.Version, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

func (r *environmentGrantResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state environmentGrantResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
	g, err := r.grants.Get(ctx, state.EnvironmentID.ValueString(), state.RoleID.ValueString())
	if !readFound(ctx, err, resp, "Read Environment Grant") {
		return
	}
	state.fromAPI(g)
	saveVersion(ctx, resp.Private, g.Version, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update sends the permissions only when they changed: require_actions is the provider's
// alone, and changing it must not touch the API.
func (r *environmentGrantResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.access.applied()
	var plan, state environmentGrantResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.Permissions.Equal(state.Permissions) {
		state.RequireActions = plan.RequireActions
		state.Acknowledge = plan.Acknowledge
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
		return
	}
	body := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	r.grants.Changed(plan.EnvironmentID.ValueString())
	g, err := r.client.UpdateGrant(ctx, plan.EnvironmentID.ValueString(), plan.RoleID.ValueString(),
		api.GrantUpdate{Permissions: body.Permissions}, savedVersion(ctx, req.Private))
	if err != nil {
		addAPIError(&resp.Diagnostics, "Update Environment Grant", err)
		return
	}
	plan.fromAPI(g)
	saveVersion(ctx, resp.Private, g.Version, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

func (r *environmentGrantResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.access.applied()
	deleteState(ctx, req, resp, "Delete Environment Grant", func(ctx context.Context, state *environmentGrantResourceModel) error {
		r.grants.Changed(state.EnvironmentID.ValueString())
		return r.client.DeleteGrant(ctx, state.EnvironmentID.ValueString(), state.RoleID.ValueString(), savedVersion(ctx, req.Private))
	})
}

// ImportState takes "<role_id>/<environment_id>", how the API addresses a grant, or the grant's
// own id (e.g. the grant_id that /v1/authorize answers with), which is looked up in the API;
// or an identity, which names the role and the environment.
func (r *environmentGrantResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ident, ok := r.importedIdentity(ctx, req, &resp.Diagnostics)
	if !ok {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("role_id"), ident.RoleID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("environment_id"), ident.EnvironmentID)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, ident)...)
}

// importedIdentity resolves either kind of import to the grant's identity; false after an error.
func (r *environmentGrantResource) importedIdentity(ctx context.Context, req resource.ImportStateRequest, diags *diag.Diagnostics) (grantIdentity, bool) {
	const summary = "Unable to Import Environment Grant"
	var ident grantIdentity
	if req.ID == "" {
		if !importIdentity(ctx, req, &ident, summary, diags) {
			return ident, false
		}
		if err := requireIdentity(identityAttr{"role_id", ident.RoleID}, identityAttr{"environment_id", ident.EnvironmentID}); err != nil {
			diags.AddError(summary, err.Error())
			return ident, false
		}
		return ident, true
	}
	parts, err := splitImportID(req.ID, "<role_id>/<environment_id>", "<grant_id>")
	if err != nil {
		diags.AddError(summary, err.Error())
		return ident, false
	}
	if len(parts) == 1 {
		g, err := r.client.FindGrantByID(ctx, parts[0])
		if err != nil {
			addAPIError(diags, "Import Environment Grant", err)
			return ident, false
		}
		parts = []string{g.RoleID, g.EnvironmentID}
	}
	return grantIdentity{RoleID: types.StringValue(parts[0]), EnvironmentID: types.StringValue(parts[1])}, true
}
