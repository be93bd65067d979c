package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
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
	_ resource.Resource                     = (*roleAssignmentResource)(nil)
	_ resource.ResourceWithConfigure        = (*roleAssignmentResource)(nil)
	_ resource.ResourceWithConfigValidators = (*roleAssignmentResource)(nil)
	_ resource.ResourceWithImportState      = (*roleAssignmentResource)(nil)
	_ resource.ResourceWithIdentity         = (*roleAssignmentResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*roleAssignmentResource)(nil)
)

// NewRoleAssignmentResource returns the warden_role_assignment resource.
func NewRoleAssignmentResource() resource.Resource { return &roleAssignmentResource{} }

type roleAssignmentResource struct {
	// access previews the access this resource's plans change (access_preview.go).
	access *accessGuard
	client *client.Client
	// plan knows the users this plan creates, for their kinds and e-mail addresses.
	plan *planNotes
}

type roleAssignmentResourceModel struct {
	ID          types.String `tfsdk:"id"`
	RoleID      types.String `tfsdk:"role_id"`
	UserID      types.String `tfsdk:"user_id"`
	GroupID     types.String `tfsdk:"group_id"`
	UserEmail   types.String `tfsdk:"user_email"`
	Acknowledge types.Set    `tfsdk:"acknowledge_new_access"`
}

// fromAPI maps an assignment; email is its user's e-mail address (null for a group's, or
// when it cannot be read).
func (m *roleAssignmentResourceModel) fromAPI(a *api.RoleAssignment, email types.String) {
	m.ID = types.StringValue(a.ID)
	m.RoleID = types.StringValue(a.RoleID)
	m.UserID = optionalString(a.UserID)
	m.GroupID = optionalString(a.GroupID)
	m.UserEmail = email
	m.Acknowledge = configOnly(m.Acknowledge)
}

func (m *roleAssignmentResourceModel) toAPI() api.RoleAssignmentCreate {
	return api.RoleAssignmentCreate{
		UserID:  m.UserID.ValueString(),
		GroupID: m.GroupID.ValueString(),
	}
}

func (m *roleAssignmentResourceModel) identity() roleAssignmentIdentity {
	return roleAssignmentIdentity{RoleID: m.RoleID, UserID: m.UserID, GroupID: m.GroupID}
}

// optionalString maps the API's omitted "" to null, as an unset optional attribute is.
func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func (r *roleAssignmentResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_role_assignment"
}

func (r *roleAssignmentResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Gives one role to one principal: a user, or a group (whose members then all hold it). Assignments are " +
			"additive: other assignments of the same role, made in Terraform or elsewhere, are left alone. An assignment cannot " +
			"change: any change replaces it. Nobody can assign a role holding permissions they do not hold themselves.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The assignment's id, chosen by the API.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"role_id": schema.StringAttribute{
				MarkdownDescription: "The role given, e.g. `warden_role.deployers.id`, or a built-in role's id from the `warden_role` data source.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       replace,
			},
			"user_id": schema.StringAttribute{
				MarkdownDescription: "The user holding the role; not a vendor user (vendor users hold no roles). Exactly one of `user_id` and `group_id`. " +
					"When the id is known at plan time, the plan fails for a vendor user or an id no user has; a `warden_user` of the " +
					"same configuration plans its new user's id, so a vendor user created alongside fails the plan as well.",
				Optional:      true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: replace,
			},
			"acknowledge_new_access": acknowledgeAttribute(),
			"user_email": schema.StringAttribute{
				MarkdownDescription: "The e-mail address of the user holding the role, so that a plan adding or removing the assignment shows who. " +
					"Known at plan time when `user_id` is; null for a group's assignment, or when the provider's token may not read users (`users.read`).",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"group_id": schema.StringAttribute{
				MarkdownDescription: "The group holding the role: every member holds it. Exactly one of `user_id` and `group_id`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       replace,
			},
		},
	}
}

func (r *roleAssignmentResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = roleAssignmentIdentitySchema()
}

func (r *roleAssignmentResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("user_id"), path.MatchRoot("group_id")),
	}
}

