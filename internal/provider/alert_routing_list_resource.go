package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ list.ListResource              = (*alertRoutingListResource)(nil)
	_ list.ListResourceWithConfigure = (*alertRoutingListResource)(nil)
)

// NewAlertRoutingListResource returns the warden_alert_routing list resource.
func NewAlertRoutingListResource() list.ListResource { return &alertRoutingListResource{} }

type alertRoutingListResource struct {
	client *client.Client
}

type alertRoutingListResourceModel struct {
	EnvironmentID types.String `tfsdk:"environment_id"`
	VendorRouting types.Bool   `tfsdk:"vendor_routing"`
}

func (l *alertRoutingListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_alert_routing"
}

func (l *alertRoutingListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists alert routing, for `terraform query`: every environment has one, from its creation. Each result is named " +
			"`alert routing of <environment>` with what it does, e.g. `(vendor routing off, 2 destinations)`, and identified by its " +
			"`environment_id`. Its `destinations` are in the result (and in generated configuration) only when they are managed as a " +
			"whole, as an imported routing's would be: destinations added one at a time stay with their `warden_alert_destination` " +
			"resources. The API serves routing per environment, so without `environment_id` every environment is asked (one request per environment).",
		Attributes: map[string]schema.Attribute{
			"environment_id": filterAttribute("Only the alert routing of this environment."),
			"vendor_routing": schema.BoolAttribute{
				MarkdownDescription: "Only routing that sends system alerts to the vendor's on-call (`true`), or only routing that opted out (`false`).",
				Optional:            true,
			},
		},
	}
}

func (l *alertRoutingListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		l.client = d.Client
	}
}

// List asks each environment for its routing (the API has no listing of them) and filters by
// vendor routing here.
func (l *alertRoutingListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg alertRoutingListResourceModel
	if !readListConfig(ctx, req, l.client != nil, stream, &cfg) {
		return
	}
	stream.Results = listWalk(req, "List Alert Routing", environments(ctx, l.client, cfg.EnvironmentID),
		func(env api.Environment, emit func(list.ListResult) bool) (bool, error) {
			routing, err := l.client.GetAlertRouting(ctx, env.ID)
			if err != nil {
				return false, err
			}
			if !matchesBool(cfg.VendorRouting, routing.VendorRouting) {
				return true, nil
			}
			// As the resource's first Read after an import: destinations only when owned as a
			// whole. No credentials: listing needs no cluster.admin, and the secrets are not
			// configuration.
			var m alertRoutingResourceModel
			diags := m.fromAPI(ctx, routing, nil, routing.DestinationsMode == string(access.ModeAuthoritative))
			result := newListResult(ctx, req, alertRoutingDisplayName(env.Name, routing), environmentIdentity{EnvironmentID: m.EnvironmentID}, &m)
			result.Diagnostics = append(diags, result.Diagnostics...)
			return emit(result), nil
		})
}

// alertRoutingDisplayName is e.g. "alert routing of production (vendor routing off, 2 destinations)".
func alertRoutingDisplayName(env string, r *api.AlertRouting) string {
	vendor := "on"
	if !r.VendorRouting {
		vendor = "off"
	}
	dests := fmt.Sprintf("%d destinations", len(r.Destinations))
	if len(r.Destinations) == 1 {
		dests = "1 destination"
	}
	return fmt.Sprintf("alert routing of %s (vendor routing %s, %s)", env, vendor, dests)
}
