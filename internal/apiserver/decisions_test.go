package apiserver

import (
	"context"
	"errors"
	"net"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/decisionlog"
	"github.com/wardenhq/terraform-provider-warden/internal/testclock"
)

// decisions flushes the server's decision log and lists GET /v1/authorization-decisions with
// query as token, every page.
func (ts *testServer) decisions(token string, query url.Values) []api.AuthorizationDecision {
	ts.t.Helper()
	if err := ts.srv.FlushDecisions(ts.t.Context()); err != nil {
		ts.t.Fatal(err)
	}
	return listDecisions(ts, token, query)
}

func listDecisions(ts *testServer, token string, query url.Values) []api.AuthorizationDecision {
	ts.t.Helper()
	var out []api.AuthorizationDecision
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	for {
		var page api.List[api.AuthorizationDecision]
		ts.call("GET", "/v1/authorization-decisions?"+q.Encode(), token, nil, 200, &page)
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		q.Set("cursor", page.NextCursor)
	}
}

// vendorCast is a vendor with an approved operator request in one environment and standing
// support access in another, and a member with a grant.
type vendorCast struct {
	prod, lab        api.Environment
	vendor           api.User
	vendorToken      string
	request          api.AccessRequest
	labAccess        api.SupportAccess
	member           api.User
	memberToken      string
	other            api.User // a second vendor
	otherVendorToken string
}

func newVendorCast(ts *testServer) vendorCast {
	ts.t.Helper()
	var c vendorCast
	c.prod, _, c.vendor, c.vendorToken = vendorSetup(ts, "aws", "operator", nil)
	c.request = ts.fileAndApprove(c.vendorToken, c.prod.ID, "operator", 3600)
	c.lab = ts.createEnv("lab", "gcp")
	no := false
	ts.call("POST", "/v1/environments/"+c.lab.ID+"/support-access", ownerToken,
		api.SupportAccessCreate{Tier: "support", RequireApproval: &no}, 201, &c.labAccess)
	c.member, c.memberToken = ts.createUser("dev@example.com", "member")
	role := ts.createRole("deployers")
	ts.grant(c.prod.ID, role.ID, "deployment")
	ts.assign(role.ID, api.RoleAssignmentCreate{UserID: c.member.ID})
	c.other, c.otherVendorToken = ts.createUser("second@vendor.example", "vendor")
	return c
}

// Every decision about a vendor user is recorded, allowed and denied, with what it was
// about, who asked and what allowed it: the approved access request or the standing support
// access. Members' decisions are off by default.
func TestDecisionLog_vendorDecisionsRecorded(t *testing.T) {
	ts := newTestServer(t)
	c := newVendorCast(ts)

	allowed := ts.authorize(c.vendorToken, api.AuthorizeRequest{PrincipalID: c.vendor.ID, EnvironmentID: c.prod.ID,
		Action: "operator.reboot_host", Resource: "aw_host1"})
	ts.clock.Advance(time.Second)
	denied := ts.authorize(c.vendorToken, api.AuthorizeRequest{PrincipalID: c.vendor.ID, EnvironmentID: c.prod.ID,
		Action: "operator.reboot_host", Resource: "billing_db"})
	ts.clock.Advance(time.Second)
	standing := ts.authorize(ownerToken, api.AuthorizeRequest{PrincipalID: c.vendor.ID, EnvironmentID: c.lab.ID,
		Action: "support.read_log_streams", Resource: "aw_api"})
	ts.clock.Advance(time.Second)
	// Members: answered, not recorded.
	if a := ts.authorize(c.memberToken, api.AuthorizeRequest{PrincipalID: c.member.ID, EnvironmentID: c.prod.ID, Action: "apps.deploy"}); !a.Allowed {
		t.Fatalf("member deploy: %+v", a)
	}
	if !allowed.Allowed || denied.Allowed || !standing.Allowed {
		t.Fatalf("answers: %+v %+v %+v", allowed, denied, standing)
	}

	got := ts.decisions(ownerToken, nil)
	if len(got) != 3 {
		t.Fatalf("%d decisions, want the three about the vendor: %+v", len(got), got)
	}
	// Newest first.
	st, den, ok := got[0], got[1], got[2]
	want := api.AuthorizationDecision{ID: ok.ID, At: ok.At, PrincipalID: c.vendor.ID, PrincipalKind: "vendor", EnvironmentID: c.prod.ID,
		Action: "operator.reboot_host", Resource: "aw_host1", Allowed: true, Reason: allowed.Reason, AskedBy: c.vendor.ID,
		RequestID: ok.RequestID, SampleRate: 1}
	if ok.Via == nil || ok.Via.AccessRequestID != c.request.ID || ok.Via.Tier != "operator" || ok.Via.SupportAccessID != "" {
		t.Fatalf("allowed decision's via: %+v, want access request %s", ok.Via, c.request.ID)
	}
	gotOK := ok
	gotOK.Via = nil
	if gotOK != want {
		t.Fatalf("allowed decision:\n got %+v\nwant %+v", gotOK, want)
	}
	if ok.RequestID == "" || ok.ID == "" || !ok.At.Equal(st.At.Add(-2*time.Second)) {
		t.Fatalf("allowed decision's id %q, request id %q, at %v (standing at %v)", ok.ID, ok.RequestID, ok.At, st.At)
	}
	if den.Allowed || den.Via != nil || den.Reason != denied.Reason || den.Resource != "billing_db" {
		t.Fatalf("denied decision: %+v (answered %+v)", den, denied)
	}
	if st.Via == nil || st.Via.SupportAccessID != c.labAccess.ID || st.Via.AccessRequestID != "" || st.AskedBy != ts.ownerID() {
		t.Fatalf("standing decision: %+v via %+v, want support access %s asked by the owner", st, st.Via, c.labAccess.ID)
	}

	// The response's X-Request-Id is the decision's request_id.
	r := ts.call("POST", "/v1/authorize", c.vendorToken, api.AuthorizeRequest{PrincipalID: c.vendor.ID, EnvironmentID: c.prod.ID,
		Action: "operator.start_session", Resource: "aw_host2"}, 200, nil)
	latest := ts.decisions(ownerToken, url.Values{"limit": {"1"}})
	if len(latest) < 1 || latest[0].RequestID != r.header.Get("X-Request-Id") || latest[0].Action != "operator.start_session" {
		t.Fatalf("newest decision %+v, response X-Request-Id %q", latest, r.header.Get("X-Request-Id"))
	}
}

