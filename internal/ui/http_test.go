package ui_test

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
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

func TestUI_whoCan(t *testing.T) {
	o := startOrg(t)
	b := newBrowser(t, o.url)
	b.signIn(o.carolToken)
	_, page := b.get("/ui/who-can", http.StatusOK)
	for _, want := range []string{`<label for="environment_id">`, `<label for="action">`, `<option value="` + o.production.ID + `">production</option>`,
		`<option value="apps.deploy"`, `<option value="operator.port_forward_metrics"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the who-can form lacks %s", want)
		}
	}
	if strings.Contains(page, "<table") || strings.Contains(page, "<script") || strings.Contains(page, "style=") {
		t.Errorf("the empty form shows a table, a script or an inline style:\n%s", page)
	}
	ask := func(env, action string, want int) string {
		t.Helper()
		_, page := b.get("/ui/who-can?"+url.Values{"environment_id": {env}, "action": {action}}.Encode(), want)
		return page
	}
	page = ask(o.production.ID, "apps.deploy", http.StatusOK)
	// Bob's name is escaped where it appears; deployers hold deployment through sre.
	for _, want := range []string{"alice@example.com", "bob@example.com", "owner@warden.local", "role <strong>deployers</strong> through group <strong>sre</strong>: <code>deployment</code>"} {
		if !strings.Contains(page, want) {
			t.Errorf("who can apps.deploy lacks %s:\n%s", want, page)
		}
	}
	// A tier capability: the vendor with its request and expiry; not the members.
	page = ask(o.production.ID, "support.read_log_streams", http.StatusOK)
	for _, want := range []string{"vic@vendor.example", `href="/ui/vendor-activity?access_request_id=` + o.approved.ID + `"`, "until 2026-03-02 17:30 UTC"} {
		if !strings.Contains(page, want) {
			t.Errorf("who can support.read_log_streams lacks %s:\n%s", want, page)
		}
	}
	if strings.Contains(page, "wendy@vendor.example") || strings.Contains(page, `href="/ui/people/`+o.alice.ID+`"`) {
		t.Error("who can support.read_log_streams lists someone without a tier")
	}
	// Nobody: staging's access needs a request again, and nobody holds one there.
	page = ask(o.staging.ID, "operator.reboot_host", http.StatusOK)
	if !strings.Contains(page, "Nobody may do <code>operator.reboot_host</code> in staging.") {
		t.Errorf("who can reboot staging's hosts:\n%s", page)
	}
	// The API's errors, under the form.
	page = ask(o.production.ID, "<b>apps.deploi</b>", http.StatusUnprocessableEntity)
	if !strings.Contains(page, "neither an action of the permissions matrix") || strings.Contains(page, "<b>apps") {
		t.Errorf("an unknown action, escaped:\n%s", page)
	}
	page = ask("env_nosuch", "apps.deploy", http.StatusNotFound)
	if !strings.Contains(page, "env_nosuch") || !strings.Contains(page, `<form class="filter"`) {
		t.Errorf("an unknown environment:\n%s", page)
	}
	ask(o.production.ID, "", http.StatusUnprocessableEntity)

	// Members without users.read and vendors are refused, and the refusal is audited as the
	// API audits a refused request.
	alice := newBrowser(t, o.url)
	alice.signIn(o.aliceToken)
	_, page = alice.get("/ui/who-can?environment_id="+o.production.ID+"&action=apps.deploy", http.StatusForbidden)
	if !strings.Contains(page, "users.read") || strings.Contains(page, "bob@example.com") {
		t.Errorf("alice's who-can:\n%s", page)
	}
	vendor := newBrowser(t, o.url)
	vendor.signIn(o.vicToken)
	_, page = vendor.get("/ui/who-can?environment_id="+o.production.ID+"&action=operator.reboot_host", http.StatusForbidden)
	if !strings.Contains(page, "cluster.admin") || strings.Contains(page, "<table") {
		t.Errorf("the vendor's who-can of a capability:\n%s", page)
	}
	var events api.List[api.AuditEvent]
	o.call(t, http.MethodGet, "/v1/audit-events?actor_id="+o.vic.ID, ownerToken, nil, &events, http.StatusOK)
	audited := false
	for _, e := range events.Items {
		audited = audited || strings.Contains(string(e.After), "/v1/environments/{id}/principals (review page /ui/who-can)")
	}
	if !audited {
		t.Errorf("the vendor's refused who-can is not audited: %+v", events.Items)
	}
}

func TestUI_vendorActivity(t *testing.T) {
	o := startOrg(t)
	// 120 more checks by Vic, a second apart: two pages.
	for i := range 120 {
		o.step(time.Second)
		o.authorize(t, o.vicToken, o.vic.ID, o.production.ID, "support.read_parameters", fmt.Sprintf("aw_param-%03d", i), true)
	}
	if err := o.srv.FlushDecisions(t.Context()); err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile(`<tr><td>(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC)</td>`)
	times := func(page string) []string {
		var out []string
		for _, m := range rows.FindAllStringSubmatch(page, -1) {
			out = append(out, m[1])
		}
		return out
	}
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	b := newBrowser(t, o.url)
	b.signIn(o.carolToken)
	_, page := b.get("/ui/vendor-activity?environment_id="+o.production.ID+"&allowed=&since=&until=", http.StatusOK)
	first := times(page)
	m := next.FindStringSubmatch(page)
	if len(first) != 100 || m == nil {
		t.Fatalf("the first page has %d decisions, next link %v", len(first), m)
	}
	link := strings.ReplaceAll(m[1], "&amp;", "&")
	if strings.Contains(link, "allowed=") || !strings.Contains(link, "environment_id="+o.production.ID) {
		t.Errorf("the next page's link %s", link)
	}
	_, page = b.get(link, http.StatusOK)
	second := times(page)
	if len(second) != 24 || next.MatchString(page) { // 20 more of Vic's, and the seed's 4 in production
		t.Fatalf("the second page has %d decisions", len(second))
	}
	all := append(first, second...)
	if !slices.IsSortedFunc(all, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("not newest first: %v", all)
	}
	// Filters: denied only, one vendor, a time window, an access request.
	_, page = b.get("/ui/vendor-activity?allowed=false", http.StatusOK)
	if n := len(times(page)); n != 3 || strings.Contains(page, "status-allowed") {
		t.Errorf("denied only: %d decisions", n)
	}
	_, page = b.get("/ui/vendor-activity?principal_id="+o.wendy.ID, http.StatusOK)
	if n := len(times(page)); n != 2 || strings.Contains(page, "aw_param-") {
		t.Errorf("wendy's: %d decisions", n)
	}
	_, page = b.get("/ui/vendor-activity?since=2026-03-02T13:57:00Z&until=2026-03-02T13:58:00Z", http.StatusOK)
	if got := times(page); strings.Join(got, ",") != "2026-03-02 13:58:00 UTC,2026-03-02 13:57:00 UTC" {
		t.Errorf("13:57 to 13:58: %v", got)
	}
	_, page = b.get("/ui/vendor-activity?access_request_id="+o.approved.ID, http.StatusOK)
	if n := len(times(page)); n != 100 || strings.Contains(page, "denied</span>") {
		t.Errorf("through the approved request: %d decisions on the first page", n)
	}
	// Bad filters are said under the form.
	_, page = b.get("/ui/vendor-activity?allowed=maybe", http.StatusUnprocessableEntity)
	if !strings.Contains(page, "allowed is true") {
		t.Errorf("allowed=maybe:\n%s", page)
	}
	_, page = b.get("/ui/vendor-activity?since=yesterday", http.StatusUnprocessableEntity)
	if !strings.Contains(page, "since is not a time") {
		t.Errorf("since=yesterday:\n%s", page)
	}
	b.get("/ui/vendor-activity?cursor=forged", http.StatusUnprocessableEntity)

	// A vendor reads its own decisions only, as the API narrows them; naming another vendor
	// is refused.
	vendor := newBrowser(t, o.url)
	vendor.signIn(o.wendyToken)
	_, page = vendor.get("/ui/vendor-activity", http.StatusOK)
	if n := len(times(page)); n != 2 || strings.Contains(page, "vic@vendor.example") || strings.Contains(page, "aw_param-") {
		t.Errorf("wendy's own activity: %d decisions\n%s", n, page)
	}
	_, page = vendor.get("/ui/vendor-activity?principal_id="+o.vic.ID, http.StatusForbidden)
	if strings.Contains(page, "aw_param-") {
		t.Error("wendy reads vic's decisions")
	}
}
