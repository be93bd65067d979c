package ui

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"sync"
	"time"
)

// Sessions: server-side, in memory. The browser holds only a random id in an HttpOnly,
// SameSite=Strict cookie (Secure under TLS); the session holds the token's credential (its
// hash), never the secret. A session ends after IdleTimeout without a request, after MaxAge
// in any case, at sign-out, and as soon as its token stops authenticating. Sessions do not
// survive a restart and are not shared between replicas: signing in again is the cost.

const (
	sessionCookie = "warden_session"
	// signInCookie carries the sign-in form's CSRF token (double submit): before sign-in
	// there is no session to keep it in.
	signInCookie = "warden_signin"
	// DefaultIdleTimeout and DefaultMaxAge bound a session.
	DefaultIdleTimeout = 8 * time.Hour
	DefaultMaxAge      = 12 * time.Hour
	// maxSessions bounds memory; the oldest session goes first.
	maxSessions = 10000
)

type session struct {
	id       string
	csrf     string
	cred     Credential
	who      Principal
	created  time.Time
	lastSeen time.Time
}

type sessions struct {
	mu     sync.Mutex
	byID   map[string]*session
	idle   time.Duration
	maxAge time.Duration
	now    func() time.Time
}

func newSessions(idle, maxAge time.Duration, now func() time.Time) *sessions {
	return &sessions{byID: map[string]*session{}, idle: idle, maxAge: maxAge, now: now}
}

// randomID is 256 random bits, URL-safe.
func randomID() string { return rand.Text() + rand.Text() }

// create starts a session for who.
func (s *sessions) create(cred Credential, who Principal) *session {
	now := s.now()
	ss := &session{id: randomID(), csrf: randomID(), cred: cred, who: who, created: now, lastSeen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked(now)
	if len(s.byID) >= maxSessions {
		var oldest *session
		for _, o := range s.byID {
			if oldest == nil || o.lastSeen.Before(oldest.lastSeen) {
				oldest = o
			}
		}
		delete(s.byID, oldest.id)
	}
	s.byID[ss.id] = ss
	return ss
}

func (s *sessions) expireLocked(now time.Time) {
	for id, ss := range s.byID {
		if !s.live(ss, now) {
			delete(s.byID, id)
		}
	}
}

func (s *sessions) live(ss *session, now time.Time) bool {
	return now.Sub(ss.lastSeen) < s.idle && now.Sub(ss.created) < s.maxAge
}

// get returns the request's live session, touching it, or nil.
func (s *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.byID[c.Value]
	if ss == nil {
		return nil
	}
	if !s.live(ss, now) {
		delete(s.byID, ss.id)
		return nil
	}
	ss.lastSeen = now
	cp := *ss
	return &cp
}

func (s *sessions) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, id)
}

func (s *sessions) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byID)
}

// sameToken compares two CSRF tokens in constant time; an empty one matches nothing.
func sameToken(a, b string) bool {
	return a != "" && b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// cookie is one of the page's cookies: HttpOnly, SameSite=Strict, scoped to /ui/, Secure when
// the request came over TLS (or the server says it is served over https).
func cookie(name, value string, maxAge int, secure bool) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/ui/", MaxAge: maxAge, HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteStrictMode}
}
