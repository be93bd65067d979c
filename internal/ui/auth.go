package ui

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Signing in and out. The token is pasted into a form and POSTed: it never appears in a URL,
// a log line or a page, and is verified exactly as the API verifies a bearer token. Both
// forms carry a CSRF token besides SameSite=Strict: the sign-in form's is a double-submit
// cookie (there is no session yet), the sign-out form's the session's own.

// maxTokenLength bounds what the sign-in form accepts (tokens are far shorter).
const maxTokenLength = 4096

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	if h.sessions.get(r) == nil {
		http.Redirect(w, r, "/ui/sign-in", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, nav[0].Path, http.StatusSeeOther)
}

// signInNotice is what the sign-in page says after a redirect, keyed by ?from=.
var signInNotice = map[string]string{
	"signed-out": "You are signed out.",
	"expired":    "Your session ended: the token stopped authenticating, or the session expired. Sign in again.",
}

type signInData struct {
	Notice, Error string
}

func (h *Handler) signInForm(w http.ResponseWriter, r *http.Request) {
	if h.sessions.get(r) != nil {
		http.Redirect(w, r, nav[0].Path, http.StatusSeeOther)
		return
	}
	h.signInPage(w, r, http.StatusOK, signInData{Notice: signInNotice[r.URL.Query().Get("from")]})
}

func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request, status int, d signInData) {
	csrf := randomID()
	http.SetCookie(w, cookie(signInCookie, csrf, 3600, h.secureFor(r)))
	h.render(w, r, status, "sign-in", page{Title: "Sign in", CSRF: csrf, Data: d})
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 2*maxTokenLength)
	if err := r.ParseForm(); err != nil {
		h.signInPage(w, r, http.StatusBadRequest, signInData{Error: "The form could not be read; paste the token again."})
		return
	}
	c, err := r.Cookie(signInCookie)
	if err != nil || !sameToken(c.Value, r.PostForm.Get("csrf")) {
		h.signInPage(w, r, http.StatusForbidden, signInData{Error: "The sign-in form expired or was not sent from this page; paste the token again."})
		return
	}
	token := strings.TrimSpace(r.PostForm.Get("token"))
	if token == "" || len(token) > maxTokenLength {
		h.signInPage(w, r, http.StatusUnprocessableEntity, signInData{Error: "Paste an API token (from POST /v1/users/{id}/tokens) into the Token field."})
		return
	}
	cred, who, err := h.src.SignIn(r.Context(), token)
	switch {
	case errors.Is(err, ErrSignedOut):
		h.signInPage(w, r, http.StatusUnauthorized, signInData{Error: "That token is unknown, revoked or expired."})
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	// A new id at every sign-in: no session id known before it (fixation) survives it.
	if old := h.sessions.get(r); old != nil {
		h.sessions.delete(old.id)
	}
	ss := h.sessions.create(cred, who)
	secure := h.secureFor(r)
	http.SetCookie(w, cookie(signInCookie, "", -1, secure))
	http.SetCookie(w, cookie(sessionCookie, ss.id, int(h.sessions.maxAge/time.Second), secure))
	http.Redirect(w, r, nav[0].Path, http.StatusSeeOther)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	ss := h.sessions.get(r)
	if ss == nil {
		http.Redirect(w, r, "/ui/sign-in", http.StatusSeeOther)
		return
	}
	if err := r.ParseForm(); err != nil || !sameToken(ss.csrf, r.PostForm.Get("csrf")) {
		h.render(w, r, http.StatusForbidden, "problem", page{Title: "Not signed out", Who: &ss.who, CSRF: ss.csrf,
			Data: &Problem{Status: http.StatusForbidden, Detail: "The sign-out form was not sent from this page; use the Sign out button."}})
		return
	}
	h.sessions.delete(ss.id)
	http.SetCookie(w, cookie(sessionCookie, "", -1, h.secureFor(r)))
	http.Redirect(w, r, "/ui/sign-in?from=signed-out", http.StatusSeeOther)
}

// signedIn serves v for a live session, or sends the browser to sign in.
func (h *Handler) signedIn(v view) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ss := h.sessions.get(r)
		if ss == nil {
			http.Redirect(w, r, "/ui/sign-in", http.StatusSeeOther)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), startKey{}, time.Now()))
		if err := v.serve(h, w, r, ss); err != nil {
			if errors.Is(err, ErrSignedOut) {
				h.sessions.delete(ss.id)
				http.SetCookie(w, cookie(sessionCookie, "", -1, h.secureFor(r)))
				http.Redirect(w, r, "/ui/sign-in?from=expired", http.StatusSeeOther)
				return
			}
			var p *Problem
			if errors.As(err, &p) {
				h.render(w, r, p.Status, "problem", page{Title: http.StatusText(p.Status), Nav: v.nav, Who: &ss.who, CSRF: ss.csrf, Data: p})
				return
			}
			h.fail(w, r, err)
		}
	}
}

// fail answers an unexpected error with a 500 that says nothing of it; the log has it.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.log.ErrorContext(r.Context(), "ui: request failed", "path", r.URL.Path, "error", err)
	h.render(w, r, http.StatusInternalServerError, "problem", page{Title: "Server error",
		Data: &Problem{Status: http.StatusInternalServerError, Detail: "The server failed to answer; the server's log has the details."}})
}
