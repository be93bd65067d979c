package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ datasource.DataSource              = (*environmentsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*environmentsDataSource)(nil)
)

// NewEnvironmentsDataSource returns the warden_environments data source.
func NewEnvironmentsDataSource() datasource.DataSource { return &environmentsDataSource{} }

type environmentsDataSource struct {
	client *client.Client
}

type environmentsDataSourceModel struct {
	Cloud        types.String                 `tfsdk:"cloud"`
	Environments []environmentDataSourceModel `tfsdk:"environments"`
}

func (d *environmentsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_environments"
}

func (d *environmentsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists every environment, or only those on one `cloud`; e.g. to enable vendor support access or " +
			"a grant in each of them with `for_each`.",
		Attributes: map[string]schema.Attribute{
			"cloud": schema.StringAttribute{
				MarkdownDescription: "Only environments on this cloud: " + mdList(access.CloudNames()) + ".",
				Optional:            true,
				Validators:          []validator.String{oneOf(access.CloudNames()...)},
			},
			"environments": schema.ListNestedAttribute{
				MarkdownDescription: "The matching environments, in the API's order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":              schema.StringAttribute{MarkdownDescription: "The environment's id.", Computed: true},
						"name":            schema.StringAttribute{MarkdownDescription: "The environment's unique name.", Computed: true},
						"cloud":           schema.StringAttribute{MarkdownDescription: "Where the environment runs: " + mdList(access.CloudNames()) + ".", Computed: true},
						"resource_prefix": schema.StringAttribute{MarkdownDescription: "Prefix of the resources the vendor's installation owns.", Computed: true},
					},
				},
			},
		},
	}
}

func (d *environmentsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if pd := dataSourceData(req, resp); pd != nil {
		d.client = pd.Client
	}
}

// Read filters by cloud here: the API filters environments by name only.
func (d *environmentsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readFetched(ctx, req, resp, "List Environments",
		func(ctx context.Context, _ *environmentsDataSourceModel) ([]api.Environment, error) {
			return d.client.ListEnvironments(ctx, client.ListEnvironmentsOptions{})
		},
		func(cfg *environmentsDataSourceModel, envs []api.Environment) {
			cfg.Environments = collect(envs, func(e *api.Environment) bool { return matches(cfg.Cloud, e.Cloud) },
				func(e *api.Environment) (m environmentDataSourceModel) { m.fromAPI(e); return m })
		})
}
