package provider

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

// typesString is the element type of every list and set of names in this provider.
var typesString = types.StringType

// mdList renders names as a Markdown list of code spans, for descriptions fed by the same
// slices as the validators.
func mdList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q, ", ")
}
