package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

func TestAddCreateError_nameTakenNamesTheImportBlock(t *testing.T) {
	err := &client.APIError{Status: 409, Code: api.CodeNameTaken, Field: "name", Detail: "Another role already has this name; name must be unique.", RequestID: "req_1"}
	var diags diag.Diagnostics
	addCreateError(context.Background(), &diags, "Create Role", err, adoption{typeName: "warden_role", noun: "role", field: "name", value: "x",
		lookup: func(context.Context) (string, error) { return "role_abc", nil }})
	p, detail := detailOf(t, diags)
	want := "A role named \"x\" already exists (id role_abc). Adopt it with:\n\nimport {\n  to = warden_role.<name>\n  id = \"role_abc\"\n}\n\nor choose another name. (request req_1)"
	if p != "name" || detail != want || diags[0].Summary() != "Unable to Create Role" {
		t.Errorf("got %s: %q\nwant %q", p, detail, want)
	}
	checkWords(t, detail)
}

func TestAddCreateError_nameTakenWithoutLookup(t *testing.T) {
	err := &client.APIError{Status: 409, Code: api.CodeNameTaken, Field: "email"}
	var diags diag.Diagnostics
	addCreateError(context.Background(), &diags, "Create User", err, adoption{typeName: "warden_user", noun: "user", field: "email", value: "a@example.com",
		lookup: func(context.Context) (string, error) { return "", fmt.Errorf("%w: 403", client.ErrNotFound) }})
	p, detail := detailOf(t, diags)
	if p != "email" || !strings.HasPrefix(detail, `A user with email "a@example.com" already exists. Adopt it with an import block naming its id:`) ||
		!strings.Contains(detail, `id = "<id>"`) || !strings.HasSuffix(detail, "or choose another email.") {
		t.Errorf("got %s: %q", p, detail)
	}
	checkWords(t, detail)
}

func TestAddCreateError_grantConflict(t *testing.T) {
	err := &client.APIError{Status: 409, Code: api.CodeConflict, Field: "role_id", Detail: "This role already has a grant in this environment."}
	var diags diag.Diagnostics
	addCreateError(context.Background(), &diags, "Create Environment Grant", err, adoption{typeName: "warden_environment_grant", noun: "grant",
		existing: "This role already has a grant in this environment.", importID: "role_1/env_2", field: "role_id"})
	p, detail := detailOf(t, diags)
	if p != "role_id" || !strings.Contains(detail, "import {\n  to = warden_environment_grant.<name>\n  id = \"role_1/env_2\"\n}") {
		t.Errorf("got %s: %q", p, detail)
	}
	checkWords(t, detail)
}

func TestAddAPIError_otherErrorsPassThrough(t *testing.T) {
	var diags diag.Diagnostics
	addCreateError(context.Background(), &diags, "Create Role", errors.New("dial tcp: refused"), adoption{})
	if _, detail := detailOf(t, diags); !strings.Contains(detail, "could not be reached") {
		t.Errorf("detail %q", detail)
	}
}

func TestAddAPIError_unauthorizedSaysWhereTheTokenComesFrom(t *testing.T) {
	var diags diag.Diagnostics
	addAPIError(&diags, "Read Role", &client.APIError{Status: 401, Code: "unauthorized", Detail: "The token is not valid."})
	_, detail := detailOf(t, diags)
	for _, want := range []string{"token in the provider block", envToken, "POST /v1/users/{id}/tokens", "bootstrap token"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q: %s", want, detail)
		}
	}
	checkWords(t, detail)
}

func TestAddAPIError_conflictSuggestsImport(t *testing.T) {
	var diags diag.Diagnostics
	addAPIError(&diags, "Create Support Access", &client.APIError{Status: 409, Code: api.CodeConflict, Detail: "This environment already has support access."})
	_, detail := detailOf(t, diags)
	if !strings.Contains(detail, "This environment already has support access.") || !strings.Contains(detail, "Adopt it with an import block") {
		t.Errorf("detail %q", detail)
	}
	checkWords(t, detail)
}
