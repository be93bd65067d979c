package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// readFetched is a data source's Read: the config is read into the model, fetch asks the API
// for what it names, and fill maps the answer into the model that becomes the state. op is
// Title Case, e.g. "List Roles".
func readFetched[M, T any](ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse, op string,
	fetch func(context.Context, *M) (T, error), fill func(*M, T),
) {
	var cfg M
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	got, err := fetch(ctx, &cfg)
	if err != nil {
		addAPIError(&resp.Diagnostics, op, err)
		return
	}
	fill(&cfg, got)
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// readLookup is the Read of the data sources that look one object up by exactly one of its id
// and a unique key (their ConfigValidators demand exactly one): keys names the model's id and
// key attributes, byID or byKey fetches the object by whichever is set, and fromAPI maps it
// into the model that becomes the state. op is Title Case, e.g. "Read Role".
func readLookup[M, T any](ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse, op string,
	keys func(*M) (id, key types.String), byID, byKey func(context.Context, string) (*T, error), fromAPI func(*M, *T),
) {
	readFetched(ctx, req, resp, op, func(ctx context.Context, cfg *M) (*T, error) {
		id, key := keys(cfg)
		if !id.IsNull() {
			return byID(ctx, id.ValueString())
		}
		return byKey(ctx, key.ValueString())
	}, fromAPI)
}
