package provider

import (
	"context"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ list.ListResource                   = (*environmentGrantListResource)(nil)
	_ list.ListResourceWithConfigure      = (*environmentGrantListResource)(nil)
	_ list.ListResourceWithValidateConfig = (*environmentGrantListResource)(nil)
)

// NewEnvironmentGrantListResource returns the warden_environment_grant list resource.
func NewEnvironmentGrantListResource() list.ListResource {
	return &environmentGrantListResource{matrixValidation: true}
}

type environmentGrantListResource struct {
	client *client.Client
	// matrixValidation mirrors the provider's matrix_validation; strict until configured.
	matrixValidation bool
}

type environmentGrantListResourceModel struct {
	EnvironmentID types.String `tfsdk:"environment_id"`
	RoleID        types.String `tfsdk:"role_id"`
	Permission    types.String `tfsdk:"permission"`
	Action        types.String `tfsdk:"action"`
}

func (l *environmentGrantListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_environment_grant"
}

func (l *environmentGrantListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists environment grants, for `terraform query`: all of them, or those matching every filter given, " +
			"e.g. which roles may deploy in one environment. Each result is named `role <role> in environment <environment>` and " +
			"identified by `role_id` and `environment_id`. `require_actions` exists only in configuration: results leave it null. " +
			"Grants live under their environment in the API: without `environment_id`, every environment's grants are read (one request per environment).",
		Attributes: map[string]schema.Attribute{
			"environment_id": filterAttribute("Only grants in this environment."),
			"role_id":        filterAttribute("Only grants to this role."),
			"permission": schema.StringAttribute{
				MarkdownDescription: "Only grants holding this environment permission, one of " + mdList(access.PermissionNames()) + ".",
				Optional:            true,
			},
			"action": schema.StringAttribute{
				MarkdownDescription: "Only grants whose permissions allow this action of the permissions matrix, e.g. `apps.deploy` " +
					"(whatever permission allows it, `environment_admin` included).",
				Optional: true,
			},
		},
	}
}

func (l *environmentGrantListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		l.client = d.Client
		l.matrixValidation = d.MatrixValidation
	}
}

// ValidateListResourceConfig checks the permission and action filters with internal/access,
// with the words warden_environment_grant uses for its permissions and require_actions.
func (l *environmentGrantListResource) ValidateListResourceConfig(ctx context.Context, req list.ValidateConfigRequest, resp *list.ValidateConfigResponse) {
	var cfg environmentGrantListResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if p, ok := knownFilter(cfg.Permission); ok {
		addFilterFindings(&resp.Diagnostics, access.Errors(access.ValidateGrant([]string{p}, nil)), "permission", l.client != nil, l.matrixValidation)
	}
	if a, ok := knownFilter(cfg.Action); ok {
		// Validated as a required action of no permissions: only whether it exists matters here.
		fs := slices.DeleteFunc(access.ValidateGrant(nil, []string{a}), func(f access.Finding) bool { return !f.IsUnknownName() })
		addFilterFindings(&resp.Diagnostics, fs, "action", l.client != nil, l.matrixValidation)
	}
}

// List reads the grants environment by environment (the API has no listing across
// environments) and filters by role, permission and action here.
func (l *environmentGrantListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg environmentGrantListResourceModel
	if !readListConfig(ctx, req, l.client != nil, stream, &cfg) {
		return
	}
	roleName := lazyNames(func() ([]api.Role, error) { return l.client.ListRoles(ctx, client.ListRolesOptions{}) },
		func(r api.Role) (string, string) { return r.ID, r.Name })
	stream.Results = listWalk(req, "List Environment Grants", environments(ctx, l.client, cfg.EnvironmentID),
		func(env api.Environment, emit func(list.ListResult) bool) (bool, error) {
			grants, err := l.client.ListGrants(ctx, env.ID)
			if err != nil {
				return false, err
			}
			for _, g := range grants {
				if !matches(cfg.RoleID, g.RoleID) || !matchesElement(cfg.Permission, g.Permissions) || !matchesElement(cfg.Action, g.AllowedActions) {
					continue
				}
				// require_actions is configuration only: null, as after an import.
				m := environmentGrantResourceModel{RequireActions: types.SetNull(typesString)}
				m.fromAPI(&g)
				display := "role " + roleName(g.RoleID) + " in environment " + env.Name
				if !emit(newListResult(ctx, req, display, grantIdentity{RoleID: m.RoleID, EnvironmentID: m.EnvironmentID}, &m)) {
					return false, nil
				}
			}
			return true, nil
		})
}
