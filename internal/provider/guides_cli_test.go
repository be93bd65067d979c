package provider

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The guides are run, not only read: every ```terraform and ```hcl block of every guide in
// templates/guides/ is applied, as written, through the CLI under test (TF_ACC_TERRAFORM_PATH:
// make test runs this under Terraform 1.11, Terraform 1.14 and OpenTofu 1.12) against a real
// Warden API, with this build of the provider.
//
// A guide's blocks accumulate into one configuration in the order a reader meets them; each
// is applied as it is added, then a plan must be empty, every resource and import target the
// blocks declare must be in state, and destroy must succeed. What a block needs from around
// it (warden_environment.production, a variable) is the guide's fixture below, prepended in a
// file of its own; the blocks themselves are never edited, except that the example ids of an
// import guide are replaced by the ids of the objects the fixture made through the API.
//
// A comment on the line before a block says how to treat it:
//
//	<!-- snippet: fragment: why -->   not applied (say why: what runs it instead)
//	<!-- snippet: alone: why -->      applied in a configuration of its own (an alternative to an earlier block)
//	<!-- snippet: terraform 1.14 -->  Terraform from 1.14 only (OpenTofu has no such feature)
//	<!-- snippet: cli 1.12 -->        Terraform or OpenTofu from 1.12
//	<!-- snippet: cli-config -->      a CLI configuration: the guide's blocks are applied once under each
//	<!-- snippet: run -->             a shell block the test runs (e.g. laying out a mirror) before those
//
// Every skipped block is logged with its reason; a guide without a fixture entry, an unknown
// mark, a guide with nothing to apply or a fixture for a guide that is gone fails the test.

// guideFixture is what a guide's blocks need around them.
type guideFixture struct {
	// hcl is prepended to the guide's blocks.
	hcl string
	// seed makes, through the API, the objects that exist before the guide starts, and
	// returns what replaces each of exampleIDs, the ids the guide shows.
	seed       func(ctx context.Context, t *testing.T, srv *acctest.Server) map[string]string
	exampleIDs []string
	// importGuide: the blocks are import blocks for objects without configuration; the guide
	// has Terraform write it (plan -generate-config-out) and promises a plan of imports only.
	importGuide bool
	// check, when set, looks at what the applied guide produced (run runs the CLI).
	check func(t *testing.T, run func(args ...string) (int, string))
	// elsewhere says why a guide has no block of its own to apply, and which test applies
	// what it shows.
	elsewhere string
}

var guideFixtures = map[string]guideFixture{
	// Its blocks are the CLI configurations and the version pin: a resource shows that the
	// provider was installed and works.
	"getting-started": {hcl: `
resource "warden_environment" "getting_started" {
  name  = "getting-started"
  cloud = "aws"
}
`},
	"alert-routing-end-to-end": {hcl: `
resource "warden_environment" "production" {
  name  = "production"
  cloud = "aws"
}
`, check: checkAlertmanagerConfig},
	"reviewing-access-changes": {hcl: `
resource "warden_environment" "production" {
  name  = "production"
  cloud = "gcp"
}
`},
	"alert-routing-opt-out": {hcl: `
resource "warden_environment" "production" {
  name                   = "production"
  cloud                  = "gcp"
  initial_vendor_routing = false
}

resource "warden_environment" "this" {
  for_each               = toset(["dev", "qa"])
  name                   = each.key
  cloud                  = "aws"
  initial_vendor_routing = false
}
`},
	"vendor-support-workflow": {hcl: `
variable "vendor_access_until" {
  type    = string
  default = null
}

resource "warden_environment" "staging" {
  name  = "staging"
  cloud = "aws"
}
`},
	"adopting-with-import-blocks": {importGuide: true, seed: seedImportGuide,
		exampleIDs: []string{"env_0123456789abcdef", "role_d5m8q2w7k4x9t3z6vbhnjcfr4p", "grp_p3h6w2k8m4q9t5x7zbjdnfrc2v"}},
	"adopting-with-terraform-query": {elsewhere: "its only block is what terraform query writes; TestAccListAdoption_generateConfig runs its steps"},
	"teams-and-environments":        {elsewhere: "it shows examples/teams/main.tf, which TestAccExamples_forEach applies"},
	"permissions-reference":         {elsewhere: "generated from internal/access, it holds no configuration"},
}

