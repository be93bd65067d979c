package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// readLookup is the Read of the data sources that look one object up by exactly one of its id
// and a unique key (their ConfigValidators demand exactly one): keys names the model's id and
// key attributes, byID or byKey fetches the object by whichever is set, and fromAPI maps it
// into the model that becomes the state. op is Title Case, e.g. "Read Role".
func readLookup[M, T any](ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse, op string,
	keys func(*M) (id, key types.String), byID, byKey func(context.Context, string) (*T, error), fromAPI func(*M, *T),
) {
	var cfg M
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id, key := keys(&cfg)
	var (
		obj *T
		err error
	)
	if !id.IsNull() {
		obj, err = byID(ctx, id.ValueString())
	} else {
		obj, err = byKey(ctx, key.ValueString())
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, op, err)
		return
	}
	fromAPI(&cfg, obj)
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
