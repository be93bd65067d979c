package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ resource.Resource                   = (*roleResource)(nil)
	_ resource.ResourceWithConfigure      = (*roleResource)(nil)
	_ resource.ResourceWithValidateConfig = (*roleResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*roleResource)(nil)
	_ resource.ResourceWithImportState    = (*roleResource)(nil)
	_ resource.ResourceWithIdentity       = (*roleResource)(nil)
)

// NewRoleResource returns the warden_role resource.
func NewRoleResource() resource.Resource { return &roleResource{matrixValidation: true} }

type roleResource struct {
	// access previews the access this resource's plans change (access_preview.go).
	access *accessGuard
	// typeName is this resource's type, e.g. warden_role, for the import blocks errors suggest.
	typeName string
	client   *client.Client
	// grants is told about deletes, which take grants with them.
	grants *grantReader
	// matrixValidation mirrors the provider's matrix_validation; strict until configured.
	matrixValidation bool
}

// roleFields are the role's attributes as the API holds them, shared with the data sources.
type roleFields struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	Permissions types.Set    `tfsdk:"permissions"`
}

// roleResourceModel is the resource's: the API's attributes and what only the configuration holds.
type roleResourceModel struct {
	roleFields
	Acknowledge types.Set `tfsdk:"acknowledge_new_access"`
}

func (m *roleFields) fromAPI(r *api.Role) {
	m.ID = types.StringValue(r.ID)
	m.Name = types.StringValue(r.Name)
	m.Description = types.StringValue(r.Description)
	m.Permissions = stringSet(r.Permissions)
}

// fromAPI keeps acknowledge_new_access as configured (null when made from the API alone).
func (m *roleResourceModel) fromAPI(r *api.Role) {
	m.roleFields.fromAPI(r)
	m.Acknowledge = configOnly(m.Acknowledge)
}

// toAPI maps the plan to a create body. Permissions is never nil, so that an update built from
// it always sends the complete set.
func (m *roleResourceModel) toAPI(ctx context.Context, diags *diag.Diagnostics) api.RoleCreate {
	return api.RoleCreate{
		Name:        m.Name.ValueString(),
		Description: m.Description.ValueString(),
		Permissions: completeSet(ctx, m.Permissions, diags),
	}
}

func (m *roleResourceModel) identity() idIdentity { return idIdentity{ID: m.ID} }

func (r *roleResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_role"
}

func (r *roleResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A role: a named set of platform permissions (the platform catalogue in the permissions reference guide), held by users and groups through " +
			"`warden_role_assignment`; its per-environment permissions are `warden_environment_grant`s. " +
			"The built-in roles " + mdList(access.OrgRoleNames()) + " cannot be managed: read them with the `warden_role` data source. " +
			"Only `account_owner` and `deploy_owner` may define roles.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The role's id, chosen by the API.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Unique name; not one of the built-in " + mdList(access.OrgRoleNames()) + ". Renaming updates in place.",
				Required:            true,
				Validators: []validator.String{
					stringvalidator.LengthBetween(1, 128),
					roleNameRule(),
					nameRule(),
				},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "Free text. Default `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				Validators:          []validator.String{stringvalidator.LengthAtMost(1024), textRule()},
			},
			"permissions": schema.SetAttribute{
				MarkdownDescription: "Platform permissions, by their catalogue names: a catalogue name such as `users.read` or `cluster.admin`, " +
					"`conduct.<conduct_id>.read|admin`, or `<model>.create`. Default: none (a role may hold only environment grants). " +
					"Actions of the permissions matrix, such as `apps.create` or `apps.deploy`, are environment actions, not platform permissions: " +
					"grant them with `warden_environment_grant`. " +
					"Unknown names fail the plan with a suggestion (warnings when the provider's `matrix_validation = false`); " +
					"`X.read` beside `X.admin` and `integrations.admin` without `cluster.admin` draw warnings. Changes update in place.",
				ElementType: typesString,
				Optional:    true,
				Computed:    true,
				Default:     setdefault.StaticValue(stringSet(nil)),
			},
			"acknowledge_new_access": acknowledgeAttribute(),
		},
	}
}

func (r *roleResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("role")
}

// ValidateConfig reports the permissions' findings when an error among them stops the plan
// here and none waits for matrix_validation; otherwise ModifyPlan reports them all, once (see
// findingsInValidate).
func (r *roleResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	fs := roleFindings(ctx, req.Config, &resp.Diagnostics)
	if findingsInValidate(fs, deferredFinding) {
		addFindings(&resp.Diagnostics, fs, setElementPath, true)
	}
}