// seedImportGuide makes the objects the import blocks guide adopts: an environment, a role
// granted in it and assigned to a group, and the vendor's support access there.
func seedImportGuide(ctx context.Context, t *testing.T, srv *acctest.Server) map[string]string {
	c := srv.Client
	env := made(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "production", Cloud: "gcp"}))(t)
	role := made(c.CreateRole(ctx, api.RoleCreate{Name: "deployers", Permissions: []string{"users.read"}}))(t)
	group := made(c.CreateGroup(ctx, api.GroupCreate{Name: "sre"}))(t)
	made(c.CreateRoleAssignment(ctx, role.ID, api.RoleAssignmentCreate{GroupID: group.ID}))(t)
	made(c.CreateGrant(ctx, env.ID, api.GrantCreate{RoleID: role.ID, Permissions: []string{"deployment"}}))(t)
	made(c.CreateSupportAccess(ctx, env.ID, api.SupportAccessCreate{Tier: "operator"}))(t)
	return map[string]string{
		"env_0123456789abcdef":            env.ID,
		"role_d5m8q2w7k4x9t3z6vbhnjcfr4p": role.ID,
		"grp_p3h6w2k8m4q9t5x7zbjdnfrc2v":  group.ID,
	}
}

// checkAlertmanagerConfig reads the Alertmanager configuration the guide renders, as the
// guide has the reader write it out: a webhook receiver posting to the environment's ingest
// URL with its ingest key as bearer token.
func checkAlertmanagerConfig(t *testing.T, run func(args ...string) (int, string)) {
	code, out := run("output", "-raw", "alertmanager_config")
	if code != 0 {
		t.Fatalf("output -raw alertmanager_config: exit %d\n%s", code, out)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\s+"url": "http://127\.0\.0\.1:\d+/v1/environments/env_[a-z0-9]+/alerts"$`),
		regexp.MustCompile(`(?m)^\s+"credentials": "wik_[A-Za-z0-9_-]+"$`),
		regexp.MustCompile(`(?m)^\s+"type": "Bearer"$`),
		regexp.MustCompile(`(?m)^"receiver": "warden"$|^\s+"receiver": "warden"$`),
	} {
		if !want.MatchString(out) {
			t.Errorf("the rendered alertmanager.yml does not match %s:\n%s", want, out)
		}
	}
}

// snippet is one fenced block of a guide.
type snippet struct {
	guide string
	line  int // of the opening fence, in the template
	lang  string
	body  string
	// marks are the snippet comments before it: kind → argument.
	marks map[string]string
}

func (s snippet) String() string { return fmt.Sprintf("%s.md.tmpl:%d", s.guide, s.line) }

var (
	fenceOpen  = regexp.MustCompile("^```([a-z]*)\\s*$")
	snippetTag = regexp.MustCompile(`^<!-- snippet: ([a-z-]+)(?:[ :] *(.*?))? -->$`)
	knownMarks = []string{"fragment", "alone", "terraform", "cli", "cli-config", "run"}
)

// guideSnippets returns the fenced blocks of a guide template: all ```terraform and ```hcl
// blocks, and marked blocks of other languages.
func guideSnippets(t *testing.T, path string) []snippet {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	guide := strings.TrimSuffix(filepath.Base(path), ".md.tmpl")
	var out []snippet
	var cur *snippet
	marks := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur != nil && strings.TrimSpace(line) == "```":
			if cur.lang == "terraform" || cur.lang == "hcl" || len(cur.marks) > 0 {
				out = append(out, *cur)
			}
			cur = nil
		case cur != nil:
			cur.body += line + "\n"
		case fenceOpen.MatchString(line):
			cur = &snippet{guide: guide, line: n, lang: fenceOpen.FindStringSubmatch(line)[1], marks: marks}
			marks = map[string]string{}
		case snippetTag.MatchString(line):
			m := snippetTag.FindStringSubmatch(line)
			if !slices.Contains(knownMarks, m[1]) {
				t.Errorf("%s:%d: unknown snippet mark %q (known: %v)", path, n, m[1], knownMarks)
			}
			if m[1] == "fragment" && m[2] == "" {
				t.Errorf("%s:%d: a fragment says why it is not applied: <!-- snippet: fragment: why -->", path, n)
			}
			marks[m[1]] = m[2]
		case strings.Contains(line, "<!-- snippet"):
			t.Errorf("%s:%d: not a snippet mark (<!-- snippet: kind[: note] -->): %s", path, n, line)
		case strings.TrimSpace(line) != "":
			if len(marks) > 0 {
				t.Errorf("%s:%d: a snippet mark stands before this line, not before a block", path, n)
			}
			marks = map[string]string{}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Errorf("%s: a block opened on line %d is never closed", path, cur.line)
	}
	return out
}

