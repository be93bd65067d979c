package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ datasource.DataSource              = (*permissionMatrixDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*permissionMatrixDataSource)(nil)
)

// NewPermissionMatrixDataSource returns the warden_permission_matrix data source.
func NewPermissionMatrixDataSource() datasource.DataSource { return &permissionMatrixDataSource{} }

type permissionMatrixDataSource struct {
	client *client.Client
}

type permissionMatrixDataSourceModel struct {
	Version                types.String `tfsdk:"version"`
	ProviderVersionMatches types.Bool   `tfsdk:"provider_version_matches"`
	Permissions            types.List   `tfsdk:"permissions"`
	Actions                types.List   `tfsdk:"actions"`
}

type matrixPermissionModel struct {
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
}

type matrixActionModel struct {
	Action      types.String `tfsdk:"action"`
	Permissions types.List   `tfsdk:"permissions"`
}

var (
	matrixPermissionType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"name":        types.StringType,
		"description": types.StringType,
	}}
	matrixActionType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"action":      types.StringType,
		"permissions": types.ListType{ElemType: types.StringType},
	}}
)

// fromAPI keeps the server's order: it is the matrix's own (MATRIX.md) order, which readers
// compare against the document.
func (m *permissionMatrixDataSourceModel) fromAPI(ctx context.Context, pm *api.PermissionMatrix) diag.Diagnostics {
	var diags diag.Diagnostics
	m.Version = types.StringValue(pm.Version)
	m.ProviderVersionMatches = types.BoolValue(pm.Version == access.MatrixVersion)

	perms := make([]matrixPermissionModel, len(pm.Permissions))
	for i, p := range pm.Permissions {
		perms[i] = matrixPermissionModel{Name: types.StringValue(p.Name), Description: types.StringValue(p.Description)}
	}
	actions := make([]matrixActionModel, len(pm.Actions))
	for i, a := range pm.Actions {
		actions[i] = matrixActionModel{Action: types.StringValue(a.Action), Permissions: stringList(a.Permissions)}
	}
	var d diag.Diagnostics
	m.Permissions, d = types.ListValueFrom(ctx, matrixPermissionType, perms)
	diags.Append(d...)
	m.Actions, d = types.ListValueFrom(ctx, matrixActionType, actions)
	diags.Append(d...)
	return diags
}

func (d *permissionMatrixDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_permission_matrix"
}

func (d *permissionMatrixDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The server's permissions matrix: the eight environment permissions and, for each resource action, the permissions " +
			"that allow it (any one suffices). Use it to render documentation or to check, with `provider_version_matches`, that the " +
			"provider validates plans against the same matrix the server enforces.",
		Attributes: map[string]schema.Attribute{
			"version": schema.StringAttribute{
				MarkdownDescription: "The server's matrix version; it changes whenever a permission, action or rule changes.",
				Computed:            true,
			},
			"provider_version_matches": schema.BoolAttribute{
				MarkdownDescription: "Whether the server's matrix version is the one this provider was built with (`" + access.MatrixVersion + "`). " +
					"When `false`, plan-time validation may be stale: upgrade the provider, or set `matrix_validation = false` in the provider block.",
				Computed: true,
			},
			"permissions": schema.ListNestedAttribute{
				MarkdownDescription: "The environment permissions, in the matrix's order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"name": schema.StringAttribute{
							MarkdownDescription: "The permission, e.g. `deployment`.",
							Computed:            true,
						},
						"description": schema.StringAttribute{
							MarkdownDescription: "What the permission allows.",
							Computed:            true,
						},
					},
				},
			},
			"actions": schema.ListNestedAttribute{
				MarkdownDescription: "One entry per row of the matrix, in the matrix's order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"action": schema.StringAttribute{
							MarkdownDescription: "The action, `<resource>.<action>`, e.g. `apps.deploy`.",
							Computed:            true,
						},
						"permissions": schema.ListAttribute{
							MarkdownDescription: "The environment permissions that allow the action; any one of them suffices.",
							ElementType:         types.StringType,
							Computed:            true,
						},
					},
				},
			},
		},
	}
}

func (d *permissionMatrixDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if pd := dataSourceData(req, resp); pd != nil {
		d.client = pd.Client
	}
}

func (d *permissionMatrixDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	pm, err := d.client.PermissionMatrix(ctx)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Read Permission Matrix", err)
		return
	}
	var state permissionMatrixDataSourceModel
	resp.Diagnostics.Append(state.fromAPI(ctx, pm)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}
