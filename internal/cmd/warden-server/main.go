// Command warden-server serves the Warden API.
//
//	warden-server -listen 127.0.0.1:8080 -db ./warden.db
//
// On first start with an empty store it creates an account_owner principal whose bearer
// token is WARDEN_BOOTSTRAP_TOKEN, and refuses to start without one. It logs one line per
// request and stops cleanly on SIGINT or SIGTERM.
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
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "warden-server:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:8080", "address to listen on")
	db := flag.String("db", "./warden.db", "SQLite file path (a postgres:// URL once that store exists)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	srv, err := apiserver.New(ctx, apiserver.Config{
		DB:             *db,
		BootstrapToken: os.Getenv("WARDEN_BOOTSTRAP_TOKEN"),
		Logger:         logger,
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
