package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ list.ListResource              = (*supportAccessListResource)(nil)
	_ list.ListResourceWithConfigure = (*supportAccessListResource)(nil)
)

// NewSupportAccessListResource returns the warden_support_access list resource.
func NewSupportAccessListResource() list.ListResource { return &supportAccessListResource{} }

type supportAccessListResource struct {
	client *client.Client
}

type supportAccessListResourceModel struct {
	EnvironmentID types.String `tfsdk:"environment_id"`
	Tier          types.String `tfsdk:"tier"`
	Status        types.String `tfsdk:"status"`
}

func (l *supportAccessListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_support_access"
}

func (l *supportAccessListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the vendor's support access, for `terraform query`: every environment's, or those matching every filter " +
			"given, e.g. every expired one. Each result is named `support access to <environment> (tier <tier>)`, or " +
			"`support access to <environment> (tier <tier>, expired)` once `expires_at` has passed, and identified by its `environment_id`. An environment has at most one; the API serves it per " +
			"environment, so without `environment_id` every environment is asked (one request per environment).",
		Attributes: map[string]schema.Attribute{
			"environment_id": filterAttribute("Only the support access to this environment."),
			"tier": schema.StringAttribute{
				MarkdownDescription: "Only support access of this tier: " + mdList(access.TierNames()) + ".",
				Optional:            true,
				Validators:          []validator.String{oneOf(access.TierNames()...)},
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "Only support access in this status: `" + supportStatusActive + "`, or `" + supportStatusExpired + "` once `expires_at` has passed.",
				Optional:            true,
				Validators:          []validator.String{oneOf(supportStatusActive, supportStatusExpired)},
			},
		},
	}
}

func (l *supportAccessListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		l.client = d.Client
	}
}

// List asks each environment for its support access (the API has no listing of them) and
// filters by tier and status here.
func (l *supportAccessListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg supportAccessListResourceModel
	if !readListConfig(ctx, req, l.client != nil, stream, &cfg) {
		return
	}
	stream.Results = listWalk(req, "List Support Access", environments(ctx, l.client, cfg.EnvironmentID),
		func(env api.Environment, emit func(list.ListResult) bool) (bool, error) {
			a, err := l.client.GetSupportAccess(ctx, env.ID)
			if errors.Is(err, client.ErrNotFound) {
				return true, nil
			}
			if err != nil {
				return false, err
			}
			if !matches(cfg.Tier, a.Tier) || !matches(cfg.Status, a.Status) {
				return true, nil
			}
			var m supportAccessResourceModel
			m.fromAPI(a)
			return emit(newListResult(ctx, req, supportAccessDisplayName(env.Name, a), environmentIdentity{EnvironmentID: m.EnvironmentID}, &m)), nil
		})
}

// supportAccessDisplayName names a result: "support access to production (tier operator)",
// with ", expired" once expires_at has passed. The tier goes in brackets: in front, the
// support tier would read "support support access".
func supportAccessDisplayName(envName string, a *api.SupportAccess) string {
	status := ""
	if a.Status == supportStatusExpired {
		status = ", expired"
	}
	return "support access to " + envName + " (tier " + a.Tier + status + ")"
}
