package apiserver

import (
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
)

// What the inputs' Resolve methods share (each Resolve sits beside its input): the server's
// clock, and internal/access's text rules for names, e-mails and free text. Bodies are judged
// in Resolve so that a bad value fails with 422 and every finding before any handler runs, in
// the same words the provider will use. An empty name is left to huma's own required and
// minLength checks, which already name the field, so that a missing name is reported once.

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

// nameAndDescription judges the name and description of a role or a group, created or changed.
func nameAndDescription(name, description *string) []access.Finding {
	return append(optional(name, nameRule("name")), optional(description, textRule("description"))...)
}
