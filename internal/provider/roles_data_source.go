package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ datasource.DataSource              = (*rolesDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*rolesDataSource)(nil)
)

// NewRolesDataSource returns the warden_roles data source.
func NewRolesDataSource() datasource.DataSource { return &rolesDataSource{} }

type rolesDataSource struct {
	client *client.Client
}

type rolesDataSourceModel struct {
	Name  types.String          `tfsdk:"name"`
	Roles []roleDataSourceModel `tfsdk:"roles"`
}

func (d *rolesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_roles"
}

func (d *rolesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists every role, the built-in " + mdList(access.OrgRoleNames()) + " included, or only the role " +
			"with one `name`.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				MarkdownDescription: "Only the role with exactly this name.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"roles": schema.ListNestedAttribute{
				MarkdownDescription: "The matching roles, in the API's order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":          schema.StringAttribute{MarkdownDescription: "The role's id.", Computed: true},
						"name":        schema.StringAttribute{MarkdownDescription: "The role's unique name.", Computed: true},
						"description": schema.StringAttribute{MarkdownDescription: "Free text.", Computed: true},
						"permissions": schema.SetAttribute{
							MarkdownDescription: "The role's platform permissions (catalogue names); empty for the built-in roles, which " +
								"hold every permission by being owners.",
							ElementType: typesString,
							Computed:    true,
						},
						"builtin": schema.BoolAttribute{
							MarkdownDescription: "True for the built-in " + mdList(access.OrgRoleNames()) + ", which cannot change.",
							Computed:            true,
						},
					},
				},
			},
		},
	}
}

func (d *rolesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if pd := dataSourceData(req, resp); pd != nil {
		d.client = pd.Client
	}
}

func (d *rolesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readFetched(ctx, req, resp, "List Roles",
		func(ctx context.Context, cfg *rolesDataSourceModel) ([]api.Role, error) {
			return d.client.ListRoles(ctx, client.ListRolesOptions{Name: cfg.Name.ValueString()})
		},
		func(cfg *rolesDataSourceModel, roles []api.Role) {
			cfg.Roles = collect(roles, func(r *api.Role) bool { return matches(cfg.Name, r.Name) },
				func(r *api.Role) (m roleDataSourceModel) { m.fromAPI(r); return m })
		})
}
