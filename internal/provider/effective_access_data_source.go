package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ datasource.DataSource                     = (*effectiveAccessDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*effectiveAccessDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*effectiveAccessDataSource)(nil)
)

// NewEffectiveAccessDataSource returns the warden_effective_access data source.
func NewEffectiveAccessDataSource() datasource.DataSource { return &effectiveAccessDataSource{} }

type effectiveAccessDataSource struct {
	client *client.Client
}

type effectiveAccessDataSourceModel struct {
	UserID        types.String `tfsdk:"user_id"`
	GroupID       types.String `tfsdk:"group_id"`
	EnvironmentID types.String `tfsdk:"environment_id"`
	Actions       types.List   `tfsdk:"actions"`
	Grants        types.List   `tfsdk:"grants"`
	Platform      types.List   `tfsdk:"platform"`
	Support       types.List   `tfsdk:"support"`
}

type actionSourceModel struct {
	Action     types.String `tfsdk:"action"`
	Permission types.String `tfsdk:"permission"`
	GrantID    types.String `tfsdk:"grant_id"`
	RoleID     types.String `tfsdk:"role_id"`
	RoleName   types.String `tfsdk:"role_name"`
	GroupID    types.String `tfsdk:"group_id"`
	GroupName  types.String `tfsdk:"group_name"`
}

var actionSourceType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"action":     types.StringType,
	"permission": types.StringType,
	"grant_id":   types.StringType,
	"role_id":    types.StringType,
	"role_name":  types.StringType,
	"group_id":   types.StringType,
	"group_name": types.StringType,
}}

type platformSourceModel struct {
	Permission types.String `tfsdk:"permission"`
	ImpliedBy  types.String `tfsdk:"implied_by"`
	RoleID     types.String `tfsdk:"role_id"`
	RoleName   types.String `tfsdk:"role_name"`
	GroupID    types.String `tfsdk:"group_id"`
	GroupName  types.String `tfsdk:"group_name"`
	Owner      types.Bool   `tfsdk:"owner"`
}

var platformSourceType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"permission": types.StringType,
	"implied_by": types.StringType,
	"role_id":    types.StringType,
	"role_name":  types.StringType,
	"group_id":   types.StringType,
	"group_name": types.StringType,
	"owner":      types.BoolType,
}}

// fromAPI fills the computed attributes; the inputs stay as configured. Optional parts of a
// source the API leaves out (no group for a directly held role, no grant for an organization
// role) become null rather than "", so that `!= null` tests read naturally in HCL.
func (m *effectiveAccessDataSourceModel) fromAPI(ctx context.Context, ea *api.EffectiveAccess) diag.Diagnostics {
	m.Actions = stringList(ea.Actions)
	m.Support = stringList(ea.Support)
	sources := make([]actionSourceModel, len(ea.Grants))
	for i, g := range ea.Grants {
		sources[i] = actionSourceModel{
			Action:     types.StringValue(g.Action),
			Permission: types.StringValue(g.Permission),
			GrantID:    optionalString(g.GrantID),
			RoleID:     types.StringValue(g.RoleID),
			RoleName:   types.StringValue(g.RoleName),
			GroupID:    optionalString(g.GroupID),
			GroupName:  optionalString(g.GroupName),
		}
	}
	platform := make([]platformSourceModel, len(ea.Platform))
	for i, p := range ea.Platform {
		platform[i] = platformSourceModel{
			Permission: types.StringValue(p.Permission),
			ImpliedBy:  optionalString(p.ImpliedBy),
			RoleID:     types.StringValue(p.RoleID),
			RoleName:   types.StringValue(p.RoleName),
			GroupID:    optionalString(p.GroupID),
			GroupName:  optionalString(p.GroupName),
			Owner:      types.BoolValue(p.Owner),
		}
	}
	var diags, more diag.Diagnostics
	m.Grants, diags = types.ListValueFrom(ctx, actionSourceType, sources)
	m.Platform, more = types.ListValueFrom(ctx, platformSourceType, platform)
	return append(diags, more...)
}

func (d *effectiveAccessDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_effective_access"
}

