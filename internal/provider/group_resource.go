package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ resource.Resource                = (*groupResource)(nil)
	_ resource.ResourceWithConfigure   = (*groupResource)(nil)
	_ resource.ResourceWithImportState = (*groupResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*groupResource)(nil)
	_ resource.ResourceWithIdentity    = (*groupResource)(nil)
)

// privateImportKey marks a state that ImportState has just made, whose first Read decides
// whether members belong in it (no configuration is at hand then).
const privateImportKey = "imported"

// NewGroupResource returns the warden_group resource.
func NewGroupResource() resource.Resource { return &groupResource{} }

type groupResource struct {
	// access previews the access this resource's plans change (access_preview.go).
	access *accessGuard
	// typeName is this resource's type, e.g. warden_role, for the import blocks errors suggest.
	typeName string
	client   *client.Client
	// plan knows the users this plan creates, for their kinds and e-mail addresses.
	plan *planNotes
}

// groupFields are the group's attributes as the API holds them, shared with the data sources.
type groupFields struct {
	ID           types.String `tfsdk:"id"`
	Name         types.String `tfsdk:"name"`
	Description  types.String `tfsdk:"description"`
	Members      types.Set    `tfsdk:"members"`
	MemberEmails types.List   `tfsdk:"member_emails"`
}

// groupResourceModel is the resource's: the API's attributes and what only the configuration holds.
type groupResourceModel struct {
	groupFields
	Acknowledge types.Set `tfsdk:"acknowledge_new_access"`
}

// fromAPI maps a group to the model. Members are only taken when this resource manages them
// (members set, or wanted): a null members attribute means someone else does, and reading
// them in would show their changes as this resource's drift. users are the members' users,
// for member_emails; nil, or incomplete, leaves member_emails null.
func (m *groupFields) fromAPI(g *api.Group, withMembers bool, users *userReads) {
	m.ID = types.StringValue(g.ID)
	m.Name = types.StringValue(g.Name)
	m.Description = types.StringValue(g.Description)
	m.Members = types.SetNull(types.StringType)
	m.MemberEmails = types.ListNull(types.StringType)
	if withMembers {
		m.Members = stringSet(g.Members)
		if users != nil && users.complete() {
			m.MemberEmails = stringList(users.emails(g.Members))
		}
	}
}

// fromAPI keeps acknowledge_new_access as configured (null when made from the API alone).
func (m *groupResourceModel) fromAPI(g *api.Group, withMembers bool, users *userReads) {
	m.groupFields.fromAPI(g, withMembers, users)
	m.Acknowledge = configOnly(m.Acknowledge)
}

// toAPI maps the plan to a create body. Members is nil when the configuration leaves them
// out, so that the group is not claimed; a set (even empty) is sent whole: authoritative.
func (m *groupResourceModel) toAPI(ctx context.Context, diags *diag.Diagnostics) api.GroupCreate {
	body := api.GroupCreate{Name: m.Name.ValueString(), Description: m.Description.ValueString()}
	if !m.Members.IsNull() {
		members := completeSet(ctx, m.Members, diags)
		body.Members = &members
	}
	return body
}

func (m *groupResourceModel) identity() idIdentity { return idIdentity{ID: m.ID} }

func (r *groupResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_group"
}

