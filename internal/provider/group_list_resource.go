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
	_ list.ListResource              = (*groupListResource)(nil)
	_ list.ListResourceWithConfigure = (*groupListResource)(nil)
)

// NewGroupListResource returns the warden_group list resource.
func NewGroupListResource() list.ListResource { return &groupListResource{} }

type groupListResource struct {
	client *client.Client
}

type groupListResourceModel struct {
	Name       types.String `tfsdk:"name"`
	NamePrefix types.String `tfsdk:"name_prefix"`
	MemberID   types.String `tfsdk:"member_id"`
}

func (l *groupListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_group"
}

func (l *groupListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists groups, for `terraform query`: all of them, or those matching every filter given. " +
			"Each result is named after the group and identified by its `id`. A group's `members` are in the result " +
			"(and in generated configuration) only when they are managed as a whole, as an imported group's would be: " +
			"members added one at a time with `warden_group_member` stay with those resources.",
		Attributes: map[string]schema.Attribute{
			"name":        filterAttribute("Only the group with exactly this name."),
			"name_prefix": filterAttribute("Only groups whose name starts with this, e.g. `team-`."),
			"member_id":   filterAttribute("Only groups that this user (by id) is a member of."),
		},
	}
}

func (l *groupListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		l.client = d.Client
	}
}

// List filters by prefix and member here: the API filters groups by exact name only.
func (l *groupListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg groupListResourceModel
	if !readListConfig(ctx, req, l.client != nil, stream, &cfg) {
		return
	}
	stream.Results = listWalk(req, "List Groups", l.client.ListGroupsSeq(ctx, client.ListGroupsOptions{Name: cfg.Name.ValueString()}),
		func(g api.Group, emit func(list.ListResult) bool) (bool, error) {
			if !matches(cfg.Name, g.Name) || !matchesPrefix(cfg.NamePrefix, g.Name) || !matchesElement(cfg.MemberID, g.Members) {
				return true, nil
			}
			// As the resource's first Read after an import: members only when owned as a whole.
			var m groupResourceModel
			m.fromAPI(&g, g.MembersMode == string(access.ModeAuthoritative), nil)
			return emit(newListResult(ctx, req, g.Name, idIdentity{ID: m.ID}, &m)), nil
		})
}
