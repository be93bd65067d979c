package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// readFetched is a data source's Read: the config is read into the model, fetch asks the API
// for what it names, and fill maps the answer into the model that becomes the state. op is
// Title Case, e.g. "List Roles".
func readFetched[M, T any](ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse, op string,
	fetch func(context.Context, *M) (T, error), fill func(*M, T),
) {
	readFetchedAt(ctx, req, resp, op, apiFieldPath, fetch, func(m *M, got T) diag.Diagnostics {
		fill(m, got)
		return nil
	})
}

// readFetchedAt is readFetched for a data source whose API errors want advice of its own (at,
// as addAPIErrorAt takes it) and whose fill can report diagnostics (building a set value).
func readFetchedAt[M, T any](ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse, op string,
	at func(*client.APIError) (path.Path, string), fetch func(context.Context, *M) (T, error), fill func(*M, T) diag.Diagnostics,
) {
	var cfg M
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	got, err := fetch(ctx, &cfg)
	if err != nil {
		addAPIErrorAt(&resp.Diagnostics, op, err, at)
		return
	}
	resp.Diagnostics.Append(fill(&cfg, got)...)
	if resp.Diagnostics.HasError() {
		return
	}
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
