package apiserver

import (
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The request bodies' names, e-mails and free text are judged by internal/access's text
// rules in the inputs' Resolve methods, so that a bad value fails with 422 and every
// finding before any handler runs, in the same words the provider will use. An empty
// name is left to huma's own required and minLength checks, which already name the field,
// so that a missing name is reported once.

type clockKey struct{}

// withClock hands the server's clock to resolvers, which see only the request: a
// resolver's decision about time (a token's maximum lifetime) must follow Config.Now like
// every other expiry decision.
func (s *Server) withClock(ctx huma.Context, next func(huma.Context)) {
	next(huma.WithValue(ctx, clockKey{}, s.now))
}

// requestNow is the server's current time for a resolver.
func requestNow(ctx huma.Context) time.Time {
	if now, ok := ctx.Context().Value(clockKey{}).(func() time.Time); ok {
		return now()
	}
	return time.Now()
}

// optional runs validate on *v when the field is present (PATCH bodies).
func optional(v *string, validate func(string) []access.Finding) []access.Finding {
	if v == nil {
		return nil
	}
	return validate(*v)
}

func nameRule(field string) func(string) []access.Finding {
	return func(v string) []access.Finding { return access.ValidateOptionalName(field, v) }
}

func textRule(field string) func(string) []access.Finding {
	return func(v string) []access.Finding { return access.ValidateText(field, v) }
}

func emailRule(v string) []access.Finding {
	if v == "" {
		return nil
	}
	return access.ValidateEmail("email", v)
}

// envCreateFindings: an omitted resource_prefix takes the default, so only a given one is
// judged.
func envCreateFindings(b api.EnvironmentCreate) []access.Finding {
	fs := access.ValidateOptionalName("name", b.Name)
	if b.ResourcePrefix != "" {
		fs = append(fs, access.ValidateResourcePrefix(b.ResourcePrefix)...)
	}
	return fs
}

// Resolve refuses an empty resource_prefix explicitly: in a PATCH it would not mean
// "default" but "scope vendor access to nothing".
func (in *envUpdateInput) Resolve(huma.Context) []error {
	fs := optional(in.Body.Name, nameRule("name"))
	fs = append(fs, optional(in.Body.ResourcePrefix, access.ValidateResourcePrefix)...)
	return findingErrors(fs)
}

// userFindings: a user's display name is optional, its e-mail is not.
func userFindings(email, name *string) []access.Finding {
	return append(optional(email, emailRule), optional(name, nameRule("name"))...)
}

func (in *userUpdateInput) Resolve(huma.Context) []error {
	return findingErrors(userFindings(in.Body.Email, in.Body.Name))
}

func (in *tokenCreateInput) Resolve(ctx huma.Context) []error {
	fs := access.ValidateOptionalName("name", in.Body.Name)
	fs = append(fs, access.ValidateTokenExpiry(in.Body.ExpiresAt, requestNow(ctx))...)
	return findingErrors(fs)
}

func (in *groupCreateInput) Resolve(huma.Context) []error {
	return findingErrors(append(access.ValidateOptionalName("name", in.Body.Name), access.ValidateText("description", in.Body.Description)...))
}

func (in *groupUpdateInput) Resolve(huma.Context) []error {
	return findingErrors(append(optional(in.Body.Name, nameRule("name")), optional(in.Body.Description, textRule("description"))...))
}

// nameAndDescription judges the name and description of a role create or update.
func nameAndDescription(name, description *string) []access.Finding {
	return append(optional(name, nameRule("name")), optional(description, textRule("description"))...)
}
