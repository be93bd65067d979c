package apiserver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// POST /v1/authorize is the API's hot path: an enforcement point asks it before each action.
// huma's generic handling of a request — the body decoded twice (into a map for the schema's
// validation, then into the struct), a context per middleware, responses written through
// reflection — costs about a third of the server's CPU per check. withFastAuthorize answers
// the common request without it, through the same parts huma's operation uses: the bearer
// check (authenticateBearer), the body decoding (decodeJSON), the handler (s.authorize) and
// the JSON format (strictJSON). Every other request — no or an unknown token, a refused
// route, a body the schema or decodeJSON would refuse, another content type — reaches the
// huma operation untouched, body included, which answers it as the OpenAPI document says.
// TestFastAuthorize_answersAsHuma holds the two paths to the same answers.

// authorizePath is the one route withFastAuthorize serves.
const authorizePath = "/v1/authorize"

// authorizeBodyTimeout is how long the body may take to arrive: huma's default
// (Operation.BodyReadTimeout), which the huma operation applies.
const authorizeBodyTimeout = 5 * time.Second

// withFastAuthorize serves POST /v1/authorize's common requests itself and hands the rest
// to next.
func (s *Server) withFastAuthorize(hapi huma.API, next http.Handler) http.Handler {
	route, ok := access.RouteFor(http.MethodPost, authorizePath)
	if !ok || len(route.Query) > 0 {
		// The fast path checks the route with no parameters (serveAuthorize): a rule reading
		// the query would need routeParams' answer here too.
		panic("apiserver: " + authorizePath + " is missing from access.Routes, or its check reads the query")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.noFastAuthorize.Load() || r.Method != http.MethodPost || r.URL.Path != authorizePath || !s.serveAuthorize(hapi, route, w, r) {
			next.ServeHTTP(w, r)
		}
	})
}

// serveAuthorize answers r and reports true, or reports false having written nothing,
// recorded nothing, and left r's body as it found it.
func (s *Server) serveAuthorize(hapi huma.API, route access.Route, w http.ResponseWriter, r *http.Request) bool {
	if ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); strings.TrimSpace(ct) != "application/json" {
		return false
	}
	if ct, err := hapi.Negotiate(r.Header.Get("Accept")); err != nil || ct != "application/json" {
		return false
	}
	scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return false
	}
	a, denial, err := s.authenticateBearer(r.Context(), secret, route, map[string]string{})
	if err != nil || a.p == nil || denial != nil {
		return false // huma's operation answers 401, 403 (audited) or 500
	}
	body, ok := readPooledBody(w, r, authorizeBodyTimeout)
	if !ok {
		return false
	}
	var in authorizeInput
	if in.Body, ok = readAuthorizeBody(body.data); !ok {
		in.Body = api.AuthorizeRequest{}
		ok = decodeJSON(body.data, &in.Body) == nil
	}
	if !ok || !complete(in.Body) {
		body.decline(r)
		return false
	}
	body.release() // the decoded strings are copies
	if ri := requestInfoFrom(r.Context()); ri != nil {
		ri.route = authorizePath // withRoute's, for the request metrics
	}
	ctx := context.WithValue(r.Context(), principalKey{}, a)
	out, err := s.authorize(ctx, &in)
	if err != nil {
		writeHandlerError(ctx, w, r, err)
		return true
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_ = strictJSON.Marshal(w, out.Body)
	return true
}

