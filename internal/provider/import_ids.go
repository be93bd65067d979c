package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// importForms lists the accepted import id forms for an error message, e.g.
// `"<role_id>/<environment_id>" or "<grant_id>"`.
func importForms(forms ...string) string {
	quoted := make([]string, len(forms))
	for i, f := range forms {
		quoted[i] = fmt.Sprintf("%q", f)
	}
	if len(quoted) == 1 {
		return quoted[0]
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}

// splitImportID is the one parser of composite import ids: it splits id on "/" into the parts
// of one of forms (e.g. "<role_id>/<environment_id>"), so that an ImportState with several
// forms only has to tell them apart by the part count and their fixed words. Ids with an empty
// part or a part count that no form has are refused here. With one form the error can name
// the part left empty; with several it cannot know which form was meant, so it lists them all.
func splitImportID(id string, forms ...string) ([]string, error) {
	parts := strings.Split(id, "/")
	if !slices.ContainsFunc(forms, func(f string) bool { return strings.Count(f, "/")+1 == len(parts) }) {
		return nil, badImportID(id, forms...)
	}
	for i, p := range parts {
		if p != "" {
			continue
		}
		if len(forms) == 1 {
			name := strings.Trim(strings.Split(forms[0], "/")[i], "<>")
			return nil, fmt.Errorf("the %s part of import id %q is empty; expected %q", name, id, forms[0])
		}
		return nil, badImportID(id, forms...)
	}
	return parts, nil
}

// badImportID is the error for an import id that matches none of forms.
func badImportID(id string, forms ...string) error {
	return fmt.Errorf("expected an import id of the form %s, got %q", importForms(forms...), id)
}

// An import by identity (`import { to = … identity = { … } }`, Terraform 1.12 and later)
// comes with an empty req.ID and the identity in req.Identity, conforming to the resource's
// identity schema (identity.go). Terraform checks that the attributes required for import are
// present, but not that they are non-empty, nor any rule between them: these helpers do.

// identityAttr is one string attribute of an import identity, by name, for requireIdentity.
type identityAttr struct {
	name  string
	value types.String
}

// isSet reports whether an identity attribute holds a non-empty string.
func isSet(v types.String) bool { return !v.IsNull() && !v.IsUnknown() && v.ValueString() != "" }

// identityForm renders the identity block that names attrs, e.g.
// `identity = { role_id = "<role_id>", environment_id = "<environment_id>" }`.
func identityForm(attrs ...string) string {
	parts := make([]string, len(attrs))
	for i, a := range attrs {
		parts[i] = fmt.Sprintf("%s = %q", a, "<"+a+">")
	}
	return "identity = { " + strings.Join(parts, ", ") + " }"
}

// requireIdentity checks that every one of attrs is set and not empty; the error names them
// all, in the form of the identity block to write.
func requireIdentity(attrs ...identityAttr) error {
	names := make([]string, len(attrs))
	var missing []string
	for i, a := range attrs {
		names[i] = a.name
		if !isSet(a.value) {
			missing = append(missing, a.name)
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("expected an import identity of the form %s; %s is missing or empty", identityForm(names...), missing[0])
	default:
		return fmt.Errorf("expected an import identity of the form %s; %s are missing or empty", identityForm(names...), strings.Join(missing, " and "))
	}
}

// identityGiven is false, after an error under summary, when an import without an id has no
// identity either (Terraform sends one or the other).
func identityGiven(req resource.ImportStateRequest, summary string, diags *diag.Diagnostics) bool {
	if req.Identity == nil || req.Identity.Raw.IsNull() {
		diags.AddError(summary, "The import gave neither an id nor an identity: set the import block's id or its identity.")
		return false
	}
	return true
}

// importIdentity reads the identity of an import by identity into dst, one of the models in
// identity.go; false after an error under summary.
func importIdentity(ctx context.Context, req resource.ImportStateRequest, dst any, summary string, diags *diag.Diagnostics) bool {
	if !identityGiven(req, summary, diags) {
		return false
	}
	diags.Append(req.Identity.Get(ctx, dst)...)
	return !diags.HasError()
}

// importedID returns what names the object to import when one id does: the import id as
// given, or else the identity's attribute attr. ok is false after an error under summary.
func importedID(ctx context.Context, req resource.ImportStateRequest, attr, summary string, diags *diag.Diagnostics) (string, bool) {
	if req.ID != "" {
		return req.ID, true
	}
	if !identityGiven(req, summary, diags) {
		return "", false
	}
	var v types.String
	diags.Append(req.Identity.GetAttribute(ctx, path.Root(attr), &v)...)
	if diags.HasError() {
		return "", false
	}
	if err := requireIdentity(identityAttr{attr, v}); err != nil {
		diags.AddError(summary, err.Error())
		return "", false
	}
	return v.ValueString(), true
}
