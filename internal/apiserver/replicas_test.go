package apiserver

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/testclock"
)

// startOn serves a Server on an existing database, as a replica does.
func startOn(t *testing.T, db string, c *testclock.Clock, shared bool) *testServer {
	t.Helper()
	return serve(t, Config{DB: db, BootstrapToken: ownerToken, Now: c.Now, SharedStore: shared}, c)
}

// Two replicas on one database: a revoke answered by one is denied by the other from then
// on, and a token minted on one works on the other at once (no database read per request
// decides this: the replicas compare policy generations).
func TestReplicas_revokeHoldsEverywhere(t *testing.T) {
	db := testDB(t) // a SQLite file shared on purpose, or a PostgreSQL database (shared by nature)
	c := testclock.New(time.Now().UTC().Truncate(time.Second))
	a := startOn(t, db, c, true)
	b := startOn(t, db, c, true)

	env := a.createEnv("prod", "aws")
	u, tok := a.createUser("alice@example.com", "member")
	role := a.createRole("deployers")
	a.assign(role.ID, api.RoleAssignmentCreate{UserID: u.ID})
	g := a.grant(env.ID, role.ID, "deployment")
	ask := api.AuthorizeRequest{PrincipalID: u.ID, EnvironmentID: env.ID, Action: "apps.deploy"}
	if r := b.authorize(tok, ask); !r.Allowed {
		t.Fatalf("replica B before the revoke: %+v", r)
	}
	a.call("DELETE", "/v1/environments/"+env.ID+"/grants/"+role.ID, ownerToken, nil, 204, nil, "If-Match", etag(g.Version))
	if r := b.authorize(tok, ask); r.Allowed {
		t.Fatalf("replica B after the revoke on A: %+v", r)
	}
	// A token revoked on B stops working on A.
	var tokens api.Token
	b.call("POST", "/v1/users/"+u.ID+"/tokens", ownerToken, api.TokenCreate{Name: "second"}, 201, &tokens)
	a.call("GET", "/v1/users/"+u.ID, tokens.Secret, nil, 200, nil)
	b.call("DELETE", "/v1/users/"+u.ID+"/tokens/"+tokens.ID, ownerToken, nil, 204, nil)
	if r := a.do("GET", "/v1/users/"+u.ID, tokens.Secret, nil); r.status != 401 {
		t.Fatalf("revoked on B, still accepted on A: %d", r.status)
	}
}

// Without SharedStore the server takes the database for itself.
func TestReplicas_sqliteIsExclusive(t *testing.T) {
	sqliteOnly(t)
	ts := newTestServer(t)
	db := filepath.Join(t.TempDir(), "warden.db")
	_ = startOn(t, db, ts.clock, false)
	_, err := New(context.Background(), Config{DB: db, BootstrapToken: ownerToken})
	if err == nil || !strings.Contains(err.Error(), "in use by another warden-server") {
		t.Fatalf("second server on the same file: %v", err)
	}
}
