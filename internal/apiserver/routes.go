package apiserver

import (
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
)

// The API's routes: the huma configuration the OpenAPI document comes from, the order of the
// handlers files' register* tables, and operation(), which gives each route its words from
// access.Routes.

// routes registers every operation on a huma API over a ServeMux and wraps it in the
// request middleware.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	cfg := huma.DefaultConfig("Warden API", access.MatrixVersion)
	cfg.Info.Description = "Access control for an operations platform: environments, principals, roles, " +
		"environment grants, vendor support access and alert routing. Errors are application/problem+json."
	cfg.OpenAPIPath = "/v1/openapi"
	cfg.DocsPath = "/v1/docs"
	cfg.SchemasPath = "/v1/schemas"
	// No $schema links in bodies: the wire format is exactly the internal/api types.
	cfg.CreateHooks = nil
	cfg.Transformers = []huma.Transformer{stampProblem}
	// Every body is decoded exactly (decode.go): no duplicate keys, no case-folded names.
	cfg.Formats = map[string]huma.Format{"application/json": strictJSON, "json": strictJSON}
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "An API token from POST /v1/users/{id}/tokens."},
	}
	cfg.Security = []map[string][]string{{"bearer": {}}}
	// Relative: the document describes whichever address the server listens on.
	cfg.Servers = []*huma.Server{{URL: "/", Description: "This Warden API server."}}
	hapi := humago.New(mux, cfg)
	hapi.UseMiddleware(s.withRoute)
	hapi.UseMiddleware(s.authenticate(hapi))
	hapi.UseMiddleware(s.withClock)

	s.registerMeta(hapi)
	s.registerEnvironments(hapi)
	s.registerUsers(hapi)
	s.registerTokens(hapi)
	s.registerGroups(hapi)
	s.registerRoles(hapi)
	s.registerRoleAssignments(hapi)
	s.registerGrants(hapi)
	s.registerSupportAccess(hapi)
	s.registerVendorRevoke(hapi)
	s.registerAlertRouting(hapi)
	s.registerAlertCredentials(hapi)
	s.registerAlerts(hapi)
	s.registerAccessRequests(hapi)
	s.registerAuthorize(hapi)
	mux.Handle("/ui/", s.ui)
	mux.Handle("GET /ui", http.RedirectHandler("/ui/", http.StatusMovedPermanently))
	s.registerMetrics(hapi)
	s.registerPreview(hapi)
	s.registerDecisions(hapi)
	return s.withRequest(s.withFastAuthorize(hapi, s.withFastIngest(hapi, withProblemFallback(mux))))
}

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
	tag := strings.Split(strings.TrimPrefix(strings.TrimPrefix(path, "/v1"), "/"), "/")[0]
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
