package apiserver

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
)

// Who may call what lives in internal/access (access.Routes): operation() copies each
// route's rule into its OpenAPI description, and authenticate runs the route's check before
// the body is read, so the document and the code cannot disagree about which routes exist:
// registering a route missing from that table panics at start.

// operation builds a huma operation whose description states the route's required
// permission from routeAccess.
func operation(method, path, id, summary string, status int) huma.Operation {
	route, ok := access.RouteFor(method, path)
	if !ok {
		panic("apiserver: route " + method + " " + path + " is missing from access.Routes")
	}
	rule := route.Rule
	tag := strings.Split(strings.TrimPrefix(path, "/v1/"), "/")[0]
	if strings.HasPrefix(path, "/v1/environments/{id}/") {
		tag = strings.Split(path, "/")[4]
	}
	op := huma.Operation{
		OperationID:   id,
		Method:        method,
		Path:          path,
		Summary:       summary,
		Description:   "**Required permission:** " + rule,
		Tags:          []string{tag},
		DefaultStatus: status,
		// The body limit is enforced once, by http.MaxBytesReader in withRequest.
		MaxBodyBytes: -1,
		Metadata:     map[string]any{},
	}
	if route.Public {
		op.Metadata["public"] = true
		// An empty requirement is OpenAPI's "no authentication" against the root default.
		op.Security = []map[string][]string{{}}
	} else {
		op.Security = []map[string][]string{{"bearer": {}}}
		op.Errors = []int{http.StatusUnauthorized, http.StatusForbidden}
	}
	if strings.Contains(path, "{") {
		op.Errors = append(op.Errors, http.StatusNotFound)
	}
	switch method {
	case http.MethodPost:
		op.Errors = append(op.Errors, http.StatusConflict)
	case http.MethodPatch, http.MethodPut, http.MethodDelete:
		op.Errors = append(op.Errors, http.StatusConflict, http.StatusPreconditionFailed)
	}
	if method != http.MethodGet {
		op.Errors = append(op.Errors, http.StatusRequestEntityTooLarge)
	}
	return op
}

// principal is the authenticated caller, resolved by the engine.
type principal = access.Principal

type principalKey struct{}

func principalFrom(ctx context.Context) *principal {
	p, _ := ctx.Value(principalKey{}).(*principal)
	return p
}

// authenticate is huma middleware, run before the request body is read: it resolves the
// bearer token to a principal from the in-memory snapshot (no database read), or answers
// 401; then it runs the route's check (access.Routes), answering 403 before the body is
// examined or any object looked up, so that an unauthorized caller learns nothing from a
// validation error or a 404.
func (s *Server) authenticate(hapi huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		op := ctx.Operation()
		route, _ := access.RouteFor(op.Method, op.Path)
		if route.Public {
			next(ctx)
			return
		}
		fail := func(detail string) {
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="warden"`)
			_ = huma.WriteErr(hapi, ctx, http.StatusUnauthorized, detail)
		}
		scheme, secret, ok := strings.Cut(ctx.Header("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			fail("Send an API token as Authorization: Bearer <token>.")
			return
		}
		hash := hashToken(strings.TrimSpace(secret))
		var p *principal
		var denial *access.Denial
		err := s.read(ctx.Context(), func(pol *access.Policy) error {
			var ok bool
			if p, ok = pol.Authenticate(hash, s.now()); ok {
				denial = route.Check(pol, p, ctx.Param)
			}
			return nil
		})
		if err != nil {
			_ = huma.WriteErr(hapi, ctx, http.StatusInternalServerError, "authentication failed", err)
			return
		}
		if p == nil {
			fail("The bearer token is unknown, revoked or expired.")
			return
		}
		rctx := context.WithValue(ctx.Context(), principalKey{}, p)
		if denial != nil {
			s.auditRefusal(rctx, denial)
			_ = huma.WriteErr(hapi, ctx, http.StatusForbidden, "", denialProblem(denial))
			return
		}
		next(huma.WithValue(ctx, principalKey{}, p))
	}
}