// readAuthorizeBody reads the body every client sends — one object of AuthorizeRequest's
// fields, each once, each a string with no escape, control character or invalid UTF-8 —
// exactly as decodeJSON would, without reflection. It reports false for anything else,
// which decodeJSON then judges.
func readAuthorizeBody(data []byte) (api.AuthorizeRequest, bool) {
	var b api.AuthorizeRequest
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return b, false
	}
	var seen [4]bool
	for first := true; ; first = false {
		i = skipSpace(data, i+1)
		if first && i < len(data) && data[i] == '}' {
			break
		}
		key, j, ok := plainString(data, i)
		if !ok {
			return b, false
		}
		i = skipSpace(data, j)
		if i >= len(data) || data[i] != ':' {
			return b, false
		}
		val, j, ok := plainString(data, skipSpace(data, i+1))
		if !ok {
			return b, false
		}
		var field *string
		var n int
		switch key {
		case "principal_id":
			field, n = &b.PrincipalID, 0
		case "environment_id":
			field, n = &b.EnvironmentID, 1
		case "action":
			field, n = &b.Action, 2
		case "resource":
			field, n = &b.Resource, 3
		default:
			return b, false
		}
		if seen[n] {
			return b, false
		}
		seen[n], *field = true, val
		i = skipSpace(data, j)
		if i >= len(data) {
			return b, false
		}
		if data[i] == '}' {
			break
		}
		if data[i] != ',' {
			return b, false
		}
	}
	return b, skipSpace(data, i+1) == len(data)
}

// skipSpace returns the index of the first byte at or after i that is not JSON whitespace.
func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// plainString reads the JSON string at data[i] when its bytes are its value (no escape,
// no control character, valid UTF-8), returning the value and the index after it.
func plainString(data []byte, i int) (string, int, bool) {
	if i >= len(data) || data[i] != '"' {
		return "", i, false
	}
	ascii := true
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			raw := data[i+1 : j]
			if !ascii && !utf8.Valid(raw) {
				return "", i, false
			}
			return string(raw), j + 1, true
		case c == '\\' || c < 0x20:
			return "", i, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", i, false
}

// bodyBuffers are the buffers bodies are read into: io.ReadAll's, made anew for each
// request, were the path's largest allocation, and allocation is what sets how often the
// garbage collector runs.
var bodyBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

// maxPooledBody is the largest buffer kept for another request.
const maxPooledBody = 64 << 10

// pooledBody is a request's body read into a buffer of bodyBuffers.
type pooledBody struct {
	buf  *[]byte
	data []byte
}

// readPooledBody reads r's body within timeout, as huma does before reading one (the
// server's read timeout still bounds the request); on a read error it has given r its body
// back, as decline does, and reports false.
func readPooledBody(w http.ResponseWriter, r *http.Request, timeout time.Duration) (pooledBody, bool) {
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(timeout))
	b := pooledBody{}
	b.buf, _ = bodyBuffers.Get().(*[]byte)
	var err error
	if b.data, err = readAll((*b.buf)[:0], r.Body); err != nil {
		b.decline(r)
		return b, false
	}
	return b, true
}

// decline gives r its body back as it arrived, for the huma operation.
func (b pooledBody) decline(r *http.Request) { r.Body = readBack(b.data, r.Body) }

// release returns the buffer for another request once nothing refers to the body's bytes.
func (b pooledBody) release() {
	if cap(b.data) <= maxPooledBody {
		*b.buf = b.data
		bodyBuffers.Put(b.buf)
	}
}

// readAll is io.ReadAll into buf.
func readAll(buf []byte, r io.Reader) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// complete reports whether b has what the schema requires: each required field non-empty.
func complete(b api.AuthorizeRequest) bool {
	return b.PrincipalID != "" && b.EnvironmentID != "" && b.Action != ""
}

// readBack is a body that reads read again and then what is left of rest: a request
// declined after its body was (partly) read reaches the huma operation as it arrived, a
// read error (http.MaxBytesReader's) included.
func readBack(read []byte, rest io.ReadCloser) io.ReadCloser {
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(read), rest), rest}
}

// writeHandlerError answers a handler's error as huma's operation does: a problem as it is,
// anything else as a 500 whose error only the request's log line carries.
func writeHandlerError(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
	var he huma.HeadersError
	if errors.As(err, &he) {
		for k, vs := range he.GetHeaders() {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
	}
	var p *problemError
	if !errors.As(err, &p) {
		if ri := requestInfoFrom(ctx); ri != nil {
			ri.err = err
		}
		p = internalProblem()
	}
	if ri := requestInfoFrom(ctx); ri != nil {
		p.RequestID = ri.id
	}
	p.Instance = r.URL.Path
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = strictJSON.Marshal(w, p)
}
