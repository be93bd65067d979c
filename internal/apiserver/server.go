// Package apiserver is the Warden API: JSON over HTTP under /v1, described by an OpenAPI 3.1
// document generated from the handlers' own types (huma v2 on net/http's ServeMux).
//
// Every request is authenticated by a bearer token and authorized by the same
// internal/access rules the Terraform provider validates with, so that the provider and the
// server reject the same inputs in the same words. Persistence sits behind the Store
// interface (store.go), on SQLite (sqlite.go, the default) or PostgreSQL (postgres.go). Every
// change is one transaction together with its audit event and, when the request carries an
// Idempotency-Key, its idempotency record.
package apiserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/alerting"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/decisionlog"
	"github.com/wardenhq/terraform-provider-warden/internal/metrics"
	"github.com/wardenhq/terraform-provider-warden/internal/ui"
)

// BootstrapEmail is the e-mail of the account_owner user created on an empty store.
const BootstrapEmail = "owner@warden.local"

// MinBootstrapTokenLength is the shortest WARDEN_BOOTSTRAP_TOKEN accepted: the token grants
// account_owner, and a short one can be guessed.
const MinBootstrapTokenLength = 16

// Config configures a Server.
type Config struct {
	// DB is a SQLite file path (or file: URI), or a postgres:// (postgresql://) URL: the
	// PostgreSQL store, on which replicas share one database (SharedStore is implied).
	DB string
	// BootstrapToken is required when the store is empty: it becomes the token of an
	// account_owner user (owner@warden.local).
	BootstrapToken string
	// Logger receives one line per request; nil discards.
	Logger *slog.Logger
	// Now is the clock used for timestamps and every expiry decision; nil is time.Now.
	Now func() time.Time
	// MaxBodyBytes bounds request bodies; 0 is 1 MiB.
	MaxBodyBytes int64
	// SharedStore says other servers write to the same database (replicas): every
	// authentication and decision then first checks the store's policy generation (one read
	// shared by all requests waiting at that moment) so that a change answered by any replica
	// holds on this one from then on. Without it, the server takes the database for itself
	// (a lock file beside the SQLite file) and its in-memory snapshot is always current.
	SharedStore bool
	// IdempotencyTTL is how long an Idempotency-Key is remembered (replayed, or refused
	// for another request); 0 is DefaultIdempotencyTTL. Older records are ignored and
	// pruned in the background.
	IdempotencyTTL time.Duration
	// PublicURL is the server's address as monitoring systems reach it (behind a proxy or a
	// load balancer), e.g. https://warden.example.com: the base of the ingest URLs it hands
	// out. "" takes the scheme and host each request was sent to.
	PublicURL string
	// Alerting configures alert ingestion and delivery.
	Alerting AlertingConfig
	// Version is the server's version, which warden_build_info reports.
	Version string
	// DecisionLog configures the log of POST /v1/authorize's decisions.
	DecisionLog DecisionLogConfig
}

// Server is the Warden API.
type Server struct {
	store   Store
	log     *slog.Logger
	now     func() time.Time
	maxBody int64
	handler http.Handler
	state   policyState
	shared  bool
	barrier *generationBarrier
	unlock  func() error
	idemTTL time.Duration
	// publicURL is Config.PublicURL without a trailing slash.
	publicURL string
	// stopPruner ends the idempotency pruner and waits for it.
	stopPruner func()
	alerting   AlertingConfig
	// lifetime is the server's own context, which background work runs in.
	lifetime context.Context
	ingest   *ingestBatcher
	// dispatcher delivers alerts; stopDispatcher ends it and waits.
	dispatcher     *alerting.Dispatcher
	stopDispatcher func()
	// ui is the review page under /ui/.
	ui *ui.Handler
	// metrics records what the server does, for GET /metrics (metrics.go).
	metrics *metrics.Metrics
	// decisions queues authorize's decisions for their writer (decisions.go).
	decisions   *decisionlog.Log
	decisionCfg DecisionLogConfig
	// noFastAuthorize sends every POST /v1/authorize through its huma operation (tests
	// compare the two paths; authorize_fast.go).
	noFastAuthorize atomic.Bool
	// noFastIngest does the same for POST /v1/environments/{id}/alerts (ingest_fast.go).
	noFastIngest atomic.Bool
}

