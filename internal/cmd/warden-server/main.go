// Command warden-server serves the Warden API.
//
//	warden-server -listen 127.0.0.1:8080 -db ./warden.db [-tls-cert FILE -tls-key FILE] [-idempotency-ttl 24h] [-metrics-listen 127.0.0.1:9464] [-decision-log-members off|sample:<rate>|all]
//	warden-server recover-owner -db ./warden.db [-email owner@warden.local]
//	warden-server backup -db ./warden.db -to ./warden-backup.db
//	warden-server --version
//
// Every flag can also come from an environment variable (-listen from WARDEN_LISTEN, -db from
// WARDEN_DB, …; -h lists them); a flag on the command line wins over the environment.
//
// On first start with an empty store it creates an account_owner principal whose bearer
// token is WARDEN_BOOTSTRAP_TOKEN (at least 16 characters), and refuses to start without
// one. It logs one line per request (written in batches, logbuffer.go) and, on SIGINT or SIGTERM, stops accepting connections
// and drains in-flight requests for up to -shutdown-timeout.
//
// recover-owner is the offline break-glass for a store in which nobody holds
// account_owner any more: run it with the server stopped; it prints a fresh owner token.
//
// backup writes a consistent copy of the SQLite store (VACUUM INTO), also while a server runs.
//
// Prometheus metrics are at GET /metrics on -listen, for a token holding cluster.read, and,
// with -metrics-listen, on a listener of their own that needs no token (plain HTTP, for
// the operator's scrapers: bind it to loopback or a private address).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/alerting"
	"github.com/wardenhq/terraform-provider-warden/internal/apiserver"
	"github.com/wardenhq/terraform-provider-warden/internal/decisionlog"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "warden-server:", err)
		os.Exit(1)
	}
}

// version is set by the release build (-ldflags "-X main.version=..."), as the provider's.
var version = "dev"

// run is the whole command, with its environment passed in so that tests run it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "-version", "--version":
			// Before the flags and the environment are read: whatever else is wrong, this
			// prints the version.
			return printVersion(stdout)
		case "recover-owner":
			return recoverOwner(ctx, args[1:], getenv, stdout, stderr)
		case "backup":
			return backup(ctx, args[1:], getenv, stdout, stderr)
		}
	}
	return serve(ctx, args, getenv, stdout, stderr)
}

func printVersion(stdout io.Writer) error {
	_, err := fmt.Fprintf(stdout, "warden-server %s\n", version)
	return err
}

// serveConfig is the server's command line, after the environment has filled the gaps.
type serveConfig struct {
	listen, db      string
	metricsListen   string
	tlsCert, tlsKey string
	idemTTL         time.Duration
	readTimeout     time.Duration
	writeTimeout    time.Duration
	idleTimeout     time.Duration
	shutdownTimeout time.Duration
	bootstrapToken  string
	publicURL       string
	version         bool
	alerting        apiserver.AlertingConfig
	decisionLog     apiserver.DecisionLogConfig
	heapFloor       uint64
}