// The list filters by principal, environment, access request, answer and time, and pages
// newest first; a filter it does not have, an empty or repeated one, a bad boolean or a
// foreign cursor is refused with the parameter named.
func TestDecisionLog_filtersAndPaging(t *testing.T) {
	ts := newTestServer(t)
	c := newVendorCast(ts)
	start := ts.clock.Now()
	ask := func(token, principal, env, action, resource string) {
		ts.authorize(token, api.AuthorizeRequest{PrincipalID: principal, EnvironmentID: env, Action: action, Resource: resource})
		ts.clock.Advance(time.Minute)
	}
	ask(c.vendorToken, c.vendor.ID, c.prod.ID, "operator.reboot_host", "aw_1")          // allowed, request
	ask(c.vendorToken, c.vendor.ID, c.prod.ID, "co_maintainer.apply_workspace", "aw_1") // denied
	ask(c.vendorToken, c.vendor.ID, c.lab.ID, "support.read_log_streams", "aw_1")       // allowed, standing
	ask(c.otherVendorToken, c.other.ID, c.prod.ID, "operator.reboot_host", "aw_1")      // denied: no request
	ask(c.otherVendorToken, c.other.ID, c.lab.ID, "support.read_log_streams", "aw_1")   // allowed, standing

	ids := func(ds []api.AuthorizationDecision) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.PrincipalID+" "+d.EnvironmentID+" "+d.Action)
		}
		return out
	}
	all := ts.decisions(ownerToken, nil)
	if len(all) != 5 {
		t.Fatalf("%d decisions: %v", len(all), ids(all))
	}
	for _, tc := range []struct {
		name  string
		query url.Values
		want  []int // indexes into all (newest first)
	}{
		{"principal", url.Values{"principal_id": {c.vendor.ID}}, []int{2, 3, 4}},
		{"environment", url.Values{"environment_id": {c.lab.ID}}, []int{0, 2}},
		{"principal and environment", url.Values{"principal_id": {c.other.ID}, "environment_id": {c.prod.ID}}, []int{1}},
		{"access request", url.Values{"access_request_id": {c.request.ID}}, []int{4}},
		{"allowed", url.Values{"allowed": {"true"}}, []int{0, 2, 4}},
		{"denied", url.Values{"allowed": {"false"}}, []int{1, 3}},
		{"denied for one vendor", url.Values{"allowed": {"false"}, "principal_id": {c.vendor.ID}}, []int{3}},
		{"since", url.Values{"since": {start.Add(3 * time.Minute).Format(time.RFC3339)}}, []int{0, 1}},
		{"until", url.Values{"until": {start.Add(time.Minute).Format(time.RFC3339)}}, []int{3, 4}},
		{"since and until", url.Values{"since": {start.Add(time.Minute).Format(time.RFC3339)}, "until": {start.Add(2 * time.Minute).Format(time.RFC3339)}}, []int{2, 3}},
		{"paged by one", url.Values{"limit": {"1"}}, []int{0, 1, 2, 3, 4}},
		{"paged by two, one principal", url.Values{"limit": {"2"}, "principal_id": {c.vendor.ID}}, []int{2, 3, 4}},
	} {
		got := listDecisions(ts, ownerToken, tc.query)
		var want []api.AuthorizationDecision
		for _, i := range tc.want {
			want = append(want, all[i])
		}
		if !slices.Equal(ids(got), ids(want)) {
			t.Errorf("%s: %v, want %v", tc.name, ids(got), ids(want))
		}
	}

	for _, tc := range []struct{ query, field string }{
		{"actor_id=x", "actor_id"},
		{"principal=x", "principal"},
		{"principal_id=", "principal_id"},
		{"environment_id=a&environment_id=b", "environment_id"},
		{"allowed=yes", "allowed"},
		{"since=yesterday", "since"},
		{"cursor=bm90LWEtY3Vyc29y!", ""},
	} {
		r := ts.do("GET", "/v1/authorization-decisions?"+tc.query, ownerToken, nil)
		if r.status != 422 && r.status != 400 {
			t.Errorf("%s: status %d, want a refusal; body %s", tc.query, r.status, r.body)
			continue
		}
		if p := r.problem(t); tc.field != "" && p.Field != tc.field {
			t.Errorf("%s: problem %+v does not name %s", tc.query, p, tc.field)
		}
	}
}

