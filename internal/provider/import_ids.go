package provider

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Import ids are opaque strings chosen by the API, but each kind carries a prefix (env_,
// usr_, …: apiserver's newMeta), so that a mixed-up id is obvious. The import id parser uses
// them the same way: a part that carries another kind's prefix is a mistake whose fix can be
// named (the parts swapped, a user's id where a group's belongs, an environment's id given to a
// grant alone). A part without a known prefix is taken as it is.

// idKind is one kind of object id: the import form's part that names it (e.g. role_id for
// "<role_id>"), the prefix of its ids, and what to call it.
type idKind struct {
	part, prefix, noun string
}

var idKinds = []idKind{
	{"environment_id", "env_", "an environment id"},
	{"user_id", "usr_", "a user id"},
	{"group_id", "grp_", "a group id"},
	{"role_id", "role_", "a role id"},
	{"assignment_id", "asg_", "a role assignment id"},
	{"grant_id", "grt_", "a grant id"},
	{"access_request_id", "arq_", "an access request id"},
}

// kindOf is the kind whose prefix id carries; ok is false for none.
func kindOf(id string) (idKind, bool) {
	for _, k := range idKinds {
		if strings.HasPrefix(id, k.prefix) && len(id) > len(k.prefix) {
			return k, true
		}
	}
	return idKind{}, false
}

// kindOfPart is the kind of id a form's part holds ("<role_id>": role ids); ok is false for
// a literal word ("user") or a part that is no id ("<type>", "<target>").
func kindOfPart(part string) (idKind, bool) {
	for _, k := range idKinds {
		if part == "<"+k.part+">" {
			return k, true
		}
	}
	return idKind{}, false
}

// fits reports whether value may stand for the form's part: any value for a placeholder
// whose kind has no prefix, a value without a known prefix, or one of the kind itself; the
// word itself for a literal word.
func fits(part, value string) bool {
	if !strings.HasPrefix(part, "<") {
		return part == value
	}
	want, ok := kindOfPart(part)
	got, known := kindOf(value)
	return !ok || !known || got == want
}

// describeForm is a form with what its parts look like, e.g.
// `"<role_id>/<environment_id>" (role_…/env_…)`, so that the error says which part is which.
func describeForm(form string) string {
	parts := strings.Split(form, "/")
	example := make([]string, len(parts))
	hinted := false
	for i, p := range parts {
		example[i] = p
		if k, ok := kindOfPart(p); ok {
			example[i], hinted = k.prefix+"…", true
		}
	}
	if !hinted {
		return fmt.Sprintf("%q", form)
	}
	return fmt.Sprintf("%q (%s)", form, strings.Join(example, "/"))
}

// importForms lists the accepted import id forms for an error message, e.g.
// `"<role_id>/<environment_id>" (role_…/env_…) or "<grant_id>" (grt_…)`.
func importForms(forms ...string) string {
	described := make([]string, len(forms))
	for i, f := range forms {
		described[i] = describeForm(f)
	}
	if len(described) == 1 {
		return described[0]
	}
	return strings.Join(described[:len(described)-1], ", ") + " or " + described[len(described)-1]
}

// splitImportID is the one parser of import ids: it splits id on "/" into the parts of one of
// forms (e.g. "<role_id>/<environment_id>"), chosen by the part count and their fixed words,
// so that an ImportState with several forms tells them apart by those alone. An id that fits no
// form is refused in words that say which form is expected and which part is which: a part
// left empty, parts in the wrong order or of the wrong kind (by their prefixes, with the id
// that was meant), a bare id of another kind.
func splitImportID(id string, forms ...string) ([]string, error) {
	parts := strings.Split(id, "/")
	var same []string
	for _, f := range forms {
		if strings.Count(f, "/")+1 == len(parts) {
			same = append(same, f)
		}
	}
	for i, p := range parts {
		if p != "" {
			continue
		}
		if len(same) == 1 && len(forms) == 1 {
			name := strings.Trim(strings.Split(forms[0], "/")[i], "<>")
			return nil, fmt.Errorf("the %s part of import id %q is empty; expected %s", name, id, describeForm(forms[0]))
		}
		return nil, badImportID(id, forms...)
	}
	for _, f := range same {
		if fitsForm(f, parts) {
			return parts, nil
		}
	}
	return nil, misfit(id, parts, same, forms)
}

// fitsForm reports whether every part fits the form's part at its place.
func fitsForm(form string, parts []string) bool {
	for i, p := range strings.Split(form, "/") {
		if !fits(p, parts[i]) {
			return false
		}
	}
	return true
}

// misfit explains an id that fits none of forms (same: those with as many parts): when its
// ids, reordered and with a form's fixed words put in, fit one, the error names the id that
// was meant; otherwise it names the first part of a wrong kind, or what a bare id is.
func misfit(id string, parts, same, forms []string) error {
	var words []string
	for _, f := range forms {
		words = append(words, fixedWords(f)...)
	}
	for _, f := range forms {
		if meant, ok := rearranged(f, parts, words); ok {
			return fmt.Errorf("import id %q does not fit %s: %s. Did you mean %q?", id, importForms(forms...), whatPartsAre(parts), meant)
		}
	}
	if k, ok := kindOf(id); ok && len(parts) == 1 {
		return fmt.Errorf("import id %q is %s (%s…); expected an import id of the form %s", id, k.noun, k.prefix, importForms(forms...))
	}
	if err := wrongWord(id, parts, same, forms); err != nil {
		return err
	}
	for _, f := range same {
		if !wordsFit(f, parts) {
			continue
		}
		for i, p := range strings.Split(f, "/") {
			if !strings.HasPrefix(p, "<") || fits(p, parts[i]) {
				continue
			}
			k, _ := kindOf(parts[i])
			return fmt.Errorf("the %s part of import id %q is %q, which is %s (%s…); expected an import id of the form %s",
				strings.Trim(p, "<>"), id, parts[i], k.noun, k.prefix, importForms(forms...))
		}
	}
	return badImportID(id, forms...)
}

// wordsFit reports whether parts have the form's fixed words in their places.
func wordsFit(form string, parts []string) bool {
	for i, p := range strings.Split(form, "/") {
		if !strings.HasPrefix(p, "<") && p != parts[i] {
			return false
		}
	}
	return true
}

// wrongWord names the part of id where the forms of its length (same) have a fixed word and
// id has none of them; nil when some form's words fit.
func wrongWord(id string, parts, same, forms []string) error {
	if slices.ContainsFunc(same, func(f string) bool { return wordsFit(f, parts) }) {
		return nil
	}
	for i := range parts {
		var words []string
		for _, f := range same {
			if p := strings.Split(f, "/")[i]; !strings.HasPrefix(p, "<") && !slices.Contains(words, p) {
				words = append(words, p)
			}
		}
		if len(words) > 0 {
			quoted := make([]string, len(words))
			for j, w := range words {
				quoted[j] = strconv.Quote(w)
			}
			return fmt.Errorf("part %d of import id %q is %q where %s belongs; expected an import id of the form %s",
				i+1, id, parts[i], strings.Join(quoted, " or "), importForms(forms...))
		}
	}
	return nil
}

// rearranged is the id that form would take from the ids among parts (those that are none of
// the forms' fixed words): the same ids in the order their prefixes say, with the form's fixed
// words in their places. ok is false when they fit no order of the form, or when the id is
// that already.
func rearranged(form string, parts, words []string) (string, bool) {
	fparts := strings.Split(form, "/")
	var slots []int
	for i, p := range fparts {
		if strings.HasPrefix(p, "<") {
			slots = append(slots, i)
		}
	}
	var ids []string
	for _, p := range parts {
		if !slices.Contains(words, p) {
			ids = append(ids, p)
		}
	}
	if len(ids) != len(slots) {
		return "", false
	}
	given := strings.Join(parts, "/")
	out := slices.Clone(fparts)
	used := make([]bool, len(ids))
	var try func(k int) (string, bool)
	try = func(k int) (string, bool) {
		if k == len(slots) {
			meant := strings.Join(out, "/")
			return meant, meant != given
		}
		for j, v := range ids {
			if used[j] || !fits(fparts[slots[k]], v) {
				continue
			}
			used[j], out[slots[k]] = true, v
			if meant, ok := try(k + 1); ok {
				return meant, true
			}
			used[j] = false
		}
		return "", false
	}
	return try(0)
}

// fixedWords are the fixed words of a form ("user" in "<role_id>/user/<user_id>").
func fixedWords(form string) []string {
	var words []string
	for _, p := range strings.Split(form, "/") {
		if !strings.HasPrefix(p, "<") {
			words = append(words, p)
		}
	}
	return words
}

// whatPartsAre says what each part of an id is, by its prefix: `"env_1" is an environment id
// and "role_2" is a role id`.
func whatPartsAre(parts []string) string {
	var said []string
	for _, p := range parts {
		if k, ok := kindOf(p); ok {
			said = append(said, fmt.Sprintf("%q is %s", p, k.noun))
		}
	}
	switch len(said) {
	case 0:
		return "its parts are in no form's order"
	case 1:
		return said[0]
	}
	return strings.Join(said[:len(said)-1], ", ") + " and " + said[len(said)-1]
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
		return identityKindError(attrs...)
	case 1:
		return fmt.Errorf("expected an import identity of the form %s; %s is missing or empty", identityForm(names...), missing[0])
	default:
		return fmt.Errorf("expected an import identity of the form %s; %s are missing or empty", identityForm(names...), strings.Join(missing, " and "))
	}
}

