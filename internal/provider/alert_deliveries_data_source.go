package provider

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ datasource.DataSource              = (*alertDeliveriesDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*alertDeliveriesDataSource)(nil)
)

// The API's enums of deliveries and attempts, one slice each for validators and descriptions.
var (
	deliveryStatuses = []string{api.DeliveryPending, api.DeliveryDelivered, api.DeliveryFailed, api.DeliveryGone, api.DeliveryUndeliverable}
	recipientKinds   = []string{api.RecipientVendor, api.RecipientWebhook, api.RecipientEmail}
	deliveryEvents   = []string{api.EventTrigger, api.EventResolve}
	attemptOutcomes  = []string{api.AttemptDelivered, api.AttemptRetry, api.AttemptGone, api.AttemptFailed}
)

// NewAlertDeliveriesDataSource returns the warden_alert_deliveries data source.
func NewAlertDeliveriesDataSource() datasource.DataSource { return &alertDeliveriesDataSource{} }

type alertDeliveriesDataSource struct {
	client *client.Client
}

type alertDeliveriesDataSourceModel struct {
	EnvironmentID types.String         `tfsdk:"environment_id"`
	AlertID       types.String         `tfsdk:"alert_id"`
	Status        types.String         `tfsdk:"status"`
	Deliveries    []alertDeliveryModel `tfsdk:"deliveries"`
}

type alertDeliveryModel struct {
	ID            types.String        `tfsdk:"id"`
	AlertID       types.String        `tfsdk:"alert_id"`
	Kind          types.String        `tfsdk:"kind"`
	Target        types.String        `tfsdk:"target"`
	Event         types.String        `tfsdk:"event"`
	Status        types.String        `tfsdk:"status"`
	AttemptCount  types.Int64         `tfsdk:"attempt_count"`
	NextAttemptAt types.String        `tfsdk:"next_attempt_at"`
	DeliveredAt   types.String        `tfsdk:"delivered_at"`
	LastError     types.String        `tfsdk:"last_error"`
	CreatedAt     types.String        `tfsdk:"created_at"`
	Attempts      []alertAttemptModel `tfsdk:"attempts"`
}

type alertAttemptModel struct {
	N          types.Int64  `tfsdk:"n"`
	At         types.String `tfsdk:"at"`
	StatusCode types.Int64  `tfsdk:"status_code"`
	LatencyMS  types.Int64  `tfsdk:"latency_ms"`
	Outcome    types.String `tfsdk:"outcome"`
	Error      types.String `tfsdk:"error"`
}

// fromAPI maps one delivery; what the API omits (the vendor's target, a status code that never
// came, an error that did not happen) is null.
func (m *alertDeliveryModel) fromAPI(d *api.AlertDelivery) {
	m.ID = types.StringValue(d.ID)
	m.AlertID = types.StringValue(d.AlertID)
	m.Kind = types.StringValue(d.Kind)
	m.Target = optionalString(d.Target)
	m.Event = types.StringValue(d.Event)
	m.Status = types.StringValue(d.Status)
	m.AttemptCount = types.Int64Value(int64(d.AttemptCount))
	m.NextAttemptAt = timeString(d.NextAttemptAt)
	m.DeliveredAt = timeString(d.DeliveredAt)
	m.LastError = optionalString(d.LastError)
	m.CreatedAt = timeString(&d.CreatedAt)
	m.Attempts = make([]alertAttemptModel, len(d.Attempts))
	for i, a := range d.Attempts {
		m.Attempts[i] = alertAttemptModel{
			N:          types.Int64Value(int64(a.N)),
			At:         types.StringValue(a.At.UTC().Format(time.RFC3339Nano)),
			StatusCode: types.Int64Null(),
			LatencyMS:  types.Int64Value(a.LatencyMS),
			Outcome:    types.StringValue(a.Outcome),
			Error:      optionalString(a.Error),
		}
		if a.StatusCode != 0 {
			m.Attempts[i].StatusCode = types.Int64Value(int64(a.StatusCode))
		}
	}
}

func (d *alertDeliveriesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_alert_deliveries"
}