// cli is the CLI under test.
type cli struct {
	path     string
	openTofu bool
	version  *version.Version
}

func (c cli) String() string {
	if c.openTofu {
		return "OpenTofu " + c.version.String()
	}
	return "Terraform " + c.version.String()
}

// skips reports why s does not run under c, or "".
func (c cli) skips(s snippet) string {
	if why, ok := s.marks["fragment"]; ok {
		return "a fragment: " + why
	}
	if v, ok := s.marks["terraform"]; ok {
		if c.openTofu {
			return "needs Terraform " + v + ": OpenTofu has no such feature"
		}
		if c.version.LessThan(version.Must(version.NewVersion(v))) {
			return "needs Terraform " + v + ", running " + c.String()
		}
	}
	if v, ok := s.marks["cli"]; ok && c.version.LessThan(version.Must(version.NewVersion(v))) {
		return "needs Terraform or OpenTofu " + v + ", running " + c.String()
	}
	return ""
}

func cliUnderTest(ctx context.Context, t *testing.T) cli {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		t.Skip("TF_ACC_TERRAFORM_PATH names no terraform")
	}
	cmd := exec.CommandContext(ctx, tf, "version", "-json")
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s version: %v", tf, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s version -json: %v", tf, err)
	}
	return cli{path: tf, openTofu: underOpenTofu(), version: version.Must(version.NewVersion(v.Version))}
}

// installation is how the CLI finds the provider: a CLI configuration, and whether it needs
// init (a mirror does; dev_overrides do not).
type installation struct {
	name   string
	config string
	init   bool
}

func TestAccGuides(t *testing.T) {
	// Cancelled when the test and all its parallel subtests are done, not when this returns.
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Minute)
	t.Cleanup(cancel)
	c := cliUnderTest(ctx, t)
	t.Parallel()
	paths, err := filepath.Glob("../../templates/guides/*.md.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 8 {
		t.Fatalf("found only %d guides", len(paths))
	}
	known := map[string]bool{}
	for _, path := range paths {
		known[strings.TrimSuffix(filepath.Base(path), ".md.tmpl")] = true
	}
	for guide := range guideFixtures {
		if !known[guide] {
			t.Errorf("guideFixtures names %s, which is not in templates/guides/ (renamed?)", guide)
		}
	}
	bin := buildBinaries(ctx, t)
	for _, path := range paths {
		guide := strings.TrimSuffix(filepath.Base(path), ".md.tmpl")
		snippets := guideSnippets(t, path)
		fx, ok := guideFixtures[guide]
		if !ok {
			t.Errorf("%s: a guide this test does not know: add it to guideFixtures (its fixture, or which test applies it)", path)
			continue
		}
		t.Run(guide, func(t *testing.T) {
			t.Parallel()
			runGuide(ctx, t, c, bin, fx, snippets)
		})
	}
}

