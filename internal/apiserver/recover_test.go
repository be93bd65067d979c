package apiserver

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// dropOwners deletes every account_owner assignment behind the API's back, as an operator
// editing the database would.
func dropOwners(t *testing.T, db string) {
	t.Helper()
	s, err := New(t.Context(), Config{DB: db, BootstrapToken: ownerToken})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.store.UpdatePolicy(t.Context(), func(tx Tx) error {
		as, _, err := tx.Assignments(roleAccountOwner, Page{})
		if err != nil {
			return err
		}
		for _, a := range as {
			if err := tx.DeleteAssignment(a.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRecoverOwner_restoresTheBootstrapOwner(t *testing.T) {
	db := filepath.Join(t.TempDir(), "warden.db")
	dropOwners(t, db)
	start := time.Now().UTC().Truncate(time.Second)

	userID, token, err := RecoverOwner(t.Context(), db, "", start)
	if err != nil {
		t.Fatalf("RecoverOwner: %v", err)
	}
	if !strings.HasPrefix(token, "wdn_") || len(token) < 40 {
		t.Fatalf("token %q", token)
	}

	ts := newTestServer(t, func(c *Config) { c.DB = db; c.BootstrapToken = "" })
	if userID != ts.ownerID() {
		t.Errorf("recovered %s, not the bootstrap user", userID)
	}
	// The token works on an owner-only route, and so does the old bootstrap token again.
	ts.call("POST", "/v1/environments", token, api.EnvironmentCreate{Name: "recovered", Cloud: "aws"}, 201, nil)
	ts.call("POST", "/v1/environments", ownerToken, api.EnvironmentCreate{Name: "bootstrap-again", Cloud: "aws"}, 201, nil)

	var l api.List[api.AuditEvent]
	ts.call("GET", "/v1/audit-events?actor_id="+RecoverActor, token, nil, 200, &l)
	var actions []string
	for _, e := range l.Items {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, ",") != "role_assignment.create,token.create" {
		t.Errorf("audited %v", actions)
	}

	// The token is break-glass: it expires.
	ts.clock.Advance(RecoverTokenLifetime + time.Second)
	if r := ts.do("GET", "/v1/environments", token, nil); r.status != 401 {
		t.Errorf("after %v: status %d", RecoverTokenLifetime, r.status)
	}
}

func TestRecoverOwner_createsTheNamedMember(t *testing.T) {
	db := filepath.Join(t.TempDir(), "warden.db")
	dropOwners(t, db)
	// Run twice: a user who already holds the role directly gets only a new token.
	for i := range 2 {
		userID, token, err := RecoverOwner(t.Context(), db, "ops@example.com", time.Now())
		if err != nil {
			t.Fatalf("RecoverOwner #%d: %v", i, err)
		}
		ts := newTestServer(t, func(c *Config) { c.DB = db; c.BootstrapToken = "" })
		var u api.User
		ts.call("GET", "/v1/users/"+userID, token, nil, 200, &u)
		if u.Email != "ops@example.com" || u.Kind != kindMember {
			t.Errorf("recovered user %+v", u)
		}
		var as api.List[api.RoleAssignment]
		ts.call("GET", "/v1/roles/"+roleAccountOwner+"/assignments", token, nil, 200, &as)
		if len(as.Items) != 1 || as.Items[0].UserID != userID {
			t.Errorf("run %d: owner assignments %+v", i, as.Items)
		}
		var l api.List[api.AuditEvent]
		ts.call("GET", "/v1/audit-events?actor_id="+RecoverActor, token, nil, 200, &l)
		if want := 3 + i; len(l.Items) != want { // user, assignment, token; then one more token
			t.Errorf("run %d: %d audit events, want %d", i, len(l.Items), want)
		}
		if err := ts.srv.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRecoverOwner_refuses(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := RecoverOwner(t.Context(), filepath.Join(dir, "missing.db"), "", time.Now()); err == nil || !strings.Contains(err.Error(), "no Warden database") {
		t.Errorf("missing file: %v", err)
	}
	db := filepath.Join(dir, "warden.db")
	ts := newTestServer(t, func(c *Config) { c.DB = db })
	ts.createUser("oncall@vendor.example", "vendor")
	if _, _, err := RecoverOwner(t.Context(), db, "", time.Now()); err == nil || !strings.Contains(err.Error(), "in use by another warden-server") {
		t.Errorf("while a server holds the database: %v", err)
	}
	if err := ts.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := RecoverOwner(t.Context(), db, "oncall@vendor.example", time.Now()); err == nil || !strings.Contains(err.Error(), "vendor") {
		t.Errorf("vendor user: %v", err)
	}
	if _, _, err := RecoverOwner(t.Context(), db, "Ops <ops@example.com>", time.Now()); err == nil || !strings.Contains(err.Error(), "-email") {
		t.Errorf("bad e-mail: %v", err)
	}
}
