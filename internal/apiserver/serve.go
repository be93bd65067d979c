package apiserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Defaults of ServeOptions' zero fields: long enough for any Warden request (the slowest is a
// large list or a grant that rewrites many rows), short enough that a stalled or malicious
// client cannot hold a connection and its goroutine forever.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultShutdownTimeout   = 30 * time.Second
	// DefaultMaxHeaderBytes is far above a bearer token and an Idempotency-Key, and far below
	// net/http's 1 MiB.
	DefaultMaxHeaderBytes = 64 << 10
)

// ServeOptions configures Serve; zero durations and sizes take the defaults above.
type ServeOptions struct {
	// TLSCertFile and TLSKeyFile are PEM files (the certificate file may hold the chain).
	// Both set: HTTPS; both empty: plain HTTP; one alone is an error.
	TLSCertFile, TLSKeyFile string

	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	// ShutdownTimeout bounds the drain after ctx ends: in-flight requests get this long to
	// finish, then the remaining connections are closed.
	ShutdownTimeout time.Duration

	// Logger receives the drain's start and end; nil discards.
	Logger *slog.Logger
	// Announce, when non-nil, is called with the base URL (http:// or https://) once the
	// certificate has loaded and just before requests are served.
	Announce func(url string)
}

// TLS reports whether o serves HTTPS, and refuses half a TLS configuration.
func (o ServeOptions) TLS() (bool, error) {
	switch {
	case o.TLSCertFile != "" && o.TLSKeyFile != "":
		return true, nil
	case o.TLSCertFile == "" && o.TLSKeyFile == "":
		return false, nil
	case o.TLSCertFile == "":
		return false, errors.New("a TLS key without a certificate: set -tls-cert (WARDEN_TLS_CERT) too, or neither for plain HTTP")
	default:
		return false, errors.New("a TLS certificate without a key: set -tls-key (WARDEN_TLS_KEY) too, or neither for plain HTTP")
	}
}

// Check refuses options Serve would refuse, without serving: half a TLS configuration, or
// certificate files that do not load. Call it before slow start-up work so that a typo in a
// path fails at once.
func (o ServeOptions) Check() error {
	_, err := o.certificate()
	return err
}

// certificate loads the TLS key pair; nil without TLS.
func (o ServeOptions) certificate() (*tls.Certificate, error) {
	useTLS, err := o.TLS()
	if err != nil || !useTLS {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(o.TLSCertFile, o.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate %s and key %s: %w", o.TLSCertFile, o.TLSKeyFile, err)
	}
	return &cert, nil
}

// Serve answers requests on ln with handler until ctx ends, then drains: it stops accepting,
// lets in-flight requests finish for up to ShutdownTimeout, and closes what is left. It
// returns nil after a clean drain, and closes ln in every case.
func Serve(ctx context.Context, ln net.Listener, handler http.Handler, o ServeOptions) error {
	// Loaded now, so that a wrong path or a mismatched key fails the start, not every
	// handshake.
	cert, err := o.certificate()
	if err != nil {
		_ = ln.Close()
		return err
	}
	useTLS := cert != nil
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: orDuration(o.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		ReadTimeout:       orDuration(o.ReadTimeout, DefaultReadTimeout),
		WriteTimeout:      orDuration(o.WriteTimeout, DefaultWriteTimeout),
		IdleTimeout:       orDuration(o.IdleTimeout, DefaultIdleTimeout),
		MaxHeaderBytes:    o.MaxHeaderBytes,
		// Connection-level noise (TLS handshakes from scanners, timeouts) goes to the same
		// structured log instead of the standard logger.
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if hs.MaxHeaderBytes <= 0 {
		hs.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	scheme := "http"
	if useTLS {
		hs.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*cert}}
		scheme = "https"
	}
	if o.Announce != nil {
		o.Announce(scheme + "://" + ln.Addr().String())
	}

	errc := make(chan error, 1)
	go func() {
		if useTLS {
			errc <- hs.ServeTLS(ln, "", "")
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}

	timeout := orDuration(o.ShutdownTimeout, DefaultShutdownTimeout)
	start := time.Now()
	log.Info("draining: no new connections; waiting for in-flight requests", "timeout", timeout)
	drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := hs.Shutdown(drainCtx); err != nil {
		_ = hs.Close()
		log.Warn("drain timed out: closed the remaining connections", "after", time.Since(start).Round(time.Millisecond))
		return fmt.Errorf("shutdown: requests still running after %v: %w", timeout, err)
	}
	log.Info("drained", "took", time.Since(start).Round(time.Millisecond))
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func orDuration(d, fallback time.Duration) time.Duration {
	if d <= 0 {
		return fallback
	}
	return d
}
