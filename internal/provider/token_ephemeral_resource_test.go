package provider

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// Ephemeral resources arrived in Terraform 1.10 and OpenTofu 1.11 (whose version numbers are
// past 1.10 too), so a plain SkipBelow gates them under both CLIs.
var ephemeralCLIs = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)}

// withEcho adds the echo provider, which carries ephemeral values into the state so that
// tests can check the non-secret ones.
func withEcho() map[string]func() (tfprotov6.ProviderServer, error) {
	fs := map[string]func() (tfprotov6.ProviderServer, error){"echo": echoprovider.NewProviderServer()}
	for k, v := range testAccProtoV6ProviderFactories {
		fs[k] = v
	}
	return fs
}

// tokenRecorder is a reverse proxy in front of a test server that remembers every token
// secret the server hands out. Terraform keeps ephemeral values to itself, so this is how a
// test learns the secrets: to prove that none reached a plan or a state, and that each one
// stops working once Terraform is done.
type tokenRecorder struct {
	URL string
	mu  sync.Mutex
	ids map[string]string // token id → secret
	// bearers holds the bearer token of every request, by "METHOD /path".
	bearers map[string][]string
}

func newTokenRecorder(t *testing.T, target string) *tokenRecorder {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rec := &tokenRecorder{ids: map[string]string{}, bearers: map[string][]string{}}
	proxy := &httputil.ReverseProxy{}
	proxy.Rewrite = func(pr *httputil.ProxyRequest) {
		rec.mu.Lock()
		route := pr.In.Method + " " + pr.In.URL.Path
		rec.bearers[route] = append(rec.bearers[route], strings.TrimPrefix(pr.In.Header.Get("Authorization"), "Bearer "))
		rec.mu.Unlock()
		pr.SetURL(u)
	}
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method != http.MethodPost || !strings.HasSuffix(resp.Request.URL.Path, "/tokens") || resp.StatusCode != http.StatusCreated {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		var tok api.Token
		if err := json.Unmarshal(body, &tok); err == nil && tok.Secret != "" {
			rec.mu.Lock()
			rec.ids[tok.ID] = tok.Secret
			rec.mu.Unlock()
		}
		return nil
	}
	hs := httptest.NewServer(proxy)
	t.Cleanup(hs.Close)
	rec.URL = hs.URL
	return rec
}

// minted returns every token minted so far, id → secret.
func (r *tokenRecorder) minted() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]string, len(r.ids))
	for k, v := range r.ids {
		out[k] = v
	}
	return out
}

// sentWith returns an error unless route ("GET /v1/users/usr_1") was requested, each time
// with a token minted through the proxy.
func (r *tokenRecorder) sentWith(route string) error {
	r.mu.Lock()
	bearers := append([]string(nil), r.bearers[route]...)
	r.mu.Unlock()
	if len(bearers) == 0 {
		return fmt.Errorf("no request %s", route)
	}
	minted := map[string]bool{}
	for _, secret := range r.minted() {
		minted[secret] = true
	}
	for _, b := range bearers {
		if !minted[b] {
			return fmt.Errorf("a request %s carried a token that was not minted by warden_token", route)
		}
	}
	return nil
}

// leaked returns an error naming the first minted secret found in doc (a plan or a state as
// `terraform show -json` renders it, sensitive values included), or an ephemeral resource
// among addresses (what the plan or the state records).
func (r *tokenRecorder) leaked(what string, doc any, addresses []string) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	minted := r.minted()
	if len(minted) == 0 {
		return errors.New("no token was minted yet")
	}
	for id, secret := range minted {
		if bytes.Contains(b, []byte(secret)) {
			return fmt.Errorf("the %s holds the secret of token %s", what, id)
		}
	}
	for _, a := range addresses {
		if strings.HasPrefix(a, "ephemeral.") {
			return fmt.Errorf("the %s records %s", what, a)
		}
	}
	return nil
}

// noSecretInState fails when the state holds any token secret minted so far.
type noSecretInState struct{ rec *tokenRecorder }

