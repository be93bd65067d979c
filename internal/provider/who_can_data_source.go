package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ datasource.DataSource                   = (*whoCanDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*whoCanDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*whoCanDataSource)(nil)
)

// NewWhoCanDataSource returns the warden_who_can data source.
func NewWhoCanDataSource() datasource.DataSource { return &whoCanDataSource{matrixValidation: true} }

type whoCanDataSource struct {
	client *client.Client
	// matrixValidation mirrors the provider attribute; true until Configure says otherwise.
	matrixValidation bool
}

type whoCanDataSourceModel struct {
	EnvironmentID   types.String `tfsdk:"environment_id"`
	Action          types.String `tfsdk:"action"`
	EnvironmentName types.String `tfsdk:"environment_name"`
	Principals      types.List   `tfsdk:"principals"`
}

type whoCanPrincipalModel struct {
	UserID types.String `tfsdk:"user_id"`
	Email  types.String `tfsdk:"email"`
	Kind   types.String `tfsdk:"kind"`
	Via    types.List   `tfsdk:"via"`
}

type viaModel struct {
	Permission      types.String `tfsdk:"permission"`
	GrantID         types.String `tfsdk:"grant_id"`
	RoleID          types.String `tfsdk:"role_id"`
	RoleName        types.String `tfsdk:"role_name"`
	GroupID         types.String `tfsdk:"group_id"`
	GroupName       types.String `tfsdk:"group_name"`
	AccessRequestID types.String `tfsdk:"access_request_id"`
	SupportAccessID types.String `tfsdk:"support_access_id"`
	Tier            types.String `tfsdk:"tier"`
	ExpiresAt       types.String `tfsdk:"expires_at"`
}

var viaType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"permission": types.StringType, "grant_id": types.StringType, "role_id": types.StringType, "role_name": types.StringType,
	"group_id": types.StringType, "group_name": types.StringType, "access_request_id": types.StringType,
	"support_access_id": types.StringType, "tier": types.StringType, "expires_at": types.StringType,
}}

var whoCanPrincipalType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"user_id": types.StringType, "email": types.StringType, "kind": types.StringType, "via": types.ListType{ElemType: viaType},
}}

