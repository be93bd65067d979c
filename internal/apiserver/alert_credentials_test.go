package apiserver

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// lockedBuffer is a log destination the server writes while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (ts *testServer) credentials(envID, token string) api.AlertCredentials {
	ts.t.Helper()
	var c api.AlertCredentials
	ts.call("GET", "/v1/environments/"+envID+"/alert-routing/credentials", token, nil, 200, &c)
	return c
}

// An environment is created with its credentials: an ingest URL on this server, an ingest
// key and a Standard Webhooks signing secret, its own.
func TestAlertCredentials_madeWithTheEnvironment(t *testing.T) {
	ts := newTestServer(t)
	e := ts.createEnv("prod", "gcp")
	c := ts.credentials(e.ID, ownerToken)
	if c.EnvironmentID != e.ID || c.IngestURL != ts.url+"/v1/environments/"+e.ID+"/alerts" {
		t.Errorf("credentials %+v", c)
	}
	if !strings.HasPrefix(c.IngestKey, "wik_") || len(c.IngestKey) < 4+52 {
		t.Errorf("ingest key %q", c.IngestKey)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(c.SigningSecret, "whsec_"))
	if !strings.HasPrefix(c.SigningSecret, "whsec_") || err != nil || len(raw) < 24 || len(raw) > 64 {
		t.Errorf("signing secret %q is not a Standard Webhooks secret (%v)", c.SigningSecret, err)
	}
	if c.PreviousSigningSecret != "" || c.PreviousSigningSecretExpiresAt != nil || !c.IngestKeyRotatedAt.Equal(ts.clock.Now()) {
		t.Errorf("a new environment's credentials %+v", c)
	}
	if other := ts.credentials(ts.createEnv("stage", "aws").ID, ownerToken); other.IngestKey == c.IngestKey || other.SigningSecret == c.SigningSecret {
		t.Error("two environments share credentials")
	}
	ts.call("GET", "/v1/environments/env_missing/alert-routing/credentials", ownerToken, nil, 404, nil)
}

// -public-url is the base of the ingest URL, whatever host the request named.
func TestAlertCredentials_publicURL(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.PublicURL = "https://warden.example.com/" })
	e := ts.createEnv("prod", "gcp")
	if got := ts.credentials(e.ID, ownerToken).IngestURL; got != "https://warden.example.com/v1/environments/"+e.ID+"/alerts" {
		t.Errorf("ingest URL %q", got)
	}
	if _, err := New(t.Context(), Config{DB: testDB(t), BootstrapToken: ownerToken, PublicURL: "warden.example.com"}); err == nil ||
		!strings.Contains(err.Error(), "-public-url") {
		t.Errorf("a public URL without a scheme: %v", err)
	}
}

// Only cluster.admin reads or rotates them: not a member, not users.read, not a vendor user.
func TestAlertCredentials_clusterAdminOnly(t *testing.T) {
	ts := newTestServer(t)
	e := ts.createEnv("prod", "gcp")
	_, member := ts.createUser("member@example.com", "member")
	_, reader := ts.userWith("reader", "users.read", "groups.read", "audit.read")
	_, vendor := ts.createUser("oncall@vendor.example", "vendor")
	_, admin := ts.userWith("admin", "cluster.admin")
	for _, path := range []string{"/alert-routing/credentials", "/alert-routing/ingest-key/rotate", "/alert-routing/signing-secret/rotate"} {
		method := "POST"
		if strings.HasSuffix(path, "credentials") {
			method = "GET"
		}
		for who, tok := range map[string]string{"member": member, "reader": reader, "vendor": vendor} {
			p := ts.do(method, "/v1/environments/"+e.ID+path, tok, nil).problem(t)
			if p.Status != 403 || !strings.Contains(p.Detail, `"cluster.admin"`) || !strings.Contains(p.Detail, "alert credentials") {
				t.Errorf("%s %s by %s: %+v", method, path, who, p)
			}
		}
	}
	if c := ts.credentials(e.ID, admin); c.IngestKey == "" || c.SigningSecret == "" {
		t.Errorf("cluster.admin reads %+v", c)
	}
}