func parseServe(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	c := serveConfig{heapFloor: defaultHeapFloor}
	fs := newFlagSet("warden-server", stderr, `Usage: warden-server [flags]
       warden-server recover-owner -h
       warden-server backup -h
       warden-server --version

Serves the Warden API. On an empty store it creates an account_owner user whose bearer token is
WARDEN_BOOTSTRAP_TOKEN (environment only: a secret has no flag), and refuses to start without one.`)
	fs.BoolVar(&c.version, "version", false, "print the version and exit")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8080", "`address` to listen on")
	fs.StringVar(&c.metricsListen, "metrics-listen", "", "`address` of a plain-HTTP listener serving only GET /metrics, without a token (e.g. 127.0.0.1:9464; keep it off public networks); default: none, and GET /metrics on -listen needs a token with cluster.read")
	fs.StringVar(&c.db, "db", "./warden.db", "the store: a SQLite `file` path, or a postgres:// URL (PostgreSQL, for several replicas on one database)")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "PEM certificate `file` (chain allowed) to serve HTTPS; needs -tls-key")
	fs.StringVar(&c.tlsKey, "tls-key", "", "PEM private key `file` of -tls-cert")
	fs.StringVar(&c.publicURL, "public-url", "", "the server's `URL` as monitoring systems reach it (behind a proxy), base of the ingest URLs it hands out; default: the scheme and host of each request")
	a := &c.alerting
	fs.StringVar(&a.VendorURL, "vendor-alert-url", "", "the vendor's on-call `URL`, which takes PagerDuty Events API v2 events (e.g. https://events.pagerduty.com/v2/enqueue); without it alerts routed to the vendor are recorded as undeliverable")
	fs.StringVar(&a.VendorRoutingKey, "vendor-alert-routing-key", "", "the routing `key` events to -vendor-alert-url carry (a secret: prefer WARDEN_VENDOR_ALERT_ROUTING_KEY, which ps does not show)")
	fs.StringVar(&a.SMTPURL, "smtp-url", "", "the mail server e-mail destinations are sent through: smtp://[user:password@]host:port (STARTTLS when offered; ?starttls=required to insist) or smtps://… (TLS); a secret when it holds a password: prefer WARDEN_SMTP_URL")
	fs.StringVar(&a.SMTPFrom, "smtp-from", "", "the sender `address` of alert e-mails (needed with -smtp-url)")
	fs.BoolVar(&a.AllowPrivateDestinations, "allow-private-destinations", false, "let webhook destinations reach loopback, link-local and private addresses (local receivers, tests); refused by default, when configured and again at delivery")
	fs.DurationVar(&a.Retention, "alert-retention", apiserver.DefaultAlertRetention, "how long received alerts and their deliveries are kept; older ones are pruned once their deliveries are final")
	fs.Func("alert-retry-schedule", "the `delays` before each attempt of an alert delivery, comma-separated, the first 0s (default "+alerting.DefaultSchedule.String()+", ±10% jitter); after the last, a delivery is failed (retry it through the API)",
		func(v string) (err error) {
			a.RetrySchedule, err = alerting.ParseSchedule(v)
			return err
		})
	fs.DurationVar(&a.AttemptTimeout, "alert-attempt-timeout", alerting.DefaultAttemptTimeout, "how long one delivery attempt (webhook, vendor or e-mail) may take, from connecting to the answer's last byte; one that takes longer is retried on the schedule. Leases on deliveries last about ten times as long (at least a minute), so a replica that dies mid-attempt delays its deliveries by that much")
	fs.DurationVar(&a.DedupWindow, "alert-dedup-window", apiserver.DefaultAlertDedupWindow, "how long a repeat of an alert (same fingerprint or dedup_key, status and start) counts as the same alert")
	dl := &c.decisionLog
	fs.Func("decision-log-members", "which member users' POST /v1/authorize decisions the decision log keeps: off (the default), sample:<rate> (e.g. sample:0.01, one in a hundred) or all; vendor users' decisions are always kept",
		func(v string) (err error) {
			dl.Members, err = decisionlog.ParseMembers(v)
			return err
		})
	fs.IntVar(&dl.Queue, "decision-log-queue", decisionlog.DefaultQueue, "how many `decisions` may wait in memory for the decision log's writer; when it is full, authorize still answers and the decision is dropped and counted (GET /v1/ready's decision_log.dropped)")
	fs.DurationVar(&dl.Retention, "decision-log-retention", decisionlog.DefaultRetention, "how long authorization decisions are kept; older ones are pruned")
	fs.Func("gc-heap-floor", "the heap `size` below which Go's collector does not run (bytes, or KiB, MiB, GiB; 0 for none; default 256MiB): fewer collections, a shorter latency tail; at most a quarter of the cgroup's memory limit and half of GOMEMLIMIT, and off when the environment sets GOGC",
		func(v string) (err error) {
			c.heapFloor, err = parseBytes(v)
			return err
		})
	fs.DurationVar(&c.idemTTL, "idempotency-ttl", apiserver.DefaultIdempotencyTTL, "how long an Idempotency-Key is remembered; older records are ignored and pruned")
	fs.DurationVar(&c.readTimeout, "read-timeout", apiserver.DefaultReadTimeout, "longest time to read a request, body included")
	fs.DurationVar(&c.writeTimeout, "write-timeout", apiserver.DefaultWriteTimeout, "longest time from the end of the request headers to the end of the response")
	fs.DurationVar(&c.idleTimeout, "idle-timeout", apiserver.DefaultIdleTimeout, "how long an idle keep-alive connection stays open")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", apiserver.DefaultShutdownTimeout, "on SIGINT/SIGTERM, how long in-flight requests may finish before connections are closed")
	err := parseWithEnv(fs, args, getenv, map[string]string{
		"listen":           "WARDEN_LISTEN",
		"metrics-listen":   "WARDEN_METRICS_LISTEN",
		"db":               "WARDEN_DB",
		"tls-cert":         "WARDEN_TLS_CERT",
		"tls-key":          "WARDEN_TLS_KEY",
		"idempotency-ttl":  "WARDEN_IDEMPOTENCY_TTL",
		"read-timeout":     "WARDEN_READ_TIMEOUT",
		"write-timeout":    "WARDEN_WRITE_TIMEOUT",
		"idle-timeout":     "WARDEN_IDLE_TIMEOUT",
		"shutdown-timeout": "WARDEN_SHUTDOWN_TIMEOUT",
		"public-url":       "WARDEN_PUBLIC_URL",

		"vendor-alert-url":           "WARDEN_VENDOR_ALERT_URL",
		"vendor-alert-routing-key":   "WARDEN_VENDOR_ALERT_ROUTING_KEY",
		"smtp-url":                   "WARDEN_SMTP_URL",
		"smtp-from":                  "WARDEN_SMTP_FROM",
		"allow-private-destinations": "WARDEN_ALLOW_PRIVATE_DESTINATIONS",
		"alert-retention":            "WARDEN_ALERT_RETENTION",
		"alert-dedup-window":         "WARDEN_ALERT_DEDUP_WINDOW",
		"alert-retry-schedule":       "WARDEN_ALERT_RETRY_SCHEDULE",
		"alert-attempt-timeout":      "WARDEN_ALERT_ATTEMPT_TIMEOUT",

		"decision-log-members":   "WARDEN_DECISION_LOG_MEMBERS",
		"decision-log-queue":     "WARDEN_DECISION_LOG_QUEUE",
		"decision-log-retention": "WARDEN_DECISION_LOG_RETENTION",

		"gc-heap-floor": "WARDEN_GC_HEAP_FLOOR",
	})
	if err != nil {
		return c, err
	}
	for name, d := range map[string]time.Duration{"idempotency-ttl": c.idemTTL, "read-timeout": c.readTimeout,
		"write-timeout": c.writeTimeout, "idle-timeout": c.idleTimeout, "shutdown-timeout": c.shutdownTimeout,
		"alert-retention": a.Retention, "alert-dedup-window": a.DedupWindow, "alert-attempt-timeout": a.AttemptTimeout, "decision-log-retention": dl.Retention} {
		if d <= 0 {
			return c, fmt.Errorf("-%s must be positive, not %v", name, d)
		}
	}
	if dl.Queue < 1 {
		return c, fmt.Errorf("-decision-log-queue must be at least 1, not %d", dl.Queue)
	}
	if _, err := (apiserver.ServeOptions{TLSCertFile: c.tlsCert, TLSKeyFile: c.tlsKey}).TLS(); err != nil {
		return c, err
	}
	if err := apiserver.CheckPublicURL(c.publicURL); err != nil {
		return c, err
	}
	if err := a.Check(); err != nil {
		return c, err
	}
	c.bootstrapToken = getenv("WARDEN_BOOTSTRAP_TOKEN")
	return c, nil
}