// Who reads what: the owner and audit.read every decision; cluster.admin every vendor user's;
// a vendor user only its own, and naming another is refused; a member without either reads
// only its own.
func TestDecisionLog_readRules(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.DecisionLog.Members = decisionlog.MembersAll })
	c := newVendorCast(ts)
	ts.authorize(c.vendorToken, api.AuthorizeRequest{PrincipalID: c.vendor.ID, EnvironmentID: c.prod.ID, Action: "operator.reboot_host", Resource: "aw_1"})
	ts.authorize(c.otherVendorToken, api.AuthorizeRequest{PrincipalID: c.other.ID, EnvironmentID: c.lab.ID, Action: "support.read_log_streams", Resource: "aw_1"})
	ts.authorize(c.memberToken, api.AuthorizeRequest{PrincipalID: c.member.ID, EnvironmentID: c.prod.ID, Action: "apps.deploy"})

	admin, adminToken := ts.createUser("admin@example.com", "member")
	ts.assign(ts.createRole("cluster-admins", "cluster.admin").ID, api.RoleAssignmentCreate{UserID: admin.ID})
	auditor, auditorToken := ts.createUser("auditor@example.com", "member")
	ts.assign(ts.createRole("auditors", "audit.read").ID, api.RoleAssignmentCreate{UserID: auditor.ID})

	principals := func(ds []api.AuthorizationDecision) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.PrincipalID)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	everyone := sorted(c.vendor.ID, c.other.ID, c.member.ID)
	for _, tc := range []struct {
		who, token string
		want       []string
	}{
		{"owner", ownerToken, everyone},
		{"auditor", auditorToken, everyone},
		{"cluster.admin", adminToken, sorted(c.vendor.ID, c.other.ID)},
		{"vendor", c.vendorToken, []string{c.vendor.ID}},
		{"member", c.memberToken, []string{c.member.ID}},
	} {
		if got := principals(ts.decisions(tc.token, nil)); !slices.Equal(got, tc.want) {
			t.Errorf("%s reads the decisions of %v, want %v", tc.who, got, tc.want)
		}
	}
	if got := ts.decisions(c.vendorToken, url.Values{"principal_id": {c.vendor.ID}}); len(got) != 1 {
		t.Errorf("a vendor reading its own by principal_id: %d decisions", len(got))
	}
	for _, tc := range []struct{ who, token, target string }{
		{"vendor", c.vendorToken, c.other.ID},
		{"vendor", c.vendorToken, c.member.ID},
		{"member", c.memberToken, c.vendor.ID},
		{"cluster.admin", adminToken, c.member.ID},
	} {
		r := ts.do("GET", "/v1/authorization-decisions?principal_id="+tc.target, tc.token, nil)
		if r.status != 403 {
			t.Errorf("%s naming %s: status %d, want 403; body %s", tc.who, tc.target, r.status, r.body)
			continue
		}
		requireContains(t, r.problem(t).Detail, "your own")
	}
}

