package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ datasource.DataSource                     = (*environmentDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*environmentDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*environmentDataSource)(nil)
)

// NewEnvironmentDataSource returns the warden_environment data source.
func NewEnvironmentDataSource() datasource.DataSource { return &environmentDataSource{} }

type environmentDataSource struct {
	client *client.Client
}

// The data source reads the attributes the resource reads back (environmentDataSourceModel,
// beside the resource's model).

func (d *environmentDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_environment"
}

func (d *environmentDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an existing environment by `id` or by `name`. Reading an environment at plan time also lets " +
			"`warden_support_access` check the `co_maintainer` tier against its cloud before anything is applied.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The environment's id. Exactly one of `id` and `name`.",
				Optional:            true,
				Computed:            true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The environment's unique name. Exactly one of `id` and `name`.",
				Optional:            true,
				Computed:            true,
			},
			"cloud": schema.StringAttribute{
				MarkdownDescription: "Where the environment runs: `aws` or `gcp`.",
				Computed:            true,
			},
			"resource_prefix": schema.StringAttribute{
				MarkdownDescription: "Prefix of the resources the vendor's installation owns.",
				Computed:            true,
			},
		},
	}
}

func (d *environmentDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *environmentDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if pd := dataSourceData(req, resp); pd != nil {
		d.client = pd.Client
	}
}

func (d *environmentDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readLookup(ctx, req, resp, "Read Environment",
		func(m *environmentDataSourceModel) (types.String, types.String) { return m.ID, m.Name },
		d.client.GetEnvironment, d.client.FindEnvironmentByName, (*environmentDataSourceModel).fromAPI)
}
