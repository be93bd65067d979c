package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ resource.Resource                = (*accessRequestApprovalResource)(nil)
	_ resource.ResourceWithConfigure   = (*accessRequestApprovalResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*accessRequestApprovalResource)(nil)
	_ resource.ResourceWithImportState = (*accessRequestApprovalResource)(nil)
	_ resource.ResourceWithIdentity    = (*accessRequestApprovalResource)(nil)
)

// NewAccessRequestApprovalResource returns the warden_access_request_approval resource.
func NewAccessRequestApprovalResource() resource.Resource { return &accessRequestApprovalResource{} }

type accessRequestApprovalResource struct {
	client *client.Client
}

type accessRequestApprovalResourceModel struct {
	ID              types.String `tfsdk:"id"`
	AccessRequestID types.String `tfsdk:"access_request_id"`
	EnvironmentID   types.String `tfsdk:"environment_id"`
	EnvironmentName types.String `tfsdk:"environment_name"`
	RequesterID     types.String `tfsdk:"requester_id"`
	RequesterEmail  types.String `tfsdk:"requester_email"`
	Tier            types.String `tfsdk:"tier"`
	Duration        types.String `tfsdk:"duration"`
	Reason          types.String `tfsdk:"reason"`
	Status          types.String `tfsdk:"status"`
	DecidedAt       types.String `tfsdk:"decided_at"`
	ExpiresAt       types.String `tfsdk:"expires_at"`
}

// requestParties is who and where an access request names, by name: its requester's e-mail
// address and its environment's name, each null when it could not be read.
type requestParties struct {
	RequesterEmail, EnvironmentName types.String
}

// Access request statuses, in lifecycle order; the list feeds the data source's validator.
const (
	accessRequestPending  = "pending"
	accessRequestApproved = "approved"
	accessRequestDenied   = "denied"
	accessRequestRevoked  = "revoked"
	accessRequestExpired  = "expired"
)

var accessRequestStatuses = []string{accessRequestPending, accessRequestApproved, accessRequestDenied, accessRequestRevoked, accessRequestExpired}

func (m *accessRequestApprovalResourceModel) fromAPI(r *api.AccessRequest, who requestParties) {
	m.ID = types.StringValue(r.ID)
	m.AccessRequestID = types.StringValue(r.ID)
	m.EnvironmentID = types.StringValue(r.EnvironmentID)
	m.EnvironmentName = who.EnvironmentName
	m.RequesterID = types.StringValue(r.RequesterID)
	m.RequesterEmail = who.RequesterEmail
	m.Tier = types.StringValue(r.Tier)
	m.Duration = types.StringValue(shortDuration(time.Duration(r.DurationSeconds) * time.Second))
	m.Reason = types.StringValue(r.Reason)
	m.Status = types.StringValue(r.Status)
	m.DecidedAt = timeString(r.DecidedAt)
	m.ExpiresAt = timeString(r.ExpiresAt)
}

func (m *accessRequestApprovalResourceModel) identity() accessRequestApprovalIdentity {
	return accessRequestApprovalIdentity{AccessRequestID: m.AccessRequestID}
}

// timeString renders an optional API instant as RFC 3339 in UTC, or null.
func timeString(t *time.Time) types.String {
	if t == nil {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339Nano))
}

func (r *accessRequestApprovalResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_access_request_approval"
}

