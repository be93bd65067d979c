package apiserver

import (
	"slices"
	"strings"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// A vendor holding an approved operator request asks for port forwarding while the support
// access has it off: the answer names port forwarding as the cause, not a missing request.
func TestAuthorize_portForwardingOffNamesTheCause(t *testing.T) {
	ts := newTestServer(t)
	env, _, vendor, secret := vendorSetup(ts, "gcp", "operator", nil)
	req := ts.fileAndApprove(secret, env.ID, "operator", 3600)
	ask := api.AuthorizeRequest{PrincipalID: vendor.ID, EnvironmentID: env.ID, Action: access.CapabilityPortForward, Resource: "aw_metrics"}
	a := ts.authorize(ownerToken, ask)
	if a.Allowed {
		t.Fatalf("port forwarding off, yet allowed: %+v", a)
	}
	requireContains(t, a.Reason, `Port forwarding is off in environment "vendor-gcp"`, "approved access request "+req.ID,
		`holds tier "operator"`, "Set port_forwarding = true")
	if strings.Contains(a.Reason, "No approved") {
		t.Errorf("the reason names a missing request: %q", a.Reason)
	}
	on := true
	ts.call("PATCH", "/v1/environments/"+env.ID+"/support-access", ownerToken, api.SupportAccessUpdate{PortForwarding: &on}, 200, nil)
	if a := ts.authorize(ownerToken, ask); !a.Allowed || a.Via == nil || a.Via.AccessRequestID != req.ID {
		t.Fatalf("port forwarding on: %+v", a)
	}
}

// A capability asked about without a resource says a resource is needed, not `"" does not`.
func TestAuthorize_vendorWithoutResource(t *testing.T) {
	ts := newTestServer(t)
	env, _, vendor, secret := vendorSetup(ts, "aws", "operator", nil)
	ts.fileAndApprove(secret, env.ID, "operator", 3600)
	a := ts.authorize(ownerToken, api.AuthorizeRequest{PrincipalID: vendor.ID, EnvironmentID: env.ID, Action: "operator.reboot_host"})
	if a.Allowed {
		t.Fatalf("allowed without a resource: %+v", a)
	}
	requireContains(t, a.Reason, `"operator.reboot_host" acts on one resource, and none was named: set resource`, `starting with "aw_"`)
	if strings.Contains(a.Reason, `"" does not`) {
		t.Errorf("the old wording: %q", a.Reason)
	}
}

// Effective access answers what a user may do on the platform too: each platform permission
// with the role giving it, held directly or through a named group, or as an owner; and its
// grants name the group as well as its id.
func TestEffectiveAccess_platformPermissionsWithProvenance(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("production", "gcp")
	alice, aliceToken := ts.createUser("alice@example.com", "member")
	var sre api.Group
	ts.call("POST", "/v1/groups", ownerToken, api.GroupCreate{Name: "sre", Members: &[]string{alice.ID}}, 201, &sre)
	platform := ts.createRole("platform", "cluster.admin", "users.admin")
	auditors := ts.createRole("auditors", "audit.read")
	ts.assign(platform.ID, api.RoleAssignmentCreate{GroupID: sre.ID})
	ts.assign(auditors.ID, api.RoleAssignmentCreate{UserID: alice.ID})
	ts.grant(env.ID, platform.ID, "deployment")

	var ea api.EffectiveAccess
	ts.call("GET", "/v1/environments/"+env.ID+"/effective-access?user_id="+alice.ID, aliceToken, nil, 200, &ea)
	want := []api.PlatformSource{
		{Permission: "audit.read", RoleID: auditors.ID, RoleName: "auditors"},
		{Permission: "cluster.admin", RoleID: platform.ID, RoleName: "platform", GroupID: sre.ID, GroupName: "sre"},
		{Permission: "cluster.read", ImpliedBy: "cluster.admin", RoleID: platform.ID, RoleName: "platform", GroupID: sre.ID, GroupName: "sre"},
		{Permission: "users.admin", RoleID: platform.ID, RoleName: "platform", GroupID: sre.ID, GroupName: "sre"},
		{Permission: "users.read", ImpliedBy: "users.admin", RoleID: platform.ID, RoleName: "platform", GroupID: sre.ID, GroupName: "sre"},
	}
	if !slices.Equal(ea.Platform, want) {
		t.Errorf("platform = %+v\nwant       %+v", ea.Platform, want)
	}
	if len(ea.Grants) == 0 {
		t.Fatal("no grants")
	}
	for _, g := range ea.Grants {
		if g.GroupID != sre.ID || g.GroupName != "sre" {
			t.Errorf("grant source without the group's name: %+v", g)
		}
	}

	// A group is answered for its own roles.
	ea = api.EffectiveAccess{}
	ts.call("GET", "/v1/environments/"+env.ID+"/effective-access?group_id="+sre.ID, ownerToken, nil, 200, &ea)
	if len(ea.Platform) != 4 || slices.ContainsFunc(ea.Platform, func(p api.PlatformSource) bool { return p.RoleName != "platform" || p.GroupName != "sre" }) {
		t.Errorf("group platform = %+v", ea.Platform)
	}

	// An owner holds every platform permission through the organization role.
	ea = api.EffectiveAccess{}
	ts.call("GET", "/v1/environments/"+env.ID+"/effective-access?user_id="+ts.ownerID(), ownerToken, nil, 200, &ea)
	i := slices.IndexFunc(ea.Platform, func(p api.PlatformSource) bool { return p.Permission == string(access.ClusterAdmin) })
	if i < 0 || !ea.Platform[i].Owner || ea.Platform[i].RoleName != "account_owner" || ea.Platform[i].RoleID != roleAccountOwner {
		t.Fatalf("owner's cluster.admin: %+v", ea.Platform)
	}
	if len(ea.Platform) != len(access.Catalogue()) {
		t.Errorf("owner: %d platform permissions, want the %d of the catalogue", len(ea.Platform), len(access.Catalogue()))
	}

	// A vendor holds none: vendors act only through support tiers.
	vendor, _ := ts.createUser("oncall@vendor.example", "vendor")
	ea = api.EffectiveAccess{}
	ts.call("GET", "/v1/environments/"+env.ID+"/effective-access?user_id="+vendor.ID, ownerToken, nil, 200, &ea)
	if ea.Platform == nil || len(ea.Platform) != 0 {
		t.Errorf("vendor platform = %#v, want an empty list", ea.Platform)
	}
}

// A filter the audit log does not have is refused, not ignored: ?action=... would otherwise
// answer with every event.
func TestAuditEvents_unknownFilterRefused(t *testing.T) {
	ts := newTestServer(t)
	ts.createRole("deployers")
	for _, c := range []struct{ query, field, text string }{
		{"action=role.create", "action", `"action" is not a filter of the audit log; filter with actor_id, environment_id, object_id, since or until`},
		{"limit=10&actor=usr_1", "actor", `Did you mean "actor_id"?`},
	} {
		p := requireProblem(t, ts.do("GET", "/v1/audit-events?"+c.query, ownerToken, nil), 422, codeInvalidField)
		if p.Field != c.field || !strings.Contains(p.Detail, c.text) {
			t.Errorf("%s: %+v", c.query, p)
		}
	}
	var l api.List[api.AuditEvent]
	ts.call("GET", "/v1/audit-events?limit=5&actor_id="+ts.ownerID(), ownerToken, nil, 200, &l)
	if len(l.Items) == 0 {
		t.Error("the known filters still answer")
	}
}

// An access request's duration is bounded in words: days and hours, not "expected number
// <= 2.592e+06".
func TestAccessRequest_durationInDaysAndHours(t *testing.T) {
	ts := newTestServer(t)
	env, _, _, secret := vendorSetup(ts, "aws", "operator", nil)
	for _, c := range []struct {
		seconds int64
		text    []string
	}{
		{3_000_000, []string{"duration_seconds is 3000000 seconds (34 days 17 hours); an access request lasts from 1 minute to 30 days.",
			"Ask for at most 30 days (2592000 seconds)"}},
		{59, []string{"duration_seconds is 59 seconds; an access request lasts from 1 minute to 30 days.", "Ask for at least 1 minute (60 seconds)."}},
	} {
		r := ts.do("POST", "/v1/access-requests", secret, api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "operator", DurationSeconds: c.seconds})
		p := requireProblem(t, r, 422, access.CodeInvalidDuration)
		if p.Field != "duration_seconds" {
			t.Errorf("%d: field %q", c.seconds, p.Field)
		}
		requireContains(t, p.Detail, c.text...)
		if strings.Contains(string(r.body), "expected number") || strings.Contains(string(r.body), "e+06") {
			t.Errorf("%d: the schema's wording: %s", c.seconds, r.body)
		}
	}
}

