package provider

import (
	"fmt"
	"strings"
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

// splitImportForms splits a composite import id on "/" and refuses empty parts, so that each
// ImportState only has to choose among its forms by the part count. The error names every
// accepted form.
func splitImportForms(id string, forms ...string) ([]string, error) {
	parts := strings.Split(id, "/")
	for _, p := range parts {
		if p == "" {
			return nil, badImportID(id, forms...)
		}
	}
	return parts, nil
}

// badImportID is the error for an import id that matches none of forms.
func badImportID(id string, forms ...string) error {
	return fmt.Errorf("expected an import id of the form %s, got %q", importForms(forms...), id)
}
