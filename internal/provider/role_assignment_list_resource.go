package provider

import (
	"context"
	"iter"

	"github.com/hashicorp/terraform-plugin-framework-validators/listresourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ list.ListResource                     = (*roleAssignmentListResource)(nil)
	_ list.ListResourceWithConfigure        = (*roleAssignmentListResource)(nil)
	_ list.ListResourceWithConfigValidators = (*roleAssignmentListResource)(nil)
)

// NewRoleAssignmentListResource returns the warden_role_assignment list resource.
func NewRoleAssignmentListResource() list.ListResource { return &roleAssignmentListResource{} }

type roleAssignmentListResource struct {
	client *client.Client
}

type roleAssignmentListResourceModel struct {
	RoleID  types.String `tfsdk:"role_id"`
	UserID  types.String `tfsdk:"user_id"`
	GroupID types.String `tfsdk:"group_id"`
}

func (l *roleAssignmentListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_role_assignment"
}

func (l *roleAssignmentListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists role assignments, for `terraform query`: all of them (built-in roles' included), or those matching " +
			"every filter given, e.g. every role a user holds directly. Each result is named `<role> assigned to user <email>` or " +
			"`<role> assigned to group <name>` and identified by `role_id` with `user_id` or `group_id`. " +
			"Assignments live under their role in the API: without `role_id`, every role's assignments are read (one request per role).",
		Attributes: map[string]schema.Attribute{
			"role_id":  filterAttribute("Only assignments of this role."),
			"user_id":  filterAttribute("Only assignments to this user (not those it holds through its groups). Conflicts with `group_id`."),
			"group_id": filterAttribute("Only assignments to this group. Conflicts with `user_id`."),
		},
	}
}

// ListResourceConfigValidators: an assignment has one principal, so both would match nothing.
func (l *roleAssignmentListResource) ListResourceConfigValidators(context.Context) []list.ConfigValidator {
	return []list.ConfigValidator{
		listresourcevalidator.Conflicting(path.MatchRoot("user_id"), path.MatchRoot("group_id")),
	}
}

func (l *roleAssignmentListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		l.client = d.Client
	}
}

// List reads the assignments role by role (the API has no listing across roles) and filters
// by principal here. Display names need the users' addresses and the groups' names: each
// is listed once, when first needed.
func (l *roleAssignmentListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg roleAssignmentListResourceModel
	if !readListConfig(ctx, req, l.client != nil, stream, &cfg) {
		return
	}
	userName := lazyNames(func() ([]api.User, error) { return l.client.ListUsers(ctx, client.ListUsersOptions{}) },
		func(u api.User) (string, string) { return u.ID, u.Email })
	groupName := lazyNames(func() ([]api.Group, error) { return l.client.ListGroups(ctx, client.ListGroupsOptions{}) },
		func(g api.Group) (string, string) { return g.ID, g.Name })
	stream.Results = listWalk(req, "List Role Assignments", l.roles(ctx, cfg.RoleID),
		func(role api.Role, emit func(list.ListResult) bool) (bool, error) {
			assignments, err := l.client.ListRoleAssignments(ctx, role.ID)
			if err != nil {
				return false, err
			}
			for _, a := range assignments {
				if !matches(cfg.UserID, a.UserID) || !matches(cfg.GroupID, a.GroupID) {
					continue
				}
				var m roleAssignmentResourceModel
				m.fromAPI(&a, types.StringNull())
				display := role.Name + " assigned to user " + userName(a.UserID)
				if a.GroupID != "" {
					display = role.Name + " assigned to group " + groupName(a.GroupID)
				}
				if !emit(newListResult(ctx, req, display, roleAssignmentIdentity{RoleID: m.RoleID, UserID: m.UserID, GroupID: m.GroupID}, &m)) {
					return false, nil
				}
			}
			return true, nil
		})
}

// roles yields the role named by the role_id filter, or every role.
func (l *roleAssignmentListResource) roles(ctx context.Context, roleID types.String) iter.Seq2[api.Role, error] {
	if roleID.IsNull() {
		return l.client.ListRolesSeq(ctx, client.ListRolesOptions{})
	}
	return func(yield func(api.Role, error) bool) {
		role, err := l.client.GetRole(ctx, roleID.ValueString())
		if err != nil {
			yield(api.Role{}, err)
			return
		}
		yield(*role, nil)
	}
}