func (r *accessRequestApprovalResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	stable := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Approves a vendor engineer's pending access request; destroying it revokes the approval. " +
			"The engineer then holds the requested tier in the environment from the approval for the request's duration " +
			"(never past the support access's own expiry). Vendor engineers file requests through the API; list them with the " +
			"`warden_access_requests` data source. Requires `cluster.admin`.\n\n" +
			"The approval stays in state when it ends: `status` reads `expired` after its duration, or `revoked` when it was " +
			"revoked outside Terraform, and the plan warns. A revoked or expired request cannot be approved again: the " +
			"engineer files a new request, and pointing `access_request_id` at it replaces this resource.\n\n" +
			"When `access_request_id` is known at plan time (e.g. from the `warden_access_requests` data source), the plan reads the request " +
			"and shows what is being approved: the tier, the environment, who asked (`requester_email`), for how long (`duration`) and why " +
			"(`reason`); only `decided_at` and `expires_at` wait for the apply.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The access request's id.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"access_request_id": schema.StringAttribute{
				MarkdownDescription: "The pending access request to approve. Changing it revokes the old approval and approves the new request.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"environment_id": schema.StringAttribute{
				MarkdownDescription: "The environment the request is for.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"environment_name": schema.StringAttribute{
				MarkdownDescription: "The environment's name.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"requester_id": schema.StringAttribute{
				MarkdownDescription: "The vendor user who filed the request.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"requester_email": schema.StringAttribute{
				MarkdownDescription: "The e-mail address of the vendor user who filed the request; null when the provider's token may not read users (`users.read`).",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"tier": schema.StringAttribute{
				MarkdownDescription: "The tier requested.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"duration": schema.StringAttribute{
				MarkdownDescription: "How long the access lasts from the approval, as requested, e.g. `4h` or `30m` (never past the support access's expiry).",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"reason": schema.StringAttribute{
				MarkdownDescription: "Why the vendor engineer asked, in their words.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "`approved` while the access lasts, then `expired`; `revoked` when revoked outside Terraform.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"decided_at": schema.StringAttribute{
				MarkdownDescription: "When the request was approved, or, once revoked, when it was revoked (RFC 3339, UTC).",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the access ends (RFC 3339, UTC): the approval plus the requested duration, never past the support access's expiry.",
				Computed:            true,
				PlanModifiers:       stable,
			},
		},
	}
}

func (r *accessRequestApprovalResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = accessRequestApprovalIdentitySchema()
}

// ModifyPlan reads a request about to be approved when its id is known: one that does not
// exist, or that was decided otherwise, fails the plan rather than the apply; a pending (or
// already approved, which Create adopts) one shows in the plan as it will be approved. It
// warns about an approval in state that no longer grants anything.
func (r *accessRequestApprovalResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan, state accessRequestApprovalResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if req.State.Raw.IsNull() || !plan.AccessRequestID.Equal(state.AccessRequestID) {
		if ar := r.approvable(ctx, plan.AccessRequestID, &resp.Diagnostics); ar != nil {
			planApproval(&plan, ar, r.parties(ctx, ar))
			resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		}
		return
	}
	if state.Status.ValueString() != accessRequestApproved {
		resp.Diagnostics.AddAttributeWarning(path.Root("access_request_id"), "Access Request No Longer Approved",
			fmt.Sprintf("Access request %s (tier %q in %s) is %s and grants nothing. It stays in state and this plan changes nothing for it. "+
				"To grant access again, the vendor engineer files a new request; set access_request_id to it (or remove this resource).",
				state.AccessRequestID.ValueString(), state.Tier.ValueString(), approvalEnvironmentWords(&state), state.Status.ValueString()))
	}
}

// planApproval is what approving ar will store: the request as it is, approved. When and
// until when are known only once it is approved, unless it already is.
func planApproval(plan *accessRequestApprovalResourceModel, ar *api.AccessRequest, who requestParties) {
	approved := *ar
	approved.Status = accessRequestApproved
	decidedAt, expiresAt := types.StringUnknown(), types.StringUnknown()
	if ar.Status == accessRequestApproved {
		decidedAt, expiresAt = timeString(ar.DecidedAt), timeString(ar.ExpiresAt)
	}
	plan.fromAPI(&approved, who)
	plan.DecidedAt, plan.ExpiresAt = decidedAt, expiresAt
}

// approvalEnvironmentWords names the approval's environment by name when it is known.
func approvalEnvironmentWords(m *accessRequestApprovalResourceModel) string {
	if m.EnvironmentName.IsNull() || m.EnvironmentName.IsUnknown() {
		return "environment " + m.EnvironmentID.ValueString()
	}
	return fmt.Sprintf("environment %q (%s)", m.EnvironmentName.ValueString(), m.EnvironmentID.ValueString())
}

