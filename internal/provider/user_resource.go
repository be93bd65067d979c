package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
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
	_ resource.Resource                = (*userResource)(nil)
	_ resource.ResourceWithConfigure   = (*userResource)(nil)
	_ resource.ResourceWithImportState = (*userResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*userResource)(nil)
	_ resource.ResourceWithIdentity    = (*userResource)(nil)
)

// NewUserResource returns the warden_user resource.
func NewUserResource() resource.Resource { return &userResource{} }

type userResource struct {
	// access previews the access this resource's plans change (access_preview.go).
	access *accessGuard
	// typeName is this resource's type, e.g. warden_role, for the import blocks errors suggest.
	typeName string
	client   *client.Client
	// plan hears of the users this plan creates, for the groups, members and role
	// assignments planned after them.
	plan *planNotes
}

// userFields are the user's attributes as the API holds them, shared with the data sources.
type userFields struct {
	ID    types.String `tfsdk:"id"`
	Email types.String `tfsdk:"email"`
	Name  types.String `tfsdk:"name"`
	Kind  types.String `tfsdk:"kind"`
}

// userResourceModel is the resource's: the API's attributes and what only the configuration holds.
type userResourceModel struct {
	userFields
	Acknowledge types.Set `tfsdk:"acknowledge_new_access"`
}

func (m *userFields) fromAPI(u *api.User) {
	m.ID = types.StringValue(u.ID)
	m.Email = types.StringValue(u.Email)
	m.Name = types.StringValue(u.Name)
	m.Kind = types.StringValue(u.Kind)
}

// fromAPI keeps acknowledge_new_access as configured (null when made from the API alone).
func (m *userResourceModel) fromAPI(u *api.User) {
	m.userFields.fromAPI(u)
	m.Acknowledge = configOnly(m.Acknowledge)
}

func (m *userResourceModel) toAPI() api.UserCreate {
	return api.UserCreate{
		ID:    m.ID.ValueString(), // planned ("" while unknown: the API chooses)
		Email: m.Email.ValueString(),
		Name:  m.Name.ValueString(),
		Kind:  m.Kind.ValueString(),
	}
}

func (m *userResourceModel) identity() idIdentity { return idIdentity{ID: m.ID} }

func (r *userResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_user"
}

func (r *userResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A user: one of the customer's people (`member`) or one of the vendor's on-call engineers (`vendor`). " +
			"A user holds roles directly (`warden_role_assignment` with `user_id`) or through the groups it belongs to. " +
			"Managing users needs the `users.admin` platform permission.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The user's id. A new user's id is known at plan time: the provider plans it (a `usr_…` id derived " +
					"from `email` and `kind`, which the API then gives the user), so that groups, `warden_group_member` and " +
					"`warden_role_assignment` of the same configuration refuse a vendor user at plan rather than at apply. " +
					"Changing `kind` replaces the user, and its new id is planned likewise. An existing or imported user keeps the id " +
					"the API gave it. When the API cannot be asked at plan time, the id is known only after apply.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"email": schema.StringAttribute{
				MarkdownDescription: "Unique e-mail address. Changing it updates the user in place.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(3, 254), emailRule()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Display name. Default `\"\"`. Changing it updates the user in place.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				Validators:          []validator.String{stringvalidator.LengthAtMost(128), nameRule()},
			},
			"acknowledge_new_access": acknowledgeAttribute(),
			"kind": schema.StringAttribute{
				MarkdownDescription: "One of " + mdList(access.UserKindNames()) + ". Default `" + string(access.KindMember) + "`; " +
					"`vendor` is for the vendor's on-call engineers, who file access requests for support tiers. " +
					"The API cannot change a user's kind: changing it replaces the user, and destroying it deletes its tokens, " +
					"group memberships, role assignments and access requests (the plan warns with the counts): " +
					"guard a user you rely on with `lifecycle { prevent_destroy = true }`.",
				Optional:      true,
				Computed:      true,
				Default:       stringdefault.StaticString(string(access.KindMember)),
				Validators:    []validator.String{oneOf(access.UserKindNames()...)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
		},
	}
}

func (r *userResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("user")
}

// ModifyPlan plans a new user's id and notes the user for the resources planned after it
// (user_ids.go); a replacement is planned as a new user (Terraform plans it again without
// the prior state). It warns, when a changed kind replaces the user, what its deletion takes
// with it.
func (r *userResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if prior, next := planModels[userResourceModel](ctx, req, &resp.Diagnostics); !resp.Diagnostics.HasError() {
		r.access.review(ctx, plannedUserAccess(ctx, prior, next), &resp.Diagnostics)
	}
	if req.Plan.Raw.IsNull() || r.client == nil || resp.Diagnostics.HasError() {
		return
	}
	var plan, state userResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if req.State.Raw.IsNull() {
		r.planID(ctx, &plan, resp)
		return
	}
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || plan.Kind.IsUnknown() || plan.Kind.Equal(state.Kind) {
		return
	}
	warnUserReplacement(ctx, r.client, state.ID.ValueString(), state.Email.ValueString(), path.Root("kind"), &resp.Diagnostics)
}