// -decision-log-members=all records members' decisions too, each with sample rate 1.
func TestDecisionLog_membersAll(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.DecisionLog.Members = decisionlog.MembersAll })
	c := newVendorCast(ts)
	ts.authorize(c.memberToken, api.AuthorizeRequest{PrincipalID: c.member.ID, EnvironmentID: c.prod.ID, Action: "apps.deploy"})
	ts.authorize(c.memberToken, api.AuthorizeRequest{PrincipalID: c.member.ID, EnvironmentID: c.lab.ID, Action: "apps.deploy"})
	got := ts.decisions(ownerToken, url.Values{"principal_id": {c.member.ID}})
	if len(got) != 2 || got[0].Allowed || !got[1].Allowed || got[1].Via == nil || got[1].Via.Permission != "deployment" ||
		got[0].PrincipalKind != "member" || got[0].SampleRate != 1 {
		t.Fatalf("member decisions: %+v", got)
	}
	var ready struct {
		DecisionLog struct {
			Members string `json:"members"`
			Dropped uint64 `json:"dropped"`
		} `json:"decision_log"`
	}
	ts.call("GET", "/v1/ready", "", nil, 200, &ready)
	if ready.DecisionLog.Members != "all" || ready.DecisionLog.Dropped != 0 {
		t.Fatalf("ready: %+v", ready.DecisionLog)
	}
}

// A clean shutdown loses no decision: the server drains as warden-server does (Serve until
// its context ends, then Close), with an authorize request still in flight when the drain
// begins and a writer that would otherwise wait an hour to write; a new server on the same
// database reads every decision back.
func TestDecisionLog_cleanShutdownFlushes(t *testing.T) {
	clock := testclock.New(time.Now().UTC().Truncate(time.Second))
	cfg := Config{DB: testDB(t), BootstrapToken: ownerToken, Now: clock.Now,
		DecisionLog: DecisionLogConfig{Interval: time.Hour}}
	srv, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, clock: clock, srv: srv, db: cfg.DB}
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.url = "http://" + ln.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, ts.holdable(srv.Handler()), ServeOptions{}) }()
	closed := false
	t.Cleanup(func() {
		stop()
		if !closed {
			_ = srv.Close()
		}
	})

	c := newVendorCast(ts)
	const n = 40
	for i := range n {
		ts.authorize(c.vendorToken, api.AuthorizeRequest{PrincipalID: c.vendor.ID, EnvironmentID: c.prod.ID,
			Action: "operator.reboot_host", Resource: "aw_host" + string(rune('a'+i%26))})
	}
	// One more, in flight across the start of the drain: answered, so it must be kept too.
	late := ts.startRequest("POST", "/v1/authorize", c.vendorToken, api.AuthorizeRequest{PrincipalID: c.vendor.ID,
		EnvironmentID: c.lab.ID, Action: "support.read_log_streams", Resource: "aw_late"})
	if st := srv.DecisionLogStats(); st.Written != 0 {
		t.Fatalf("the writer wrote %d decisions before the shutdown; this test wants them queued", st.Written)
	}
	stop()
	if r := late.finish(); r.status != 200 {
		t.Fatalf("in-flight authorize: status %d: %s", r.status, r.body)
	}
	if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Serve: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	closed = true
	if st := srv.DecisionLogStats(); st.Written != n+1 || st.Dropped != 0 || st.Failed != 0 || st.Queued != 0 {
		t.Fatalf("after Close: %+v, want %d written", st, n+1)
	}

	// A new server on the same database.
	cfg.BootstrapToken = ""
	ts2 := serve(t, cfg, clock)
	got := listDecisions(ts2, ownerToken, url.Values{"principal_id": {c.vendor.ID}})
	if len(got) != n+1 {
		t.Fatalf("after the restart: %d decisions, want %d", len(got), n+1)
	}
	if got[0].Resource != "aw_late" || got[0].Via == nil || got[0].Via.SupportAccessID != c.labAccess.ID {
		t.Fatalf("the in-flight decision: %+v", got[0])
	}
	if got[n].Via == nil || got[n].Via.AccessRequestID != c.request.ID {
		t.Fatalf("the first decision: %+v", got[n])
	}
}

// Decisions older than the retention are pruned.
func TestDecisionLog_retention(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.DecisionLog.Retention = 48 * time.Hour })
	c := newVendorCast(ts)
	ts.authorize(c.vendorToken, api.AuthorizeRequest{PrincipalID: c.vendor.ID, EnvironmentID: c.lab.ID, Action: "support.read_log_streams", Resource: "aw_old"})
	ts.clock.Advance(47 * time.Hour)
	ts.authorize(c.vendorToken, api.AuthorizeRequest{PrincipalID: c.vendor.ID, EnvironmentID: c.lab.ID, Action: "support.read_log_streams", Resource: "aw_new"})
	ts.decisions(ownerToken, nil) // flushed
	ts.clock.Advance(2 * time.Hour)
	n, err := ts.srv.pruneDecisions(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want 1", n, err)
	}
	if got := ts.decisions(ownerToken, nil); len(got) != 1 || got[0].Resource != "aw_new" {
		t.Fatalf("after pruning: %+v", got)
	}
}
