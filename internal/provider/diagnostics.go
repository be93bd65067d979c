package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// addAPIError turns a client error into a diagnostic: on the attribute the API names when it
// names one, with the API's own findings and request id, so that what plan could not see
// reads the same as what plan checks. op is Title Case, e.g. "Create Role".
func addAPIError(diags *diag.Diagnostics, op string, err error) {
	addAPIErrorAt(diags, op, err, apiFieldPath)
}

// readFound reports whether a resource's Read found its object. NotFound means it was
// deleted outside Terraform: the resource leaves the state, so that the plan re-creates it.
// Any other error is reported as op's.
func readFound(ctx context.Context, err error, resp *resource.ReadResponse, op string) bool {
	if errors.Is(err, client.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return false
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, op, err)
		return false
	}
	return true
}

// addDeleteError reports a failed Delete as op's. NotFound counts as success: the object is
// gone already.
func addDeleteError(diags *diag.Diagnostics, op string, err error) {
	if err != nil && !errors.Is(err, client.ErrNotFound) {
		addAPIError(diags, op, err)
	}
}

// apiFieldPath is the attribute the API names as at fault, when it names a top-level one
// (the attribute names are the API's field names); the empty path otherwise.
func apiFieldPath(e *client.APIError) (path.Path, string) {
	if e.Field != "" && !strings.ContainsAny(e.Field, ".[") {
		return path.Root(e.Field), ""
	}
	return path.Empty(), ""
}

// addAPIErrorAt is addAPIError for an object whose attributes are not the API's fields
// (an ephemeral token's ttl sets the API's expires_at): at names the attribute at fault (the
// empty path for none) and any advice of the caller's own on the fix.
func addAPIErrorAt(diags *diag.Diagnostics, op string, err error, at func(*client.APIError) (path.Path, string)) {
	summary := "Unable to " + op
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		if errors.Is(err, client.ErrNotFound) {
			diags.AddError(summary, fmt.Sprintf("%s. Check the name or id.", err))
			return
		}
		diags.AddError(summary, fmt.Sprintf("The Warden API could not be reached or answered unexpectedly: %s", err))
		return
	}
	detail := apiErr.Error()
	switch {
	case apiErr.Status == http.StatusUnauthorized:
		detail += "\n\n" + tokenHelp
	case apiErr.Status == http.StatusConflict && apiErr.Code == api.CodeConflict:
		detail += "\n\nThe object already exists outside this configuration. Adopt it with an import block " +
			"(the resource's documentation gives the import id), or change the configuration that manages it instead of adding another."
	}
	if errors.Is(err, client.ErrPreconditionFailed) {
		detail += "\n\nThe object changed outside Terraform since it was last read. Run terraform plan again: " +
			"the refresh reads the current object and the plan shows what would change."
	}
	if len(apiErr.Findings) > 0 {
		lines := make([]string, 0, len(apiErr.Findings))
		for _, f := range apiErr.Findings {
			line := fmt.Sprintf("- %s: %s", f.Severity, f.Message)
			if f.Fix != "" {
				line += " " + f.Fix
			}
			lines = append(lines, line)
		}
		detail = fmt.Sprintf("The Warden API rejected the change (%d %s, request %s):\n%s",
			apiErr.Status, apiErr.Code, apiErr.RequestID, strings.Join(lines, "\n"))
	}
	p, advice := at(apiErr)
	if advice != "" {
		detail += "\n\n" + advice
	}
	if len(p.Steps()) > 0 {
		diags.AddAttributeError(p, summary, detail)
		return
	}
	diags.AddError(summary, detail)
}

// tokenHelp says where the provider's token comes from and how to get one, for a 401.
const tokenHelp = "The Warden API did not accept the provider's token: it is missing, mistyped, expired or revoked. " +
	"The provider reads it from token in the provider block, or else from the " + envToken + " environment variable. " +
	"Mint a token for a user with POST /v1/users/{id}/tokens, or, on a server just started, use its bootstrap token " +
	"(the server's WARDEN_BOOTSTRAP_TOKEN)."

// adoption describes an object a create may collide with, so that the error can name the
// import block that adopts it rather than the API's words.
type adoption struct {
	typeName string // the resource type, e.g. warden_role
	noun     string // e.g. "role"
	field    string // the unique attribute, e.g. "name" or "email"
	value    string // its configured value
	// lookup finds the existing object's id; nil when there is no way to.
	lookup func(ctx context.Context) (string, error)
	// existing and importID describe an object identified by its parents (a grant: role and
	// environment), which a 409 conflict means already exists.
	existing, importID string
}

