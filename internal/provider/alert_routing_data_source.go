package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ datasource.DataSource              = (*alertRoutingDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*alertRoutingDataSource)(nil)
)

// NewAlertRoutingDataSource returns the warden_alert_routing data source.
func NewAlertRoutingDataSource() datasource.DataSource { return &alertRoutingDataSource{} }

type alertRoutingDataSource struct {
	client *client.Client
}

// The data source's model is the resource's (alertRoutingResourceModel): the same attributes,
// mapped by the same fromAPI, with every destination whoever manages it.

func (d *alertRoutingDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_alert_routing"
}

func (d *alertRoutingDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads an environment's alert routing, whoever manages it, with the credentials made with the environment: " +
			"where its monitoring system sends alerts (`ingest_url`, `ingest_key`) and the secret its webhook deliveries are signed with " +
			"(`signing_secret`). A module that only adds destinations wires its Alertmanager and its receivers from these. " +
			"Needs the `cluster.admin` platform permission: anyone else is refused.",
		Attributes: map[string]schema.Attribute{
			"environment_id": schema.StringAttribute{
				MarkdownDescription: "The environment.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "The environment's id: an environment has exactly one alert routing.",
				Computed:            true,
			},
			"vendor_routing": schema.BoolAttribute{
				MarkdownDescription: "Whether system alerts go to the vendor's on-call (`false`: the environment opted out).",
				Computed:            true,
			},
			"destinations": schema.SetNestedAttribute{
				MarkdownDescription: "Every customer destination, from `warden_alert_routing` or `warden_alert_destination` alike. " +
					"Sensitive, because a webhook target may carry a secret (userinfo, a token in its query) that its own configuration keeps sensitive.",
				Computed:  true,
				Sensitive: true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"type": schema.StringAttribute{
							MarkdownDescription: "Where alerts are delivered: " + mdList(access.DestinationTypeNames()) + ".",
							Computed:            true,
						},
						"target": schema.StringAttribute{
							MarkdownDescription: "The webhook URL or the e-mail address.",
							Computed:            true,
						},
						"min_severity": schema.StringAttribute{
							MarkdownDescription: "Alerts below this severity are not sent here: " + mdList(access.AlertSeverityNames()) + ".",
							Computed:            true,
						},
					},
				},
			},
			"ingest_url":     schema.StringAttribute{MarkdownDescription: ingestURLDescription, Computed: true, Sensitive: true},
			"ingest_key":     schema.StringAttribute{MarkdownDescription: ingestKeyDescription, Computed: true, Sensitive: true},
			"signing_secret": schema.StringAttribute{MarkdownDescription: signingSecretDescription, Computed: true, Sensitive: true},
		},
	}
}

func (d *alertRoutingDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if pd := dataSourceData(req, resp); pd != nil {
		d.client = pd.Client
	}
}

// alertRoutingRead is what the data source reads: the routing and its credentials.
type alertRoutingRead struct {
	routing *api.AlertRouting
	creds   *api.AlertCredentials
}

func (d *alertRoutingDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readFetchedAt(ctx, req, resp, "Read Alert Routing", credentialsAdvice,
		func(ctx context.Context, cfg *alertRoutingResourceModel) (alertRoutingRead, error) {
			env := cfg.EnvironmentID.ValueString()
			routing, err := d.client.GetAlertRouting(ctx, env)
			if err != nil {
				return alertRoutingRead{}, err
			}
			creds, err := d.client.AlertCredentials(ctx, env)
			return alertRoutingRead{routing, creds}, err
		},
		func(cfg *alertRoutingResourceModel, got alertRoutingRead) diag.Diagnostics {
			return cfg.fromAPI(ctx, got.routing, got.creds, true)
		})
}
