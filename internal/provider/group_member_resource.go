package provider

import (
	"context"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ resource.Resource                = (*groupMemberResource)(nil)
	_ resource.ResourceWithConfigure   = (*groupMemberResource)(nil)
	_ resource.ResourceWithImportState = (*groupMemberResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*groupMemberResource)(nil)
	_ resource.ResourceWithIdentity    = (*groupMemberResource)(nil)
)

// NewGroupMemberResource returns the warden_group_member resource.
func NewGroupMemberResource() resource.Resource { return &groupMemberResource{} }

// groupMemberResource is one user in one group, added without claiming the group's other
// members: several modules can each add their own.
type groupMemberResource struct {
	// access previews the access this resource's plans change (access_preview.go).
	access *accessGuard
	client *client.Client
	// plan knows the users this plan creates, for their kinds and e-mail addresses.
	plan *planNotes
}

type groupMemberResourceModel struct {
	ID          types.String `tfsdk:"id"`
	GroupID     types.String `tfsdk:"group_id"`
	UserID      types.String `tfsdk:"user_id"`
	UserEmail   types.String `tfsdk:"user_email"`
	Acknowledge types.Set    `tfsdk:"acknowledge_new_access"`
}

// fromAPI is the only mapping site: a membership is its two ids, and the user's e-mail
// (null when unknown).
func (m *groupMemberResourceModel) fromAPI(groupID, userID string, email types.String) {
	m.ID = types.StringValue(groupID + "/" + userID)
	m.GroupID = types.StringValue(groupID)
	m.UserID = types.StringValue(userID)
	m.UserEmail = email
	m.Acknowledge = configOnly(m.Acknowledge)
}

func (m *groupMemberResourceModel) identity() groupMemberIdentity {
	return groupMemberIdentity{GroupID: m.GroupID, UserID: m.UserID}
}

func (r *groupMemberResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_group_member"
}