func (c noSecretInState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	var addresses []string
	if req.State != nil && req.State.Values != nil && req.State.Values.RootModule != nil {
		for _, r := range req.State.Values.RootModule.Resources {
			addresses = append(addresses, r.Address)
		}
	}
	if len(addresses) == 0 {
		resp.Error = errors.New("the state holds no resources to check")
		return
	}
	resp.Error = c.rec.leaked("state", req.State, addresses)
}

// noSecretOnDisk fails when any file of the test's Terraform working directory (found by
// marker, a value only this test's state holds) contains a minted secret: the state file and
// its backup as Terraform wrote them, and the saved plan (a zip archive, read entry by entry).
type noSecretOnDisk struct {
	rec    *tokenRecorder
	marker string
}

func (c noSecretOnDisk) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	files, err := c.check()
	if err != nil {
		resp.Error = err
		return
	}
	// Both artifacts Terraform writes: the state, and the saved plan with its state snapshots.
	if !slices.Contains(files, "terraform.tfstate") || !slices.Contains(files, "tfplan!tfplan") {
		resp.Error = fmt.Errorf("read %v, want the state file and the saved plan among them", files)
	}
}

// check returns the files it read (archive entries as archive!entry), or an error.
func (c noSecretOnDisk) check() (files []string, err error) {
	tmp := os.Getenv("TF_ACC_TEMP_DIR")
	if tmp == "" {
		tmp = os.TempDir()
	}
	states, err := filepath.Glob(filepath.Join(tmp, "plugintest*", "work*", "terraform.tfstate"))
	if err != nil {
		return nil, err
	}
	var dir string
	for _, st := range states {
		if b, err := os.ReadFile(st); err == nil && bytes.Contains(b, []byte(c.marker)) {
			dir = filepath.Dir(st)
		}
	}
	if dir == "" {
		return nil, fmt.Errorf("no working directory under %s holds a state naming %s", tmp, c.marker)
	}
	secrets := c.rec.minted()
	scan := func(name string, b []byte) error {
		for id, secret := range secrets {
			if bytes.Contains(b, []byte(secret)) {
				return fmt.Errorf("%s holds the secret of token %s", name, id)
			}
		}
		files = append(files, strings.TrimPrefix(name, dir+string(filepath.Separator)))
		return nil
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := scan(p, b); err != nil {
			return err
		}
		// A saved plan is a zip archive: its entries are compressed, so read each one.
		var entries []*zip.File
		if zr, zerr := zip.NewReader(bytes.NewReader(b), int64(len(b))); zerr == nil {
			entries = zr.File
		}
		for _, f := range entries {
			rc, err := f.Open()
			if err != nil {
				return err
			}
			entry, err := io.ReadAll(rc)
			_ = rc.Close()
			if err != nil {
				return err
			}
			if err := scan(p+"!"+f.Name, entry); err != nil {
				return err
			}
		}
		return nil
	})
	return files, err
}

// noSecretInPlan fails when the plan holds any token secret minted so far (the plan's own
// Open has minted one by then).
type noSecretInPlan struct{ rec *tokenRecorder }

func (c noSecretInPlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	var addresses []string
	for _, rc := range req.Plan.ResourceChanges {
		addresses = append(addresses, rc.Address)
	}
	resp.Error = c.rec.leaked("plan", req.Plan, addresses)
}

