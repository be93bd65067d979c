package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

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