// planID gives a new user the id it is created with, and notes it.
func (r *userResource) planID(ctx context.Context, plan *userResourceModel, resp *resource.ModifyPlanResponse) {
	if !plan.ID.IsUnknown() || plan.Email.IsUnknown() || plan.Kind.IsUnknown() {
		return
	}
	id, ok := planUserID(ctx, r.client, plan.Email.ValueString(), access.UserKind(plan.Kind.ValueString()))
	if !ok {
		return
	}
	plan.ID = types.StringValue(id)
	r.plan.userPlanned(api.User{Meta: api.Meta{ID: id}, Email: plan.Email.ValueString(), Name: plan.Name.ValueString(), Kind: plan.Kind.ValueString()})
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), plan.ID)...)
}

// plannedUserAccess is the access this user's plan changes: everything it holds when it goes
// (user_delete), and when its kind changes, which replaces it (user_kind_change). A new user
// holds nothing yet.
func plannedUserAccess(ctx context.Context, prior, next *userResourceModel) plannedAccess {
	switch {
	case prior == nil:
		return plannedAccess{}
	case next == nil:
		return plannedAccess{at: path.Empty(), changes: []api.AccessChange{{Kind: string(access.ChangeUserDelete), UserID: prior.ID.ValueString()}}}
	}
	pa := plannedAccess{at: path.Root("kind"), ack: ackOf(ctx, next.Acknowledge)}
	switch {
	case next.Kind.Equal(prior.Kind):
	case next.Kind.IsUnknown():
		pa.pending = "its new kind is known only after apply"
	default:
		pa.changes = []api.AccessChange{{Kind: string(access.ChangeUserKind), UserID: prior.ID.ValueString(), UserKind: next.Kind.ValueString()}}
	}
	return pa
}

func (r *userResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		r.client = d.Client
		r.access = d.Access
		r.typeName = d.TypeName + "_user"
		r.plan = d.Plan
	}
}

func (r *userResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.access.applied()
	var plan userResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	u, err := r.client.CreateUser(ctx, plan.toAPI())
	if err != nil {
		addCreateError(ctx, &resp.Diagnostics, "Create User", err, adoption{typeName: r.typeName, noun: "user", field: "email", value: plan.Email.ValueString(),
			lookup: func(ctx context.Context) (string, error) {
				u, err := r.client.FindUserByEmail(ctx, plan.Email.ValueString())
				if err != nil {
					return "", err
				}
				return u.ID, nil
			}})
		return
	}
	if planned := plan.ID.ValueString(); planned != "" && u.ID != planned {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Unable to Create User",
			fmt.Sprintf("The Warden API created the user %s with the id %s, not with the id %s that the plan gave it: the server is older than "+
				"this provider and chooses every id itself. Upgrade warden-server, then adopt the user with:\n\n%s", u.Email, u.ID, planned,
				importBlock(r.typeName, u.ID)))
		return
	}
	plan.fromAPI(u)
	saveVersion(ctx, resp.Private, u.Version, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

func (r *userResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state userResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
	u, err := r.client.GetUser(ctx, state.ID.ValueString())
	if !readFound(ctx, err, resp, "Read User") {
		return
	}
	state.fromAPI(u)
	saveVersion(ctx, resp.Private, u.Version, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *userResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.access.applied()
	var plan userResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	body := plan.toAPI()
	u, err := r.client.UpdateUser(ctx, plan.ID.ValueString(), api.UserUpdate{
		Email: &body.Email,
		Name:  &body.Name,
	}, savedVersion(ctx, req.Private))
	if err != nil {
		addAPIError(&resp.Diagnostics, "Update User", err)
		return
	}
	plan.fromAPI(u)
	saveVersion(ctx, resp.Private, u.Version, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

func (r *userResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.access.applied()
	deleteState(ctx, req, resp, "Delete User", func(ctx context.Context, state *userResourceModel) error {
		return r.client.DeleteUser(ctx, state.ID.ValueString(), savedVersion(ctx, req.Private))
	})
}

// ImportState takes the user's id, as the import id or as the identity's id.
func (r *userResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, ok := importedID(ctx, req, "id", "<user_id>", "Unable to Import User", &resp.Diagnostics)
	if !ok {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, idIdentity{ID: types.StringValue(id)})...)
}