func (r *groupMemberResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "One user in one group, added without managing the group's other members (additive), so that " +
			"several modules can each add their own. Destroying it removes only this member. A group's members are managed " +
			"either with `warden_group.members` (authoritative) or with `warden_group_member` resources, not both: the plan " +
			"fails when the group's `members` are set. Needs `groups.admin` and every permission of the roles the group holds.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<group_id>/<user_id>`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"group_id": schema.StringAttribute{
				MarkdownDescription: "The group (e.g. `warden_group.sre.id`). Changing it replaces the membership.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"user_id": schema.StringAttribute{
				MarkdownDescription: "The user (e.g. `warden_user.alice.id`); not a vendor user. Changing it replaces the membership. " +
					"When the id is known at plan time, the plan fails for a vendor user or an id no user has; a `warden_user` of the " +
					"same configuration plans its new user's id, so a vendor user created alongside fails the plan as well.",
				Required:      true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"acknowledge_new_access": acknowledgeAttribute(),
			"user_email": schema.StringAttribute{
				MarkdownDescription: "The user's e-mail address, so that a plan adding or removing the membership shows who. Known at plan time " +
					"when `user_id` is; null when the provider's token may not read users (`users.read`).",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *groupMemberResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = groupMemberIdentitySchema()
}

// ModifyPlan checks a new membership against what the API would refuse: a group whose
// members warden_group owns as a whole (its next apply would remove the member again), a
// user that does not exist, and a vendor user. It shows the user's e-mail address.
func (r *groupMemberResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if prior, next := planModels[groupMemberResourceModel](ctx, req, &resp.Diagnostics); !resp.Diagnostics.HasError() {
		r.access.review(ctx, r.plannedAccess(ctx, prior, next), &resp.Diagnostics)
	}
	if req.Plan.Raw.IsNull() || !req.State.Raw.IsNull() || r.client == nil || resp.Diagnostics.HasError() {
		return
	}
	var plan groupMemberResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.GroupID.IsUnknown() {
		// A group the plan cannot read yet is for the apply to report.
		if g, err := r.client.GetGroup(ctx, plan.GroupID.ValueString()); err == nil {
			if d := access.CanWriteMembers(g.Name, access.ListMode(g.MembersMode), access.ModeAdditive, len(g.Members)); d != nil {
				resp.Diagnostics.AddAttributeError(path.Root("group_id"), "Members Managed Two Ways", d.Message)
			}
		}
	}
	plan.UserEmail = plannedUserEmail(ctx, r.client, r.plan, plan.UserID, &resp.Diagnostics, func(users userReads) {
		users.addVendorMembers(&resp.Diagnostics, []string{plan.UserID.ValueString()},
			func(string) path.Path { return path.Root("user_id") }, "Remove this warden_group_member.")
	})
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// plannedAccess is the access this membership's plan changes: group_member_add when it is
// created, group_member_remove when it goes (both when it is replaced).
func (r *groupMemberResource) plannedAccess(ctx context.Context, prior, next *groupMemberResourceModel) plannedAccess {
	change := func(kind access.ChangeKind, m *groupMemberResourceModel) api.AccessChange {
		return api.AccessChange{Kind: string(kind), GroupID: m.GroupID.ValueString(), UserID: m.UserID.ValueString()}
	}
	if next == nil {
		return plannedAccess{at: path.Empty(), changes: []api.AccessChange{change(access.ChangeMemberRemove, prior)}}
	}
	pa := plannedAccess{at: path.Root("user_id"), ack: ackOf(ctx, next.Acknowledge)}
	if prior != nil && prior.GroupID.Equal(next.GroupID) && prior.UserID.Equal(next.UserID) {
		return pa
	}
	switch {
	case next.GroupID.IsUnknown():
		// A new group holds no role yet: what its roles give is judged on their assignments.
		pa.pending = "its group is created (or replaced) in this plan"
		return pa
	case next.UserID.IsUnknown():
		pa.pending = "its user is created in this plan"
	}
	pa.could = func(ctx context.Context) (couldGive, error) {
		return r.access.groupCould(ctx, next.GroupID.ValueString())
	}
	if pa.pending == "" {
		if prior != nil {
			pa.changes = append(pa.changes, change(access.ChangeMemberRemove, prior))
		}
		pa.changes = append(pa.changes, change(access.ChangeMemberAdd, next))
	}
	return pa
}

func (r *groupMemberResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		r.client = d.Client
		r.access = d.Access
		r.plan = d.Plan
	}
}

func (r *groupMemberResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.access.applied()
	var plan groupMemberResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if _, err := r.client.AddGroupMember(ctx, plan.GroupID.ValueString(), plan.UserID.ValueString()); err != nil {
		addAPIError(&resp.Diagnostics, "Create Group Member", err)
		return
	}
	email := plan.UserEmail // Terraform requires the value the plan knew
	if email.IsUnknown() {
		email = userEmail(ctx, r.client, plan.UserID.ValueString())
	}
	plan.fromAPI(plan.GroupID.ValueString(), plan.UserID.ValueString(), email)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

func (r *groupMemberResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state groupMemberResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
	g, err := r.client.GetGroup(ctx, state.GroupID.ValueString())
	if !readFound(ctx, err, resp, "Read Group Member") {
		return
	}
	// Removed outside Terraform: gone from the state, so the plan adds it again.
	if !slices.Contains(g.Members, state.UserID.ValueString()) {
		resp.State.RemoveResource(ctx)
		return
	}
	state.fromAPI(g.ID, state.UserID.ValueString(), userEmail(ctx, r.client, state.UserID.ValueString()))
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update is never called: both attributes require replacement.
func (r *groupMemberResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.access.applied()
	keepPlan(ctx, req, resp, func(m *groupMemberResourceModel) any { return m.identity() })
}

func (r *groupMemberResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.access.applied()
	deleteState(ctx, req, resp, "Delete Group Member", func(ctx context.Context, state *groupMemberResourceModel) error {
		return r.client.RemoveGroupMember(ctx, state.GroupID.ValueString(), state.UserID.ValueString())
	})
}

// ImportState takes "<group_id>/<user_id>", or an identity naming the group and the user.
func (r *groupMemberResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	const summary = "Unable to Import Group Member"
	var m groupMemberResourceModel
	if req.ID == "" {
		var ident groupMemberIdentity
		if !importIdentity(ctx, req, &ident, summary, &resp.Diagnostics) {
			return
		}
		if err := requireIdentity(identityAttr{"group_id", ident.GroupID}, identityAttr{"user_id", ident.UserID}); err != nil {
			resp.Diagnostics.AddError(summary, err.Error())
			return
		}
		m.fromAPI(ident.GroupID.ValueString(), ident.UserID.ValueString(), types.StringNull())
	} else {
		parts, err := splitImportID(req.ID, "<group_id>/<user_id>")
		if err != nil {
			resp.Diagnostics.AddError(summary, err.Error())
			return
		}
		m.fromAPI(parts[0], parts[1], types.StringNull())
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, m.identity())...)
}
