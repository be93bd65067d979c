package apiserver

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// requestInfo travels in the request context so that problems can quote the request id,
// idempotency can hash the route, and the log line can name an internal error.
type requestInfo struct {
	// id is the server's own id of the request, always generated: it is what the response
	// (X-Request-Id, a problem's request_id), the log and the audit log identify it by.
	id string
	// clientID is the caller's X-Request-Id when usable, kept apart for correlation only: a
	// caller chooses it, so it identifies nothing the server relies on.
	clientID string
	method   string
	path     string
	// query is the query string in canonical form (canonicalQuery), for idempotency.
	query string
	// base is the scheme and host the request was sent to (http://127.0.0.1:8080): the
	// server's own address as its caller knows it, for URLs it hands out (an ingest URL).
	base string
	// route is the template of the route that matched (withRoute), for the request metrics.
	route string
	err   error // set when a 5xx is produced; logged, never sent
}

type requestInfoKey struct{}

func requestInfoFrom(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return ri
}

// validRequestID accepts a caller's X-Request-Id only when it is short and printable, so
// that it can go into logs and the audit log verbatim.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// canonicalQuery is raw in one form whatever the order of its parameters: sorted by name,
// each name's values in the order sent (which may matter to a handler). A query that does not
// parse is kept verbatim: it differs from every other.
func canonicalQuery(raw string) string {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return raw
	}
	return v.Encode()
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// RequestLogMessage is the message of the one log line each request gets.
const RequestLogMessage = "request"

// withRequest is the outermost middleware: request id, bounded body, panic recovery,
// exactly one log line per request and the request metrics.
func (s *Server) withRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &requestInfo{id: "req_" + strings.ToLower(rand.Text()), method: r.Method, path: r.URL.Path, query: canonicalQuery(r.URL.RawQuery)}
		ri.base = "http://" + r.Host
		if r.TLS != nil {
			ri.base = "https://" + r.Host
		}
		if cid := r.Header.Get("X-Request-Id"); validRequestID(cid) {
			ri.clientID = cid
		}
		w.Header().Set("X-Request-Id", ri.id)
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, ri))
		// MaxBytesReader (unlike a plain LimitReader) also tells the server to close the
		// connection instead of draining an oversized body.
		r.Body = http.MaxBytesReader(w, r.Body, s.maxBody)
		// The API speaks only JSON. curl -d labels bodies as form data; read them as the JSON
		// they are, so that the plain-curl path answers with field-level problems, not 415.
		// The review page (/ui/) posts real forms.
		if ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); strings.TrimSpace(ct) == "application/x-www-form-urlencoded" &&
			!strings.HasPrefix(r.URL.Path, "/ui/") {
			r.Header.Set("Content-Type", "application/json")
		}
		rec := &statusRecorder{ResponseWriter: w}
		// Deferred first, so that it runs last: also after an aborted handler's panic.
		s.metrics.RequestStarted()
		defer func() {
			s.metrics.RequestDone(r.Method, metricsRoute(ri, r), cmp.Or(rec.status, http.StatusOK), time.Since(start))
		}()
		defer func() {
			if v := recover(); v != nil {
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				ri.err = fmt.Errorf("panic: %v", v)
				if rec.status == 0 {
					writeProblem(rec, r, internalProblem())
				}
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", rec.status),
				slog.Duration("duration", time.Since(start)),
				slog.String("request_id", ri.id),
				slog.Int64("bytes", rec.bytes),
			}
			if ri.clientID != "" {
				attrs = append(attrs, slog.String("client_request_id", ri.clientID))
			}
			level := slog.LevelInfo
			if ri.err != nil {
				attrs = append(attrs, slog.String("error", ri.err.Error()))
				level = slog.LevelError
			}
			s.log.LogAttrs(r.Context(), level, RequestLogMessage, attrs...)
		}()
		next.ServeHTTP(rec, r)
	})
}

// metricsRoute is the template of the route that answered r: the API operation's, else the
// pattern of the route the mux matched (huma's documents), else "" (no route matched).
func metricsRoute(ri *requestInfo, r *http.Request) string {
	if ri.route != "" {
		return ri.route
	}
	if _, path, ok := strings.Cut(r.Pattern, " "); ok {
		return path
	}
	return r.Pattern
}

// withProblemFallback answers requests that match no route (404) or no method (405) with
// problem+json instead of ServeMux's plain text, keeping the error format uniform.
func withProblemFallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// Let the mux decide between 404 and 405 (and its Allow header), then replace its body.
		probe := &headerProbe{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if probe.status == 0 || probe.status < 400 {
			// A redirect (e.g. path cleaning): pass the mux's answer through.
			mux.ServeHTTP(w, r)
			return
		}
		if allow := probe.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		detail := fmt.Sprintf("No route matches %s %s.", r.Method, r.URL.Path)
		if probe.status == http.StatusMethodNotAllowed {
			detail = fmt.Sprintf("%s is not allowed on %s; allowed: %s.", r.Method, r.URL.Path, probe.header.Get("Allow"))
		}
		writeProblem(w, r, newProblem(probe.status, codeForStatus(probe.status), "", detail))
	})
}

// headerProbe records what a handler would answer without sending anything.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header { return p.header }
func (p *headerProbe) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}

func (p *headerProbe) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}
