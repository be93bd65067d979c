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
	_ datasource.DataSource              = (*usersDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*usersDataSource)(nil)
)

// NewUsersDataSource returns the warden_users data source.
func NewUsersDataSource() datasource.DataSource { return &usersDataSource{} }

type usersDataSource struct {
	client *client.Client
}

type usersDataSourceModel struct {
	Kind  types.String          `tfsdk:"kind"`
	Email types.String          `tfsdk:"email"`
	Users []userDataSourceModel `tfsdk:"users"`
}

func (d *usersDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_users"
}

func (d *usersDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists users, optionally only those of one `kind` or with one `email`; e.g. every vendor engineer, " +
			"to review who may file access requests.",
		Attributes: map[string]schema.Attribute{
			"kind": schema.StringAttribute{
				MarkdownDescription: "Only users of this kind: " + mdList(access.UserKindNames()) + ".",
				Optional:            true,
				Validators:          []validator.String{oneOf(access.UserKindNames()...)},
			},
			"email": schema.StringAttribute{
				MarkdownDescription: "Only the user with this e-mail address, compared case-insensitively (as the API keeps e-mails unique).",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"users": schema.ListNestedAttribute{
				MarkdownDescription: "The matching users, in the API's order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":    schema.StringAttribute{MarkdownDescription: "The user's id.", Computed: true},
						"email": schema.StringAttribute{MarkdownDescription: "The user's e-mail address.", Computed: true},
						"name":  schema.StringAttribute{MarkdownDescription: "Display name.", Computed: true},
						"kind":  schema.StringAttribute{MarkdownDescription: "One of " + mdList(access.UserKindNames()) + ".", Computed: true},
					},
				},
			},
		},
	}
}

func (d *usersDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if pd := dataSourceData(req, resp); pd != nil {
		d.client = pd.Client
	}
}

// Read filters by kind here: the API filters users by e-mail address only. The e-mail
// address is compared again because the API's filter need not be exact.
func (d *usersDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readFetched(ctx, req, resp, "List Users",
		func(ctx context.Context, cfg *usersDataSourceModel) ([]api.User, error) {
			return d.client.ListUsers(ctx, client.ListUsersOptions{Email: cfg.Email.ValueString()})
		},
		func(cfg *usersDataSourceModel, users []api.User) {
			cfg.Users = collect(users, func(u *api.User) bool {
				return matches(cfg.Kind, u.Kind) && (cfg.Email.IsNull() || access.EmailKey(u.Email) == access.EmailKey(cfg.Email.ValueString()))
			}, func(u *api.User) (m userDataSourceModel) { m.fromAPI(u); return m })
		})
}
