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
	_ datasource.DataSource              = (*supportAccessDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*supportAccessDataSource)(nil)
)

// NewSupportAccessDataSource returns the warden_support_access data source.
func NewSupportAccessDataSource() datasource.DataSource { return &supportAccessDataSource{} }

type supportAccessDataSource struct {
	client *client.Client
}

// supportAccessDataSourceModel is its own type, not the resource's: the data source reports
// expires_at exactly as the API holds it, with no configured spelling to keep.
type supportAccessDataSourceModel struct {
	ID              types.String `tfsdk:"id"`
	EnvironmentID   types.String `tfsdk:"environment_id"`
	Tier            types.String `tfsdk:"tier"`
	PortForwarding  types.Bool   `tfsdk:"port_forwarding"`
	RequireApproval types.Bool   `tfsdk:"require_approval"`
	ExpiresAt       types.String `tfsdk:"expires_at"`
	Status          types.String `tfsdk:"status"`
	Capabilities    types.Set    `tfsdk:"capabilities"`
}

func (m *supportAccessDataSourceModel) fromAPI(a *api.SupportAccess) {
	m.ID = types.StringValue(a.ID)
	m.EnvironmentID = types.StringValue(a.EnvironmentID)
	m.Tier = types.StringValue(a.Tier)
	m.PortForwarding = types.BoolValue(a.PortForwarding)
	m.RequireApproval = types.BoolValue(a.RequireApproval)
	m.ExpiresAt = timeString(a.ExpiresAt)
	m.Status = types.StringValue(a.Status)
	m.Capabilities = stringSet(a.Capabilities)
}

func (d *supportAccessDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_support_access"
}

func (d *supportAccessDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the vendor's support access to one environment, whoever manages it: the tier, whether it has " +
			"expired, and what it allows. Fails when the environment has no support access.",
		Attributes: map[string]schema.Attribute{
			"environment_id": schema.StringAttribute{
				MarkdownDescription: "The environment.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "The support access's id.",
				Computed:            true,
			},
			"tier": schema.StringAttribute{
				MarkdownDescription: "The highest tier the vendor may hold, one of " + mdList(access.TierNames()) + ".",
				Computed:            true,
			},
			"require_approval": schema.BoolAttribute{
				MarkdownDescription: "`true`: vendor users hold the tier through approved access requests; `false`: standing access, every vendor user holds it.",
				Computed:            true,
			},
			"port_forwarding": schema.BoolAttribute{
				MarkdownDescription: "Whether port forwarding to the metrics dashboard (`" + access.CapabilityPortForward + "`) is on.",
				Computed:            true,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the access stops authorizing anything (RFC 3339, UTC); null when it does not expire.",
				Computed:            true,
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "`active`, or `expired` once `expires_at` has passed.",
				Computed:            true,
			},
			"capabilities": schema.SetAttribute{
				MarkdownDescription: "What the tier allows the vendor's engineers, given `port_forwarding` (e.g. `operator.reboot_host`).",
				ElementType:         typesString,
				Computed:            true,
			},
		},
	}
}

func (d *supportAccessDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if pd := dataSourceData(req, resp); pd != nil {
		d.client = pd.Client
	}
}

func (d *supportAccessDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readFetched(ctx, req, resp, "Read Support Access",
		func(ctx context.Context, cfg *supportAccessDataSourceModel) (*api.SupportAccess, error) {
			return d.client.GetSupportAccess(ctx, cfg.EnvironmentID.ValueString())
		},
		(*supportAccessDataSourceModel).fromAPI)
}
