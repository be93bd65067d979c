package provider

import (
	"context"
	"iter"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
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

// matches reports whether a filter is unset or equal to v.
func matches(filter types.String, v string) bool {
	return filter.IsNull() || filter.ValueString() == v
}

// matchesBool is matches for a boolean filter.
func matchesBool(filter types.Bool, v bool) bool {
	return filter.IsNull() || filter.ValueBool() == v
}

// lazyNames names objects by id for display names, from one listing made on first use.
// When the listing fails (the token may not be allowed to list users, say) ids stand for
// themselves: a display name is not worth failing a query.
func lazyNames(load func() (map[string]string, error)) func(id string) string {
	var (
		names  map[string]string
		loaded bool
	)
	return func(id string) string {
		if !loaded {
			loaded = true
			names, _ = load()
		}
		if n, ok := names[id]; ok && n != "" {
			return n
		}
		return id
	}
}

// addFilterFindings reports what internal/access found wrong with a filter's value, on the
// filter attribute. Validation runs before the provider is configured as well as after;
// names this build does not know wait for the configured run, where the provider's
// matrix_validation decides between an error and a warning, as for the resources.
func addFilterFindings(diags *diag.Diagnostics, fs []access.Finding, attr string, configured, matrixValidation bool) {
	var keep []access.Finding
	for _, f := range fs {
		if f.IsUnknownName() && !configured {
			continue
		}
		keep = append(keep, f)
	}
	addFindings(diags, keep, func(access.Finding) path.Path { return path.Root(attr) }, matrixValidation)
}

// knownFilter returns a string filter's value; ok is false while it is null or unknown.
func knownFilter(v types.String) (string, bool) {
	if v.IsNull() || v.IsUnknown() {
		return "", false
	}
	return v.ValueString(), true
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
