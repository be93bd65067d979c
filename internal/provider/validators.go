package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
)

// oneOfValidator is stringvalidator.OneOf in this provider's words: the choices read as a
// sentence ("webhook or email"), not as a Go slice, with a did-you-mean when one is close.
type oneOfValidator struct{ names []string }

var _ validator.String = oneOfValidator{}

// oneOf accepts exactly one of names, fed by the same slice as the attribute's description.
func oneOf(names ...string) validator.String { return oneOfValidator{names: names} }

func (v oneOfValidator) Description(_ context.Context) string {
	return "value must be " + access.OrList(v.names)
}

func (v oneOfValidator) MarkdownDescription(_ context.Context) string {
	return "value must be " + mdList(v.names)
}

func (v oneOfValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	got := req.ConfigValue.ValueString()
	if slices.Contains(v.names, got) {
		return
	}
	name := attributeName(req.Path)
	detail := fmt.Sprintf("%s must be %s; got %q.", name, access.OrList(v.names), got)
	if s := access.Suggest(got, v.names); s != "" {
		detail += " " + s
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+name, detail)
}

// attributeName is the last attribute name of p, e.g. "type" for destinations[…].type.
func attributeName(p path.Path) string {
	steps := p.Steps()
	for i := len(steps) - 1; i >= 0; i-- {
		if a, ok := steps[i].(path.PathStepAttributeName); ok {
			return string(a)
		}
	}
	return p.String()
}

// mdList renders names as a Markdown list of code spans, for descriptions fed by the same
// slices as the validators.
func mdList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q, ", ")
}