// New opens the store, applies migrations, bootstraps an empty store and builds the handler.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.DB == "" {
		return nil, errors.New("no database: give -db (or WARDEN_DB) a SQLite file path or a postgres:// URL")
	}
	if err := CheckPublicURL(cfg.PublicURL); err != nil {
		return nil, err
	}
	if err := cfg.Alerting.Check(); err != nil {
		return nil, err
	}
	s := &Server{log: cfg.Logger, now: cfg.Now, maxBody: cfg.MaxBodyBytes, idemTTL: cfg.IdempotencyTTL,
		publicURL: strings.TrimRight(cfg.PublicURL, "/"), alerting: cfg.Alerting.withDefaults(),
		decisionCfg: cfg.DecisionLog.withDefaults(), lifetime: context.WithoutCancel(ctx)}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxBody <= 0 {
		s.maxBody = 1 << 20
	}
	if s.idemTTL <= 0 {
		s.idemTTL = DefaultIdempotencyTTL
	}
	// A start that is refused (no bootstrap token for an empty store, a migration that fails)
	// takes back the SQLite files it created: the next attempt starts from what was there.
	created := newSQLiteFiles(cfg.DB)
	st, unlock, err := openStore(ctx, cfg.DB, cfg.SharedStore)
	if err != nil {
		created.remove()
		return nil, err
	}
	s.shared = cfg.SharedStore || IsPostgresURL(cfg.DB)
	s.unlock = unlock
	s.store = st
	s.barrier = &generationBarrier{read: st.Generation}
	s.metrics = s.newMetrics(cfg.Version, st.Pools())
	err = st.View(ctx, func(tx Tx) error { return s.reloadFrom(tx, metrics.ReloadStart) })
	if err == nil {
		err = s.bootstrap(ctx, cfg.BootstrapToken)
	}
	if err == nil {
		err = s.startDispatcher()
	}
	if err != nil {
		_ = s.Close()
		created.remove()
		return nil, err
	}
	if s.ui, err = ui.New(ui.Config{Source: uiSource{s}, Now: s.now, Logger: s.log,
		SecureCookies: strings.HasPrefix(s.publicURL, "https://")}); err != nil {
		_ = s.Close()
		return nil, err
	}
	s.handler = s.routes()
	s.startDecisionLog()
	s.startIngest()
	s.startPruner(ctx)
	return s, nil
}

// Handler returns the HTTP handler serving the whole API.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops the background work, closes the store and releases the database. The
// decisions still queued are written first: call it once the HTTP server has drained (as
// warden-server does), so that no answered authorize request loses its decision.
func (s *Server) Close() error {
	if s.stopPruner != nil {
		s.stopPruner()
		s.stopPruner = nil
	}
	s.stopIngest()
	if s.stopDispatcher != nil {
		s.stopDispatcher()
		s.stopDispatcher = nil
	}
	if s.decisions != nil {
		s.decisions.Stop()
	}
	return errors.Join(s.store.Close(), s.unlock())
}

// bootstrap gives an empty store its first principal, so that there is someone to create
// everything else.
func (s *Server) bootstrap(ctx context.Context, token string) error {
	var owner *api.User // set once the transaction has created it
	err := s.update(ctx, func(tx Tx) error {
		owner = nil
		n, err := tx.CountUsers()
		if err != nil || n > 0 {
			return err
		}
		if token == "" {
			return errors.New("the store is empty: set WARDEN_BOOTSTRAP_TOKEN to create the first account_owner")
		}
		if len(token) < MinBootstrapTokenLength {
			return fmt.Errorf("WARDEN_BOOTSTRAP_TOKEN is %d characters long; it becomes an account_owner's bearer token, so it needs at least %d (e.g. from openssl rand -hex 32)",
				len(token), MinBootstrapTokenLength)
		}
		now := s.now()
		u := api.User{Meta: api.Meta{ID: newID("usr"), Version: 1, CreatedAt: now, UpdatedAt: now},
			Email: BootstrapEmail, Name: "Owner", Kind: kindMember}
		if err := tx.InsertUser(u); err != nil {
			return err
		}
		a := api.RoleAssignment{Meta: api.Meta{ID: newID("asg"), Version: 1, CreatedAt: now, UpdatedAt: now},
			RoleID: roleAccountOwner, UserID: u.ID}
		if err := tx.InsertAssignment(a); err != nil {
			return err
		}
		t := TokenRecord{Token: api.Token{ID: newID("tok"), UserID: u.ID, Name: "bootstrap", CreatedAt: now}, Hash: hashToken(token)}
		if err := tx.InsertToken(t); err != nil {
			return err
		}
		for _, e := range []auditEntry{
			{Kind: objectUser, ID: u.ID, After: u}, {Kind: objectRoleAssignment, ID: a.ID, After: a}, {Kind: objectToken, ID: t.ID, After: t.Token},
		} {
			e.Actor, e.Verb = "system", "create"
			if err := s.audit(tx, e); err != nil {
				return err
			}
		}
		owner = &u
		return nil
	})
	if err == nil && owner != nil {
		// Who holds the store now, for whoever reads the log; the token is the operator's
		// secret and never logged.
		s.log.Info("created the bootstrap owner", "email", owner.Email, "user_id", owner.ID, "role", "account_owner")
	}
	return err
}

// The fixed ids of the built-in roles (seeded by the first migration).
const (
	roleAccountOwner = "role_account_owner"
	roleDeployOwner  = "role_deploy_owner"
)

// sqliteFiles are the files of a SQLite store (the database, its WAL, shared memory, rollback
// journal and the server's lock) that did not exist before a start.
type sqliteFiles []string

// newSQLiteFiles notes which of db's files are missing now; none for PostgreSQL or memory.
func newSQLiteFiles(db string) sqliteFiles {
	if IsPostgresURL(db) {
		return nil
	}
	path, _, _ := strings.Cut(strings.TrimPrefix(db, "file:"), "?")
	if path == "" || path == ":memory:" {
		return nil
	}
	var missing sqliteFiles
	for _, f := range []string{path, path + "-wal", path + "-shm", path + "-journal", path + ".lock"} {
		if _, err := os.Lstat(f); errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, f)
		}
	}
	return missing
}

// remove deletes the files that were missing before: a refused start leaves nothing behind,
// and never touches what another server or an earlier start wrote.
func (f sqliteFiles) remove() {
	for _, name := range f {
		_ = os.Remove(name)
	}
}
