package provider

import (
	"context"

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
	_ list.ListResource              = (*environmentListResource)(nil)
	_ list.ListResourceWithConfigure = (*environmentListResource)(nil)
)

// NewEnvironmentListResource returns the warden_environment list resource.
func NewEnvironmentListResource() list.ListResource { return &environmentListResource{} }

type environmentListResource struct {
	client *client.Client
}

type environmentListResourceModel struct {
	Name       types.String `tfsdk:"name"`
	NamePrefix types.String `tfsdk:"name_prefix"`
	Cloud      types.String `tfsdk:"cloud"`
}

func (l *environmentListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_environment"
}

func (l *environmentListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists environments, for `terraform query`: all of them, or those matching every filter given. " +
			"Each result is named `<name> (<cloud>)` and identified by the environment's `id`.",
		Attributes: map[string]schema.Attribute{
			"name":        filterAttribute("Only the environment with exactly this name."),
			"name_prefix": filterAttribute("Only environments whose name starts with this, e.g. `prod-`."),
			"cloud": schema.StringAttribute{
				MarkdownDescription: "Only environments on this cloud: " + mdList(access.CloudNames()) + ".",
				Optional:            true,
				Validators:          []validator.String{oneOf(access.CloudNames()...)},
			},
		},
	}
}

func (l *environmentListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		l.client = d.Client
	}
}

// List filters by cloud and name prefix here: the API filters environments by exact name only.
func (l *environmentListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg environmentListResourceModel
	if !readListConfig(ctx, req, l.client != nil, stream, &cfg) {
		return
	}
	stream.Results = listWalk(req, "List Environments", l.client.ListEnvironmentsSeq(ctx, client.ListEnvironmentsOptions{Name: cfg.Name.ValueString()}),
		func(env api.Environment, emit func(list.ListResult) bool) (bool, error) {
			if !matches(cfg.Name, env.Name) || !matches(cfg.Cloud, env.Cloud) || !matchesPrefix(cfg.NamePrefix, env.Name) {
				return true, nil
			}
			var m environmentResourceModel
			m.fromAPI(&env)
			return emit(newListResult(ctx, req, env.Name+" ("+env.Cloud+")", idIdentity{ID: m.ID}, &m)), nil
		})
}