// allRevoked checks that every token minted for userID was revoked: each recorded secret
// gets 401, and the audit log pairs every token.create for the user with a token.delete.
func allRevoked(srv *acctest.Server, rec *tokenRecorder, userID string, atLeast int) error {
	ctx := context.Background()
	minted := rec.minted()
	if len(minted) < atLeast {
		return fmt.Errorf("%d tokens minted, want at least %d (one per plan and per apply)", len(minted), atLeast)
	}
	for id, secret := range minted {
		c, err := client.New(client.Config{Endpoint: srv.URL, Token: secret, RetryMax: -1})
		if err != nil {
			return err
		}
		_, err = c.PermissionMatrix(ctx)
		var apiErr *client.APIError
		switch {
		case err == nil:
			return fmt.Errorf("token %s still authenticates after the run", id)
		case !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized:
			return fmt.Errorf("token %s after the run: want 401: %w", id, err)
		}
	}
	events, err := srv.Client.ListAuditEvents(ctx, client.AuditFilter{})
	if err != nil {
		return err
	}
	live := map[string]bool{}
	for _, e := range events {
		if e.ObjectType != "token" {
			continue
		}
		switch e.Action {
		case "token.create":
			var tok api.Token
			if json.Unmarshal(e.After, &tok) == nil && tok.UserID == userID {
				live[e.ObjectID] = true
			}
		case "token.delete":
			delete(live, e.ObjectID)
		}
	}
	if len(live) > 0 {
		return fmt.Errorf("tokens of user %s never revoked: %v", userID, live)
	}
	return nil
}

