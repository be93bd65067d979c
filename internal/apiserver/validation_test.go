package apiserver

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// refused sends a request that must fail with 422 on field with code.
func (ts *testServer) refused(method, path string, body any, field, code, token string) {
	ts.t.Helper()
	r := ts.do(method, path, token, body)
	if r.status != 422 {
		ts.t.Errorf("%s %s %s: status %d, want 422; body %s", method, path, body, r.status, r.body)
		return
	}
	p := r.problem(ts.t)
	if p.Field != field || p.Code != code || len(p.Findings) == 0 || p.Findings[0].Fix == "" {
		ts.t.Errorf("%s %s %s: problem %+v, want field %q code %q with findings", method, path, body, p, field, code)
	}
}

// Every name, e-mail and free-text field refuses control characters (ANSI escapes, NUL),
// bidi controls and blank names, on create and on update.
func TestValidation_namesAndText(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("valid", "aws")
	user, _ := ts.createUser("valid@example.com", "member")
	role := ts.createRole("valid-role", "users.read")
	var group api.Group
	ts.call("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: "valid-group"}, 201, &group)

	const (
		bidi = "prod\u202etxt"
		ansi = "\x1b[2Jprod"
		nul  = "pr\x00od"
	)
	blank := "   "
	ptr := func(s string) *string { return &s }
	text := access.CodeInvalidText
	for _, c := range []struct {
		method, path string
		body         any
		field, code  string
	}{
		{"POST", "/v1/environments", map[string]string{"name": bidi, "cloud": "aws"}, "name", text},
		{"POST", "/v1/environments", map[string]string{"name": blank, "cloud": "aws"}, "name", text},
		{"POST", "/v1/environments", map[string]string{"name": " prod", "cloud": "aws"}, "name", text},
		{"POST", "/v1/environments", map[string]string{"name": "prod", "cloud": "aws", "resource_prefix": "AW_"}, "resource_prefix", access.CodeInvalidResourcePrefix},
		{"PATCH", "/v1/environments/" + env.ID, api.EnvironmentUpdate{Name: ptr(ansi)}, "name", text},
		{"PATCH", "/v1/environments/" + env.ID, api.EnvironmentUpdate{Name: &blank}, "name", text},
		{"PATCH", "/v1/environments/" + env.ID, api.EnvironmentUpdate{ResourcePrefix: ptr("")}, "resource_prefix", access.CodeInvalidResourcePrefix},
		{"PATCH", "/v1/environments/" + env.ID, api.EnvironmentUpdate{ResourcePrefix: ptr("aw*")}, "resource_prefix", access.CodeInvalidResourcePrefix},
		{"POST", "/v1/users", api.UserCreate{Email: "Alice <alice@example.com>"}, "email", access.CodeInvalidEmail},
		{"POST", "/v1/users", api.UserCreate{Email: "not-an-address"}, "email", access.CodeInvalidEmail},
		{"POST", "/v1/users", api.UserCreate{Email: "alice@example.com\u202e"}, "email", text},
		{"POST", "/v1/users", api.UserCreate{Email: "alice@example.com", Name: nul}, "name", text},
		{"POST", "/v1/users", api.UserCreate{Email: "alice@example.com", Name: blank}, "name", text},
		{"PATCH", "/v1/users/" + user.ID, api.UserUpdate{Email: ptr("mailto:alice@example.com")}, "email", access.CodeInvalidEmail},
		{"PATCH", "/v1/users/" + user.ID, api.UserUpdate{Name: ptr("Alice\nBob")}, "name", text},
		{"POST", "/v1/users/" + user.ID + "/tokens", api.TokenCreate{Name: ansi}, "name", text},
		{"POST", "/v1/groups", api.GroupCreate{Name: bidi}, "name", text},
		{"POST", "/v1/groups", api.GroupCreate{Name: "g", Description: ansi}, "description", text},
		{"PATCH", "/v1/groups/" + group.ID, api.GroupUpdate{Name: &blank}, "name", text},
		{"PATCH", "/v1/groups/" + group.ID, api.GroupUpdate{Description: ptr("x\u2066y")}, "description", text},
		{"POST", "/v1/roles", api.RoleCreate{Name: "r\t1"}, "name", text},
		{"POST", "/v1/roles", api.RoleCreate{Name: "r", Description: nul}, "description", text},
		{"PATCH", "/v1/roles/" + role.ID, api.RoleUpdate{Name: ptr("role ")}, "name", text},
		{"PATCH", "/v1/roles/" + role.ID, api.RoleUpdate{Description: ptr("\u200fdesc")}, "description", text},
	} {
		ts.refused(c.method, c.path, c.body, c.field, c.code, ownerToken)
	}
	// Only vendors file access requests: the check of who may call comes first.
	_, vendor := ts.createUser("oncall@vendor.example", "vendor")
	ts.refused("POST", "/v1/access-requests", api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "support", DurationSeconds: 3600, Reason: ansi},
		"reason", text, vendor)

	// Nothing refused was stored.
	var got api.Environment
	ts.call("GET", "/v1/environments/"+env.ID, ownerToken, nil, 200, &got)
	if got.Version != 1 || got.ResourcePrefix != access.DefaultResourcePrefix {
		t.Errorf("environment changed by refused updates: %+v", got)
	}

	// What stays valid: free text keeps its line breaks, names their inner spaces and
	// scripts, and an omitted prefix still defaults.
	var g api.Group
	ts.call("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: "Équipe SRE – nuit", Description: "Line one.\n\tLine two."}, 201, &g)
	var e api.Environment
	ts.call("POST", "/v1/environments", ownerToken, api.EnvironmentCreate{Name: "staging", Cloud: "gcp"}, 201, &e)
	if e.ResourcePrefix != access.DefaultResourcePrefix {
		t.Errorf("default prefix %q", e.ResourcePrefix)
	}
	ts.call("PATCH", "/v1/environments/"+e.ID, ownerToken, api.EnvironmentUpdate{ResourcePrefix: ptr("stg_")}, 200, &e)
	ts.call("PATCH", "/v1/users/"+user.ID, ownerToken, api.UserUpdate{Name: ptr("")}, 200, nil)
}

// A token may live at most access.MaxTokenLifetime, counted on the server's clock.
func TestValidation_tokenLifetime(t *testing.T) {
	ts := newTestServer(t)
	user, _ := ts.createUser("tok@example.com", "member")
	path := "/v1/users/" + user.ID + "/tokens"
	// Far from the wall clock, so that a check against time.Now would decide otherwise.
	ts.clock.Advance(10 * 365 * 24 * time.Hour)
	tooLate := ts.clock.Now().Add(access.MaxTokenLifetime + time.Minute)
	ts.refused("POST", path, api.TokenCreate{Name: "long", ExpiresAt: &tooLate}, "expires_at", access.CodeTokenLifetimeTooLong, ownerToken)
	inTime := ts.clock.Now().Add(access.MaxTokenLifetime - time.Minute)
	var tok api.Token
	ts.call("POST", path, ownerToken, api.TokenCreate{Name: "year", ExpiresAt: &inTime}, 201, &tok)
	if tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(inTime) {
		t.Errorf("token %+v", tok)
	}
	ts.call("POST", path, ownerToken, api.TokenCreate{Name: "forever"}, 201, nil)
}

func TestNew_refusesShortBootstrapToken(t *testing.T) {
	_, err := New(context.Background(), Config{DB: filepath.Join(t.TempDir(), "w.db"), BootstrapToken: "1234"})
	if err == nil || !strings.Contains(err.Error(), "WARDEN_BOOTSTRAP_TOKEN") || !strings.Contains(err.Error(), "16") {
		t.Fatalf("err = %v, want a bootstrap token length error", err)
	}
}
