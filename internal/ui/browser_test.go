package ui_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The page in a real browser: Debian's chromium, headless, driven by chromedp. A reviewer
// signs in, opens every view of the seeded organization and signs out; a vendor's token
// sees only what the engine lets vendors read. Each view is photographed at 1280×800: into
// WARDEN_UI_SCREENSHOTS when it is set (make screenshots sets it to docs/images), else into
// the test's temporary directory.

// screenshotsEnv names the directory the screenshots go to.
const screenshotsEnv = "WARDEN_UI_SCREENSHOTS"

// chromiumPath finds the browser; without one the test fails in CI (which must run it) and
// skips elsewhere, saying how to get it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium on PATH: run .ci/install-chromium.sh (make test does), or apt-get install chromium"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// newTab starts a headless chromium for the test and returns a tab's context.
func newTab(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // chromium's sandbox refuses to run as root
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// visit opens path and returns the page's visible text.
func visit(t *testing.T, ctx context.Context, url string) string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	return bodyText(t, ctx)
}

// bodyText is the page's visible text.
func bodyText(t *testing.T, ctx context.Context) string {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// textOf is the visible text of the elements sel selects (a table, not the page's chrome
// and forms), joined.
func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll(`+"`"+sel+"`"+`)).map(e => e.innerText).join("\n")`))
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func mustSee(t *testing.T, page, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s does not show %q; it shows:\n%s", page, w, text)
		}
	}
}

func mustNotSee(t *testing.T, page, text string, nevers ...string) {
	t.Helper()
	for _, n := range nevers {
		if strings.Contains(text, n) {
			t.Errorf("%s shows %q", page, n)
		}
	}
}

// screenshot writes the viewport as name.png.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv(screenshotsEnv)
	if dir == "" {
		dir = t.TempDir()
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if len(png) < 1000 || string(png[1:4]) != "PNG" {
		t.Fatalf("screenshot %s is no PNG (%d bytes)", name, len(png))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// signInWith fills the sign-in form with token, as a person would (keyboard into the
// labelled field), and submits it.
func signInWith(t *testing.T, ctx context.Context, o *org, token string) string {
	t.Helper()
	visit(t, ctx, o.url+"/ui/sign-in")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`input#token`), token),
		chromedp.Submit(chromedp.CSS(`input#token`)),
		chromedp.WaitVisible(chromedp.CSS(`nav[aria-label="Main"]`))); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(url, token) {
		t.Fatalf("the token is in the address bar: %s", url)
	}
	return bodyText(t, ctx)
}