func runGuide(ctx context.Context, t *testing.T, c cli, bin string, fx guideFixture, snippets []snippet) {
	var together, alone, runs []snippet
	var installs []installation
	for _, s := range snippets {
		switch {
		case hasMark(s, "cli-config"):
			mirror := strings.Contains(s.body, "filesystem_mirror")
			name := fmt.Sprintf("dev_overrides_line_%d", s.line)
			if mirror {
				name = fmt.Sprintf("filesystem_mirror_line_%d", s.line)
			}
			installs = append(installs, installation{name: name, config: s.body, init: mirror})
		case hasMark(s, "run"):
			runs = append(runs, s)
		case c.skips(s) != "":
			t.Logf("%s: skipped: %s", s, c.skips(s))
		case hasMark(s, "alone"):
			alone = append(alone, s)
		default:
			together = append(together, s)
		}
	}
	if len(together)+len(alone) == 0 {
		if fx.elsewhere == "" {
			t.Fatalf("nothing of this guide applies under %s, and guideFixtures names no test that applies it", c)
		}
		t.Skipf("no block of its own to apply under %s: %s", c, fx.elsewhere)
	}
	if len(installs) == 0 {
		installs = []installation{{name: "dev_overrides", config: fmt.Sprintf("provider_installation {\n  dev_overrides { \"wardenhq/warden\" = %q }\n  direct {}\n}\n", bin)}}
	}
	exampleIDs := map[string]bool{}
	for _, in := range installs {
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			work := t.TempDir()
			rc := filepath.Join(work, "cli.tfrc")
			writeFile(t, rc, installPaths(in.config, bin, work))
			for _, s := range runs {
				runShellSnippet(ctx, t, s, bin, work)
			}
			if len(together) > 0 {
				applyGuide(ctx, t, c, rc, in.init, fx, together)
			}
			for _, s := range alone {
				t.Run(fmt.Sprintf("line-%d", s.line), func(t *testing.T) {
					t.Parallel()
					applyGuide(ctx, t, c, rc, in.init, fx, []snippet{s})
				})
			}
		})
	}
	// Every example id the fixture replaces is still in the guide.
	if fx.seed != nil {
		for _, id := range fx.exampleIDs {
			exampleIDs[id] = slices.ContainsFunc(snippets, func(s snippet) bool { return strings.Contains(s.body, id) })
		}
		for id, found := range exampleIDs {
			if !found {
				t.Errorf("the fixture replaces %s, which none of the guide's blocks names any more", id)
			}
		}
	}
}

func hasMark(s snippet, kind string) bool { _, ok := s.marks[kind]; return ok }

// installPaths puts the test's directories where a getting-started CLI configuration names
// the user's: the binary's directory and the mirror.
func installPaths(config, bin, work string) string {
	return strings.NewReplacer(
		"/path/to/terraform-provider-warden/bin", bin,
		"/opt/terraform/providers", filepath.Join(work, "mirror"),
	).Replace(config)
}

// runShellSnippet runs a shell block as written in a directory holding bin/ (the binaries
// built for the test), with the mirror path of installPaths.
func runShellSnippet(ctx context.Context, t *testing.T, s snippet, bin, work string) {
	t.Helper()
	dir := filepath.Join(work, "checkout")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin, filepath.Join(dir, "bin")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", installPaths(s.body, bin, work))
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", s, err, out)
	}
}

// declared are the addresses a configuration puts in state: its resources (by prefix, for
// for_each and count) and the targets of its import blocks.
var (
	guideResourceBlock     = regexp.MustCompile(`(?m)^resource "([a-z0-9_]+)" "([a-z0-9_]+)"`)
	guideImportTarget      = regexp.MustCompile(`(?m)^\s*to\s*=\s*([a-z0-9_]+\.[a-z0-9_]+)\s*$`)
	guideImportBlock       = regexp.MustCompile(`(?m)^import \{`)
	guideRequiredProviders = regexp.MustCompile(`(?m)^\s*required_providers\s*\{`)
)

func declared(hcl string) []string {
	var out []string
	for _, m := range guideResourceBlock.FindAllStringSubmatch(hcl, -1) {
		out = append(out, m[1]+"."+m[2])
	}
	for _, m := range guideImportTarget.FindAllStringSubmatch(hcl, -1) {
		out = append(out, m[1])
	}
	return out
}