// defaultGCPercent is the server's GOGC when the environment sets none, above the heap
// floor (heapfloor.go). The server holds its whole policy in memory and answers POST
// /v1/authorize from it; the collector's cycles were the tail of authorize's latency, and
// twice Go's default halves them for a heap up to three times what is live instead of two.
// GOGC (and GOMEMLIMIT) in the environment win, as for any Go program.
const defaultGCPercent = 200

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseServe(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if c.version {
		return printVersion(stdout)
	}
	if getenv("GOGC") == "" {
		floor := effectiveHeapFloor(c.heapFloor, cgroupMemoryLimit())
		if limit := debug.SetMemoryLimit(-1); limit < math.MaxInt64 {
			floor = min(floor, uint64(limit)/2)
		}
		if floor > 0 {
			defer startHeapFloor(floor, defaultGCPercent)()
		} else {
			debug.SetGCPercent(defaultGCPercent)
		}
	}

	opts := apiserver.ServeOptions{
		TLSCertFile:     c.tlsCert,
		TLSKeyFile:      c.tlsKey,
		ReadTimeout:     c.readTimeout,
		WriteTimeout:    c.writeTimeout,
		IdleTimeout:     c.idleTimeout,
		ShutdownTimeout: c.shutdownTimeout,
		Announce:        func(url string) { _, _ = fmt.Fprintf(stdout, "warden-server listening on %s\n", url) },
	}
	// Before the store is opened (and perhaps bootstrapped): a wrong certificate path fails
	// the start with nothing written.
	if err := opts.Check(); err != nil {
		return err
	}

	// Listen before the store is opened (and perhaps bootstrapped): an address in use fails
	// the start with nothing written. Serve announces it once the handler is ready, so a
	// ":0" port is resolved and the printed address is accepting.
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", c.listen)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%w: another warden-server, or another program, listens on %s; stop it, or choose another address with -listen (WARDEN_LISTEN)", err, c.listen)
	}
	if err != nil {
		return err
	}
	defer func() { _ = ln.Close() }()
	var metricsLn net.Listener
	if c.metricsListen != "" {
		metricsLn, err = (&net.ListenConfig{}).Listen(ctx, "tcp", c.metricsListen)
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%w: another program listens on %s; choose another address with -metrics-listen (WARDEN_METRICS_LISTEN)", err, c.metricsListen)
		}
		if err != nil {
			return err
		}
		defer func() { _ = metricsLn.Close() }()
	}

	logs := newLogBuffer(stderr, requestLogDelay)
	defer logs.Close() // deferred before the server's Close, so that it runs after the last line
	logger := newBufferedLogger(logs)
	opts.Logger = logger
	srv, err := apiserver.New(ctx, apiserver.Config{
		DB:             c.db,
		BootstrapToken: c.bootstrapToken,
		Logger:         logger,
		IdempotencyTTL: c.idemTTL,
		PublicURL:      c.publicURL,
		Alerting:       c.alerting,
		Version:        version,
		DecisionLog:    c.decisionLog,
	})
	if err != nil {
		return err
	}
	defer func() { _ = srv.Close() }()

	if err := serveAll(ctx, ln, srv.Handler(), opts, metricsLn, srv.MetricsHandler(), stdout); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// serveAll serves the API on ln and, when metricsLn is not nil, the metrics on it, until ctx
