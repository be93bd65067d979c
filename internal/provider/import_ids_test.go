package provider

import (
	"slices"
	"testing"
)

// The two parsers splitImportID replaced said these words; the ImportState tests reach only
// some of them.
func TestSplitImportID_forms(t *testing.T) {
	grant := []string{"<role_id>/<environment_id>"}
	cases := []struct {
		id      string
		forms   []string
		want    []string
		wantErr string
	}{
		{"r/e", grant, []string{"r", "e"}, ""},
		{"r", grant, nil, `expected an import id of the form "<role_id>/<environment_id>", got "r"`},
		{"r/e/x", grant, nil, `expected an import id of the form "<role_id>/<environment_id>", got "r/e/x"`},
		{"r/", grant, nil, `the environment_id part of import id "r/" is empty; expected "<role_id>/<environment_id>"`},
		{"/e", grant, nil, `the role_id part of import id "/e" is empty; expected "<role_id>/<environment_id>"`},
		{"r/user/u", roleAssignmentImportForms, []string{"r", "user", "u"}, ""},
		{"a", roleAssignmentImportForms, []string{"a"}, ""},
		{"r//u", roleAssignmentImportForms, nil, `expected an import id of the form "<role_id>/user/<user_id>", "<role_id>/group/<group_id>", ` +
			`"<role_id>/<assignment_id>" or "<assignment_id>", got "r//u"`},
		{"a/b/c/d", roleAssignmentImportForms, nil, `expected an import id of the form "<role_id>/user/<user_id>", "<role_id>/group/<group_id>", ` +
			`"<role_id>/<assignment_id>" or "<assignment_id>", got "a/b/c/d"`},
	}
	for _, c := range cases {
		got, err := splitImportID(c.id, c.forms...)
		switch {
		case c.wantErr == "" && (err != nil || !slices.Equal(got, c.want)):
			t.Errorf("%q: got %q, %v; want %q", c.id, got, err, c.want)
		case c.wantErr != "" && (err == nil || err.Error() != c.wantErr):
			t.Errorf("%q: got %q, %v; want error %q", c.id, got, err, c.wantErr)
		}
	}
}
