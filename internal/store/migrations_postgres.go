package store

// postgresMigrations is the schema of migrations_sqlite.go for PostgreSQL, numbered and
// named: the same tables and columns (times as RFC 3339 text plus integer nanoseconds where
// filtered, JSON sets as text), with PostgreSQL's own types for sequences, flags and bytes. Applied in order under an
// advisory lock, each in its own transaction; never edit one that has shipped. Its numbers
// are its own: the first one holds what SQLite reached in three.
var postgresMigrations = []migration{
	{1, "initial schema", `
CREATE TABLE environments (
	seq             BIGSERIAL PRIMARY KEY,
	id              TEXT NOT NULL UNIQUE,
	version         BIGINT NOT NULL,
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	name            TEXT NOT NULL CONSTRAINT environments_name_key UNIQUE,
	cloud           TEXT NOT NULL,
	resource_prefix TEXT NOT NULL
);
CREATE TABLE users (
	seq        BIGSERIAL PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	version    BIGINT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	email      TEXT NOT NULL CONSTRAINT users_email_key UNIQUE,
	name       TEXT NOT NULL,
	kind       TEXT NOT NULL
);
CREATE TABLE tokens (
	seq        BIGSERIAL PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	hash       TEXT NOT NULL UNIQUE,
	expires_at TEXT,
	created_at TEXT NOT NULL
);
CREATE INDEX tokens_user ON tokens(user_id);
CREATE TABLE user_groups (
	seq         BIGSERIAL PRIMARY KEY,
	id          TEXT NOT NULL UNIQUE,
	version     BIGINT NOT NULL,
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL,
	name        TEXT NOT NULL CONSTRAINT user_groups_name_key UNIQUE,
	description TEXT NOT NULL
);
CREATE TABLE group_members (
	group_id TEXT NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
	user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members(user_id);
CREATE TABLE roles (
	seq         BIGSERIAL PRIMARY KEY,
	id          TEXT NOT NULL UNIQUE,
	version     BIGINT NOT NULL,
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL,
	name        TEXT NOT NULL CONSTRAINT roles_name_key UNIQUE,
	description TEXT NOT NULL,
	permissions TEXT NOT NULL,
	builtin     BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE role_assignments (
	seq        BIGSERIAL PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	version    BIGINT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	role_id    TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
	user_id    TEXT REFERENCES users(id) ON DELETE CASCADE,
	group_id   TEXT REFERENCES user_groups(id) ON DELETE CASCADE,
	CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX role_assignments_user ON role_assignments(role_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX role_assignments_group ON role_assignments(role_id, group_id) WHERE group_id IS NOT NULL;
CREATE INDEX role_assignments_user_id ON role_assignments(user_id);
CREATE INDEX role_assignments_group_id ON role_assignments(group_id);
CREATE TABLE grants (
	seq            BIGSERIAL PRIMARY KEY,
	id             TEXT NOT NULL UNIQUE,
	version        BIGINT NOT NULL,
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL,
	environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
	role_id        TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
	permissions    TEXT NOT NULL,
	UNIQUE (environment_id, role_id)
);
CREATE INDEX grants_role ON grants(role_id);
CREATE TABLE support_access (
	seq             BIGSERIAL PRIMARY KEY,
	id              TEXT NOT NULL UNIQUE,
	version         BIGINT NOT NULL,
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	environment_id  TEXT NOT NULL UNIQUE REFERENCES environments(id) ON DELETE CASCADE,
	tier            TEXT NOT NULL,
	port_forwarding BOOLEAN NOT NULL,
	expires_at      TEXT
);
CREATE TABLE alert_routing (
	seq            BIGSERIAL PRIMARY KEY,
	id             TEXT NOT NULL UNIQUE,
	version        BIGINT NOT NULL,
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL,
	environment_id TEXT NOT NULL UNIQUE REFERENCES environments(id) ON DELETE CASCADE,
	vendor_routing BOOLEAN NOT NULL,
	destinations   TEXT NOT NULL
);
CREATE TABLE access_requests (
	seq              BIGSERIAL PRIMARY KEY,
	id               TEXT NOT NULL UNIQUE,
	version          BIGINT NOT NULL,
	created_at       TEXT NOT NULL,
	updated_at       TEXT NOT NULL,
	environment_id   TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
	requester_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	tier             TEXT NOT NULL,
	duration_seconds BIGINT NOT NULL,
	reason           TEXT NOT NULL,
	status           TEXT NOT NULL,
	decided_by       TEXT NOT NULL DEFAULT '',
	decided_at       TEXT,
	expires_at       TEXT
);
CREATE INDEX access_requests_env ON access_requests(environment_id, status);
CREATE INDEX access_requests_requester ON access_requests(requester_id);
CREATE TABLE audit_events (
	seq            BIGSERIAL PRIMARY KEY,
	id             TEXT NOT NULL UNIQUE,
	at_unix_nano   BIGINT NOT NULL,
	at             TEXT NOT NULL,
	actor_id       TEXT NOT NULL,
	action         TEXT NOT NULL,
	object_type    TEXT NOT NULL,
	object_id      TEXT NOT NULL,
	environment_id TEXT NOT NULL DEFAULT '',
	before         TEXT,
	after          TEXT
);
CREATE INDEX audit_events_at ON audit_events(at_unix_nano);
CREATE TABLE idempotency_keys (
	actor_id          TEXT NOT NULL,
	key               TEXT NOT NULL,
	request_hash      TEXT NOT NULL,
	status            BIGINT NOT NULL,
	body              BYTEA NOT NULL,
	created_at        TEXT NOT NULL,
	created_unix_nano BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (actor_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_unix_nano);
CREATE TABLE policy_state (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	gen BIGINT NOT NULL
);
INSERT INTO policy_state (id, gen) VALUES (1, 0);
INSERT INTO roles (id, version, created_at, updated_at, name, description, permissions, builtin) VALUES
	('role_account_owner', 1, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
	 'account_owner', 'Built-in: environment_admin in every environment, every platform permission, creates environments.', '[]', TRUE),
	('role_deploy_owner', 1, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
	 'deploy_owner', 'Built-in: environment_admin in every environment, every platform permission, creates environments.', '[]', TRUE);
`},
	// Standing vendor access: require_approval false gives every vendor user the tier.
	{2, "support_access require_approval", `
ALTER TABLE support_access ADD COLUMN require_approval BOOLEAN NOT NULL DEFAULT TRUE;
`},
	// Who manages a group's members (access.ListMode): "" for every existing group, so that
	// neither mode is refused until one is used.
	{3, "user_groups members_mode", `
ALTER TABLE user_groups ADD COLUMN members_mode TEXT NOT NULL DEFAULT '';
`},
	// Who manages an environment's alert destinations, as members_mode for groups.
	{4, "alert_routing destinations_mode", `
ALTER TABLE alert_routing ADD COLUMN destinations_mode TEXT NOT NULL DEFAULT '';
`},
	// Which request made each audited change: the server's own id, and apart from it the
	// caller's X-Request-Id (for correlation only). Older events have neither.
	{5, "audit_events request ids", `
ALTER TABLE audit_events ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN client_request_id TEXT NOT NULL DEFAULT '';
`},
	// E-mails are unique case-insensitively: email_fold holds access.EmailKey(email), kept
	// unique by the index, so that the rule holds under concurrent writes and across
	// replicas. Existing rows are keyed by backfillEmailFold, in Go (neither dialect's
	// lower() is Unicode's default case mapping), right after the migrations and under
	// their lock; until then the column is NULL, which the index lets repeat.
	{6, "users email_fold", `
ALTER TABLE users ADD COLUMN email_fold TEXT;
CREATE UNIQUE INDEX users_email_fold_key ON users(email_fold);
`},
	// Each environment's alert credentials (alert_credentials.go): the ingest key, also as
	// its SHA-256 (unique: an incoming alert finds its environment by it), and the signing
	// secret with the one it replaced during the overlap. Existing environments get theirs
	// from backfillAlertCredentials, in Go, right after the migrations and under their lock.
	{7, "alert_credentials", `
CREATE TABLE alert_credentials (
	environment_id                     TEXT PRIMARY KEY REFERENCES environments(id) ON DELETE CASCADE,
	ingest_key                         TEXT NOT NULL,
	ingest_key_hash                    TEXT NOT NULL UNIQUE,
	ingest_key_rotated_at              TEXT NOT NULL,
	signing_secret                     TEXT NOT NULL,
	signing_secret_rotated_at          TEXT NOT NULL,
	previous_signing_secret            TEXT NOT NULL DEFAULT '',
	previous_signing_secret_expires_at TEXT
);
`},
	// Received alerts and their outbox (alerts.go): each alert whole as JSON beside the
	// columns deduplication and pruning use; one delivery per chosen recipient, leased by a
	// dispatcher (lease_owner, lease_until_unix) and due at next_attempt_unix (the partial
	// index holds only the pending ones); every attempt. An environment's alerts go with it.
	{8, "alerts and their deliveries", `
CREATE TABLE alerts (
	seq            BIGSERIAL PRIMARY KEY,
	id             TEXT NOT NULL UNIQUE,
	environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
	dedup_key      TEXT NOT NULL,
	status         TEXT NOT NULL,
	starts_unix    BIGINT NOT NULL,
	received_unix  BIGINT NOT NULL,
	body           TEXT NOT NULL
);
CREATE INDEX alerts_dedup ON alerts(environment_id, dedup_key);
CREATE INDEX alerts_received ON alerts(received_unix);
CREATE TABLE alert_deliveries (
	seq               BIGSERIAL PRIMARY KEY,
	id                TEXT NOT NULL UNIQUE,
	alert_id          TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
	environment_id    TEXT NOT NULL,
	kind              TEXT NOT NULL,
	target            TEXT NOT NULL,
	event             TEXT NOT NULL,
	status            TEXT NOT NULL,
	attempt_count     BIGINT NOT NULL,
	schedule_start    BIGINT NOT NULL,
	next_attempt_at   TEXT,
	next_attempt_unix BIGINT NOT NULL,
	delivered_at      TEXT,
	last_error        TEXT NOT NULL,
	created_at        TEXT NOT NULL,
	created_unix      BIGINT NOT NULL,
	updated_at        TEXT NOT NULL,
	lease_owner       TEXT NOT NULL,
	lease_until_unix  BIGINT NOT NULL
);
CREATE INDEX alert_deliveries_alert ON alert_deliveries(alert_id);
CREATE INDEX alert_deliveries_env ON alert_deliveries(environment_id, seq);
CREATE INDEX alert_deliveries_due ON alert_deliveries(next_attempt_unix) WHERE status = 'pending';
CREATE TABLE alert_attempts (
	delivery_id TEXT NOT NULL REFERENCES alert_deliveries(id) ON DELETE CASCADE,
	n           BIGINT NOT NULL,
	at          TEXT NOT NULL,
	status_code BIGINT NOT NULL,
	latency_ms  BIGINT NOT NULL,
	outcome     TEXT NOT NULL,
	error       TEXT NOT NULL,
	PRIMARY KEY (delivery_id, n)
);
`},
	// Which warden_alert_routing manages an environment's routing (access.CanClaimRouting):
	// the claim's id and when it was made; '' for every existing routing, which neither
	// refuses a claim nor is refused one until a resource claims it.
	{9, "alert_routing claim", `
ALTER TABLE alert_routing ADD COLUMN claim_id TEXT NOT NULL DEFAULT '';
ALTER TABLE alert_routing ADD COLUMN claimed_at TEXT;
`},
	// The decision log (decisions.go): every POST /v1/authorize decision about a vendor user,
	// and members' as -decision-log-members says, written in batches off the request path.
	// Lists run newest first by seq, filtered by principal, environment, access request and
	// time (at_unix_nano, which pruning also uses).
	{10, "authorization_decisions", `
CREATE TABLE authorization_decisions (
	seq               BIGSERIAL PRIMARY KEY,
	id                TEXT NOT NULL UNIQUE,
	at_unix_nano      BIGINT NOT NULL,
	at                TEXT NOT NULL,
	principal_id      TEXT NOT NULL,
	principal_kind    TEXT NOT NULL,
	environment_id    TEXT NOT NULL,
	action            TEXT NOT NULL,
	resource          TEXT NOT NULL,
	allowed           BOOLEAN NOT NULL,
	reason            TEXT NOT NULL,
	via               TEXT,
	access_request_id TEXT NOT NULL,
	asked_by          TEXT NOT NULL,
	request_id        TEXT NOT NULL,
	sample_rate       DOUBLE PRECISION NOT NULL
);
CREATE INDEX authorization_decisions_principal ON authorization_decisions(principal_id, seq);
CREATE INDEX authorization_decisions_env ON authorization_decisions(environment_id, seq);
CREATE INDEX authorization_decisions_request ON authorization_decisions(access_request_id, seq);
CREATE INDEX authorization_decisions_at ON authorization_decisions(at_unix_nano);
`},
	// The decision log, leaner to write: no unique index on id (the writer makes ids unique,
	// time-ordered, and nothing reads a decision by id) and no RFC 3339 copy of at_unix_nano.
	{11, "authorization_decisions, leaner", `
ALTER TABLE authorization_decisions DROP CONSTRAINT authorization_decisions_id_key;
ALTER TABLE authorization_decisions DROP COLUMN at;
`},
}