// ends or either fails; then both drain.
func serveAll(ctx context.Context, ln net.Listener, api http.Handler, opts apiserver.ServeOptions,
	metricsLn net.Listener, metrics http.Handler, stdout io.Writer,
) error {
	if metricsLn == nil {
		return apiserver.Serve(ctx, ln, api, opts)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	mopts := apiserver.ServeOptions{ReadTimeout: opts.ReadTimeout, WriteTimeout: opts.WriteTimeout, IdleTimeout: opts.IdleTimeout,
		ShutdownTimeout: opts.ShutdownTimeout}
	if opts.Logger != nil {
		mopts.Logger = opts.Logger.With("listener", "metrics")
	}
	// Announced after the API, whose line scripts wait for first; both listeners are open.
	announce := opts.Announce
	opts.Announce = func(url string) {
		if announce != nil {
			announce(url)
		}
		_, _ = fmt.Fprintf(stdout, "warden-server metrics on http://%s/metrics\n", metricsLn.Addr())
	}
	metricsDone := make(chan error, 1)
	go func() {
		err := apiserver.Serve(ctx, metricsLn, metrics, mopts)
		cancel() // a metrics listener that fails stops the API too: the operator asked for both
		metricsDone <- err
	}()
	err := apiserver.Serve(ctx, ln, api, opts)
	cancel()
	if merr := <-metricsDone; err == nil && merr != nil {
		err = fmt.Errorf("metrics listener: %w", merr)
	}
	return err
}

// recoverOwner is the recover-owner subcommand: it prints the token once, with what to do
// next, on stdout.
func recoverOwner(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("warden-server recover-owner", stderr, `Usage: warden-server recover-owner -db FILE [-email ADDRESS]

With the server stopped, makes a member user account_owner again and prints a fresh token.`)
	db := fs.String("db", "./warden.db", "SQLite `file` path of the Warden database to recover (stop the server first)")
	email := fs.String("email", apiserver.BootstrapEmail, "e-mail of the member user to make account_owner (created if missing)")
	if err := parseWithEnv(fs, args, getenv, map[string]string{"db": "WARDEN_DB"}); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("recover-owner: %w", err)
	}
	userID, token, err := apiserver.RecoverOwner(ctx, *db, *email, time.Now())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, `%s (user %s) holds account_owner again. Its new bearer token, shown only now:

  %s

It expires in %v. Start warden-server on %s, use the token (Authorization: Bearer, or
WARDEN_TOKEN for Terraform) to give account_owner to the users or groups who should hold it,
issue them their own tokens, then revoke this one (it is named "recover-owner"). Every change
made here is in the audit log as %s.
`, *email, userID, token, apiserver.RecoverTokenLifetime, *db, apiserver.RecoverActor)
	return err
}