func TestAccTokenEphemeralResource_basic(t *testing.T) {
	srv := acctest.NewServer(t)
	rec := newTokenRecorder(t, srv.URL)
	ctx := context.Background()
	// A plain member: it may read itself, and nothing else about users.
	ci, err := srv.Client.CreateUser(ctx, api.UserCreate{Email: "ci@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`
provider "warden" {
  endpoint = %[1]q
  token    = %[2]q
}

ephemeral "warden_token" "ci" {
  user_id = %[3]q
  ttl     = "15m"
  name    = "ci-job"
}

# Configured from the ephemeral token: what it reads, it reads as the CI user.
provider "warden" {
  alias    = "minted"
  endpoint = %[1]q
  token    = ephemeral.warden_token.ci.token
}

data "warden_user" "self" {
  provider = warden.minted
  id       = %[3]q
}

# The echo provider carries the token's non-secret values into the state for the checks.
provider "echo" {
  data = {
    id         = ephemeral.warden_token.ci.id
    user_id    = ephemeral.warden_token.ci.user_id
    name       = ephemeral.warden_token.ci.name
    ttl        = ephemeral.warden_token.ci.ttl
    expires_at = ephemeral.warden_token.ci.expires_at
  }
}

resource "echo" "token" {}
`, rec.URL, srv.Token, ci.ID)
	var tokenID string
	start := time.Now()
	data := func(key string) tfjsonpath.Path { return tfjsonpath.New("data").AtMapKey(key) }

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralCLIs,
		ProtoV6ProviderFactories: withEcho(),
		// Every token minted (one at least for the plan, the apply and the plan after it) was revoked.
		CheckDestroy: func(*terraform.State) error { return allRevoked(srv, rec, ci.ID, 3) },
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{noSecretInPlan{rec}},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.warden_user.self", tfjsonpath.New("email"), knownvalue.StringExact("ci@example.com")),
					statecheck.ExpectKnownValue("echo.token", data("id"), knownvalue.StringFunc(func(v string) error {
						if _, ok := rec.minted()[v]; !ok {
							return fmt.Errorf("id %q is not a token minted through the API", v)
						}
						tokenID = v
						return nil
					})),
					statecheck.ExpectKnownValue("echo.token", data("user_id"), knownvalue.StringExact(ci.ID)),
					statecheck.ExpectKnownValue("echo.token", data("name"), knownvalue.StringExact("ci-job")),
					statecheck.ExpectKnownValue("echo.token", data("ttl"), knownvalue.StringExact("15m")),
					statecheck.ExpectKnownValue("echo.token", data("expires_at"), knownvalue.StringFunc(func(v string) error {
						at, err := time.Parse(time.RFC3339, v)
						if err != nil {
							return err
						}
						if lo, hi := start.Add(15*time.Minute).Truncate(time.Second), time.Now().Add(15*time.Minute); at.Before(lo) || at.After(hi) {
							return fmt.Errorf("expires_at %s is not 15 minutes after minting (between %s and %s)", v, lo, hi)
						}
						return nil
					})),
					noSecretInState{rec},
					noSecretOnDisk{rec: rec, marker: ci.ID},
					stateCheckFunc(func() error {
						// The data source read went out with a minted token, never the owner's;
						// and the apply's token is already revoked, with the plan's.
						if err := rec.sentWith("GET /v1/users/" + ci.ID); err != nil {
							return err
						}
						if tokenID == "" {
							return errors.New("no token id echoed")
						}
						return allRevoked(srv, rec, ci.ID, 2)
					}),
				},
			},
		},
	})
}

// stateCheckFunc is a state check that needs only the API, run after the others.
type stateCheckFunc func() error

func (f stateCheckFunc) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f()
}

// errorOn matches a diagnostic with summary on the attribute attr (the CLI quotes the source
// line, `attr = "value"`, of the attribute at fault), whose detail has phrases in order.
func errorOn(summary, attr, value string, phrases ...string) *regexp.Regexp {
	line := fmt.Sprintf(`\d+:\s+%s\s+=\s+%s`, regexp.QuoteMeta(attr), regexp.QuoteMeta(strconv.Quote(value)))
	detail := strings.TrimPrefix(wrappedRegexp(phrases...).String(), "(?s)")
	return regexp.MustCompile(`(?s)` + regexp.QuoteMeta(summary) + `.*` + line + `.*` + detail)
}

// The API refuses to mint for a user the caller does not cover (access.Policy.CanMintToken)
// or for a user that does not exist: the API's words, on user_id.
func TestAccTokenEphemeralResource_refused(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	owner, err := srv.Client.FindUserByEmail(ctx, "owner@warden.local")
	if err != nil {
		t.Fatal(err)
	}
	// An administrator of users who holds users.admin and nothing more: the owner is out of reach.
	admin, err := srv.Client.CreateUser(ctx, api.UserCreate{Email: "admin@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	role, err := srv.Client.CreateRole(ctx, api.RoleCreate{Name: "user-admins", Permissions: []string{"users.admin"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client.CreateRoleAssignment(ctx, role.ID, api.RoleAssignmentCreate{UserID: admin.ID}); err != nil {
		t.Fatal(err)
	}
	tok, err := srv.Client.CreateToken(ctx, admin.ID, api.TokenCreate{Name: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	// A token of the admin's that lives half an hour: what it mints lives no longer.
	halfHour := time.Now().Add(30 * time.Minute)
	short, err := srv.Client.CreateToken(ctx, admin.ID, api.TokenCreate{Name: "short", ExpiresAt: &halfHour})
	if err != nil {
		t.Fatal(err)
	}
	configAs := func(token, userID, ttl string) string {
		return fmt.Sprintf(`
provider "warden" {
  endpoint = %[1]q
  token    = %[2]q
}

ephemeral "warden_token" "x" {
  user_id = %[3]q
  ttl     = %[4]q
}

provider "warden" {
  alias    = "minted"
  endpoint = %[1]q
  token    = ephemeral.warden_token.x.token
}

data "warden_user" "self" {
  provider = warden.minted
  id       = %[3]q
}
`, srv.URL, token, userID, ttl)
	}
	config := func(userID string) string { return configAs(tok.Secret, userID, "1h") }
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralCLIs,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(owner.ID),
				// The CLI quotes the line of the attribute at fault.
				ExpectError: errorOn("Unable to Mint Token", "user_id", owner.ID, "403 forbidden", "holds permissions you do not hold",
					"Mint this token through a provider configured with an owner's token"),
			},
			{
				Config:      config("usr_missing"),
				ExpectError: errorOn("Unable to Mint Token", "user_id", "usr_missing", "404 not_found", `No user with id "usr_missing" exists.`, "Check user_id"),
			},
			{
				Config: configAs(short.Secret, admin.ID, "2h"),
				ExpectError: errorOn("Unable to Mint Token", "ttl", "2h", "422 token_outlives_minter",
					"Set expires_at to "+short.ExpiresAt.UTC().Format(time.RFC3339)+" or earlier", "Set a shorter ttl"),
			},
		},
	})
}

// A ttl the API would refuse fails at plan, on ttl, with the API's rule.
func TestAccTokenEphemeralResource_invalidTTL(t *testing.T) {
	srv := acctest.NewServer(t)
	config := func(ttl string) string {
		return srv.Config(fmt.Sprintf(`
ephemeral "warden_token" "x" {
  user_id = "usr_any"
  ttl     = %q
}`, ttl))
	}
	tokensCreated := func() int {
		events, err := srv.Client.ListAuditEvents(context.Background(), client.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range events {
			if e.Action == "token.create" {
				n++
			}
		}
		return n
	}
	before := tokensCreated() // the bootstrap token
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralCLIs,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config("9000h"),
				ExpectError: errorOn("Token Lifetime Too Long", "ttl", "9000h", `ttl = "9000h" sets the token's expires_at to`, "A token may live at most 366 days", "Set a ttl of at most 8784h."),
			},
			{
				Config:      config("-5m"),
				ExpectError: errorOn("Expires At In Past", "ttl", "-5m", "must lie in the future", `Set a positive ttl such as "1h".`),
			},
			{
				Config:      config("2d"),
				ExpectError: errorOn("Invalid Token Lifetime", "ttl", "2d", `ttl must be a duration such as "30m"`, `got "2d"`),
			},
		},
	})
	// Validation happens before Open: nothing was minted.
	if after := tokensCreated(); after != before {
		t.Errorf("%d tokens minted for refused ttls", after-before)
	}
}