// ModifyPlan reads the user of a new user assignment when its id is known: a vendor user, or
// an id no user has, fails the plan rather than the apply; the plan shows the user's e-mail.
func (r *roleAssignmentResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if prior, next := planModels[roleAssignmentResourceModel](ctx, req, &resp.Diagnostics); !resp.Diagnostics.HasError() {
		r.access.review(ctx, r.plannedAccess(ctx, prior, next), &resp.Diagnostics)
	}
	if req.Plan.Raw.IsNull() || !req.State.Raw.IsNull() || resp.Diagnostics.HasError() {
		return
	}
	var plan roleAssignmentResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.UserID.IsNull() {
		plan.UserEmail = types.StringNull()
	} else {
		plan.UserEmail = plannedUserEmail(ctx, r.client, r.plan, plan.UserID, &resp.Diagnostics, func(users userReads) {
			users.addVendorAssignee(&resp.Diagnostics, plan.RoleID.ValueString(), plan.UserID.ValueString(), path.Root("user_id"))
		})
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// plannedAccess is the access this assignment's plan changes: role_assignment_add when it is
// created, role_assignment_remove when it goes (both when it is replaced).
func (r *roleAssignmentResource) plannedAccess(ctx context.Context, prior, next *roleAssignmentResourceModel) plannedAccess {
	change := func(kind access.ChangeKind, m *roleAssignmentResourceModel) api.AccessChange {
		return api.AccessChange{Kind: string(kind), RoleID: m.RoleID.ValueString(), UserID: m.UserID.ValueString(), GroupID: m.GroupID.ValueString()}
	}
	if next == nil {
		return plannedAccess{at: path.Empty(), changes: []api.AccessChange{change(access.ChangeAssignmentRemove, prior)}}
	}
	pa := plannedAccess{at: path.Root("role_id"), ack: ackOf(ctx, next.Acknowledge)}
	if prior != nil && prior.RoleID.Equal(next.RoleID) && prior.UserID.Equal(next.UserID) && prior.GroupID.Equal(next.GroupID) {
		return pa
	}
	switch {
	case next.RoleID.IsUnknown():
		// What the new role gives is judged on the role and its grants.
		pa.pending = "its role is created (or replaced) in this plan, so what it gives is known only then"
		return pa
	case !known(next.UserID, next.GroupID):
		pa.pending = "the group (or user) holding it is created in this plan"
	}
	pa.could = func(ctx context.Context) (couldGive, error) {
		return r.access.roleCould(ctx, next.RoleID.ValueString())
	}
	if pa.pending == "" {
		if prior != nil {
			pa.changes = append(pa.changes, change(access.ChangeAssignmentRemove, prior))
		}
		pa.changes = append(pa.changes, change(access.ChangeAssignmentAdd, next))
	}
	return pa
}

func (r *roleAssignmentResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		r.client = d.Client
		r.access = d.Access
		r.plan = d.Plan
	}
}

func (r *roleAssignmentResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.access.applied()
	var plan roleAssignmentResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	a, err := r.client.CreateRoleAssignment(ctx, plan.RoleID.ValueString(), plan.toAPI())
	if err != nil {
		addAPIError(&resp.Diagnostics, "Create Role Assignment", err)
		return
	}
	email := plan.UserEmail // Terraform requires the value the plan knew
	if email.IsUnknown() {
		email = userEmail(ctx, r.client, a.UserID)
	}
	plan.fromAPI(a, email)
	saveVersion(ctx, resp.Private, a.Version, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

func (r *roleAssignmentResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state roleAssignmentResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
	a, err := r.client.GetRoleAssignment(ctx, state.RoleID.ValueString(), state.ID.ValueString())
	if !readFound(ctx, err, resp, "Read Role Assignment") {
		return
	}
	state.fromAPI(a, userEmail(ctx, r.client, a.UserID))
	saveVersion(ctx, resp.Private, a.Version, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	// Just imported by "<role_id>/<assignment_id>", the principal is known only now.
	resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
}

// Update is never planned: every configurable attribute requires replacement. It keeps the
// plan so that the interface is satisfied without calling the API.
func (r *roleAssignmentResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.access.applied()
	keepPlan(ctx, req, resp, func(m *roleAssignmentResourceModel) any { return m.identity() })
}

func (r *roleAssignmentResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.access.applied()
	deleteState(ctx, req, resp, "Delete Role Assignment", func(ctx context.Context, state *roleAssignmentResourceModel) error {
		return r.client.DeleteRoleAssignment(ctx, state.RoleID.ValueString(), state.ID.ValueString(), savedVersion(ctx, req.Private))
	})
}

// The import id forms of a role assignment: assignments live under their role in the API,
// and users rarely know an assignment's id, so it can also be found by its principal.
var roleAssignmentImportForms = []string{
	"<role_id>/user/<user_id>", "<role_id>/group/<group_id>", "<role_id>/<assignment_id>", "<assignment_id>",
}

// roleAssignmentIdentityForms are the identities a role assignment imports by: its role and
// its principal, which is a user or a group.
var roleAssignmentIdentityForms = identityForm("role_id", "user_id") + " or " + identityForm("role_id", "group_id")

// checkRoleAssignmentIdentity requires role_id and exactly one of user_id and group_id.
func checkRoleAssignmentIdentity(ident roleAssignmentIdentity) error {
	switch user, group := isSet(ident.UserID), isSet(ident.GroupID); {
	case !isSet(ident.RoleID):
		return fmt.Errorf("expected an import identity of the form %s; role_id is missing or empty", roleAssignmentIdentityForms)
	case user && group:
		return fmt.Errorf("expected an import identity of the form %s; it sets both user_id and group_id, but an assignment has exactly one principal: "+
			"import the user's and the group's assignments separately", roleAssignmentIdentityForms)
	case !user && !group:
		return fmt.Errorf("expected an import identity of the form %s; it sets neither user_id nor group_id: set user_id to import a user's "+
			"assignment, group_id to import a group's", roleAssignmentIdentityForms)
	}
	return identityKindError(identityAttr{"role_id", ident.RoleID}, identityAttr{"user_id", ident.UserID}, identityAttr{"group_id", ident.GroupID})
}

// ImportState takes any of roleAssignmentImportForms, or an identity: the role and the
// principal, exactly one of user_id and group_id. The principal forms, the identity and the
// bare assignment id are looked up in the API here, since Read needs both the role and the
// assignment id.
func (r *roleAssignmentResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	const summary = "Unable to Import Role Assignment"
	var (
		a   *api.RoleAssignment
		err error
	)
	if req.ID == "" {
		var ident roleAssignmentIdentity
		if !importIdentity(ctx, req, &ident, summary, &resp.Diagnostics) {
			return
		}
		if err := checkRoleAssignmentIdentity(ident); err != nil {
			resp.Diagnostics.AddError(summary, err.Error())
			return
		}
		a, err = r.client.FindRoleAssignment(ctx, ident.RoleID.ValueString(), ident.UserID.ValueString(), ident.GroupID.ValueString())
	} else {
		var parts []string
		parts, err = splitImportID(req.ID, roleAssignmentImportForms...)
		if err != nil {
			resp.Diagnostics.AddError(summary, err.Error())
			return
		}
		switch {
		case len(parts) == 2:
			// The principal is unknown until Read, which sets the identity.
			resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("role_id"), parts[0])...)
			resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), parts[1])...)
			return
		case len(parts) == 1:
			a, err = r.client.FindRoleAssignmentByID(ctx, parts[0])
		case len(parts) == 3 && parts[1] == "user":
			a, err = r.client.FindRoleAssignment(ctx, parts[0], parts[2], "")
		case len(parts) == 3 && parts[1] == "group":
			a, err = r.client.FindRoleAssignment(ctx, parts[0], "", parts[2])
		default:
			resp.Diagnostics.AddError(summary, badImportID(req.ID, roleAssignmentImportForms...).Error())
			return
		}
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Import Role Assignment", err)
		return
	}
	var m roleAssignmentResourceModel
	m.fromAPI(a, types.StringNull())
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("role_id"), m.RoleID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), m.ID)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, m.identity())...)
}
