package apiserver

import (
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// POST /v1/environments/{id}/alerts is ingestion's hot path: Alertmanager posts each
// notification there. huma's generic handling of it — its middleware chain, a context per
// middleware, the input struct filled by reflection — was a few percent of the server's CPU
// per alert. withFastIngest answers the common request itself, as withFastAuthorize does
// authorize's: a plain webhook payload (decodePlainWebhook) sent as application/json with
// an ingest key, through the operation's own handler (s.ingestAlerts) and JSON format
// (strictJSON). Every other request — a user token, another content type or path spelling,
// a body decodePlainWebhook leaves to decodeJSON — reaches the huma operation untouched,
// body included. TestFastIngest_answersAsHuma holds the two paths to the same answers.

// ingestPath is the route withFastIngest serves.
const ingestPath = "/v1/environments/{id}/alerts"

// ingestBodyTimeout is the huma operation's BodyReadTimeout (registerAlerts).
const ingestBodyTimeout = 5 * time.Second

// withFastIngest serves POST /v1/environments/{id}/alerts's common requests itself and
// hands the rest to next.
func (s *Server) withFastIngest(hapi huma.API, next http.Handler) http.Handler {
	if route, ok := access.RouteFor(http.MethodPost, ingestPath); !ok || !route.Ingest {
		// The fast path takes the ingest key as authenticate does for an ingest route.
		panic("apiserver: " + ingestPath + " is missing from access.Routes, or is not an ingest route")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.noFastIngest.Load() || r.Method != http.MethodPost || !s.serveIngest(hapi, w, r) {
			next.ServeHTTP(w, r)
		}
	})
}

// ingestPathID is the environment id of a path ServeMux would route, as it is, to the
// ingest operation; false for any other path.
func ingestPathID(r *http.Request) (string, bool) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/environments/")
	if !ok || r.URL.RawPath != "" || path.Clean(r.URL.Path) != r.URL.Path {
		return "", false // another route, an escaped id, or a path ServeMux would redirect
	}
	id, ok := strings.CutSuffix(rest, "/alerts")
	return id, ok && id != "" && !strings.Contains(id, "/")
}

// serveIngest answers r and reports true, or reports false having written nothing,
// committed nothing, and left r's body as it found it.
func (s *Server) serveIngest(hapi huma.API, w http.ResponseWriter, r *http.Request) bool {
	id, ok := ingestPathID(r)
	if !ok || r.Header.Get("Content-Type") != "application/json" { // the type ingestSchema.decode reads plainly
		return false
	}
	if ct, err := hapi.Negotiate(r.Header.Get("Accept")); err != nil || ct != "application/json" {
		return false
	}
	auth := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !strings.HasPrefix(strings.TrimSpace(secret), store.IngestKeyPrefix) {
		return false // no key, or a user token: authenticate decides
	}
	body, ok := readPooledBody(w, r, ingestBodyTimeout)
	if !ok {
		return false
	}
	payload, ok := decodePlainWebhook(body.data)
	if !ok || !payload.plausible() {
		body.decline(r)
		return false
	}
	body.release() // the decoded strings are copies
	if ri := requestInfoFrom(r.Context()); ri != nil {
		ri.route = ingestPath // withRoute's, for the request metrics
	}
	out, err := s.ingestAlerts(r.Context(), &alertsIngestInput{ID: id, Authorization: auth, ContentType: "application/json"}, payload)
	if err != nil {
		writeHandlerError(r.Context(), w, r, err)
		return true
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_ = strictJSON.Marshal(w, out.Body)
	return true
}
