package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ datasource.DataSource                     = (*groupDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*groupDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*groupDataSource)(nil)
)

// NewGroupDataSource returns the warden_group data source.
func NewGroupDataSource() datasource.DataSource { return &groupDataSource{} }

type groupDataSource struct {
	client *client.Client
}

// The data source reads the same attributes the resource manages.
type groupDataSourceModel = groupFields

func (d *groupDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_group"
}

func (d *groupDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an existing group by `name` or by `id`, e.g. to assign a role to a group managed elsewhere " +
			"with `warden_role_assignment`, or to read its members.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The group's id. Exactly one of `id` and `name`.",
				Optional:            true,
				Computed:            true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The group's unique name. Exactly one of `id` and `name`.",
				Optional:            true,
				Computed:            true,
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "Free text.",
				Computed:            true,
			},
			"members": schema.SetAttribute{
				MarkdownDescription: "The ids of the group's member users.",
				ElementType:         typesString,
				Computed:            true,
			},
			"member_emails": schema.ListAttribute{
				MarkdownDescription: "The members' e-mail addresses, sorted; null when the provider's token may not read users (`users.read`).",
				ElementType:         typesString,
				Computed:            true,
			},
		},
	}
}

func (d *groupDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *groupDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if pd := dataSourceData(req, resp); pd != nil {
		d.client = pd.Client
	}
}

func (d *groupDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readLookup(ctx, req, resp, "Read Group",
		func(m *groupDataSourceModel) (types.String, types.String) { return m.ID, m.Name },
		d.client.GetGroup, d.client.FindGroupByName, func(m *groupDataSourceModel, g *api.Group) {
			users := readUsers(ctx, d.client, nil, g.Members)
			m.fromAPI(g, true, &users)
		})
}