// The ephemeral resource's example is applied as a CI job would: the CI user exists, and the
// endpoint comes from the environment in the example (given here in the provider blocks).
func TestAccTokenEphemeralResource_example(t *testing.T) {
	srv := acctest.NewServer(t)
	rec := newTokenRecorder(t, srv.URL)
	ci, err := srv.Client.CreateUser(context.Background(), api.UserCreate{Email: "ci@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../examples/ephemeral-resources/warden_token/ephemeral-resource.tf")
	if err != nil {
		t.Fatal(err)
	}
	// The default provider block gives way to the test server's; the aliased one gets its endpoint.
	own := regexp.MustCompile(`(?m)^provider "warden" \{\}.*\n`)
	alias := regexp.MustCompile(`(?m)^  alias = "ci"\n`)
	if !own.Match(raw) || !alias.Match(raw) {
		t.Fatal("the example no longer has an empty provider block and an aliased one named ci")
	}
	hcl := own.ReplaceAllString(string(raw), "")
	hcl = alias.ReplaceAllString(hcl, fmt.Sprintf("  alias    = \"ci\"\n  endpoint = %q\n", rec.URL))
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralCLIs,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return allRevoked(srv, rec, ci.ID, 3) },
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf("provider \"warden\" {\n  endpoint = %q\n  token    = %q\n}\n", rec.URL, srv.Token) + hcl,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.warden_user.ci_self", tfjsonpath.New("email"), knownvalue.StringExact("ci@example.com")),
					noSecretInState{rec},
				},
			},
		},
	})
}