// A role named after a built-in role is refused in the words the plan uses.
func TestRoles_builtinNameRefused(t *testing.T) {
	ts := newTestServer(t)
	p := requireProblem(t, ts.do("POST", "/v1/roles", ownerToken, api.RoleCreate{Name: "deploy_owner"}), 422, access.CodeReservedRoleName)
	if p.Field != "name" {
		t.Errorf("field %q", p.Field)
	}
	requireContains(t, p.Detail, `"deploy_owner" is the name of a built-in organization role; a role you define cannot take it.`)
	r := ts.createRole("deployers")
	name := "account_owner"
	requireProblem(t, ts.do("PATCH", "/v1/roles/"+r.ID, ownerToken, api.RoleUpdate{Name: &name}), 422, access.CodeReservedRoleName)
}

// A sensitive alert target is never echoed in the problem that refuses it.
func TestAlertDestinations_targetNeverEchoed(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("production", "gcp")
	const secret = "s3cretT0ken"
	target := "ftp://alerts.corp.test/hook?token=" + secret
	r := ts.do("POST", "/v1/environments/"+env.ID+"/alert-routing/destinations", ownerToken,
		api.Destination{Type: "webhook", Target: target, MinSeverity: "warning"})
	p := requireProblem(t, r, 422, access.CodeInvalidDestination)
	requireContains(t, p.Detail, "The webhook target must use http or https.")
	if strings.Contains(string(r.body), secret) || strings.Contains(string(r.body), "alerts.corp.test") {
		t.Errorf("the problem echoes the target: %s", r.body)
	}
}

// The server's own messages name what its operator sets (the environment variable, the flag),
// not its Go configuration fields.
func TestServer_messagesNameNoInternalFields(t *testing.T) {
	_, err := New(t.Context(), Config{DB: testDB(t)})
	if err == nil || !strings.Contains(err.Error(), "set WARDEN_BOOTSTRAP_TOKEN to create the first account_owner") || strings.Contains(err.Error(), "Config.") {
		t.Errorf("empty store without a token: %v", err)
	}
	_, err = New(t.Context(), Config{DB: testDB(t), BootstrapToken: "short"})
	if err == nil || !strings.Contains(err.Error(), "WARDEN_BOOTSTRAP_TOKEN is 5 characters long") || strings.Contains(err.Error(), "Config.") {
		t.Errorf("short token: %v", err)
	}
	_, err = New(t.Context(), Config{})
	if err == nil || !strings.Contains(err.Error(), "-db") || strings.Contains(err.Error(), "Config.") {
		t.Errorf("no database: %v", err)
	}
}
