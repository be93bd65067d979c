package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
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

// textRuleValidator runs one of internal/access's text rules (names, e-mails, free text)
// on a string attribute, so that plan refuses exactly what the API would, in its words:
// each finding on the attribute, with its fix.
type textRuleValidator struct {
	rule func(field, v string) []access.Finding
	what string
}

var _ validator.String = textRuleValidator{}

// nameRule checks a name as the API does (access.ValidateName: canonical spelling, no
// control, bidi or invisible characters).
func nameRule() validator.String {
	return textRuleValidator{access.ValidateOptionalName, "a name in canonical form (NFKC, single spaces) without control, bidi or invisible characters"}
}

// textRule checks free text as the API does (access.ValidateText).
func textRule() validator.String {
	return textRuleValidator{access.ValidateText, "text without control characters other than tab and line breaks, bidi or invisible characters"}
}

// emailRule checks an e-mail address as the API does (access.ValidateEmail).
func emailRule() validator.String {
	return textRuleValidator{access.ValidateEmail, "a bare e-mail address in NFC without control, bidi or invisible characters"}
}

func (v textRuleValidator) Description(_ context.Context) string { return "value must be " + v.what }

func (v textRuleValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v textRuleValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	addFindings(&resp.Diagnostics, v.rule(attributeName(req.Path), req.ConfigValue.ValueString()),
		func(access.Finding) path.Path { return req.Path }, true)
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

// durationValidator accepts a Go duration ("90s", "5m") from least to most.
type durationValidator struct{ least, most time.Duration }

var _ validator.String = durationValidator{}

// durationBetween accepts a duration from least to most, both included.
func durationBetween(least, most time.Duration) validator.String {
	return durationValidator{least: least, most: most}
}

func (v durationValidator) Description(_ context.Context) string {
	return fmt.Sprintf("value must be a duration from %s to %s, e.g. \"90s\" or \"5m\"", shortDuration(v.least), shortDuration(v.most))
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	raw := req.ConfigValue.ValueString()
	d, err := time.ParseDuration(raw)
	if err == nil && d >= v.least && d <= v.most {
		return
	}
	name := attributeName(req.Path)
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+name,
		fmt.Sprintf("%s must be a duration from %s to %s, such as \"90s\" or \"5m\" (units ms, s, m, h); got %q.",
			name, shortDuration(v.least), shortDuration(v.most), raw))
}

// shortDuration writes d as people do: "10m" rather than Go's "10m0s", whole seconds from a
// second up, whole milliseconds below.
func shortDuration(d time.Duration) string {
	if d >= time.Second {
		d = d.Round(time.Second)
	} else {
		d = d.Round(time.Millisecond)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// roleNameRule refuses the names of the built-in roles in the engine's words
// (access.ValidateRoleName), as the API does.
func roleNameRule() validator.String {
	return textRuleValidator{access.ValidateRoleName, "a name other than " + access.OrList(access.OrgRoleNames())}
}

// One plan shows each finding once. Terraform calls ValidateConfig twice per plan (validating
// the configuration, then again while planning the resource) and ModifyPlan once, so a
// resource's findings go to one of them: to ValidateConfig when an error among them stops the
// plan there (its warnings with it, every finding at once), otherwise to ModifyPlan, which
// alone knows matrix_validation and so judges the findings that wait for it (unknown names,
// and those that reasoned without them) together with the rest.

// findingsInValidate says whether ValidateConfig reports fs: they hold an error and none of
// them waits for the provider configuration.
func findingsInValidate(fs []access.Finding, deferred func(access.Finding) bool) bool {
	return access.HasErrors(fs) && !slices.ContainsFunc(fs, deferred)
}

// addPlanFindings reports fs from ModifyPlan, in order: those deferred for the provider
// configuration as matrix_validation says, the others as they are.
func addPlanFindings(diags *diag.Diagnostics, fs []access.Finding, deferred func(access.Finding) bool,
	at func(access.Finding) path.Path, matrixValidation bool) {
	for _, f := range fs {
		addFindings(diags, []access.Finding{f}, at, matrixValidation || !deferred(f))
	}
}
