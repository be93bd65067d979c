package provider

import (
	"context"
	"iter"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// What the list resources (`terraform query`, Terraform 1.14 and later) share. Each lists the
// objects of one resource type, filtered by its config block, and returns for each one a
// display name, the resource's identity (identity.go) and, when Terraform asks for it, the
// resource exactly as its Read would store it after an import: built by the resource's own
// fromAPI, so that `terraform query -generate-config-out` writes configuration that plans
// no change.

// listResults runs each with an emit function that pushes one result and reports whether to
// go on: false once Terraform stops reading or req.Limit results are out. Terraform always
// sends a limit (100 unless the list block says otherwise); 0, what a client that sends none
// leaves, is taken as no limit.
func listResults(req list.ListRequest, each func(emit func(list.ListResult) bool)) iter.Seq[list.ListResult] {
	return func(push func(list.ListResult) bool) {
		var n int64
		each(func(r list.ListResult) bool {
			if !push(r) {
				return false
			}
			n++
			return req.Limit <= 0 || n < req.Limit
		})
	}
}

// listWalk is the walk every list resource makes, as listResults: through objects, and for
// each through visit, which emits the object's results (none when the filters leave it out)
// and says whether to go on. An error, from objects or from visit (which may read each
// object's parts), ends the listing in the words of op, e.g. "List Roles".
func listWalk[T any](req list.ListRequest, op string, objects iter.Seq2[T, error],
	visit func(x T, emit func(list.ListResult) bool) (bool, error),
) iter.Seq[list.ListResult] {
	return listResults(req, func(emit func(list.ListResult) bool) {
		for x, err := range objects {
			more := false
			if err == nil {
				more, err = visit(x, emit)
			}
			if err != nil {
				emit(listError(op, err))
				return
			}
			if !more {
				return
			}
		}
	})
}

// filterAttribute is a list block's optional string filter, e.g. name or environment_id: an
// empty one would match nothing, so it is refused at plan time instead.
func filterAttribute(markdownDescription string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: markdownDescription,
		Optional:            true,
		Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
	}
}

// newListResult is the result for one object: identity always, the resource (model, filled
// by the resource's fromAPI) only when req.IncludeResource is set.
func newListResult(ctx context.Context, req list.ListRequest, displayName string, identity, model any) list.ListResult {
	r := req.NewListResult(ctx)
	r.DisplayName = displayName
	r.Diagnostics.Append(r.Identity.Set(ctx, identity)...)
	if req.IncludeResource {
		r.Diagnostics.Append(r.Resource.Set(ctx, model)...)
	}
	return r
}

// listError is the result that ends a listing: the API's error as a diagnostic, in the
// words every resource uses ("Unable to List Roles").
func listError(op string, err error) list.ListResult {
	var r list.ListResult
	addAPIError(&r.Diagnostics, op, err)
	return r
}

// readListConfig reads a list block's config into cfg. On failure the stream carries the
// diagnostics and ok is false. A list resource is never called before the provider is
// configured; an unconfigured one says so instead of failing on a nil client.
func readListConfig(ctx context.Context, req list.ListRequest, configured bool, stream *list.ListResultsStream, cfg any) bool {
	var diags diag.Diagnostics
	if !configured {
		diags.AddError("Provider Not Configured",
			"The Warden provider was not configured before listing. This is a bug in the provider or in Terraform; please report it.")
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return false
	}
	diags.Append(req.Config.Get(ctx, cfg)...)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return false
	}
	return true
}

// lazyNames names objects by id for display names, from one listing made on first use.
// When the listing fails (the token may not be allowed to list users, say) ids stand for
// themselves: a display name is not worth failing a query.
func lazyNames[T any](load func() ([]T, error), name func(T) (id, name string)) func(id string) string {
	var names map[string]string
	return func(id string) string {
		if names == nil {
			objects, _ := load()
			names = make(map[string]string, len(objects))
			for _, o := range objects {
				k, v := name(o)
				names[k] = v
			}
		}
		if n, ok := names[id]; ok && n != "" {
			return n
		}
		return id
	}
}

// environments yields the environment named by an environment_id filter (an error when
// there is none), or every environment: what the list resources of per-environment objects
// walk.
func environments(ctx context.Context, c *client.Client, envID types.String) iter.Seq2[api.Environment, error] {
	if envID.IsNull() {
		return c.ListEnvironmentsSeq(ctx, client.ListEnvironmentsOptions{})
	}
	return func(yield func(api.Environment, error) bool) {
		env, err := c.GetEnvironment(ctx, envID.ValueString())
		if err != nil {
			yield(api.Environment{}, err)
			return
		}
		yield(*env, nil)
	}
}