func TestBrowser_reviewerSeesEveryView(t *testing.T) {
	o := startOrg(t)
	ctx := newTab(t)

	text := visit(t, ctx, o.url+"/ui/")
	mustSee(t, "the sign-in page", text, "Sign in", "API token")
	screenshot(t, ctx, "ui-sign-in")

	text = signInWith(t, ctx, o, o.carolToken)
	mustSee(t, "the environments list", text, "Environments", "production", "staging", "gcp", "stg_", "Signed in as carol@example.com")
	screenshot(t, ctx, "ui-environments")

	text = visit(t, ctx, o.url+"/ui/environments/"+o.production.ID)
	mustSee(t, "production's page", text, "Environment production", "deployers", "operators", "reviewers",
		"environment admin", "full visibility", "sensitive access", "tunnel",
		"Tier", "operator", "active", "2026-04-01 09:00 UTC", "each vendor user asks",
		"Vendor routing: on", "oncall@example.com", "hook-secret-value", "critical",
		"Recent deliveries", "delivered", "undeliverable")
	// The matrix: deployers hold deployment and ops, nothing else.
	marks, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("table.matrix tbody tr")).map(r =>
		r.querySelector("th").innerText + ":" + Array.from(r.querySelectorAll("td")).slice(0, 8).map(c => c.innerText.includes("✔") ? "1" : "0").join(""))`))
	if err != nil {
		t.Fatal(err)
	}
	// Columns in access.PermissionNames() order.
	mustSee(t, "production's matrix", strings.Join(marks, " "), "deployers:00010100", "operators:01000101", "reviewers:10000000", "dbas:00000010")
	screenshot(t, ctx, "ui-environment")

	text = visit(t, ctx, o.url+"/ui/people")
	mustSee(t, "the people list", text, "alice@example.com", "Bob <b>Brown</b>", "vic@vendor.example", "6 of 6 people")
	screenshot(t, ctx, "ui-people")

	text = visit(t, ctx, o.url+"/ui/people/"+o.alice.ID)
	mustSee(t, "alice's page", text, "alice@example.com", "Alice Adams", "Effective access",
		"deployers through group sre", "deployment", "environment_admin", "production", "staging",
		"Groups", "sre", "alice-laptop", "2026-05-31 09:00 UTC", "conducts.read")
	mustNotSee(t, "alice's page", text, o.aliceToken)
	screenshot(t, ctx, "ui-person")

	text = visit(t, ctx, o.url+"/ui/vendor-access")
	mustSee(t, "the vendor access list", text, "production", "staging", "operator", "per request", "1")
	screenshot(t, ctx, "ui-vendor-access")

	text = visit(t, ctx, o.url+"/ui/environments/"+o.production.ID+"/vendor-access")
	mustSee(t, "production's vendor timeline", text, "Vendor access timeline: production", "from the audit log",
		"support access granted", "requested", "approved", "denied", "expired", "vic@vendor.example", "carol@example.com",
		"INC-1042 cache evictions", "read the logs of INC-1043")
	// Newest first: the last approval above the first request.
	if strings.Index(text, "read the logs of INC-1043") > strings.Index(text, "INC-1042 cache evictions") {
		t.Errorf("the timeline is not newest first:\n%s", text)
	}
	screenshot(t, ctx, "ui-timeline")
	text = visit(t, ctx, o.url+"/ui/environments/"+o.staging.ID+"/vendor-access")
	mustSee(t, "staging's vendor timeline", text, "standing access on", "standing access off")

	whoCan(t, ctx, o)
	vendorActivity(t, ctx, o)

	text = visit(t, ctx, o.url+"/ui/audit?environment_id="+o.production.ID)
	mustSee(t, "the audit log", text, "Audit log", "environment.create", "grant.create", "access_request.approve", "owner@warden.local")
	mustNotSee(t, "the audit log filtered to production", text, "user.create")
	screenshot(t, ctx, "ui-audit")

	// The keyboard reaches the navigation first (after the skip link), and each form field
	// has its label.
	labelled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`Array.from(document.querySelectorAll("form.filter input")).every(i => i.labels.length === 1)`))
	if err != nil || !labelled {
		t.Errorf("an audit filter field has no label (%v)", err)
	}

	// Sign out: the session ends, and the views ask for a token again.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form.who button`)), chromedp.WaitVisible(chromedp.CSS(`input#token`))); err != nil {
		t.Fatal(err)
	}
	text = bodyText(t, ctx)
	mustSee(t, "the page after sign-out", text, "You are signed out.")
	text = visit(t, ctx, o.url+"/ui/people")
	mustSee(t, "a view after sign-out", text, "Sign in")
	mustNotSee(t, "a view after sign-out", text, "alice@example.com")
}