func TestTokenEphemeralResource_validateConfig(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	longest := fmt.Sprintf("%dh", int(access.MaxTokenLifetime/time.Hour))
	for _, tc := range []struct {
		ttl, name string
		want      []string // "<path>|<text>"
	}{
		{ttl: "1h"},
		{ttl: longest},
		{ttl: "1ns"},
		{ttl: longest + "1s", want: []string{"ttl|Token Lifetime Too Long"}},
		{ttl: "0s", want: []string{"ttl|must lie in the future"}},
		{ttl: "-1h", want: []string{"ttl|2025-12-31T23:00:00Z"}},
		{ttl: "one hour", want: []string{"ttl|Invalid Token Lifetime"}},
		{ttl: "1h", name: "ci\x1b[31m", want: []string{"name|Invalid Text"}},
		{ttl: "1y", name: strings.Repeat("n", 129), want: []string{"ttl|Invalid Token Lifetime", "name|the limit is 128"}},
	} {
		t.Run(fmt.Sprintf("ttl=%s,name=%.12q", tc.ttl, tc.name), func(t *testing.T) {
			r := &tokenEphemeralResource{now: func() time.Time { return now }}
			attrs := map[string]tftypes.Value{"user_id": tftypes.NewValue(tftypes.String, "usr_1"), "ttl": tftypes.NewValue(tftypes.String, tc.ttl)}
			if tc.name != "" {
				attrs["name"] = tftypes.NewValue(tftypes.String, tc.name)
			}
			diags := validateEphemeralConfig(t, r, attrs)
			if len(diags.Errors()) != len(tc.want) {
				t.Errorf("%d errors, want %d: %v", len(diags.Errors()), len(tc.want), diags)
			}
			for _, w := range tc.want {
				at, text, _ := strings.Cut(w, "|")
				if !diagAt(diags, diag.SeverityError, at, text) {
					t.Errorf("no error on %s containing %q: %v", at, text, diags)
				}
			}
		})
	}
	// Unknown values wait for apply.
	r := &tokenEphemeralResource{now: func() time.Time { return now }}
	diags := validateEphemeralConfig(t, r, map[string]tftypes.Value{
		"user_id": tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		"ttl":     tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		"name":    tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
	})
	if diags.HasError() {
		t.Errorf("unknown values: %v", diags)
	}
}

// validateEphemeralConfig runs r's ValidateConfig on attribute values (absent ones null).
func validateEphemeralConfig(t *testing.T, r *tokenEphemeralResource, attrs map[string]tftypes.Value) diag.Diagnostics {
	t.Helper()
	ctx := context.Background()
	var sr ephemeral.SchemaResponse
	r.Schema(ctx, ephemeral.SchemaRequest{}, &sr)
	obj, ok := sr.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("schema is not an object")
	}
	vals := map[string]tftypes.Value{}
	for name, typ := range obj.AttributeTypes {
		vals[name] = tftypes.NewValue(typ, nil)
		if v, ok := attrs[name]; ok {
			vals[name] = v
		}
	}
	var resp ephemeral.ValidateConfigResponse
	r.ValidateConfig(ctx, ephemeral.ValidateConfigRequest{Config: tfsdk.Config{Schema: sr.Schema, Raw: tftypes.NewValue(obj, vals)}}, &resp)
	return resp.Diagnostics
}