func (r *groupResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A group of users. A role assigned to the group (`warden_role_assignment` with `group_id`) is held " +
			"by every member. Managing groups needs the `groups.admin` platform permission; changing the members of a group " +
			"that holds roles also needs every permission of those roles.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The group's id, chosen by the API.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Unique name. Renaming updates in place.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 128), nameRule()},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "Free text. Default `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				Validators:          []validator.String{stringvalidator.LengthAtMost(1024), textRule()},
			},
			"members": schema.SetAttribute{
				MarkdownDescription: "The complete set of member user ids (e.g. `warden_user.alice.id`). When set (even to `[]`) it is " +
					"authoritative: a member added outside Terraform is removed by the next apply. When left out, this resource does " +
					"not manage members: they stay as they are (an imported group keeps its members), and `warden_group_member` " +
					"resources may add them one at a time. Use one or the other for a group, not both: the plan fails when the group " +
					"already has members from `warden_group_member`. A vendor user among them, existing or created by a `warden_user` of the same " +
					"configuration, fails the plan: vendor users join no groups.",
				ElementType: typesString,
				Optional:    true,
				Validators:  []validator.Set{setvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
			},
			"acknowledge_new_access": acknowledgeAttribute(),
			"member_emails": schema.ListAttribute{
				MarkdownDescription: "The e-mail addresses of the users in `members`, sorted: what a plan shows, so that a reviewer reads who joins " +
					"or leaves rather than user ids. Known at plan time when every member id is. Null when `members` is not set, or when the " +
					"provider's token may not read users (`users.read`).",
				ElementType: typesString,
				Computed:    true,
			},
		},
	}
}

func (r *groupResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("group")
}

// ModifyPlan fails a plan that would make members authoritative on a group that already has
// members added by warden_group_member: applying it would remove them, so the API refuses it,
// and the plan is the place to say so. Only the switch from unmanaged to managed needs the
// API; a group this resource already owns cannot have gained additive members. It also shows
// the members' e-mail addresses and fails members that the API would refuse (see
// planMemberEmails).
func (r *groupResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if prior, next := planModels[groupResourceModel](ctx, req, &resp.Diagnostics); !resp.Diagnostics.HasError() {
		r.access.review(ctx, r.plannedAccess(ctx, prior, next), &resp.Diagnostics)
	}
	if req.Plan.Raw.IsNull() || resp.Diagnostics.HasError() {
		return
	}
	var plan, state groupResourceModel
	var prior *groupResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		prior = &state
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if prior != nil && r.client != nil && !plan.Members.IsNull() && prior.Members.IsNull() {
		// An error reading the group is Read's to report; the apply will meet the same.
		if g, err := r.client.GetGroup(ctx, prior.ID.ValueString()); err == nil {
			if d := access.CanWriteMembers(g.Name, access.ListMode(g.MembersMode), access.ModeAuthoritative, len(g.Members)); d != nil {
				resp.Diagnostics.AddAttributeError(path.Root("members"), "Members Managed Two Ways", d.Message)
			}
		}
	}
	r.planMemberEmails(ctx, &plan, prior, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// planMemberEmails sets the planned member_emails, reading the members' users when every id
// is known and the members change (a user this plan creates is known from the plan's notes):
// each id no user has, and each vendor user, fails the plan on its element of members (the API
// would refuse them on apply). Members whose ids are known only after apply leave
// member_emails unknown.
func (r *groupResource) planMemberEmails(ctx context.Context, plan, prior *groupResourceModel, diags *diag.Diagnostics) {
	ids, known := setStrings(ctx, plan.Members, diags)
	switch {
	case plan.Members.IsNull():
		plan.MemberEmails = types.ListNull(typesString)
		return
	case !known || r.client == nil:
		plan.MemberEmails = types.ListUnknown(typesString)
		return
	case prior != nil && plan.Members.Equal(prior.Members) && !prior.MemberEmails.IsNull():
		plan.MemberEmails = prior.MemberEmails
		return
	}
	reads := readUsers(ctx, r.client, r.plan, ids)
	at := func(id string) path.Path { return path.Root("members").AtSetValue(types.StringValue(id)) }
	reads.addMissingUsers(diags, at)
	reads.addVendorMembers(diags, ids, at, "Remove it from members.")
	switch {
	case reads.complete():
		plan.MemberEmails = stringList(reads.emails(ids))
	case isForbidden(reads.err):
		plan.MemberEmails = types.ListNull(typesString) // as the apply will store
	default:
		plan.MemberEmails = types.ListUnknown(typesString)
	}
}

// readMembers reads the users of a group whose members this resource manages, for
// member_emails; nil when it does not manage them.
func (r *groupResource) readMembers(ctx context.Context, g *api.Group, withMembers bool) *userReads {
	if !withMembers {
		return nil
	}
	reads := readUsers(ctx, r.client, nil, g.Members)
	return &reads
}

// applied maps the group an apply wrote into plan, keeping member_emails when the plan knew
// it: the members are the planned ones, and Terraform requires the planned value.
func (r *groupResource) applied(ctx context.Context, plan *groupResourceModel, g *api.Group, withMembers bool) {
	planned := plan.MemberEmails
	if !planned.IsUnknown() {
		plan.fromAPI(g, withMembers, nil)
		plan.MemberEmails = planned
		return
	}
	plan.fromAPI(g, withMembers, r.readMembers(ctx, g, withMembers))
}

// plannedAccess is the access this group's plan changes: its members' when members (set,
// authoritative) change (group_members_set); every member's access through it when it goes
// (as if its members were none). A new group holds no role yet.
func (r *groupResource) plannedAccess(ctx context.Context, prior, next *groupResourceModel) plannedAccess {
	if prior == nil {
		return plannedAccess{}
	}
	none := []string{}
	if next == nil {
		return plannedAccess{at: path.Empty(), changes: []api.AccessChange{{Kind: string(access.ChangeMembersSet), GroupID: prior.ID.ValueString(), Members: &none}}}
	}
	pa := plannedAccess{at: path.Root("members"), ack: ackOf(ctx, next.Acknowledge)}
	if next.Members.IsNull() || next.Members.Equal(prior.Members) {
		return pa
	}
	pa.could = func(ctx context.Context) (couldGive, error) { return r.access.groupCould(ctx, prior.ID.ValueString()) }
	var diags diag.Diagnostics
	members, ok := setStrings(ctx, next.Members, &diags)
	if !ok {
		pa.pending = "its members are known only after apply"
		return pa
	}
	members = append(none, members...)
	pa.changes = []api.AccessChange{{Kind: string(access.ChangeMembersSet), GroupID: prior.ID.ValueString(), Members: &members}}
	return pa
}

func (r *groupResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		r.client = d.Client
		r.access = d.Access
		r.typeName = d.TypeName + "_group"
		r.plan = d.Plan
	}
}

func (r *groupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.access.applied()
	plan, body, ok := planned[groupResourceModel, api.GroupCreate](ctx, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	g, err := r.client.CreateGroup(ctx, body)
	if err != nil {
		addCreateError(ctx, &resp.Diagnostics, "Create Group", err, adoption{typeName: r.typeName, noun: "group", field: "name", value: plan.Name.ValueString(),
			lookup: func(ctx context.Context) (string, error) {
				g, err := r.client.FindGroupByName(ctx, plan.Name.ValueString())
				if err != nil {
					return "", err
				}
				return g.ID, nil
			}})
		return
	}
	r.applied(ctx, &plan, g, !plan.Members.IsNull())
	saveVersion(ctx, resp.Private, g.Version, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

func (r *groupResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state groupResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
	g, err := r.client.GetGroup(ctx, state.ID.ValueString())
	if !readFound(ctx, err, resp, "Read Group") {
		return
	}
	// Just imported, members belong in the state when the group's members are owned as a
	// whole (a configuration importing such a group lists them); otherwise they are
	// someone else's and stay out, as in every later Read of a state without them.
	imported, diags := req.Private.GetKey(ctx, privateImportKey)
	resp.Diagnostics.Append(diags...)
	withMembers := !state.Members.IsNull() || (len(imported) > 0 && g.MembersMode == string(access.ModeAuthoritative))
	if len(imported) > 0 {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImportKey, nil)...)
	}
	state.fromAPI(g, withMembers, r.readMembers(ctx, g, withMembers))
	saveVersion(ctx, resp.Private, g.Version, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *groupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.access.applied()
	var plan, state groupResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	body := plan.toAPI(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	g, err := r.client.UpdateGroup(ctx, plan.ID.ValueString(), api.GroupUpdate{
		Name:        &body.Name,
		Description: &body.Description,
		Members:     body.Members,
		// Members left out of a configuration that listed them: they stay, but are no longer
		// this resource's, so warden_group_member may add to them.
		ReleaseMembers: body.Members == nil && !state.Members.IsNull(),
	}, savedVersion(ctx, req.Private))
	if err != nil {
		addAPIError(&resp.Diagnostics, "Update Group", err)
		return
	}
	r.applied(ctx, &plan, g, body.Members != nil)
	saveVersion(ctx, resp.Private, g.Version, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

func (r *groupResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.access.applied()
	deleteState(ctx, req, resp, "Delete Group", func(ctx context.Context, state *groupResourceModel) error {
		return r.client.DeleteGroup(ctx, state.ID.ValueString(), savedVersion(ctx, req.Private))
	})
}

// ImportState takes the group's id, as the import id or as the identity's id.
func (r *groupResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, ok := importedID(ctx, req, "id", "<group_id>", "Unable to Import Group", &resp.Diagnostics)
	if !ok {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, idIdentity{ID: types.StringValue(id)})...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImportKey, []byte("1"))...)
}
