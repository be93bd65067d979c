package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ datasource.DataSource              = (*groupsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*groupsDataSource)(nil)
)

// NewGroupsDataSource returns the warden_groups data source.
func NewGroupsDataSource() datasource.DataSource { return &groupsDataSource{} }

type groupsDataSource struct {
	client *client.Client
}

type groupsDataSourceModel struct {
	Name   types.String           `tfsdk:"name"`
	Groups []groupDataSourceModel `tfsdk:"groups"`
}

func (d *groupsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_groups"
}

func (d *groupsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists every group with its members, or only the group with one `name`.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				MarkdownDescription: "Only the group with exactly this name.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"groups": schema.ListNestedAttribute{
				MarkdownDescription: "The matching groups, in the API's order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":          schema.StringAttribute{MarkdownDescription: "The group's id.", Computed: true},
						"name":        schema.StringAttribute{MarkdownDescription: "The group's unique name.", Computed: true},
						"description": schema.StringAttribute{MarkdownDescription: "Free text.", Computed: true},
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
				},
			},
		},
	}
}

func (d *groupsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if pd := dataSourceData(req, resp); pd != nil {
		d.client = pd.Client
	}
}

func (d *groupsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readFetched(ctx, req, resp, "List Groups",
		func(ctx context.Context, cfg *groupsDataSourceModel) ([]api.Group, error) {
			return d.client.ListGroups(ctx, client.ListGroupsOptions{Name: cfg.Name.ValueString()})
		},
		func(cfg *groupsDataSourceModel, groups []api.Group) {
			// One listing of the users serves every group's member_emails.
			users := listUsers(ctx, d.client)
			cfg.Groups = collect(groups, func(g *api.Group) bool { return matches(cfg.Name, g.Name) },
				func(g *api.Group) (m groupDataSourceModel) { m.fromAPI(g, true, &users); return m })
		})
}
