package provider

import (
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
)

// What the list resources and the plural data sources share: filters on optional attributes.
// The API filters most collections by name or e-mail address only, so every other filter
// is applied here, and an unset filter lets everything through.

// matches reports whether a filter is unset or equal to v.
func matches(filter types.String, v string) bool {
	return filter.IsNull() || filter.ValueString() == v
}

// matchesBool is matches for a boolean filter.
func matchesBool(filter types.Bool, v bool) bool {
	return filter.IsNull() || filter.ValueBool() == v
}

// matchesPrefix reports whether v starts with a prefix filter's value; unset, it is the empty prefix.
func matchesPrefix(prefix types.String, v string) bool {
	return strings.HasPrefix(v, prefix.ValueString())
}

// matchesElement reports whether a filter is unset or one of vs, e.g. one of a role's permissions.
func matchesElement(filter types.String, vs []string) bool {
	return filter.IsNull() || slices.Contains(vs, filter.ValueString())
}

// collect is a plural data source's result: the model of every object keep passes, in the
// API's order, never nil so that no match reads as an empty list rather than null.
func collect[T, M any](objects []T, keep func(*T) bool, model func(*T) M) []M {
	out := make([]M, 0, len(objects))
	for i := range objects {
		if keep(&objects[i]) {
			out = append(out, model(&objects[i]))
		}
	}
	return out
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