// approvable reads the request when its id is known: one that does not exist, or that was
// already decided otherwise, fails the plan; nil unless it can be approved (or was).
func (r *accessRequestApprovalResource) approvable(ctx context.Context, id types.String, diags *diag.Diagnostics) *api.AccessRequest {
	if r.client == nil || id.IsNull() || id.IsUnknown() {
		return nil
	}
	ar, err := r.client.GetAccessRequest(ctx, id.ValueString())
	switch {
	case errors.Is(err, client.ErrNotFound):
		diags.AddAttributeError(path.Root("access_request_id"), "Access Request Not Found",
			fmt.Sprintf("No access request has the id %q. List pending requests with the warden_access_requests data source (status = \"pending\").", id.ValueString()))
	case err != nil:
		diags.AddAttributeWarning(path.Root("access_request_id"), "Unable to Check the Access Request",
			fmt.Sprintf("The plan could not read the access request (%s); the Warden API will check it on apply.", err))
	case ar.Status != accessRequestPending && ar.Status != accessRequestApproved:
		diags.AddAttributeError(path.Root("access_request_id"), "Access Request Cannot Be Approved",
			fmt.Sprintf("Access request %s (tier %q in environment %s) is %s; only a pending request can be approved. "+
				"The vendor engineer must file a new request.", ar.ID, ar.Tier, ar.EnvironmentID, ar.Status))
	default:
		return ar
	}
	return nil
}

// parties reads the requester's e-mail address and the environment's name; null where the
// provider's token may not read them (a cluster.admin without users.read approves too).
func (r *accessRequestApprovalResource) parties(ctx context.Context, ar *api.AccessRequest) requestParties {
	who := requestParties{RequesterEmail: userEmail(ctx, r.client, ar.RequesterID), EnvironmentName: types.StringNull()}
	if env, err := r.client.GetEnvironment(ctx, ar.EnvironmentID); err == nil {
		who.EnvironmentName = types.StringValue(env.Name)
	}
	return who
}

func (r *accessRequestApprovalResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		r.client = d.Client
	}
}

// Create approves the request. A request that is already approved (by a retried apply, or by
// someone else) is adopted as it is.
func (r *accessRequestApprovalResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan accessRequestApprovalResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := plan.AccessRequestID.ValueString()
	ar, err := r.client.ApproveAccessRequest(ctx, id)
	if errors.Is(err, client.ErrConflict) {
		if cur, getErr := r.client.GetAccessRequest(ctx, id); getErr == nil && cur.Status == accessRequestApproved {
			ar, err = cur, nil
		}
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Approve Access Request", err)
		return
	}
	// Terraform requires the values the plan knew; Read refreshes them.
	who := requestParties{RequesterEmail: plan.RequesterEmail, EnvironmentName: plan.EnvironmentName}
	if who.RequesterEmail.IsUnknown() || who.EnvironmentName.IsUnknown() {
		read := r.parties(ctx, ar)
		if who.RequesterEmail.IsUnknown() {
			who.RequesterEmail = read.RequesterEmail
		}
		if who.EnvironmentName.IsUnknown() {
			who.EnvironmentName = read.EnvironmentName
		}
	}
	plan.fromAPI(ar, who)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

// Read keeps an ended approval in state with its status; only a request that no longer
// exists leaves the state.
func (r *accessRequestApprovalResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state accessRequestApprovalResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
	ar, err := r.client.GetAccessRequest(ctx, state.AccessRequestID.ValueString())
	if !readFound(ctx, err, resp, "Read Access Request") {
		return
	}
	state.fromAPI(ar, r.parties(ctx, ar))
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update is never called: the only configurable attribute requires replacement.
func (r *accessRequestApprovalResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	keepPlan(ctx, req, resp, func(m *accessRequestApprovalResourceModel) any { return m.identity() })
}

// Delete revokes the approval. A request that is gone, or no longer approved (expired,
// revoked), has nothing left to revoke.
func (r *accessRequestApprovalResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	deleteState(ctx, req, resp, "Revoke Access Request", func(ctx context.Context, state *accessRequestApprovalResourceModel) error {
		id := state.AccessRequestID.ValueString()
		_, err := r.client.RevokeAccessRequest(ctx, id)
		if errors.Is(err, client.ErrConflict) {
			if cur, getErr := r.client.GetAccessRequest(ctx, id); getErr == nil && cur.Status != accessRequestApproved {
				err = nil
			}
		}
		return err
	})
}

// ImportState takes the access request's id, as the import id or as the identity's
// access_request_id.
func (r *accessRequestApprovalResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, ok := importedID(ctx, req, "access_request_id", "<access_request_id>", "Unable to Import Access Request Approval", &resp.Diagnostics)
	if !ok {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("access_request_id"), id)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, accessRequestApprovalIdentity{AccessRequestID: types.StringValue(id)})...)
}