func (d *alertDeliveriesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(md string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: md, Computed: true}
	}
	computedInt := func(md string) schema.Int64Attribute {
		return schema.Int64Attribute{MarkdownDescription: md, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the deliveries of an environment's received alerts — one per recipient the routing chose for an alert — " +
			"each with every attempt, optionally only one alert's or only those in one status: e.g. what `warden_send_test_alert` " +
			"sent, or the failed deliveries to retry. Any member may read them; webhook targets carry their secret parts " +
			"(userinfo, query values) only for a token holding `cluster.admin`.",
		Attributes: map[string]schema.Attribute{
			"environment_id": schema.StringAttribute{
				MarkdownDescription: "The environment whose alerts' deliveries are listed.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"alert_id": schema.StringAttribute{
				MarkdownDescription: "Only this alert's deliveries (`alr_…`).",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "Only deliveries in this status: " + mdList(deliveryStatuses) + ".",
				Optional:            true,
				Validators:          []validator.String{oneOf(deliveryStatuses...)},
			},
			"deliveries": schema.ListNestedAttribute{
				MarkdownDescription: "The matching deliveries, oldest first (by `created_at`, then `id`).",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":       computed("The delivery's id (`dlv_…`); also the `webhook-id` header of each of its webhook attempts, by which a receiver drops repeats."),
						"alert_id": computed("The alert delivered."),
						"kind":     computed("The recipient: " + mdList(recipientKinds) + " (`vendor` is the vendor's on-call)."),
						"target": schema.StringAttribute{
							MarkdownDescription: "The webhook URL or e-mail address; null for the vendor, whose endpoint is the server's configuration. " +
								"Sensitive: a webhook URL may carry a secret (userinfo, a token in its query), which the API shows only to `cluster.admin`.",
							Computed:  true,
							Sensitive: true,
						},
						"event": computed("What the delivery announces: " + mdList(deliveryEvents) + " (a firing alert triggers, a resolved one resolves)."),
						"status": computed("One of " + mdList(deliveryStatuses) + ": `pending` while attempts go on, `delivered` once the recipient " +
							"accepted it (a 2xx), `failed` when every attempt of the retry schedule failed, `gone` when the receiver answered 410, " +
							"`undeliverable` when the server has nothing to deliver with (no vendor endpoint, no SMTP server)."),
						"attempt_count":   computedInt("How many attempts were made."),
						"next_attempt_at": computed("When the next attempt is due (RFC 3339, UTC), while `pending`; null otherwise."),
						"delivered_at":    computed("When the recipient accepted it (RFC 3339, UTC); null until then."),
						"last_error":      computed("What the last failed attempt, or the reason it cannot be delivered, says; null when nothing failed."),
						"created_at":      computed("When the delivery was made, with its alert (RFC 3339, UTC)."),
						"attempts": schema.ListNestedAttribute{
							MarkdownDescription: "Every attempt, oldest first.",
							Computed:            true,
							NestedObject: schema.NestedAttributeObject{
								Attributes: map[string]schema.Attribute{
									"n":           computedInt("The attempt's number: 1 for the first."),
									"at":          computed("When it was sent (RFC 3339, UTC)."),
									"status_code": computedInt("The receiver's HTTP status (webhook, vendor) or SMTP reply code (email); null when none came (e.g. the connection failed)."),
									"latency_ms":  computedInt("How long it took, in milliseconds."),
									"outcome": computed("One of " + mdList(attemptOutcomes) + ": `retry` means another attempt follows, `failed` that it was " +
										"the schedule's last."),
									"error": computed("What went wrong; null when it was delivered."),
								},
							},
						},
					},
				},
			},
		},
	}
}

func (d *alertDeliveriesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if pd := dataSourceData(req, resp); pd != nil {
		d.client = pd.Client
	}
}

func (d *alertDeliveriesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readFetched(ctx, req, resp, "List Alert Deliveries",
		func(ctx context.Context, cfg *alertDeliveriesDataSourceModel) ([]api.AlertDelivery, error) {
			return d.client.ListAlertDeliveries(ctx, cfg.EnvironmentID.ValueString(),
				client.DeliveryFilter{AlertID: cfg.AlertID.ValueString(), Status: cfg.Status.ValueString()})
		},
		func(cfg *alertDeliveriesDataSourceModel, ds []api.AlertDelivery) {
			// The API pages by id, which says nothing of age: oldest first reads better.
			slices.SortStableFunc(ds, func(a, b api.AlertDelivery) int {
				return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
			})
			cfg.Deliveries = make([]alertDeliveryModel, len(ds))
			for i := range ds {
				cfg.Deliveries[i].fromAPI(&ds[i])
			}
		})
}