// addCreateError is addAPIError for a create: when the unique value is taken, the detail
// names the existing object and the import block that brings it under this configuration.
func addCreateError(ctx context.Context, diags *diag.Diagnostics, op string, err error, a adoption) {
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict {
		addAPIError(diags, op, err)
		return
	}
	if apiErr.Code == api.CodeConflict && a.importID != "" {
		detail := fmt.Sprintf("%s Adopt it with:\n\n%s\n\nor keep one %s block for it and remove the other.",
			a.existing, importBlock(a.typeName, a.importID), a.typeName)
		if apiErr.RequestID != "" {
			detail += fmt.Sprintf(" (request %s)", apiErr.RequestID)
		}
		diags.AddAttributeError(path.Root(a.field), "Unable to "+op, detail)
		return
	}
	if apiErr.Field == "id" && a.lookup != nil {
		// The id the plan gave the object (a warden_user's) is taken: by the object of the
		// same unique value, the one to adopt; or else by another one since the plan, and a
		// new plan gives this one another id.
		if id, lerr := a.lookup(ctx); lerr == nil && id != "" {
			addAdoption(diags, op, apiErr, a, id)
			return
		}
		diags.AddAttributeError(path.Root("id"), "Unable to "+op, apiErr.Error()+"\n\nAnother "+a.noun+
			" took this id after the plan gave it to this one. Run terraform apply again: its plan gives this "+a.noun+" another id.")
		return
	}
	if apiErr.Code != api.CodeNameTaken || a.lookup == nil {
		addAPIError(diags, op, err)
		return
	}
	id, lerr := a.lookup(ctx)
	if lerr != nil {
		id = "" // the caller may not be allowed to list them; the advice still holds
	}
	addAdoption(diags, op, apiErr, a, id)
}

// addAdoption reports that the object a would create exists already: as the object of id
// ("" when it could not be found) with the import block that adopts it.
func addAdoption(diags *diag.Diagnostics, op string, apiErr *client.APIError, a adoption, id string) {
	what := fmt.Sprintf("%s named %q", withArticle(a.noun), a.value)
	if a.field != "name" {
		what = fmt.Sprintf("%s with %s %q", withArticle(a.noun), a.field, a.value)
	}
	var detail string
	if id != "" {
		detail = fmt.Sprintf("%s already exists (id %s). Adopt it with:\n\n%s\n\nor choose another %s.",
			what, id, importBlock(a.typeName, id), a.field)
	} else {
		detail = fmt.Sprintf("%s already exists. Adopt it with an import block naming its id:\n\n%s\n\nor choose another %s.",
			what, importBlock(a.typeName, "<id>"), a.field)
	}
	if apiErr.RequestID != "" {
		detail += fmt.Sprintf(" (request %s)", apiErr.RequestID)
	}
	diags.AddAttributeError(path.Root(a.field), "Unable to "+op, detail)
}

// withArticle is noun with its indefinite article, capitalized: "A role", "An environment",
// "A user" (a u that sounds like "you", as in every noun here, takes "a").
func withArticle(noun string) string {
	if noun != "" && strings.ContainsRune("aeio", rune(noun[0])) {
		return "An " + noun
	}
	return "A " + noun
}

// importBlock renders the HCL import block that adopts id into typeName.<name>.
func importBlock(typeName, id string) string {
	return fmt.Sprintf("import {\n  to = %s.<name>\n  id = %q\n}", typeName, id)
}

// addFindings reports validation findings from internal/access as diagnostics, each on its
// exact attribute path (the element of a set or list when one element is at fault). With
// matrix validation off, findings about names this build does not know become warnings.
func addFindings(diags *diag.Diagnostics, fs []access.Finding, at func(f access.Finding) path.Path, matrixValidation bool) {
	for _, f := range fs {
		summary := findingSummary(f)
		detail := f.String()
		switch {
		case f.Severity == access.SeverityWarning:
			diags.AddAttributeWarning(at(f), summary, detail)
		case f.IsUnknownName() && !matrixValidation:
			diags.AddAttributeWarning(at(f), summary, detail+
				" matrix_validation is false, so the Warden server will judge this name.")
		case f.DependsOnUnknownNames() && !matrixValidation:
			diags.AddAttributeWarning(at(f), summary, detail+
				" matrix_validation is false, and a newer Warden server may know the ignored names.")
		default:
			diags.AddAttributeError(at(f), summary, detail)
		}
	}
}

// findingSummary turns a finding code into a Title Case summary: "unknown_permission" →
// "Unknown Permission", unless findingSummaries spells it.
func findingSummary(f access.Finding) string {
	if s, ok := findingSummaries[f.Code]; ok {
		return s
	}
	words := strings.Split(f.Code, "_")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// findingSummaries spell the codes whose words are not all plain words.
var findingSummaries = map[string]string{
	access.CodeTierRequiresGCP: "Tier requires GCP",
}

// setElementPath is the usual `at` for addFindings on a set of strings: the finding's value
// inside the attribute it names, or the attribute itself.
func setElementPath(f access.Finding) path.Path {
	if f.Value == "" {
		return path.Root(f.Field)
	}
	return path.Root(f.Field).AtSetValue(types.StringValue(f.Value))
}