// ModifyPlan reports the findings ValidateConfig left: unknown names as errors or, with
// matrix_validation off, as warnings (a newer server may know names this build does not),
// beside every other finding.
func (r *roleResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	// The preview comes last: a plan this resource's own checks fail is not previewed.
	prior, next := planModels[roleResourceModel](ctx, req, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	defer func() { r.access.review(ctx, r.plannedAccess(ctx, prior, next), &resp.Diagnostics) }()
	if next == nil {
		return
	}
	fs := roleFindings(ctx, req.Config, &resp.Diagnostics)
	if !findingsInValidate(fs, deferredFinding) {
		addPlanFindings(&resp.Diagnostics, fs, deferredFinding, setElementPath, r.matrixValidation)
	}
}

// roleFindings validates the configured permissions; none while any of them is unknown.
func roleFindings(ctx context.Context, cfg tfsdk.Config, diags *diag.Diagnostics) []access.Finding {
	var perms types.Set
	diags.Append(cfg.GetAttribute(ctx, path.Root("permissions"), &perms)...)
	names, ok := setStrings(ctx, perms, diags)
	if !ok || diags.HasError() {
		return nil
	}
	return access.ValidatePlatformPermissions(names)
}

// deferredFinding says whether a finding must wait for the provider configuration. A built-in
// role's name is never a platform permission, whatever the server's catalogue: that one is an
// error whatever matrix_validation says.
func deferredFinding(f access.Finding) bool {
	return f.DependsOnUnknownNames() && !access.IsOrgRole(f.Value)
}

// plannedAccess is the access this role's plan changes: its holders' platform permissions
// (role_update) when they change, everything it gave when it goes (role_delete). A new role
// gives nobody anything by itself; the guardrails still judge its protected platform
// permissions, since an assignment of this plan may give them.
func (r *roleResource) plannedAccess(ctx context.Context, prior, next *roleResourceModel) plannedAccess {
	if next == nil {
		return plannedAccess{at: path.Empty(), changes: []api.AccessChange{{Kind: string(access.ChangeRoleDelete), RoleID: prior.ID.ValueString()}}}
	}
	pa := plannedAccess{at: path.Root("permissions"), ack: ackOf(ctx, next.Acknowledge)}
	if prior != nil && prior.Permissions.Equal(next.Permissions) {
		return pa
	}
	var diags diag.Diagnostics
	perms, known := setStrings(ctx, next.Permissions, &diags)
	pa.could = func(context.Context) (couldGive, error) {
		if !known {
			return couldGive{platformScope: r.access.protected}, nil
		}
		return couldGive{platformScope: r.access.platformCould(perms)}, nil
	}
	switch {
	case prior == nil:
		pa.pending, pa.guardOnly = "the role is created in this plan, so who holds it is known only then", true
	case !known:
		pa.pending = "its permissions are known only after apply"
	default:
		perms = append([]string{}, perms...)
		pa.changes = []api.AccessChange{{Kind: string(access.ChangeRoleUpdate), RoleID: prior.ID.ValueString(), Permissions: &perms}}
	}
	return pa
}

func (r *roleResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		r.client = d.Client
		r.access = d.Access
		r.typeName = d.TypeName + "_role"
		r.grants = d.Grants
		r.matrixValidation = d.MatrixValidation
	}
}

func (r *roleResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.access.applied()
	plan, body, ok := planned[roleResourceModel, api.RoleCreate](ctx, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	role, err := r.client.CreateRole(ctx, body)
	if err != nil {
		addCreateError(ctx, &resp.Diagnostics, "Create Role", err, adoption{typeName: r.typeName, noun: "role", field: "name", value: body.Name,
			lookup: func(ctx context.Context) (string, error) {
				role, err := r.client.FindRoleByName(ctx, body.Name)
				if err != nil {
					return "", err
				}
				return role.ID, nil
			}})
		return
	}
	plan.fromAPI(role)
	saveVersion(ctx, resp.Private, role.Version, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

func (r *roleResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state roleResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
	role, err := r.client.GetRole(ctx, state.ID.ValueString())
	if !readFound(ctx, err, resp, "Read Role") {
		return
	}
	state.fromAPI(role)
	saveVersion(ctx, resp.Private, role.Version, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *roleResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.access.applied()
	plan, body, ok := planned[roleResourceModel, api.RoleCreate](ctx, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	role, err := r.client.UpdateRole(ctx, plan.ID.ValueString(), api.RoleUpdate{
		Name:        &body.Name,
		Description: &body.Description,
		Permissions: &body.Permissions,
	}, savedVersion(ctx, req.Private))
	if err != nil {
		addAPIError(&resp.Diagnostics, "Update Role", err)
		return
	}
	plan.fromAPI(role)
	saveVersion(ctx, resp.Private, role.Version, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

func (r *roleResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.access.applied()
	deleteState(ctx, req, resp, "Delete Role", func(ctx context.Context, state *roleResourceModel) error {
		r.grants.Changed("")
		return r.client.DeleteRole(ctx, state.ID.ValueString(), savedVersion(ctx, req.Private))
	})
}

// ImportState takes the role's id, as the import id or as the identity's id. It refuses the
// built-in roles up front: adopting one would plan changes the API rejects, and destroying it
// would fail.
func (r *roleResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, ok := importedID(ctx, req, "id", "<role_id>", "Unable to Import Role", &resp.Diagnostics)
	if !ok {
		return
	}
	role, err := r.client.GetRole(ctx, id)
	if err != nil && !errors.Is(err, client.ErrNotFound) {
		addAPIError(&resp.Diagnostics, "Import Role", err)
		return
	}
	if err == nil && role.Builtin {
		resp.Diagnostics.AddError("Unable to Import Role",
			fmt.Sprintf("The built-in role %q (id %s) cannot be managed; read it with the warden_role data source "+
				"(data \"warden_role\" \"x\" { name = %q }) and assign it with warden_role_assignment.", role.Name, role.ID, role.Name))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, idIdentity{ID: types.StringValue(id)})...)
}