// applyGuide applies snippets one after the other on a fresh server, as a reader following
// the guide would, and then checks that they converged and destroy cleanly.
func applyGuide(ctx context.Context, t *testing.T, c cli, rc string, init bool, fx guideFixture, snippets []snippet) {
	t.Helper()
	srv := acctest.NewServer(t)
	ids := map[string]string{}
	if fx.seed != nil {
		ids = fx.seed(ctx, t, srv)
	}
	dir := t.TempDir()
	run := func(args ...string) (int, string) {
		t.Helper()
		cmd := exec.CommandContext(ctx, c.path, append(args, "-no-color")...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
			"WARDEN_ENDPOINT="+srv.URL, "WARDEN_TOKEN="+srv.Token)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			return ee.ExitCode(), string(out)
		case err != nil:
			t.Fatalf("%s %v: %v", c, args, err)
		}
		return 0, string(out)
	}

	all := fx.hcl
	for _, s := range snippets {
		all += s.body
	}
	// The provider block (configured from WARDEN_ENDPOINT and WARDEN_TOKEN), and the provider's
	// source unless a block of the guide declares it.
	head := "provider \"warden\" {}\n" + fx.hcl
	if !guideRequiredProviders.MatchString(all) {
		head = "terraform {\n  required_providers {\n    warden = { source = \"wardenhq/warden\" }\n  }\n}\n\n" + head
	}
	writeFile(t, filepath.Join(dir, "fixture.tf"), head)
	// With a mirror, init installs what the configuration so far requires, as a reader runs it
	// after adding a block: from the mirror, as the guide's lock file then records.
	initialize := func() {
		t.Helper()
		if !init {
			return
		}
		if code, out := run("init", "-input=false"); code != 0 {
			t.Fatalf("init with the guide's filesystem mirror: exit %d\n%s", code, out)
		}
		lock, err := os.ReadFile(filepath.Join(dir, ".terraform.lock.hcl"))
		host := "registry.terraform.io"
		if c.openTofu {
			host = "registry.opentofu.org"
		}
		if want := `provider "` + host + `/wardenhq/warden" {`; err != nil || !strings.Contains(string(lock), want) {
			t.Fatalf("the lock file after init does not record %s (%v):\n%s", want, err, lock)
		}
	}

	for _, s := range snippets {
		body := s.body
		for _, example := range fx.exampleIDs {
			id, ok := ids[example]
			if !ok {
				t.Fatalf("the fixture's seed made nothing for %s", example)
			}
			body = strings.ReplaceAll(body, example, id)
		}
		writeFile(t, filepath.Join(dir, fmt.Sprintf("%s_line_%d.tf", s.guide, s.line)), body)
		if fx.importGuide {
			continue
		}
		initialize()
		if code, out := run("apply", "-auto-approve", "-input=false"); code != 0 {
			t.Fatalf("%s, applied after the blocks before it: exit %d\n%s\n--- the block:\n%s", s, code, out, body)
		}
	}
	if fx.importGuide {
		initialize()
		// The guide's own steps: plan -generate-config-out, then a plan of imports only.
		imports := len(guideImportBlock.FindAllString(all, -1))
		want := fmt.Sprintf("Plan: %d to import, 0 to add, 0 to change, 0 to destroy.", imports)
		if code, out := run("plan", "-input=false", "-generate-config-out=generated.tf"); code != 0 || !strings.Contains(out, want) {
			t.Fatalf("plan -generate-config-out: exit %d, want %q\n%s", code, want, out)
		}
		generated, err := os.ReadFile(filepath.Join(dir, "generated.tf"))
		if err != nil {
			t.Fatal(err)
		}
		if code, out := run("plan", "-input=false", "-detailed-exitcode"); code != 2 || !strings.Contains(out, want) {
			t.Fatalf("the plan with the generated configuration does more than import: exit %d, want %q\n%s\n--- generated.tf:\n%s", code, want, out, generated)
		}
		if code, out := run("apply", "-auto-approve", "-input=false"); code != 0 {
			t.Fatalf("apply the imports: exit %d\n%s", code, out)
		}
	}

	if code, out := run("plan", "-input=false", "-detailed-exitcode"); code != 0 {
		t.Fatalf("the plan after applying the guide is not empty: exit %d\n%s", code, out)
	}
	if fx.check != nil {
		fx.check(t, run)
	}
	code, out := run("state", "list")
	if code != 0 {
		t.Fatalf("state list: exit %d\n%s", code, out)
	}
	state := strings.Fields(out)
	for _, addr := range declared(all) {
		if !slices.ContainsFunc(state, func(s string) bool { return s == addr || strings.HasPrefix(s, addr+"[") }) {
			t.Errorf("%s is not in state after the guide was applied; state: %v", addr, state)
		}
	}
	if code, out := run("destroy", "-auto-approve", "-input=false"); code != 0 {
		t.Fatalf("destroy: exit %d\n%s", code, out)
	}
}