func TestBrowser_vendorSeesOnlyItsScope(t *testing.T) {
	o := startOrg(t)
	ctx := newTab(t)
	text := signInWith(t, ctx, o, o.vicToken)
	mustSee(t, "the vendor's environments list", text, "production", "staging", "vendor")

	text = visit(t, ctx, o.url+"/ui/environments/"+o.production.ID)
	mustSee(t, "the vendor's view of production", text, "operator", "active", "Not shown", "Vendor users read only themselves")
	mustNotSee(t, "the vendor's view of production", text, "deployers", "operators", "oncall@example.com", "hooks.example.com")
	screenshot(t, ctx, "ui-vendor-environment")

	for _, p := range []string{"/ui/people", "/ui/people/" + o.alice.ID, "/ui/audit"} {
		text = visit(t, ctx, o.url+p)
		mustSee(t, "the vendor's "+p, text, "Forbidden")
		mustNotSee(t, "the vendor's "+p, text, "alice@example.com", "carol@example.com", "grant.create")
	}
	text = visit(t, ctx, o.url+"/ui/people/"+o.vic.ID)
	mustSee(t, "the vendor's own page", text, "vic@vendor.example", "vic-oncall", "Access requests", "approved", "denied", "support.read_log_streams")
	mustNotSee(t, "the vendor's own page", text, o.vicToken)

	text = visit(t, ctx, o.url+"/ui/environments/"+o.production.ID+"/vendor-access")
	mustSee(t, "the vendor's timeline", text, "from the access requests", "requested", "approved")
	mustNotSee(t, "the vendor's timeline", text, "carol@example.com")

	// Who may do a matrix action is other members' access: refused, in the engine's words,
	// and no list.
	text = visit(t, ctx, o.url+"/ui/who-can?environment_id="+o.production.ID+"&action=databases.read_credentials")
	mustSee(t, "the vendor's who-can", text, "Who can", `needs the platform permission "users.read"`)
	mustNotSee(t, "the vendor's who-can", text, "alice@example.com", "owner@warden.local", "dbas")
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.who-can").length`)); err != nil || n != 0 {
		t.Errorf("the vendor's who-can shows a list (%d tables, %v)", n, err)
	}

	// Vic's activity: his own decisions only, never Wendy's.
	text = visit(t, ctx, o.url+"/ui/vendor-activity")
	mustSee(t, "the vendor's activity", text, "3 decisions, newest first", "vic@vendor.example", "aw_api-logs", "billing-db", "through access request")
	mustNotSee(t, "the vendor's activity", text, "wendy@vendor.example", "stg_cache-1")
	if got := textOf(t, ctx, "select#principal_id option"); got != "Everyone\nvic@vendor.example (you)" {
		t.Errorf("the vendor's principal filter offers %q", got)
	}
	text = visit(t, ctx, o.url+"/ui/vendor-activity?principal_id="+o.wendy.ID)
	mustSee(t, "the vendor's activity of another vendor", text, "Reading a vendor user's decisions needs")
	mustNotSee(t, "the vendor's activity of another vendor", text, "stg_cache-1", "decisions, newest first")
}

