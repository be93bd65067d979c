package ui_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/apiserver"
	"github.com/wardenhq/terraform-provider-warden/internal/testclock"
	"github.com/wardenhq/terraform-provider-warden/internal/testserver"
)

// The organization the page's tests review, seeded through the API on a real server with a
// fake clock, so that every time the page shows is the same from run to run.

const ownerToken = "owner-token-for-the-review-page-tests"

// epoch is when the seeded organization's history begins.
var epoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// org is the seeded organization: its server, clock and the objects the tests look for.
type org struct {
	url   string
	clock *testclock.Clock
	srv   *apiserver.Server

	production, staging    api.Environment
	alice, bob, carol, vic api.User
	wendy                  api.User
	sre                    api.Group
	deployers, reviewers   api.Role
	carolToken, aliceToken string
	vicToken, vicTokenName string
	wendyToken             string
	approved, denied       api.AccessRequest
	aliceTokenID           string
	// decisions are the vendors' authorize calls, oldest first.
	decisions []seededDecision
}

// seededDecision is one POST /v1/authorize the seed made, and its answer.
type seededDecision struct {
	at  time.Time
	req api.AuthorizeRequest
	api.AuthorizeResponse
}

// startOrg starts a server and seeds it.
func startOrg(t *testing.T) *org {
	t.Helper()
	o := &org{clock: testclock.New(epoch)}
	// The vendor's on-call endpoint: a receiver that accepts every event.
	vendor := testserver.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	srv, err := apiserver.New(t.Context(), apiserver.Config{
		DB: filepath.Join(t.TempDir(), "warden.db"), BootstrapToken: ownerToken, Now: o.clock.Now,
		Alerting: apiserver.AlertingConfig{VendorURL: vendor + "/v2/enqueue", VendorRoutingKey: "vendor-routing-key", AllowPrivateDestinations: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	o.srv = srv
	o.url = testserver.Start(t, srv.Handler())
	o.seed(t)
	return o
}

// call sends one API request as token and decodes the answer into out.
func (o *org) call(t *testing.T, method, path, token string, body, out any, want int) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, o.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

func (o *org) post(t *testing.T, path, token string, body, out any) {
	t.Helper()
	o.call(t, http.MethodPost, path, token, body, out, http.StatusCreated)
}

// step moves the clock on, so that the history has the shape of a working day.
func (o *org) step(d time.Duration) { o.clock.Advance(d) }

func (o *org) seed(t *testing.T) {
	own := ownerToken
	o.post(t, "/v1/environments", own, api.EnvironmentCreate{Name: "production", Cloud: "gcp"}, &o.production)
	o.post(t, "/v1/environments", own, api.EnvironmentCreate{Name: "staging", Cloud: "aws", ResourcePrefix: "stg_"}, &o.staging)
	for _, u := range []struct {
		dst         *api.User
		email, name string
		kind        string
	}{
		{&o.alice, "alice@example.com", "Alice Adams", "member"},
		{&o.bob, "bob@example.com", "Bob <b>Brown</b>", "member"},
		{&o.carol, "carol@example.com", "Carol Reviewer", "member"},
		{&o.vic, "vic@vendor.example", "Vic Vendor", "vendor"},
		{&o.wendy, "wendy@vendor.example", "Wendy Vendor", "vendor"},
	} {
		o.post(t, "/v1/users", own, api.UserCreate{Email: u.email, Name: u.name, Kind: u.kind}, u.dst)
	}
	o.step(10 * time.Minute)
	o.post(t, "/v1/roles", own, api.RoleCreate{Name: "deployers", Description: "Ships apps", Permissions: []string{"conducts.read"}}, &o.deployers)
	var operators api.Role
	o.post(t, "/v1/roles", own, api.RoleCreate{Name: "operators", Description: "Keeps things running"}, &operators)
	o.post(t, "/v1/roles", own, api.RoleCreate{Name: "reviewers", Description: "Quarterly access review",
		Permissions: []string{"users.read", "groups.read", "audit.read", "cluster.admin"}}, &o.reviewers)
	var dbas api.Role
	o.post(t, "/v1/roles", own, api.RoleCreate{Name: "dbas", Description: "Database on-call"}, &dbas)
	members := []string{o.alice.ID, o.bob.ID}
	o.post(t, "/v1/groups", own, api.GroupCreate{Name: "sre", Description: "Site reliability", Members: &members}, &o.sre)
	o.post(t, "/v1/roles/"+o.deployers.ID+"/assignments", own, api.RoleAssignmentCreate{GroupID: o.sre.ID}, nil)
	// Alice holds dbas twice: directly, and through sre (as Bob does).
	o.post(t, "/v1/roles/"+dbas.ID+"/assignments", own, api.RoleAssignmentCreate{UserID: o.alice.ID}, nil)
	o.post(t, "/v1/roles/"+dbas.ID+"/assignments", own, api.RoleAssignmentCreate{GroupID: o.sre.ID}, nil)
	o.post(t, "/v1/roles/"+operators.ID+"/assignments", own, api.RoleAssignmentCreate{UserID: o.bob.ID}, nil)
	o.post(t, "/v1/roles/"+o.reviewers.ID+"/assignments", own, api.RoleAssignmentCreate{UserID: o.carol.ID}, nil)
	for _, g := range []struct {
		env  api.Environment
		role api.Role
		perm []string
	}{
		{o.production, o.deployers, []string{"deployment", "ops"}},
		{o.production, operators, []string{"ops", "tunnel", "full_visibility"}},
		{o.production, o.reviewers, []string{"basic_visibility"}},
		{o.production, dbas, []string{"sensitive_access"}},
		{o.staging, o.deployers, []string{"environment_admin"}},
		{o.staging, operators, []string{"ops", "sensitive_access"}},
	} {
		o.post(t, "/v1/environments/"+g.env.ID+"/grants", own, api.GrantCreate{RoleID: g.role.ID, Permissions: g.perm}, nil)
	}
	o.step(20 * time.Minute)
	var tok api.Token
	o.post(t, "/v1/users/"+o.carol.ID+"/tokens", own, api.TokenCreate{Name: "review-q1"}, &tok)
	o.carolToken = tok.Secret
	exp := epoch.Add(90 * 24 * time.Hour)
	o.post(t, "/v1/users/"+o.alice.ID+"/tokens", own, api.TokenCreate{Name: "alice-laptop", ExpiresAt: &exp}, &tok)
	o.aliceToken, o.aliceTokenID = tok.Secret, tok.ID
	o.post(t, "/v1/users/"+o.vic.ID+"/tokens", own, api.TokenCreate{Name: "vic-oncall"}, &tok)
	o.vicToken, o.vicTokenName = tok.Secret, tok.Name
	o.post(t, "/v1/users/"+o.wendy.ID+"/tokens", own, api.TokenCreate{Name: "wendy-oncall"}, &tok)
	o.wendyToken = tok.Secret

	// Vendor access: a ceiling in production with approvals, standing access in staging.
	supportExp := epoch.Add(30 * 24 * time.Hour)
	o.post(t, "/v1/environments/"+o.production.ID+"/support-access", own, api.SupportAccessCreate{Tier: "operator", ExpiresAt: &supportExp}, nil)
	o.step(time.Hour)
	var first api.AccessRequest
	o.post(t, "/v1/access-requests", o.vicToken, api.AccessRequestCreate{EnvironmentID: o.production.ID, Tier: "operator",
		DurationSeconds: 3600, Reason: "INC-1042 cache evictions"}, &first)
	o.step(15 * time.Minute)
	o.call(t, http.MethodPost, "/v1/access-requests/"+first.ID+"/approve", o.carolToken, nil, &first, http.StatusOK)
	o.step(2 * time.Hour) // the first approval has expired
	o.post(t, "/v1/access-requests", o.vicToken, api.AccessRequestCreate{EnvironmentID: o.production.ID, Tier: "operator",
		DurationSeconds: 7200, Reason: "rotate the cache nodes"}, &o.denied)
	o.step(5 * time.Minute)
	o.call(t, http.MethodPost, "/v1/access-requests/"+o.denied.ID+"/deny", o.carolToken, nil, &o.denied, http.StatusOK)
	o.step(30 * time.Minute)
	o.post(t, "/v1/access-requests", o.vicToken, api.AccessRequestCreate{EnvironmentID: o.production.ID, Tier: "support",
		DurationSeconds: 4 * 3600, Reason: "read the logs of INC-1043"}, &o.approved)
	o.step(10 * time.Minute)
	o.call(t, http.MethodPost, "/v1/access-requests/"+o.approved.ID+"/approve", o.carolToken, nil, &o.approved, http.StatusOK)
	notRequired := false
	o.post(t, "/v1/environments/"+o.staging.ID+"/support-access", own, api.SupportAccessCreate{Tier: "operator", RequireApproval: &notRequired}, nil)
	o.step(5 * time.Minute)
	// While staging's access is standing, Wendy reboots a host there without a request.
	o.authorize(t, o.wendyToken, o.wendy.ID, o.staging.ID, "operator.reboot_host", "stg_cache-1", true)
	o.step(15 * time.Minute)
	required := true
	o.call(t, http.MethodPatch, "/v1/environments/"+o.staging.ID+"/support-access", own, api.SupportAccessUpdate{RequireApproval: &required}, nil, http.StatusOK)

	// Alert routing in production: the vendor's on-call plus two destinations of its own.
	dests := []api.Destination{
		{Type: "webhook", Target: "https://hooks.example.com/warden?token=hook-secret-value", MinSeverity: "critical"},
		{Type: "email", Target: "oncall@example.com", MinSeverity: "warning"},
	}
	o.call(t, http.MethodPut, "/v1/environments/"+o.production.ID+"/alert-routing", own, api.AlertRoutingUpdate{VendorRouting: true, Destinations: &dests}, nil, http.StatusOK)
	o.step(5 * time.Minute)
	alert := map[string]any{"version": "4", "groupKey": "{}:{}", "status": "firing", "receiver": "warden",
		"alerts": []map[string]any{{"status": "firing", "labels": map[string]string{"alertname": "CacheEvictions", "severity": "warning"},
			"annotations": map[string]string{"summary": "Cache evictions above 5%"}, "startsAt": o.clock.Now().Format(time.RFC3339),
			"fingerprint": "fp-cache"}}}
	o.call(t, http.MethodPost, "/v1/environments/"+o.production.ID+"/alerts", own, alert, nil, http.StatusAccepted)
	o.waitDelivered(t)

	// The vendors at work in production, a minute apart: Vic reads logs through his approved
	// request (support tier), is refused a reboot (operator) and a resource without the
	// environment's prefix; Wendy holds nothing there.
	for _, d := range []struct {
		token, user, env, action, resource string
		allowed                            bool
	}{
		{o.vicToken, o.vic.ID, o.production.ID, "support.read_log_streams", "aw_api-logs", true},
		{o.vicToken, o.vic.ID, o.production.ID, "operator.reboot_host", "aw_cache-1", false},
		{o.vicToken, o.vic.ID, o.production.ID, "support.read_log_streams", "billing-db", false},
		{o.wendyToken, o.wendy.ID, o.production.ID, "support.read_log_streams", "aw_api-logs", false},
	} {
		o.step(time.Minute)
		o.authorize(t, d.token, d.user, d.env, d.action, d.resource, d.allowed)
	}
	if err := o.srv.FlushDecisions(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// authorize asks POST /v1/authorize with token about user, and checks the answer.
func (o *org) authorize(t *testing.T, token, user, env, action, resource string, want bool) {
	t.Helper()
	d := seededDecision{at: o.clock.Now(), req: api.AuthorizeRequest{PrincipalID: user, EnvironmentID: env, Action: action, Resource: resource}}
	o.call(t, http.MethodPost, "/v1/authorize", token, d.req, &d.AuthorizeResponse, http.StatusOK)
	if d.Allowed != want {
		t.Fatalf("authorize %s %s on %s: allowed %v, want %v (%s)", user, action, resource, d.Allowed, want, d.Reason)
	}
	o.decisions = append(o.decisions, d)
}

// waitDelivered waits until the alert's delivery to the vendor has been accepted: the
// dispatcher works in the background.
func (o *org) waitDelivered(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var l api.List[api.AlertDelivery]
		o.call(t, http.MethodGet, "/v1/environments/"+o.production.ID+"/alert-deliveries", ownerToken, nil, &l, http.StatusOK)
		for _, d := range l.Items {
			if d.Kind == "vendor" && d.Status == "delivered" {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the vendor delivery was not delivered within a minute: %+v", l.Items)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (o *org) String() string { return fmt.Sprintf("org at %s", o.url) }
