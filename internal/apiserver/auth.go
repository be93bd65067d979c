package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// Authentication and authorization of each request: its bearer token resolved to a principal,
// its route's check (access.Routes) before the body is read, and both taken again when it acts.

// principal is the authenticated caller, resolved by the engine.
type principal = access.Principal

// actor returns the authenticated principal; the middleware guarantees one on every
// non-public route.
func actor(ctx context.Context) (*principal, error) {
	if p := principalFrom(ctx); p != nil {
		return p, nil
	}
	return nil, fmt.Errorf("no principal in context")
}

// authState is what authenticate decided and on what, kept for the request's life: a
// decision taken when the headers arrive must still hold when the request acts (a write
// commits, a read answers), and the body may arrive much later.
type authState struct {
	hash  string // of the bearer secret, to re-resolve the token
	route access.Route
	// params holds the path and query parameters the route's check read.
	params map[string]string
	// gen is the snapshot generation the decision was last taken at.
	gen int64
	// p is the principal; a re-check replaces its value in place, so that handlers holding
	// the pointer decide with the principal as of the commit.
	p *principal
}

type principalKey struct{}

func authFrom(ctx context.Context) *authState {
	a, _ := ctx.Value(principalKey{}).(*authState)
	return a
}

func principalFrom(ctx context.Context) *principal {
	if a := authFrom(ctx); a != nil {
		return a.p
	}
	return nil
}

// errTokenGone is a re-check that found the token revoked or expired, or its user deleted,
// after the request was authenticated.
var errTokenGone = &access.Denial{Kind: access.Unauthenticated, Code: codeUnauthorized,
	Message: "The bearer token was revoked or expired, or its user deleted, while this request was in flight; nothing was done."}

// recheck takes the request's decision again on pol (at generation gen, under the snapshot
// lock or inside the write transaction) when anything may have changed since it was last
// taken: the policy moved on, or the token's expiry passed. It returns the refusal, or nil
// after bringing a's principal up to date.
func (s *Server) recheck(pol *access.Policy, gen int64, a *authState) *access.Denial {
	now := s.now()
	if a == nil || (a.gen == gen && !access.Expired(a.p.Token.ExpiresAt, now)) {
		return nil
	}
	fresh, ok := pol.Authenticate(a.hash, now)
	if !ok {
		return errTokenGone
	}
	if d := a.route.Check(pol, fresh, func(name string) string { return a.params[name] }); d != nil {
		return d
	}
	*a.p = *fresh
	a.gen = gen
	return nil
}

// authenticate is huma middleware, run before the request body is read: it resolves the
// bearer token to a principal from the in-memory snapshot (no database read), or answers
// 401; then it runs the route's check (access.Routes), answering 403 before the body is
// examined or any object looked up, so that an unauthorized caller learns nothing from a
// validation error or a 404. The decision is taken again when the request acts (s.update
// inside the write transaction, s.read and view when a read answers): see recheck.
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
		if route.Ingest && (ctx.Header("Authorization") == "" || strings.HasPrefix(strings.TrimSpace(secret), store.IngestKeyPrefix)) {
			next(ctx) // an ingest key, checked where the alerts are committed
			return
		}
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			fail("Send an API token as Authorization: Bearer <token>.")
			return
		}
		a, denial, err := s.authenticateBearer(ctx.Context(), secret, route, routeParams(ctx, route))
		if err != nil {
			_ = huma.WriteErr(hapi, ctx, http.StatusInternalServerError, "authentication failed", err)
			return
		}
		if a.p == nil {
			fail("The bearer token is unknown, revoked or expired.")
			return
		}
		rctx := context.WithValue(ctx.Context(), principalKey{}, a)
		if denial != nil {
			s.auditRefusal(rctx, denial)
			_ = huma.WriteErr(hapi, ctx, http.StatusForbidden, "", denialProblem(denial))
			return
		}
		next(huma.WithValue(ctx, principalKey{}, a))
	}
}

// authenticateBearer resolves a bearer secret to its principal (a.p nil: unknown, revoked
// or expired) and runs route's check with the request's params, recording nothing: the
// caller answers a refusal (authenticate audits it).
func (s *Server) authenticateBearer(ctx context.Context, secret string, route access.Route, params map[string]string) (*authState, *access.Denial, error) {
	a := &authState{hash: hashToken(strings.TrimSpace(secret)), route: route, params: params}
	var denial *access.Denial
	err := s.read(ctx, func(pol *access.Policy) error {
		if p, ok := pol.Authenticate(a.hash, s.now()); ok {
			a.p, a.gen = p, s.state.gen
			denial = route.Check(pol, p, func(name string) string { return a.params[name] })
		}
		return nil
	})
	return a, denial, err
}

// routeParams collects the route's path parameters and the query parameters its check may
// read, once: the check is taken again later, when huma's context may be gone.
func routeParams(ctx huma.Context, route access.Route) map[string]string {
	params := map[string]string{}
	for rest := route.Path; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			break
		}
		name := rest[i+1 : i+j]
		params[name] = ctx.Param(name)
		rest = rest[i+j+1:]
	}
	for _, name := range route.Query {
		params[name] = ctx.Query(name)
	}
	return params
}