func (d *effectiveAccessDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Everything a user or a group may do in one environment, and why: each allowed action with the grant, " +
			"role and (for roles held through a group) the group that allows it; and what it may do on the platform, outside any " +
			"environment: each platform permission with the role, group or organization role that gives it. Use it to review access, " +
			"or in a `check` block to assert that a grant took effect.",
		Attributes: map[string]schema.Attribute{
			"user_id": schema.StringAttribute{
				MarkdownDescription: "The user to ask about; roles held directly and through the user's groups count. Exactly one of `user_id` and `group_id`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"group_id": schema.StringAttribute{
				MarkdownDescription: "The group to ask about; only roles assigned to the group count. Exactly one of `user_id` and `group_id`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"environment_id": schema.StringAttribute{
				MarkdownDescription: "The environment.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"actions": schema.ListAttribute{
				MarkdownDescription: "Every permissions matrix action allowed, sorted.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"grants": schema.ListNestedAttribute{
				MarkdownDescription: "For each allowed action, each reason it is allowed; an action allowed several ways appears once per way.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: withHolder("The role holding the grant.", map[string]schema.Attribute{
						"action": schema.StringAttribute{
							MarkdownDescription: "The allowed action.",
							Computed:            true,
						},
						"permission": schema.StringAttribute{
							MarkdownDescription: "The environment permission that allows it.",
							Computed:            true,
						},
						"grant_id": schema.StringAttribute{
							MarkdownDescription: "The environment grant holding that permission; null when an organization role (`account_owner`, `deploy_owner`) allows it.",
							Computed:            true,
						},
					}),
				},
			},
			"platform": schema.ListNestedAttribute{
				MarkdownDescription: "Every platform permission held (e.g. `cluster.admin`; the same in every environment), sorted, with each reason " +
					"it is held: a permission held several ways appears once per way. Empty for vendor users, who act only through support tiers.",
				Computed: true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: withHolder("The role that gives it.", map[string]schema.Attribute{
						"permission": schema.StringAttribute{
							MarkdownDescription: "The platform permission.",
							Computed:            true,
						},
						"implied_by": schema.StringAttribute{
							MarkdownDescription: "The permission of the role that includes this one (`users.admin` includes `users.read`); null when the role lists it itself.",
							Computed:            true,
						},
						"owner": schema.BoolAttribute{
							MarkdownDescription: "Whether the role is a built-in organization role (`account_owner`, `deploy_owner`), which holds every " +
								"platform permission: each name of the catalogue is listed for it, and it holds the patterns' names too.",
							Computed: true,
						},
					}),
				},
			},
			"support": schema.ListAttribute{
				MarkdownDescription: "Vendor support capabilities (e.g. `operator.reboot_host`) held through approved access requests; empty for members.",
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
	}
}

func (d *effectiveAccessDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("user_id"), path.MatchRoot("group_id")),
	}
}

func (d *effectiveAccessDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if pd := dataSourceData(req, resp); pd != nil {
		d.client = pd.Client
	}
}

func (d *effectiveAccessDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg effectiveAccessDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ea, err := d.client.EffectiveAccess(ctx, cfg.EnvironmentID.ValueString(), cfg.UserID.ValueString(), cfg.GroupID.ValueString())
	if err != nil {
		addAPIError(&resp.Diagnostics, "Read Effective Access", err)
		return
	}
	resp.Diagnostics.Append(cfg.fromAPI(ctx, ea)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// withHolder adds to attrs who holds the role behind an allowed action or a platform
// permission: the role (roleDoc describes it), and the group it is held through.
func withHolder(roleDoc string, attrs map[string]schema.Attribute) map[string]schema.Attribute {
	attrs["role_id"] = schema.StringAttribute{MarkdownDescription: roleDoc, Computed: true}
	attrs["role_name"] = schema.StringAttribute{MarkdownDescription: "That role's name.", Computed: true}
	attrs["group_id"] = schema.StringAttribute{MarkdownDescription: "The group through which the role is held; null when held directly.", Computed: true}
	attrs["group_name"] = schema.StringAttribute{MarkdownDescription: "That group's name; null when the role is held directly.", Computed: true}
	return attrs
}
