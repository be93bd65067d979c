package provider

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
)

// validateResourceConfig runs a resource's own ValidateConfig (the plan-time check that calls
// internal/access) on a configuration given as attribute values; attributes left out are null.
// It returns the diagnostics so that tests can pin severity, summary and attribute path.
func validateResourceConfig(t *testing.T, r resource.Resource, attrs map[string]tftypes.Value) diag.Diagnostics {
	t.Helper()
	ctx := context.Background()
	v, ok := r.(resource.ResourceWithValidateConfig)
	if !ok {
		t.Fatalf("%T has no ValidateConfig", r)
	}
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	typ := sresp.Schema.Type().TerraformType(ctx)
	obj, ok := typ.(tftypes.Object)
	if !ok {
		t.Fatalf("schema type is %T", typ)
	}
	var resp resource.ValidateConfigResponse
	v.ValidateConfig(ctx, resource.ValidateConfigRequest{
		Config: tfsdk.Config{Schema: sresp.Schema, Raw: schemaObjectOf(t, obj, attrs)},
	}, &resp)
	return resp.Diagnostics
}

// schemaObjectOf is objectOf for attrs that must all be attributes of obj: one that is not
// fails t.
func schemaObjectOf(t *testing.T, obj tftypes.Object, attrs map[string]tftypes.Value) tftypes.Value {
	t.Helper()
	for name := range attrs {
		if _, ok := obj.AttributeTypes[name]; !ok {
			t.Fatalf("no attribute %q in the schema", name)
		}
	}
	return objectOf(obj, attrs)
}

// objectOf is a value of the object type obj with the attribute values attrs; the attributes
// attrs leaves out are null.
func objectOf(obj tftypes.Object, attrs map[string]tftypes.Value) tftypes.Value {
	vals := map[string]tftypes.Value{}
	for name, at := range obj.AttributeTypes {
		if given, ok := attrs[name]; ok {
			vals[name] = given
		} else {
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	return tftypes.NewValue(obj, vals)
}

// tfStrings is a list or set value of strings for validateResourceConfig.
func tfStrings(set bool, xs ...string) tftypes.Value {
	vals := make([]tftypes.Value, len(xs))
	for i, x := range xs {
		vals[i] = tftypes.NewValue(tftypes.String, x)
	}
	if set {
		return tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, vals)
	}
	return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, vals)
}

// diagAt finds the diagnostic of severity sev whose attribute path renders as path (e.g.
// `permissions[Value("deploymnt")]`; spaces are ignored, since paths through set elements of
// objects render long values) and whose summary or detail contains text.
func diagAt(diags diag.Diagnostics, sev diag.Severity, path, text string) bool {
	for _, d := range diags {
		wp, ok := d.(diag.DiagnosticWithPath)
		if !ok || d.Severity() != sev || strings.ReplaceAll(wp.Path().String(), " ", "") != strings.ReplaceAll(path, " ", "") {
			continue
		}
		if strings.Contains(d.Summary()+" "+d.Detail(), text) {
			return true
		}
	}
	return false
}

// wrappedRegexp matches the given phrases in order, each quoted literally except that any run
// of spaces may be any whitespace: Terraform wraps long diagnostics across lines.
func wrappedRegexp(phrases ...string) *regexp.Regexp {
	parts := make([]string, len(phrases))
	for i, p := range phrases {
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		parts[i] = strings.Join(words, `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}

// detailOf is the one diagnostic's path and detail, failing the test on any other count.
func detailOf(t *testing.T, diags diag.Diagnostics) (string, string) {
	t.Helper()
	if len(diags) != 1 || diags[0].Severity() != diag.SeverityError {
		t.Fatalf("want one error, got %v", diags)
	}
	p := ""
	if wp, ok := diags[0].(diag.DiagnosticWithPath); ok {
		p = wp.Path().String()
	}
	return p, diags[0].Detail()
}

// Diagnostics speak Terraform, not HTTP or Markdown.
func checkWords(t *testing.T, detail string) {
	t.Helper()
	for _, jargon := range []string{"PATCH", "`", "[]"} {
		if strings.Contains(detail, jargon) {
			t.Errorf("detail holds %q: %s", jargon, detail)
		}
	}
}

// onceTime returns a clock reading taken on first use and repeated after.
func onceTime(f func() time.Time) func() time.Time { return sync.OnceValue(f) }

// lazyVariable is a configuration variable whose value is computed when the step that uses
// it runs.
type lazyVariable func() string

func (v lazyVariable) MarshalJSON() ([]byte, error) { return json.Marshal(v()) }

// statusUntil expects status want while the deadline has not passed. On a machine so slow
// that a step outlasts a short expiry, "expired" is the correct answer and the test must not
// fail for it.
type statusUntil struct {
	want     string
	deadline func() time.Time
}

func (c statusUntil) CheckValue(v any) error {
	if time.Now().Before(c.deadline()) {
		return knownvalue.StringExact(c.want).CheckValue(v)
	}
	return knownvalue.StringRegexp(regexp.MustCompile(`^(` + c.want + `|expired)$`)).CheckValue(v)
}

func (c statusUntil) String() string { return c.want + " until " + c.deadline().Format(time.RFC3339) }

// lazyStringExact is knownvalue.StringExact for a value known only when the check runs.
type lazyStringExact func() string

func (c lazyStringExact) CheckValue(v any) error { return knownvalue.StringExact(c()).CheckValue(v) }

func (c lazyStringExact) String() string { return c() }
