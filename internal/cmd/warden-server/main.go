// Command warden-server serves the Warden API.
//
//	warden-server -listen 127.0.0.1:8080 -db ./warden.db [-idempotency-ttl 24h]
//	warden-server recover-owner -db ./warden.db [-email owner@warden.local]
//
// On first start with an empty store it creates an account_owner principal whose bearer
// token is WARDEN_BOOTSTRAP_TOKEN (at least 16 characters), and refuses to start without
// one. It logs one line per request and stops cleanly on SIGINT or SIGTERM.
//
// recover-owner is the offline break-glass for a store in which nobody holds
// account_owner any more: run it with the server stopped; it prints a fresh owner token.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/apiserver"
)

func main() {
	run := run
	if len(os.Args) > 1 && os.Args[1] == "recover-owner" {
		run = func() error { return recoverOwner(os.Args[2:]) }
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "warden-server:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:8080", "address to listen on")
	db := flag.String("db", "./warden.db", "SQLite file path (a postgres:// URL once that store exists)")
	idemTTL := flag.Duration("idempotency-ttl", apiserver.DefaultIdempotencyTTL, "how long an Idempotency-Key is remembered; older records are ignored and pruned")
	flag.Parse()
	if *idemTTL <= 0 {
		return fmt.Errorf("-idempotency-ttl must be positive, not %v", *idemTTL)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	srv, err := apiserver.New(ctx, apiserver.Config{
		DB:             *db,
		BootstrapToken: os.Getenv("WARDEN_BOOTSTRAP_TOKEN"),
		Logger:         logger,
		IdempotencyTTL: *idemTTL,
	})
	if err != nil {
		return err
	}
	defer func() { _ = srv.Close() }()

	// Listen before announcing, so that the printed address is already accepting (and a
	// ":0" port is resolved).
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", *listen)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("warden-server listening on http://%s\n", ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// recoverOwner is the recover-owner subcommand: it prints the token once, with what to do
// next, on stdout.
func recoverOwner(args []string) error {
	fs := flag.NewFlagSet("warden-server recover-owner", flag.ContinueOnError)
	db := fs.String("db", "./warden.db", "SQLite file path of the Warden database to recover (stop the server first)")
	email := fs.String("email", apiserver.BootstrapEmail, "e-mail of the member user to make account_owner (created if missing)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("recover-owner: unexpected argument %q", fs.Arg(0))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	userID, token, err := apiserver.RecoverOwner(ctx, *db, *email, time.Now())
	if err != nil {
		return err
	}
	fmt.Printf(`%s (user %s) holds account_owner again. Its new bearer token, shown only now:

  %s

It expires in %v. Start warden-server on %s, use the token (Authorization: Bearer, or
WARDEN_TOKEN for Terraform) to give account_owner to the users or groups who should hold it,
issue them their own tokens, then revoke this one (it is named "recover-owner"). Every change
made here is in the audit log as %s.
`, *email, userID, token, apiserver.RecoverTokenLifetime, *db, apiserver.RecoverActor)
	return nil
}
