package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ datasource.DataSource              = (*accessRequestsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*accessRequestsDataSource)(nil)
)

// NewAccessRequestsDataSource returns the warden_access_requests data source.
func NewAccessRequestsDataSource() datasource.DataSource { return &accessRequestsDataSource{} }

type accessRequestsDataSource struct {
	client *client.Client
}

type accessRequestsDataSourceModel struct {
	EnvironmentID  types.String         `tfsdk:"environment_id"`
	Status         types.String         `tfsdk:"status"`
	RequesterID    types.String         `tfsdk:"requester_id"`
	AccessRequests []accessRequestModel `tfsdk:"access_requests"`
}

type accessRequestModel struct {
	ID              types.String `tfsdk:"id"`
	EnvironmentID   types.String `tfsdk:"environment_id"`
	RequesterID     types.String `tfsdk:"requester_id"`
	Tier            types.String `tfsdk:"tier"`
	DurationSeconds types.Int64  `tfsdk:"duration_seconds"`
	Reason          types.String `tfsdk:"reason"`
	Status          types.String `tfsdk:"status"`
	DecidedAt       types.String `tfsdk:"decided_at"`
	ExpiresAt       types.String `tfsdk:"expires_at"`
}

func (m *accessRequestModel) fromAPI(r *api.AccessRequest) {
	m.ID = types.StringValue(r.ID)
	m.EnvironmentID = types.StringValue(r.EnvironmentID)
	m.RequesterID = types.StringValue(r.RequesterID)
	m.Tier = types.StringValue(r.Tier)
	m.DurationSeconds = types.Int64Value(r.DurationSeconds)
	m.Reason = types.StringValue(r.Reason)
	m.Status = types.StringValue(r.Status)
	m.DecidedAt = timeString(r.DecidedAt)
	m.ExpiresAt = timeString(r.ExpiresAt)
}

func (d *accessRequestsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_access_requests"
}

func (d *accessRequestsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists vendor engineers' access requests, optionally filtered; e.g. the pending requests of an " +
			"environment, to approve one with `warden_access_request_approval`.",
		Attributes: map[string]schema.Attribute{
			"environment_id": schema.StringAttribute{
				MarkdownDescription: "Only requests for this environment.",
				Optional:            true,
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "Only requests in this status: " + mdList(accessRequestStatuses) + ".",
				Optional:            true,
				Validators:          []validator.String{oneOf(accessRequestStatuses...)},
			},
			"requester_id": schema.StringAttribute{
				MarkdownDescription: "Only requests filed by this vendor user.",
				Optional:            true,
			},
			"access_requests": schema.ListNestedAttribute{
				MarkdownDescription: "The matching access requests.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":               schema.StringAttribute{MarkdownDescription: "The request's id (the `access_request_id` to approve).", Computed: true},
						"environment_id":   schema.StringAttribute{MarkdownDescription: "The environment.", Computed: true},
						"requester_id":     schema.StringAttribute{MarkdownDescription: "The vendor user who filed it.", Computed: true},
						"tier":             schema.StringAttribute{MarkdownDescription: "The tier requested.", Computed: true},
						"duration_seconds": schema.Int64Attribute{MarkdownDescription: "How long the access lasts once approved, in seconds.", Computed: true},
						"reason":           schema.StringAttribute{MarkdownDescription: "Why the engineer asked.", Computed: true},
						"status":           schema.StringAttribute{MarkdownDescription: "One of " + mdList(accessRequestStatuses) + ".", Computed: true},
						"decided_at":       schema.StringAttribute{MarkdownDescription: "When it was last decided — approved, denied or revoked (RFC 3339, UTC); null while pending.", Computed: true},
						"expires_at":       schema.StringAttribute{MarkdownDescription: "When approved access ends or ended (RFC 3339, UTC); null unless it was approved.", Computed: true},
					},
				},
			},
		},
	}
}

func (d *accessRequestsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if pd := dataSourceData(req, resp); pd != nil {
		d.client = pd.Client
	}
}

func (d *accessRequestsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readFetched(ctx, req, resp, "List Access Requests",
		func(ctx context.Context, cfg *accessRequestsDataSourceModel) ([]api.AccessRequest, error) {
			return d.client.ListAccessRequests(ctx, client.ListAccessRequestsOptions{
				EnvironmentID: cfg.EnvironmentID.ValueString(),
				Status:        cfg.Status.ValueString(),
				RequesterID:   cfg.RequesterID.ValueString(),
			})
		},
		func(cfg *accessRequestsDataSourceModel, reqs []api.AccessRequest) {
			cfg.AccessRequests = make([]accessRequestModel, len(reqs))
			for i := range reqs {
				cfg.AccessRequests[i].fromAPI(&reqs[i])
			}
		})
}
