package store

import (
	"database/sql"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
)

// Environments made before alert credentials existed get their own when the store opens:
// each its own ingest key and signing secret, kept as they are on every later open.
func TestMigrations_alertCredentialsBackfilled(t *testing.T) {
	for _, dl := range dialects {
		t.Run(dl.name, func(t *testing.T) {
			t.Parallel()
			db := dl.db(t)
			oldDatabase(t, dl.driver, db, dl.ms, len(dl.ms)-1)
			conn, err := sql.Open(dl.driver, db)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"env_a", "env_b"} {
				if _, err := conn.ExecContext(t.Context(), dl.d.rebind(`INSERT INTO environments (id, version, created_at, updated_at, name, cloud, resource_prefix)
					VALUES (?, 1, '2000-01-01T00:00:00Z', '2000-01-01T00:00:00Z', ?, 'gcp', 'aw_')`), id, id); err != nil {
					t.Fatal(err)
				}
			}
			if err := conn.Close(); err != nil {
				t.Fatal(err)
			}
			read := func() map[string]AlertCredentialsRecord {
				st, unlock, err := Open(t.Context(), db, false)
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]AlertCredentialsRecord{}
				err = st.View(t.Context(), func(tx Tx) error {
					for _, id := range []string{"env_a", "env_b"} {
						c, err := tx.AlertCredentials(id)
						if err != nil {
							return err
						}
						got[id] = c
					}
					return nil
				})
				if err := errors.Join(err, st.Close(), unlock()); err != nil {
					t.Fatal(err)
				}
				return got
			}
			first := read()
			for id, c := range first {
				checkCredentials(t, id, c)
			}
			if first["env_a"].IngestKey == first["env_b"].IngestKey || first["env_a"].SigningSecret == first["env_b"].SigningSecret {
				t.Fatal("two environments share credentials")
			}
			if again := read(); again["env_a"].IngestKey != first["env_a"].IngestKey || again["env_b"].SigningSecret != first["env_b"].SigningSecret {
				t.Fatal("credentials changed on a second open")
			}
		})
	}
}

func checkCredentials(t *testing.T, id string, c AlertCredentialsRecord) {
	t.Helper()
	if c.EnvironmentID != id || !strings.HasPrefix(c.IngestKey, "wik_") || len(c.IngestKey) != 4+52 || c.IngestKeyHash != HashIngestKey(c.IngestKey) {
		t.Errorf("%s: ingest key %+v", id, c)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(c.SigningSecret, "whsec_"))
	if !strings.HasPrefix(c.SigningSecret, "whsec_") || err != nil || len(raw) != 32 {
		t.Errorf("%s: signing secret %q is not whsec_ + base64 of 32 bytes (%v)", id, c.SigningSecret, err)
	}
	if c.PreviousSigningSecret != "" || c.PreviousSigningSecretExpiresAt != nil {
		t.Errorf("%s: a new environment has a previous signing secret", id)
	}
}

// Rotating the signing secret keeps the previous one for the overlap, and no longer.
func TestAlertCredentials_rotation(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c := NewAlertCredentials("env_1", at)
	checkCredentials(t, "env_1", c)
	later := at.Add(time.Hour)
	k := c.WithNewIngestKey(later)
	if k.IngestKey == c.IngestKey || k.IngestKeyHash == c.IngestKeyHash || !k.IngestKeyRotatedAt.Equal(later) || k.SigningSecret != c.SigningSecret {
		t.Fatalf("ingest key rotation: %+v", k)
	}
	s := c.WithNewSigningSecret(later)
	if s.SigningSecret == c.SigningSecret || s.PreviousSigningSecret != c.SigningSecret || !s.PreviousSigningSecretExpiresAt.Equal(later.Add(access.SigningSecretOverlap)) ||
		s.IngestKey != c.IngestKey {
		t.Fatalf("signing secret rotation: %+v", s)
	}
	if cur := s.Current(later.Add(access.SigningSecretOverlap - time.Second)); cur.PreviousSigningSecret != c.SigningSecret {
		t.Fatal("previous secret dropped within the overlap")
	}
	if cur := s.Current(later.Add(access.SigningSecretOverlap)); cur.PreviousSigningSecret != "" || cur.PreviousSigningSecretExpiresAt != nil {
		t.Fatal("previous secret kept after the overlap")
	}
}