// whoCan asks the "Who can" form with the keyboard, as a reviewer would: the environment
// typed into its select, the action into its field, Enter.
func whoCan(t *testing.T, ctx context.Context, o *org) {
	t.Helper()
	text := visit(t, ctx, o.url+"/ui/who-can")
	mustSee(t, "the who-can form", text, "Who can", "Environment", "Action or tier capability")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`select#environment_id`), "production"),
		chromedp.SendKeys(chromedp.CSS(`input#action`), "databases.read_credentials"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`table.who-can`))); err != nil {
		t.Fatalf("asking who can: %v", err)
	}
	url, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.Contains(url, "environment_id="+o.production.ID) || !strings.Contains(url, "action=databases.read_credentials") {
		t.Errorf("the form asked %s", url)
	}
	text = bodyText(t, ctx)
	mustSee(t, "who can read production's database credentials", text, "Who can databases.read_credentials in production", "3 people",
		"alice@example.com", "role dbas held directly: sensitive_access", "role dbas through group sre: sensitive_access",
		"bob@example.com", "owner@warden.local", "organization role account_owner held directly: environment_admin in every environment")
	mustNotSee(t, "who can read production's database credentials", textOf(t, ctx, "main"), "carol@example.com", "vic@vendor.example")
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("table.who-can tbody tr")).map(r =>
		r.querySelector("th").innerText + ":" + r.querySelectorAll("div.via").length)`))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows, " "); got != "alice@example.com:2 bob@example.com:1 owner@warden.local:1" {
		t.Errorf("who can, person:reasons: %s", got)
	}
	labelled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`Array.from(document.querySelectorAll("form.filter input, form.filter select")).every(i => i.labels.length === 1)`))
	if err != nil || !labelled {
		t.Errorf("a who-can field has no label (%v)", err)
	}
	screenshot(t, ctx, "ui-who-can")

	// A tier capability: the vendor who holds it, through which request, until when.
	text = visit(t, ctx, o.url+"/ui/who-can?environment_id="+o.production.ID+"&action=support.read_log_streams")
	mustSee(t, "who can read production's log streams", text, "1 person", "vic@vendor.example", "vendor",
		"tier support through access request "+o.approved.ID+", until 2026-03-02 17:30 UTC")
	// An unknown action: the API's did-you-mean, under the form.
	text = visit(t, ctx, o.url+"/ui/who-can?environment_id="+o.production.ID+"&action=databases.read_credential")
	mustSee(t, "who can with a typo", text, `"databases.read_credential" is neither an action of the permissions matrix nor a vendor tier capability.`,
		`Did you mean "databases.read_credentials"?`)
}

// vendorActivity reads the decision log as a reviewer: newest first, with what allowed each
// decision, filtered and linked from the pages that lead to it.
func vendorActivity(t *testing.T, ctx context.Context, o *org) {
	t.Helper()
	text := visit(t, ctx, o.url+"/ui/environments/"+o.production.ID)
	mustSee(t, "production's page", text, "Vendor activity")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main a[href^="/ui/vendor-activity?environment_id="]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.activity`))); err != nil {
		t.Fatalf("following the vendor activity link: %v", err)
	}
	text = bodyText(t, ctx)
	mustSee(t, "production's vendor activity", text, "4 decisions in production, newest first", "vic@vendor.example", "wendy@vendor.example",
		"support.read_log_streams", "operator.reboot_host", "aw_api-logs", "aw_cache-1", "billing-db", "allowed", "denied",
		"tier support through access request "+o.approved.ID, "2026-03-02 13:56:00 UTC")
	mustNotSee(t, "production's vendor activity", text, "stg_cache-1")
	// Newest first: each row's time is not after the one above it, and the rows are the seed's
	// production decisions in reverse.
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("table.activity tbody tr")).map(r =>
		Array.from(r.cells).slice(0, 5).map(c => c.innerText.trim()).join("|"))`))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, d := range slices.Backward(o.decisions) {
		if d.req.EnvironmentID != o.production.ID {
			continue
		}
		email := map[string]string{o.vic.ID: "vic@vendor.example", o.wendy.ID: "wendy@vendor.example"}[d.req.PrincipalID]
		want = append(want, strings.Join([]string{d.at.UTC().Format("2006-01-02 15:04:05 UTC"), email, d.req.Action,
			d.req.Resource, map[bool]string{true: "allowed", false: "denied"}[d.Allowed]}, "|"))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("production's vendor activity rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	screenshot(t, ctx, "ui-vendor-activity")

	// Denied only, from the form.
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`select#allowed`), "false"), chromedp.Submit(chromedp.CSS(`select#allowed`)),
		chromedp.WaitVisible(chromedp.CSS(`table.activity`))); err != nil {
		t.Fatal(err)
	}
	text = bodyText(t, ctx)
	mustSee(t, "production's denied vendor activity", text, "3 decisions in production, newest first", "billing-db", "aw_cache-1")
	mustNotSee(t, "production's denied vendor activity", text, "through access request")

	// Standing access in staging, from the timeline's link.
	visit(t, ctx, o.url+"/ui/environments/"+o.staging.ID+"/vendor-access")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main a[href^="/ui/vendor-activity?environment_id="]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.activity`))); err != nil {
		t.Fatalf("following the timeline's vendor activity link: %v", err)
	}
	text = bodyText(t, ctx)
	mustSee(t, "staging's vendor activity", text, "1 decision in staging", "wendy@vendor.example", "stg_cache-1", "tier operator through standing access")

	// One vendor's, from its page.
	visit(t, ctx, o.url+"/ui/people/"+o.vic.ID)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main a[href^="/ui/vendor-activity?principal_id="]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.activity`))); err != nil {
		t.Fatalf("following the vendor's activity link: %v", err)
	}
	text = bodyText(t, ctx)
	mustSee(t, "vic's activity", text, "3 decisions, newest first", "vic@vendor.example")
	mustNotSee(t, "vic's activity", textOf(t, ctx, "table.activity"), "wendy@vendor.example")
}
