package provider

import (
	"context"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// typesString is the element type of every list and set of names in this provider.
var typesString = types.StringType

// stringSet builds a types.Set of strings, sorted for stable output.
func stringSet(xs []string) types.Set {
	s := append([]string(nil), xs...)
	sort.Strings(s)
	vals := make([]attr.Value, len(s))
	for i, x := range s {
		vals[i] = types.StringValue(x)
	}
	return types.SetValueMust(types.StringType, vals)
}

// stringList builds a types.List of strings in the given order.
func stringList(xs []string) types.List {
	vals := make([]attr.Value, len(xs))
	for i, x := range xs {
		vals[i] = types.StringValue(x)
	}
	return types.ListValueMust(types.StringType, vals)
}

// setStrings reads a set or list of strings; ok is false while any part is unknown.
func setStrings(ctx context.Context, v interface {
	IsNull() bool
	IsUnknown() bool
	ElementsAs(context.Context, any, bool) diag.Diagnostics
}, diags *diag.Diagnostics) (out []string, ok bool) {
	if v.IsNull() {
		return nil, true
	}
	if v.IsUnknown() {
		return nil, false
	}
	var elems []types.String
	diags.Append(v.ElementsAs(ctx, &elems, false)...)
	for _, e := range elems {
		if e.IsUnknown() {
			return nil, false
		}
		if !e.IsNull() {
			out = append(out, e.ValueString())
		}
	}
	return out, true
}

// completeSet reads a set of strings as the complete set to send: never nil, so that an
// update built from it replaces the whole set (an empty one included).
func completeSet(ctx context.Context, v types.Set, diags *diag.Diagnostics) []string {
	xs, _ := setStrings(ctx, v, diags)
	if xs == nil {
		xs = []string{}
	}
	return xs
}