// identityKindError refuses identity attributes that hold ids of another kind (by their
// prefixes, as splitImportID does): two swapped, or one that is another kind's.
func identityKindError(attrs ...identityAttr) error {
	var wrong []identityAttr
	for _, a := range attrs {
		if !fits("<"+a.name+">", a.value.ValueString()) {
			wrong = append(wrong, a)
		}
	}
	switch {
	case len(wrong) == 0:
		return nil
	case len(wrong) == 2 && fits("<"+wrong[0].name+">", wrong[1].value.ValueString()) && fits("<"+wrong[1].name+">", wrong[0].value.ValueString()):
		return fmt.Errorf("the import identity's %s and %s are the wrong way round: %s. Swap them", wrong[0].name, wrong[1].name,
			whatPartsAre([]string{wrong[0].value.ValueString(), wrong[1].value.ValueString()}))
	}
	k, _ := kindOf(wrong[0].value.ValueString())
	want, _ := kindOfPart("<" + wrong[0].name + ">")
	return fmt.Errorf("the import identity's %s is %q, which is %s (%s…); %s holds %s (%s…)", wrong[0].name, wrong[0].value.ValueString(),
		k.noun, k.prefix, wrong[0].name, want.noun, want.prefix)
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
// given, or else the identity's attribute attr; either must fit form (e.g. "<environment_id>"):
// an id of another kind, or a composite one, is refused in words that say which id is
// expected. ok is false after an error under summary.
func importedID(ctx context.Context, req resource.ImportStateRequest, attr, form, summary string, diags *diag.Diagnostics) (string, bool) {
	if req.ID != "" {
		if _, err := splitImportID(req.ID, form); err != nil {
			diags.AddError(summary, err.Error())
			return "", false
		}
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
	if _, err := splitImportID(v.ValueString(), form); err != nil {
		diags.AddError(summary, fmt.Sprintf("The import identity's %s: %s", attr, err))
		return "", false
	}
	return v.ValueString(), true
}
