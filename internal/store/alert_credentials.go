package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Alert credentials: an environment's ingest key and signing secret. Both are stored as they
// are given back: the ingest key because cluster.admin reads it (the data source
// warden_alert_routing wires a monitoring system with it), the signing secrets because
// signing a delivery needs them. The ingest key is also stored as its SHA-256, unique and
// indexed, so that an incoming alert finds its environment without comparing the key in
// the clear. Encryption at rest is the database's (disk or column encryption), not Warden's.

// AlertCredentialsRecord is an environment's stored credentials: the wire credentials
// (IngestURL is the server's to fill in) and the ingest key's hash.
type AlertCredentialsRecord struct {
	api.AlertCredentials
	IngestKeyHash string
}

// NewAlertCredentials makes the credentials of environment envID at now: a fresh ingest key
// and signing secret, no previous one.
func NewAlertCredentials(envID string, now time.Time) AlertCredentialsRecord {
	c := AlertCredentialsRecord{AlertCredentials: api.AlertCredentials{EnvironmentID: envID}}
	return c.WithNewSigningSecret(now).WithNewIngestKey(now)
}

// WithNewIngestKey is c with a fresh ingest key: the old one stops authenticating at once
// (a leaked key must be dead the moment it is rotated).
func (c AlertCredentialsRecord) WithNewIngestKey(now time.Time) AlertCredentialsRecord {
	c.IngestKey = IngestKeyPrefix + rand.Text() + rand.Text() // 2 × 128 random bits
	c.IngestKeyHash = HashIngestKey(c.IngestKey)
	c.IngestKeyRotatedAt = now
	return c
}

// WithNewSigningSecret is c with a fresh signing secret; the current one, if any, becomes the
// previous one until access.SigningSecretOverlap has passed.
func (c AlertCredentialsRecord) WithNewSigningSecret(now time.Time) AlertCredentialsRecord {
	if c.SigningSecret != "" {
		until := now.Add(access.SigningSecretOverlap)
		c.PreviousSigningSecret, c.PreviousSigningSecretExpiresAt = c.SigningSecret, &until
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand's contract)
	c.SigningSecret = "whsec_" + base64.StdEncoding.EncodeToString(b)
	c.SigningSecretRotatedAt = now
	return c
}

// Current is c without a previous signing secret that has expired by now.
func (c AlertCredentialsRecord) Current(now time.Time) AlertCredentialsRecord {
	if c.PreviousSigningSecretExpiresAt != nil && !now.Before(*c.PreviousSigningSecretExpiresAt) {
		c.PreviousSigningSecret, c.PreviousSigningSecretExpiresAt = "", nil
	}
	return c
}

// IngestKeyPrefix starts every ingest key: recognisable to secret scanners, and to the server,
// which takes such a bearer secret as an ingest key rather than a user token.
const IngestKeyPrefix = "wik_"

// HashIngestKey is the stored, indexed form of an ingest key.
func HashIngestKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

const credentialCols = "environment_id, ingest_key, ingest_key_hash, ingest_key_rotated_at, signing_secret, signing_secret_rotated_at, " +
	"previous_signing_secret, previous_signing_secret_expires_at"

func scanCredentials(sc scanFunc) (AlertCredentialsRecord, error) {
	var c AlertCredentialsRecord
	var keyAt, secretAt string
	var prevExp sql.NullString
	err := sc(&c.EnvironmentID, &c.IngestKey, &c.IngestKeyHash, &keyAt, &c.SigningSecret, &secretAt, &c.PreviousSigningSecret, &prevExp)
	c.IngestKeyRotatedAt, c.SigningSecretRotatedAt = parseTime(keyAt), parseTime(secretAt)
	c.PreviousSigningSecretExpiresAt = parseTimePtr(prevExp)
	return c, err
}

func credentialArgs(c AlertCredentialsRecord) []any {
	return []any{c.EnvironmentID, c.IngestKey, c.IngestKeyHash, fmtTime(c.IngestKeyRotatedAt), c.SigningSecret, fmtTime(c.SigningSecretRotatedAt),
		c.PreviousSigningSecret, fmtTimePtr(c.PreviousSigningSecretExpiresAt)}
}

func (t *sqlTx) InsertAlertCredentials(c AlertCredentialsRecord) error {
	t.alterAlerting()
	_, err := t.exec(`INSERT INTO alert_credentials (`+credentialCols+`) VALUES (?,?,?,?,?,?,?,?)`, credentialArgs(c)...)
	return err
}

func (t *sqlTx) AlertCredentials(environmentID string) (AlertCredentialsRecord, error) {
	return one(t.queryRow(`SELECT `+credentialCols+` FROM alert_credentials WHERE environment_id = ?`, environmentID), scanCredentials)
}

// IngestEnvironment returns the id of the environment whose current ingest key is key, or
// ErrNotFound: an incoming alert authenticates by this lookup of the key's hash.
func (t *sqlTx) IngestEnvironment(key string) (string, error) {
	h := HashIngestKey(key)
	c := t.cache()
	if id, ok := c.env(h); ok {
		return id, nil
	}
	id, err := one(t.queryRow(`SELECT environment_id FROM alert_credentials WHERE ingest_key_hash = ?`, h), func(sc scanFunc) (string, error) {
		var id string
		return id, sc(&id)
	})
	if err == nil {
		c.putEnv(h, id)
	}
	return id, err
}

func (t *sqlTx) UpdateAlertCredentials(c AlertCredentialsRecord) error {
	t.alterAlerting()
	args := credentialArgs(c)
	return t.execOne(`UPDATE alert_credentials SET ingest_key=?, ingest_key_hash=?, ingest_key_rotated_at=?, signing_secret=?, signing_secret_rotated_at=?, `+
		`previous_signing_secret=?, previous_signing_secret_expires_at=? WHERE environment_id=?`, append(args[1:], args[0])...)
}

// backfillAlertCredentials gives every environment made before alert credentials existed
// its own, in one transaction, after the migrations and under their lock. In Go, because
// neither dialect's SQL makes random secrets of this form (SQLite has no base64, PostgreSQL's
// core no random bytes without pgcrypto).
func backfillAlertCredentials(ctx context.Context, db migrator, d dialect) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("alert credentials: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	rows, err := tx.QueryContext(ctx, `SELECT e.id FROM environments e LEFT JOIN alert_credentials c ON c.environment_id = e.id
		WHERE c.environment_id IS NULL ORDER BY e.seq`)
	if err != nil {
		return fmt.Errorf("alert credentials: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			_ = rows.Close()
			return fmt.Errorf("alert credentials: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("alert credentials: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	now := time.Now().UTC()
	for _, id := range ids {
		c := NewAlertCredentials(id, now)
		if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO alert_credentials (`+credentialCols+`) VALUES (?,?,?,?,?,?,?,?)`), credentialArgs(c)...); err != nil {
			return fmt.Errorf("alert credentials of environment %s: %w", id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("alert credentials: %w", err)
	}
	return nil
}