// Rotation: a new ingest key, the old one gone; a new signing secret with the old one kept
// for the overlap and no longer; each audited without a secret, and no secret in the server's
// log or the idempotency table.
func TestAlertCredentials_rotation(t *testing.T) {
	logs := &lockedBuffer{}
	ts := newTestServer(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	e := ts.createEnv("prod", "gcp")
	first := ts.credentials(e.ID, ownerToken)
	secrets := []string{first.IngestKey, first.SigningSecret}

	ts.clock.Advance(time.Minute)
	var k api.AlertCredentials
	ts.call("POST", "/v1/environments/"+e.ID+"/alert-routing/ingest-key/rotate", ownerToken, nil, 200, &k, "Idempotency-Key", "rotate-key-1")
	if k.IngestKey == first.IngestKey || !strings.HasPrefix(k.IngestKey, "wik_") || k.SigningSecret != first.SigningSecret ||
		!k.IngestKeyRotatedAt.Equal(ts.clock.Now()) || k.IngestURL != first.IngestURL {
		t.Fatalf("after the ingest key's rotation %+v", k)
	}
	if got := ts.credentials(e.ID, ownerToken); got.IngestKey != k.IngestKey {
		t.Fatalf("read after rotation %q, rotated to %q", got.IngestKey, k.IngestKey)
	}
	// A retry is answered from the idempotency record, which holds no secret.
	var replay api.AlertCredentials
	r := ts.call("POST", "/v1/environments/"+e.ID+"/alert-routing/ingest-key/rotate", ownerToken, nil, 200, &replay, "Idempotency-Key", "rotate-key-1")
	if r.header.Get("Idempotent-Replayed") != "true" || replay.IngestKey != "" || replay.SigningSecret != "" || !replay.IngestKeyRotatedAt.Equal(k.IngestKeyRotatedAt) {
		t.Errorf("replay %+v (%s)", replay, r.header)
	}
	if got := ts.credentials(e.ID, ownerToken); got.IngestKey != k.IngestKey {
		t.Error("a replayed rotation rotated again")
	}

	ts.clock.Advance(time.Minute)
	var s api.AlertCredentials
	ts.call("POST", "/v1/environments/"+e.ID+"/alert-routing/signing-secret/rotate", ownerToken, nil, 200, &s, "Idempotency-Key", "rotate-secret-1")
	until := ts.clock.Now().Add(access.SigningSecretOverlap)
	if s.SigningSecret == first.SigningSecret || s.PreviousSigningSecret != first.SigningSecret || s.PreviousSigningSecretExpiresAt == nil ||
		!s.PreviousSigningSecretExpiresAt.Equal(until) || s.IngestKey != k.IngestKey || !s.SigningSecretRotatedAt.Equal(ts.clock.Now()) {
		t.Fatalf("after the signing secret's rotation %+v", s)
	}
	secrets = append(secrets, k.IngestKey, s.SigningSecret)
	ts.clock.Advance(access.SigningSecretOverlap - time.Second)
	if got := ts.credentials(e.ID, ownerToken); got.PreviousSigningSecret != first.SigningSecret {
		t.Errorf("previous secret gone within the overlap: %+v", got)
	}
	ts.clock.Advance(time.Second)
	if got := ts.credentials(e.ID, ownerToken); got.PreviousSigningSecret != "" || got.PreviousSigningSecretExpiresAt != nil || got.SigningSecret != s.SigningSecret {
		t.Errorf("previous secret kept after the overlap: %+v", got)
	}

	var l api.List[api.AuditEvent]
	ts.call("GET", "/v1/audit-events?environment_id="+e.ID, ownerToken, nil, 200, &l)
	var actions []string
	for _, ev := range l.Items {
		actions = append(actions, ev.Action)
	}
	requireContains(t, strings.Join(actions, " "), "alert_credentials.create", "alert_credentials.ingest_key_rotate", "alert_credentials.signing_secret_rotate")
	audit := ts.do("GET", "/v1/audit-events?limit=1000", ownerToken, nil).body
	requireContains(t, string(audit), `"previous_signing_secret_expires_at":"`+until.Format(time.RFC3339))
	records := idempotencyBodies(t, ts.db)
	for _, secret := range secrets {
		for where, text := range map[string]string{"audit log": string(audit), "server log": logs.String(), "idempotency records": records} {
			if strings.Contains(text, secret) {
				t.Errorf("a secret is in the %s", where)
			}
		}
		// And, once more, without its prefix, in case a form elsewhere drops it.
		if bare := secret[strings.Index(secret, "_")+1:]; strings.Contains(string(audit)+logs.String()+records, bare) {
			t.Error("a secret's body is recorded")
		}
	}
	if !strings.Contains(logs.String(), "/alert-routing/ingest-key/rotate") {
		t.Error("the server log has no line of the rotation: the check above proves nothing")
	}
}

// idempotencyBodies is every stored idempotency response of the store at db, concatenated.
func idempotencyBodies(t *testing.T, db string) string {
	t.Helper()
	driver := "sqlite"
	if IsPostgresURL(db) {
		driver = "pgx"
	}
	conn, err := sql.Open(driver, db)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	rows, err := conn.QueryContext(t.Context(), `SELECT body FROM idempotency_keys`)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var all strings.Builder
	n := 0
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		all.Write(b)
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no idempotency records: the check proves nothing")
	}
	return all.String()
}

// Deleting the environment removes its credentials, and the audit log says so.
func TestAlertCredentials_goWithTheEnvironment(t *testing.T) {
	ts := newTestServer(t)
	e := ts.createEnv("prod", "gcp")
	ts.credentials(e.ID, ownerToken)
	ts.call("DELETE", "/v1/environments/"+e.ID, ownerToken, nil, 204, nil)
	ts.call("GET", "/v1/environments/"+e.ID+"/alert-routing/credentials", ownerToken, nil, 404, nil)
	ts.call("POST", "/v1/environments/"+e.ID+"/alert-routing/ingest-key/rotate", ownerToken, nil, 404, nil)
	var l api.List[api.AuditEvent]
	ts.call("GET", "/v1/audit-events?environment_id="+e.ID, ownerToken, nil, 200, &l)
	found := false
	for _, ev := range l.Items {
		found = found || (ev.Action == "alert_credentials.delete" && strings.Contains(string(ev.Before), `"deleted_with":"environment `+e.ID+`"`))
	}
	if !found {
		t.Errorf("no alert_credentials.delete in %+v", l.Items)
	}
}
