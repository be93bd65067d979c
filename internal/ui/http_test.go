package ui_test

import (
	"encoding/csv"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/apiserver"
	"github.com/wardenhq/terraform-provider-warden/internal/testserver"
	"github.com/wardenhq/terraform-provider-warden/internal/ui"
)

// The page over plain HTTP: sessions, CSRF, headers, escaping and the CSV export. The
// browser tests (browser_test.go) look at the same pages in Chromium.

// browser is an HTTP client with a cookie jar that does not follow redirects.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// reply is what the client kept of an answer, its body read and closed.
type reply struct {
	StatusCode int
	Header     http.Header
	cookies    []*http.Cookie
}

func (r *reply) Cookies() []*http.Cookie { return r.cookies }

func (b *browser) do(method, path string, form url.Values) (*reply, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(b.t.Context(), method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	return &reply{StatusCode: resp.StatusCode, Header: resp.Header, cookies: resp.Cookies()}, string(raw)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF field in the page:\n%s", page)
	}
	return m[1]
}

// signIn signs in with token through the form and returns the session's sign-out CSRF token.
func (b *browser) signIn(token string) string {
	b.t.Helper()
	_, form := b.do(http.MethodGet, "/ui/sign-in", nil)
	resp, _ := b.do(http.MethodPost, "/ui/sign-in", url.Values{"csrf": {csrfOf(b.t, form)}, "token": {token}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/environments" {
		b.t.Fatalf("sign-in answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := b.get("/ui/environments", http.StatusOK)
	return csrfOf(b.t, page)
}

func (b *browser) get(path string, want int) (*reply, string) {
	b.t.Helper()
	resp, body := b.do(http.MethodGet, path, nil)
	if resp.StatusCode != want {
		b.t.Fatalf("GET %s: %d, want %d:\n%s", path, resp.StatusCode, want, body)
	}
	return resp, body
}

func TestUI_signInKeepsTheTokenOnTheServer(t *testing.T) {
	o := startOrg(t)
	b := newBrowser(t, o.url)
	resp, form := b.get("/ui/sign-in", http.StatusOK)
	if got := resp.Header.Get("Content-Security-Policy"); got != ui.ContentSecurityPolicy {
		t.Errorf("CSP %q", got)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if strings.Contains(form, "<script") || strings.Contains(form, "style=") {
		t.Errorf("the page has inline script or style:\n%s", form)
	}
	resp, _ = b.do(http.MethodPost, "/ui/sign-in", url.Values{"csrf": {csrfOf(t, form)}, "token": {o.carolToken}})
	if resp.StatusCode != http.StatusSeeOther || strings.Contains(resp.Header.Get("Location"), o.carolToken) {
		t.Fatalf("sign-in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "warden_session" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Secure || session.Path != "/ui/" ||
		session.MaxAge <= 0 || strings.Contains(session.Value, o.carolToken) {
		t.Fatalf("session cookie %+v", session)
	}
	_, page := b.get("/ui/environments", http.StatusOK)
	for _, want := range []string{"production", "staging", "carol@example.com", "Sign out"} {
		if !strings.Contains(page, want) {
			t.Errorf("the environments page lacks %q", want)
		}
	}
	if strings.Contains(page, o.carolToken) {
		t.Error("the page shows the token")
	}
}

func TestUI_signInRefusals(t *testing.T) {
	o := startOrg(t)
	b := newBrowser(t, o.url)
	// No CSRF cookie and field (a form posted from elsewhere).
	resp, page := b.do(http.MethodPost, "/ui/sign-in", url.Values{"token": {o.carolToken}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "not sent from this page") {
		t.Errorf("without CSRF: %d\n%s", resp.StatusCode, page)
	}
	_, form := b.get("/ui/sign-in", http.StatusOK)
	bad := "wrong-token-" + strings.Repeat("x", 20)
	resp, page = b.do(http.MethodPost, "/ui/sign-in", url.Values{"csrf": {csrfOf(t, form)}, "token": {bad}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "unknown, revoked or expired") || strings.Contains(page, bad) {
		t.Errorf("unknown token: %d\n%s", resp.StatusCode, page)
	}
	// Without a session every view sends the browser to sign in.
	resp, _ = b.do(http.MethodGet, "/ui/people", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/sign-in" {
		t.Errorf("no session: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestUI_signOut(t *testing.T) {
	o := startOrg(t)
	b := newBrowser(t, o.url)
	csrf := b.signIn(o.carolToken)
	resp, _ := b.do(http.MethodPost, "/ui/sign-out", url.Values{"csrf": {"forged"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-out with a forged CSRF token: %d", resp.StatusCode)
	}
	b.get("/ui/environments", http.StatusOK) // still signed in
	resp, _ = b.do(http.MethodPost, "/ui/sign-out", url.Values{"csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/sign-in?from=signed-out" {
		t.Fatalf("sign-out: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = b.do(http.MethodGet, "/ui/environments", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d", resp.StatusCode)
	}
}

func TestUI_sessionEndsWithItsToken(t *testing.T) {
	o := startOrg(t)
	b := newBrowser(t, o.url)
	b.signIn(o.aliceToken)
	b.get("/ui/people/"+o.alice.ID, http.StatusOK)
	o.call(t, http.MethodDelete, "/v1/users/"+o.alice.ID+"/tokens/"+o.aliceTokenID, ownerToken, nil, nil, http.StatusNoContent)
	resp, _ := b.do(http.MethodGet, "/ui/people/"+o.alice.ID, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/sign-in?from=expired" {
		t.Fatalf("after the token's revocation: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestUI_sessionExpiresWhenIdle(t *testing.T) {
	o := startOrg(t)
	b := newBrowser(t, o.url)
	b.signIn(o.carolToken)
	o.step(ui.DefaultIdleTimeout - time.Minute)
	b.get("/ui/environments", http.StatusOK)
	o.step(ui.DefaultIdleTimeout)
	resp, _ := b.do(http.MethodGet, "/ui/environments", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("an idle session still answers: %d", resp.StatusCode)
	}
}

func TestUI_valuesAreEscaped(t *testing.T) {
	o := startOrg(t)
	b := newBrowser(t, o.url)
	b.signIn(o.carolToken)
	_, page := b.get("/ui/people", http.StatusOK)
	if strings.Contains(page, "<b>Brown</b>") || !strings.Contains(page, "Bob &lt;b&gt;Brown&lt;/b&gt;") {
		t.Errorf("bob's name is not escaped:\n%s", page)
	}
}

func TestUI_readsFollowTheEngine(t *testing.T) {
	o := startOrg(t)
	vendor := newBrowser(t, o.url)
	vendor.signIn(o.vicToken)
	// A vendor user reads the environments and their support access, itself, and no one
	// else: the API's read rules, in the engine's words.
	_, page := vendor.get("/ui/environments/"+o.production.ID, http.StatusOK)
	for _, want := range []string{"operator", "Not shown", "Vendor users read only themselves"} {
		if !strings.Contains(page, want) {
			t.Errorf("the vendor's environment page lacks %q", want)
		}
	}
	for _, never := range []string{"deployers", "oncall@example.com"} {
		if strings.Contains(page, never) {
			t.Errorf("the vendor's environment page shows %q", never)
		}
	}
	_, page = vendor.get("/ui/people", http.StatusForbidden)
	if strings.Contains(page, "alice@example.com") {
		t.Error("the vendor sees the people")
	}
	vendor.get("/ui/people/"+o.alice.ID, http.StatusForbidden)
	vendor.get("/ui/audit", http.StatusForbidden)
	vendor.get("/ui/review.csv", http.StatusForbidden)
	_, page = vendor.get("/ui/people/"+o.vic.ID, http.StatusOK)
	if !strings.Contains(page, o.vicTokenName) || strings.Contains(page, o.vicToken) {
		t.Errorf("the vendor's own page: token name shown %v, secret shown %v", strings.Contains(page, o.vicTokenName), strings.Contains(page, o.vicToken))
	}
	// Alice (a member without users.read) reads herself, not Bob; her refusal is audited.
	alice := newBrowser(t, o.url)
	alice.signIn(o.aliceToken)
	alice.get("/ui/people/"+o.alice.ID, http.StatusOK)
	alice.get("/ui/people/"+o.bob.ID, http.StatusForbidden)
	// The webhook's secret query value is cluster.admin's: Alice sees it redacted.
	_, page = alice.get("/ui/environments/"+o.production.ID, http.StatusOK)
	if strings.Contains(page, "hook-secret-value") || !strings.Contains(page, "hooks.example.com") {
		t.Errorf("alice's view of the webhook target:\n%s", page)
	}
}

func TestUI_reviewCSV(t *testing.T) {
	o := startOrg(t)
	b := newBrowser(t, o.url)
	b.signIn(o.carolToken)
	resp, body := b.get("/ui/environments/"+o.production.ID+"/review.csv", http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("content type %q, disposition %q", ct, resp.Header.Get("Content-Disposition"))
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "user_email,user_id,user_kind,environment,environment_id,action,permission,via" {
		t.Fatalf("header %v", rows[0])
	}
	want := map[string]bool{
		"alice@example.com apps.deploy deployment role deployers through group sre": false,
		"bob@example.com databases.create_tunnels tunnel role operators":            false,
		"vic@vendor.example support.read_log_streams support vendor support tier":   false,
	}
	for _, r := range rows[1:] {
		k := r[0] + " " + r[5] + " " + r[6] + " " + strings.Split(r[7], " (grant")[0]
		if _, ok := want[k]; ok {
			want[k] = true
		}
		if r[3] != "production" {
			t.Errorf("a row of another environment: %v", r)
		}
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("no row %q in\n%s", k, body)
		}
	}
}

func TestUI_secureCookiesBehindHTTPS(t *testing.T) {
	srv, err := apiserver.New(t.Context(), apiserver.Config{DB: filepath.Join(t.TempDir(), "w.db"), BootstrapToken: ownerToken,
		PublicURL: "https://warden.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	b := newBrowser(t, testserver.Start(t, srv.Handler()))
	_, form := b.get("/ui/sign-in", http.StatusOK)
	resp, _ := b.do(http.MethodPost, "/ui/sign-in", url.Values{"csrf": {csrfOf(t, form)}, "token": {ownerToken}})
	for _, c := range resp.Cookies() {
		if c.Name == "warden_session" && !c.Secure {
			t.Errorf("the session cookie is not Secure behind https: %+v", c)
		}
	}
}
