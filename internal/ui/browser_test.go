package ui_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
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
	mustSee(t, "production's matrix", strings.Join(marks, " "), "deployers:00010100", "operators:01000101", "reviewers:10000000")
	screenshot(t, ctx, "ui-environment")

	text = visit(t, ctx, o.url+"/ui/people")
	mustSee(t, "the people list", text, "alice@example.com", "Bob <b>Brown</b>", "vic@vendor.example", "5 of 5 people")
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
}
