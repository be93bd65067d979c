package ui

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// The page's frame: its routes, the navigation, the security headers every answer carries,
// and rendering. A view is a handler returning a page (view.go's views); adding one is a
// handler, a template and, for a top-level view, a nav entry.

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// ContentSecurityPolicy is sent with every answer: no script at all, styles and images from
// the page's own origin, forms posted only to it, never framed.
const ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Config configures the review page.
type Config struct {
	Source Source
	// Now is the clock of session expiry; nil is time.Now.
	Now func() time.Time
	// IdleTimeout and MaxAge bound a session; 0 takes the defaults.
	IdleTimeout, MaxAge time.Duration
	// SecureCookies marks cookies Secure even on plain-HTTP requests (a TLS-terminating
	// proxy in front); a request over TLS always gets Secure cookies.
	SecureCookies bool
	// Logger receives the page's own errors (a failed read); nil discards.
	Logger *slog.Logger
}

// navEntry is one entry of the navigation bar.
type navEntry struct {
	Label, Path string
}

// nav is the navigation, in order.
var nav = []navEntry{
	{"Environments", "/ui/environments"},
	{"People", "/ui/people"},
	{"Who can", "/ui/who-can"},
	{"Vendor access", "/ui/vendor-access"},
	{"Vendor activity", "/ui/vendor-activity"},
	{"Audit log", "/ui/audit"},
}

// Handler serves the review page under /ui/.
type Handler struct {
	src      Source
	sessions *sessions
	secure   bool
	log      *slog.Logger
	now      func() time.Time
	pages    map[string]*template.Template
	mux      *http.ServeMux
}

// New builds the review page's handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Source == nil {
		return nil, errors.New("ui: no source")
	}
	h := &Handler{src: cfg.Source, secure: cfg.SecureCookies, log: cfg.Logger, now: cfg.Now}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	idle, maxAge := cfg.IdleTimeout, cfg.MaxAge
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	h.sessions = newSessions(idle, maxAge, h.now)
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	h.pages = pages
	h.mux = http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	h.mux.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", http.FileServerFS(static)))
	h.mux.HandleFunc("GET /ui/{$}", h.home)
	h.mux.HandleFunc("GET /ui/sign-in", h.signInForm)
	h.mux.HandleFunc("POST /ui/sign-in", h.signIn)
	h.mux.HandleFunc("POST /ui/sign-out", h.signOut)
	for _, v := range views {
		h.mux.HandleFunc("GET "+v.pattern, h.signedIn(v))
	}
	h.mux.HandleFunc("/ui/", func(w http.ResponseWriter, r *http.Request) {
		h.render(w, r, http.StatusNotFound, "problem", page{Title: "Not found", Data: &Problem{Status: http.StatusNotFound,
			Detail: fmt.Sprintf("No page at %s.", r.URL.Path)}})
	})
	return h, nil
}

// ServeHTTP answers every request under /ui/ with the page's security headers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	if !strings.HasPrefix(r.URL.Path, "/ui/static/") {
		hd.Set("Cache-Control", "no-store")
	}
	h.mux.ServeHTTP(w, r)
}

// Sessions reports how many sessions are live (for tests and metrics).
func (h *Handler) Sessions() int { return h.sessions.count() }

func (h *Handler) secureFor(r *http.Request) bool { return h.secure || r.TLS != nil }

// page is what a template renders.
type page struct {
	Title string
	// Nav is the current nav entry's path.
	Nav  string
	Who  *Principal
	CSRF string
	Data any
}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"when":     when,
		"instant":  instant,
		"count":    count,
		"nav":      func() []navEntry { return nav },
		"has":      func(set []string, v string) bool { return contains(set, v) },
		"join":     strings.Join,
		"orDash":   func(s string) string { return or(s, "—") },
		"nameOf":   func(names map[string]string, id string) string { return or(names[id], id) },
		"permName": permLabel,
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes a page into a buffer first, so that a template error becomes a 500 and not
// half a page; Server-Timing says how long the server took since the request arrived.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t := h.pages[name]
	var buf bytes.Buffer
	if t == nil {
		h.log.ErrorContext(r.Context(), "ui: no template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		h.log.ErrorContext(r.Context(), "ui: render", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	timing(w, r)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type startKey struct{}

func started(ctx context.Context) (time.Time, bool) {
	t, ok := ctx.Value(startKey{}).(time.Time)
	return t, ok
}

func timing(w http.ResponseWriter, r *http.Request) {
	if t, ok := started(r.Context()); ok {
		w.Header().Set("Server-Timing", fmt.Sprintf("app;dur=%.2f", float64(time.Since(t).Microseconds())/1000))
	}
}

func when(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return "—"
		}
		return v.UTC().Format("2006-01-02 15:04 UTC")
	case *time.Time:
		if v == nil {
			return "—"
		}
		return when(*v)
	}
	return fmt.Sprint(t)
}

// instant is a decision's time to the second: an engineer's checks come seconds apart.
func instant(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// count says n things: "1 person", "3 people".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func contains(set []string, v string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