// backup is the backup subcommand.
func backup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("warden-server backup", stderr, `Usage: warden-server backup -db FILE -to FILE

Writes a consistent copy of the SQLite database (VACUUM INTO), also while a server runs on it.
The copy is a complete Warden database: to restore, stop the server and start it with -db on
the copy. An existing destination is refused.`)
	db := fs.String("db", "./warden.db", "SQLite `file` path of the Warden database")
	to := fs.String("to", "", "new `file` to write the copy to (required; never overwritten)")
	if err := parseWithEnv(fs, args, getenv, map[string]string{"db": "WARDEN_DB"}); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("backup: %w", err)
	}
	if *to == "" {
		return errors.New("backup: set -to, the new file to write the copy to")
	}
	if err := apiserver.Backup(ctx, *db, *to); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdout, "backed up %s to %s\n", *db, *to)
	return err
}

// newFlagSet returns a flag set that reports errors instead of exiting, and whose -h prints
// intro, the flags, and the environment rule.
func newFlagSet(name string, out io.Writer, intro string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		_, _ = fmt.Fprintf(out, "%s\n\nFlags (each also from the environment variable in brackets; the flag wins):\n", intro)
		fs.PrintDefaults()
	}
	return fs
}

// parseWithEnv parses args, then gives every flag absent from them the value of its
// environment variable in env (flag name → variable), when that is set and not empty. The
// variables are named in -h. Extra arguments are refused.
func parseWithEnv(fs *flag.FlagSet, args []string, getenv func(string) string, env map[string]string) error {
	for name, variable := range env {
		f := fs.Lookup(name)
		if f == nil {
			panic("warden-server: no flag -" + name)
		}
		f.Usage += " [$" + variable + "]"
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags go before it; see -h)", fs.Arg(0))
	}
	onCommandLine := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		variable, ok := env[f.Name]
		if !ok || onCommandLine[f.Name] {
			return
		}
		if v := getenv(variable); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q (for -%s): %w", variable, v, f.Name, err))
			}
		}
	})
	return errors.Join(errs...)
}
