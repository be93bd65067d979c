package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ datasource.DataSource                     = (*roleDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*roleDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*roleDataSource)(nil)
)

// NewRoleDataSource returns the warden_role data source.
func NewRoleDataSource() datasource.DataSource { return &roleDataSource{} }

type roleDataSource struct {
	client *client.Client
}

// roleDataSourceModel adds builtin, which the resource never holds: it refuses built-in roles.
type roleDataSourceModel struct {
	roleFields
	Builtin types.Bool `tfsdk:"builtin"`
}

func (m *roleDataSourceModel) fromAPI(r *api.Role) {
	m.roleFields.fromAPI(r)
	m.Builtin = types.BoolValue(r.Builtin)
}

func (d *roleDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_role"
}

func (d *roleDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up a role by `name` or by `id`, the built-in " + mdList(access.OrgRoleNames()) +
			" included, e.g. to assign `account_owner` with `warden_role_assignment`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The role's id. Exactly one of `id` and `name`.",
				Optional:            true,
				Computed:            true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The role's unique name. Exactly one of `id` and `name`.",
				Optional:            true,
				Computed:            true,
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "Free text.",
				Computed:            true,
			},
			"permissions": schema.SetAttribute{
				MarkdownDescription: "The role's platform permissions (catalogue names, see the permissions reference guide). Empty for the built-in roles, which hold every " +
					"permission by being owners rather than through a list.",
				ElementType: typesString,
				Computed:    true,
			},
			"builtin": schema.BoolAttribute{
				MarkdownDescription: "True for the built-in " + mdList(access.OrgRoleNames()) + ", which cannot change.",
				Computed:            true,
			},
		},
	}
}

func (d *roleDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *roleDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if pd := dataSourceData(req, resp); pd != nil {
		d.client = pd.Client
	}
}

func (d *roleDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readLookup(ctx, req, resp, "Read Role",
		func(m *roleDataSourceModel) (types.String, types.String) { return m.ID, m.Name },
		d.client.GetRole, d.client.FindRoleByName, (*roleDataSourceModel).fromAPI)
}
