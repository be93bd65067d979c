package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ list.ListResource                   = (*roleListResource)(nil)
	_ list.ListResourceWithConfigure      = (*roleListResource)(nil)
	_ list.ListResourceWithValidateConfig = (*roleListResource)(nil)
)

// NewRoleListResource returns the warden_role list resource.
func NewRoleListResource() list.ListResource { return &roleListResource{matrixValidation: true} }

type roleListResource struct {
	client *client.Client
	// matrixValidation mirrors the provider's matrix_validation; strict until configured.
	matrixValidation bool
}

type roleListResourceModel struct {
	Name           types.String `tfsdk:"name"`
	NamePrefix     types.String `tfsdk:"name_prefix"`
	Permission     types.String `tfsdk:"permission"`
	IncludeBuiltin types.Bool   `tfsdk:"include_builtin"`
}

func (l *roleListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_role"
}

func (l *roleListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists roles, for `terraform query`: the custom roles, or those matching every filter given. " +
			"Each result is named after the role and identified by its `id`.",
		Attributes: map[string]schema.Attribute{
			"name":        filterAttribute("Only the role with exactly this name."),
			"name_prefix": filterAttribute("Only roles whose name starts with this, e.g. `team-`."),
			"permission": schema.StringAttribute{
				MarkdownDescription: "Only roles holding this platform permission, by its catalogue name, e.g. `users.admin`. " +
					"Checked like `warden_role.permissions`: an environment action or a built-in role's name fails, and so does an unknown name " +
					"(a warning with the provider's `matrix_validation = false`).",
				Optional: true,
			},
			"include_builtin": schema.BoolAttribute{
				MarkdownDescription: "Also list the built-in roles " + mdList(access.OrgRoleNames()) + ". Default `false`: they cannot be " +
					"managed or imported (read them with the `warden_role` data source), so configuration generated from them fails to plan.",
				Optional: true,
			},
		},
	}
}

func (l *roleListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		l.client = d.Client
		l.matrixValidation = d.MatrixValidation
	}
}

// ValidateListResourceConfig checks the permission filter with internal/access, as
// warden_role checks its permissions; warnings about a whole set (redundant names) do not
// apply to one name.
func (l *roleListResource) ValidateListResourceConfig(ctx context.Context, req list.ValidateConfigRequest, resp *list.ValidateConfigResponse) {
	var cfg roleListResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	p, ok := knownFilter(cfg.Permission)
	if resp.Diagnostics.HasError() || !ok {
		return
	}
	addFilterFindings(&resp.Diagnostics, access.Errors(access.ValidatePlatformPermissions([]string{p})), "permission", l.client != nil, l.matrixValidation)
}

// List filters by prefix, permission and built-in here: the API filters roles by exact name only.
func (l *roleListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg roleListResourceModel
	if !readListConfig(ctx, req, l.client != nil, stream, &cfg) {
		return
	}
	stream.Results = listWalk(req, "List Roles", l.client.ListRolesSeq(ctx, client.ListRolesOptions{Name: cfg.Name.ValueString()}),
		func(role api.Role, emit func(list.ListResult) bool) (bool, error) {
			if (role.Builtin && !cfg.IncludeBuiltin.ValueBool()) || !matches(cfg.Name, role.Name) ||
				!matchesPrefix(cfg.NamePrefix, role.Name) || !matchesElement(cfg.Permission, role.Permissions) {
				return true, nil
			}
			var m roleResourceModel
			m.fromAPI(&role)
			return emit(newListResult(ctx, req, role.Name, idIdentity{ID: m.ID}, &m)), nil
		})
}
