package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
)

// planned reads a Create's or Update's plan into its model and maps the model to the API's
// body (toAPI reports what it cannot map); ok is false when either reported an error.
func planned[M any, B any, PM interface {
	*M
	toAPI(context.Context, *diag.Diagnostics) B
}](ctx context.Context, plan tfsdk.Plan, diags *diag.Diagnostics) (m M, body B, ok bool) {
	diags.Append(plan.Get(ctx, &m)...)
	if diags.HasError() {
		return m, body, false
	}
	body = PM(&m).toAPI(ctx, diags)
	return m, body, !diags.HasError()
}

// keepPlan is the Update of a resource whose every configurable attribute requires
// replacement, so that it is never planned: it keeps the plan, and identity's answer for it,
// without calling the API.
func keepPlan[M any](ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse, identity func(*M) any) {
	var plan M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, identity(&plan))...)
}

// deleteState is a resource's Delete: the state is read and del deletes the object it names;
// NotFound counts as success (addDeleteError). op is Title Case, e.g. "Delete Role".
func deleteState[M any](ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse, op string,
	del func(ctx context.Context, state *M) error,
) {
	var state M
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	addDeleteError(&resp.Diagnostics, op, del(ctx, &state))
}