// viaFromAPI maps one reason; what the API leaves out becomes null, so that `!= null` tests
// read naturally in HCL.
func viaFromAPI(v api.Via) viaModel {
	m := viaModel{
		Permission: types.StringValue(v.Permission), GrantID: optionalString(v.GrantID), RoleID: optionalString(v.RoleID),
		RoleName: optionalString(v.RoleName), GroupID: optionalString(v.GroupID), GroupName: optionalString(v.GroupName),
		AccessRequestID: optionalString(v.AccessRequestID), SupportAccessID: optionalString(v.SupportAccessID),
		Tier: optionalString(v.Tier), ExpiresAt: types.StringNull(),
	}
	if v.ExpiresAt != nil {
		m.ExpiresAt = types.StringValue(v.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return m
}

// fromAPI fills the computed attributes; the inputs stay as configured.
func (m *whoCanDataSourceModel) fromAPI(ctx context.Context, w *api.WhoCan) diag.Diagnostics {
	var diags diag.Diagnostics
	m.EnvironmentName = types.StringValue(w.EnvironmentName)
	principals := make([]whoCanPrincipalModel, len(w.Principals))
	for i, p := range w.Principals {
		vias := make([]viaModel, len(p.Via))
		for j, v := range p.Via {
			vias[j] = viaFromAPI(v)
		}
		list, d := types.ListValueFrom(ctx, viaType, vias)
		diags.Append(d...)
		principals[i] = whoCanPrincipalModel{UserID: types.StringValue(p.UserID), Email: types.StringValue(p.Email),
			Kind: types.StringValue(p.Kind), Via: list}
	}
	list, d := types.ListValueFrom(ctx, whoCanPrincipalType, principals)
	m.Principals = list
	return append(diags, d...)
}

func (d *whoCanDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_who_can"
}

func (d *whoCanDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Who may do one action in one environment, and why: the reverse of `warden_effective_access`. For a " +
			"permissions matrix action (`apps.deploy`) every member user holding it through an environment grant (directly or through a " +
			"group) or an organization role; for a vendor tier capability (`operator.reboot_host`) every vendor user holding it through " +
			"an approved access request or standing support access, with when that ends. Each principal's first reason is the one " +
			"`POST /v1/authorize` gives. Asking about a matrix action needs `users.read`, about a tier capability `cluster.admin`: the " +
			"answer reads every holder's access, and is never cut down to those the token may read.",
		Attributes: map[string]schema.Attribute{
			"environment_id": schema.StringAttribute{
				MarkdownDescription: "The environment.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"action": schema.StringAttribute{
				MarkdownDescription: "A permissions matrix action (e.g. `databases.read_credentials`; `warden_permission_matrix` lists them) " +
					"or a vendor tier capability (e.g. `co_maintainer.apply_workspace`). Vendor capabilities are answered for the resources " +
					"carrying the environment's `resource_prefix`, the only ones vendor access reaches.",
				Required:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"environment_name": computed("The environment's name."),
			"principals": schema.ListNestedAttribute{
				MarkdownDescription: "Every user who may do `action` there, sorted by e-mail; empty when nobody may.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"user_id": computed("The user's id."),
					"email":   computed("The user's e-mail address."),
					"kind":    computed("`member` or `vendor`."),
					"via": schema.ListNestedAttribute{
						MarkdownDescription: "Every way the user may do it: grants first (by role name, a role held directly before one held " +
							"through a group), then organization roles; a vendor's tiers in the order they are tried. The first is what " +
							"`POST /v1/authorize` answers. Attributes that do not apply to a reason are null.",
						Computed: true,
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"permission":        computed("The environment permission that allows the action (`environment_admin` for an organization role), or the tier capability itself."),
							"grant_id":          computed("The environment grant; null for an organization role and for vendors."),
							"role_id":           computed("The role holding the grant, or the organization role (`account_owner`, `deploy_owner`); null for vendors."),
							"role_name":         computed("That role's name."),
							"group_id":          computed("The group through which the role is held; null when held directly."),
							"group_name":        computed("That group's name."),
							"access_request_id": computed("The vendor's approved access request; null for standing access and for members."),
							"support_access_id": computed("The standing support access (`require_approval = false`) that gives every vendor user the tier; null otherwise."),
							"tier":              computed("The tier the vendor holds (the lower of its request's and the support access's current ceiling); null for members."),
							"expires_at":        computed("When the vendor's tier ends (RFC 3339): the earlier of the request's and the support access's expiry; null when it does not end, and for members."),
						}},
					},
				}},
			},
		},
	}
}

func (d *whoCanDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var action types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("action"), &action)...)
	if resp.Diagnostics.HasError() || action.IsNull() || action.IsUnknown() {
		return
	}
	addFindings(&resp.Diagnostics, access.ValidateWhoCanAction("action", action.ValueString()),
		func(access.Finding) path.Path { return path.Root("action") }, d.matrixValidation)
}

func (d *whoCanDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if pd := dataSourceData(req, resp); pd != nil {
		d.client = pd.Client
		d.matrixValidation = pd.MatrixValidation
	}
}

func (d *whoCanDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readFetchedAt(ctx, req, resp, "Read Who Can", apiFieldPath,
		func(ctx context.Context, cfg *whoCanDataSourceModel) (*api.WhoCan, error) {
			return d.client.WhoCan(ctx, cfg.EnvironmentID.ValueString(), cfg.Action.ValueString())
		},
		func(cfg *whoCanDataSourceModel, w *api.WhoCan) diag.Diagnostics { return cfg.fromAPI(ctx, w) })
}