// Close revokes the token Open minted; one already revoked, or gone with its user, is no error.
func TestTokenEphemeralResource_openClose(t *testing.T) {
	srv := acctest.NewServer(t)
	ctx := context.Background()
	u, err := srv.Client.CreateUser(ctx, api.UserCreate{Email: "ci@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	r := &tokenEphemeralResource{client: srv.Client, now: time.Now}
	open := func() (*ephemeral.OpenResponse, tokenEphemeralResourceModel) {
		t.Helper()
		var sr ephemeral.SchemaResponse
		r.Schema(ctx, ephemeral.SchemaRequest{}, &sr)
		typ := sr.Schema.Type().TerraformType(ctx)
		obj, ok := typ.(tftypes.Object)
		if !ok {
			t.Fatal("schema is not an object")
		}
		vals := map[string]tftypes.Value{}
		for name, at := range obj.AttributeTypes {
			vals[name] = tftypes.NewValue(at, nil)
		}
		vals["user_id"] = tftypes.NewValue(tftypes.String, u.ID)
		resp := &ephemeral.OpenResponse{
			Result:  tfsdk.EphemeralResultData{Schema: sr.Schema, Raw: tftypes.NewValue(obj, nil)},
			Private: zeroOf(ephemeral.OpenResponse{}.Private),
		}
		r.Open(ctx, ephemeral.OpenRequest{Config: tfsdk.Config{Schema: sr.Schema, Raw: tftypes.NewValue(obj, vals)}}, resp)
		assertNoDiags(t, "Open", resp.Diagnostics)
		var m tokenEphemeralResourceModel
		assertNoDiags(t, "Open result", resp.Result.Get(ctx, &m))
		return resp, m
	}
	closeIt := func(resp *ephemeral.OpenResponse) diag.Diagnostics {
		var cresp ephemeral.CloseResponse
		r.Close(ctx, ephemeral.CloseRequest{Private: resp.Private}, &cresp)
		return cresp.Diagnostics
	}
	works := func(secret string) error {
		c, err := client.New(client.Config{Endpoint: srv.URL, Token: secret, RetryMax: -1})
		if err != nil {
			return err
		}
		_, err = c.GetUser(ctx, u.ID)
		return err
	}

	// Defaults: an hour, named for the audit log.
	resp, m := open()
	if m.TTL.ValueString() != "1h" || m.Name.ValueString() != "terraform-ephemeral" || m.UserID.ValueString() != u.ID || !strings.HasPrefix(m.Token.ValueString(), "wdn_") {
		t.Errorf("result = %+v", m)
	}
	if at, err := time.Parse(time.RFC3339, m.ExpiresAt.ValueString()); err != nil || at.Before(time.Now().Add(59*time.Minute)) || at.After(time.Now().Add(time.Hour)) {
		t.Errorf("expires_at = %s, want an hour from now", m.ExpiresAt)
	}
	if err := works(m.Token.ValueString()); err != nil {
		t.Fatalf("the minted token does not authenticate: %v", err)
	}
	assertNoDiags(t, "Close", closeIt(resp))
	if err := works(m.Token.ValueString()); err == nil {
		t.Error("the token still authenticates after Close")
	}

	// Revoked by hand before Terraform closes it.
	resp, m = open()
	if err := srv.Client.DeleteToken(ctx, u.ID, m.ID.ValueString()); err != nil {
		t.Fatal(err)
	}
	assertNoDiags(t, "Close of a revoked token", closeIt(resp))

	// Deleted with its user.
	resp, _ = open()
	if err := srv.Client.DeleteUser(ctx, u.ID, 0); err != nil {
		t.Fatal(err)
	}
	assertNoDiags(t, "Close of a deleted user's token", closeIt(resp))
}

// zeroOf returns a new zero value of what p points to: the framework's private data type
// cannot be named outside it, but Open writes into one.
func zeroOf[T any](_ *T) *T { return new(T) }

func TestTokenEphemeralResource_revokeOutcome(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Minute), now.Add(time.Minute)
	refused := &client.APIError{Status: http.StatusForbidden, Code: "forbidden", Detail: "no"}
	for _, tc := range []struct {
		name      string
		expiresAt *time.Time
		err       error
		sev       diag.Severity // 0: no diagnostic
		text      string
	}{
		{name: "revoked", expiresAt: &future},
		{name: "already gone", expiresAt: &future, err: &client.APIError{Status: http.StatusNotFound}},
		{name: "refused but expired", expiresAt: &past, err: refused, sev: diag.SeverityWarning, text: "no longer authenticates"},
		{name: "refused and live", expiresAt: &future, err: refused, sev: diag.SeverityError, text: "DELETE /v1/users/usr_1/tokens/tok_1"},
		{name: "unreachable, no expiry", err: errors.New("connection refused"), sev: diag.SeverityError, text: "valid until it is revoked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var diags diag.Diagnostics
			revokeOutcome(mintedToken{UserID: "usr_1", ID: "tok_1", ExpiresAt: tc.expiresAt}, tc.err, now, &diags)
			if tc.sev == 0 {
				assertNoDiags(t, tc.name, diags)
				return
			}
			if len(diags) != 1 || diags[0].Severity() != tc.sev || !strings.Contains(diags[0].Detail(), tc.text) {
				t.Errorf("diags = %v, want one %v containing %q", diags, tc.sev, tc.text)
			}
		})
	}
}
