package alerting

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"syscall"
	"time"
)

// Webhooks on kept connections. net/http's Transport runs two goroutines for each
// connection and passes every request and answer between them and the caller over channels:
// for a dispatcher that sends small posts to a few receivers, that was about a third of an
// attempt's CPU. hookClient writes each request and reads its answer on the attempt's own
// goroutine, with net/http's request writer (http.Request.Write) and answer parser
// (http.ReadResponse), on HTTP/1.1 connections it keeps per receiver (TLS offers only
// http/1.1). It does what the Transport did for webhooks and no more: no proxy (the guard
// must see the address dialled), no redirects, no compression.
//
// A kept connection that the receiver closed while it was idle fails the next request
// before any answer: that request is sent again, once, on a new connection. A receiver
// that had read it and closed without answering then gets it twice, with the same
// webhook-id, which is what at-least-once delivery promises anyway.

const (
	hookMaxIdlePerHost = 8
	hookMaxIdle        = 256
	hookIdleTimeout    = 90 * time.Second
	hookTLSTimeout     = 5 * time.Second
	// hookMaxHeader bounds an answer's status line and headers, as the Transport's
	// MaxResponseHeaderBytes did.
	hookMaxHeader = 64 << 10
	// hookMaxURLs bounds the targets kept parsed; beyond it the set starts again.
	hookMaxURLs = 4096
)

// staleError is a connection found closed before the request got any answer: on a kept
// connection, the receiver closed it while it was idle.
type staleError struct{ err error }

func (e *staleError) Error() string { return e.err.Error() }
func (e *staleError) Unwrap() error { return e.err }

type hookClient struct {
	dialer *net.Dialer
	tls    *tls.Config // ServerName is set per connection

	mu        sync.Mutex
	idle      map[string][]*hookConn // by scheme and host:port, the most recent last
	idleCount int
	swept     time.Time
	urls      map[string]*url.URL // targets parsed, read-only once here; at most hookMaxURLs
}

type hookConn struct {
	conn net.Conn
	// lr bounds what one answer may read from the connection; br reads through it.
	lr    io.LimitedReader
	br    *bufio.Reader
	bw    *bufio.Writer
	since time.Time // idle since
}

func newHookClient(dialer *net.Dialer, cfg *tls.Config) *hookClient {
	cfg = cfg.Clone()
	cfg.NextProtos = []string{"http/1.1"}
	return &hookClient{dialer: dialer, tls: cfg, idle: map[string][]*hookConn{}, urls: map[string]*url.URL{}}
}

// request is http.NewRequest(POST, target, body) for do, with target parsed once for all of
// its deliveries: each attempt parsed it again, a few percent of an attempt's CPU. The
// request carries no context (do takes it) and shares its URL, which nothing changes.
func (c *hookClient) request(target string, h http.Header, body []byte) (*http.Request, error) {
	c.mu.Lock()
	u := c.urls[target]
	c.mu.Unlock()
	if u == nil {
		parsed, err := http.NewRequestWithContext(context.Background(), http.MethodPost, target, nil)
		if err != nil {
			return nil, err
		}
		u = parsed.URL
		c.mu.Lock()
		if len(c.urls) >= hookMaxURLs {
			clear(c.urls)
		}
		c.urls[target] = u
		c.mu.Unlock()
	}
	return &http.Request{Method: http.MethodPost, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h, Host: u.Host,
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
		GetBody: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }}, nil
}

// hookAnswer is what post needs of a receiver's answer: its status and headers, and the start
// of its body unless it is a 2xx (whose body is read and dropped).
type hookAnswer struct {
	code   int
	header http.Header
	body   []byte
}

// do sends req (whose body can be had again: GetBody) and reads the answer, keeping the
// connection when the answer was read whole and the receiver keeps it too.
func (c *hookClient) do(ctx context.Context, req *http.Request) (hookAnswer, error) {
	key := req.URL.Scheme + "://" + hostPort(req.URL.Scheme, req.URL.Hostname(), req.URL.Port())
	for tries := 0; ; tries++ {
		hc := c.take(key)
		reused := hc != nil
		if !reused {
			var err error
			if hc, err = c.dial(ctx, req); err != nil {
				return hookAnswer{}, err
			}
		}
		a, keep, err := hc.roundTrip(ctx, req)
		if err == nil {
			if keep {
				c.put(key, hc)
			} else {
				_ = hc.conn.Close()
			}
			return a, nil
		}
		_ = hc.conn.Close()
		var stale *staleError
		if !errors.As(err, &stale) {
			return hookAnswer{}, err
		}
		if !reused || tries > 0 || ctx.Err() != nil || req.GetBody == nil {
			return hookAnswer{}, stale.err
		}
		body, gerr := req.GetBody()
		if gerr != nil {
			return hookAnswer{}, err
		}
		req.Body = body
	}
}

func hostPort(scheme, host, port string) string {
	if port == "" {
		port = "80"
		if scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(host, port)
}

func (c *hookClient) dial(ctx context.Context, req *http.Request) (*hookConn, error) {
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return nil, fmt.Errorf("unsupported protocol scheme %q", req.URL.Scheme)
	}
	conn, err := c.dialer.DialContext(ctx, "tcp", hostPort(req.URL.Scheme, req.URL.Hostname(), req.URL.Port()))
	if err != nil {
		return nil, err
	}
	if req.URL.Scheme == "https" {
		cfg := c.tls.Clone()
		cfg.ServerName = req.URL.Hostname()
		tc := tls.Client(conn, cfg)
		hctx, cancel := context.WithTimeout(ctx, hookTLSTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			_ = conn.Close()
			return nil, err
		}
		conn = tc
	}
	hc := &hookConn{conn: conn}
	hc.lr.R = conn
	hc.br, hc.bw = bufio.NewReader(&hc.lr), bufio.NewWriter(conn)
	return hc, nil
}

// roundTrip writes req on hc and reads the answer within ctx; keep says whether hc may
// carry another request.
func (hc *hookConn) roundTrip(ctx context.Context, req *http.Request) (a hookAnswer, keep bool, err error) {
	deadline, _ := ctx.Deadline()
	if err := hc.conn.SetDeadline(deadline); err != nil {
		return a, false, err
	}
	// Cancelling ctx (the server stopping) interrupts a read or write under way.
	cut := context.AfterFunc(ctx, func() { _ = hc.conn.SetDeadline(time.Unix(1, 0)) })
	defer cut()
	// The status line and headers may take hookMaxHeader bytes; the body is given its own
	// allowance once they are read.
	hc.lr.N = hookMaxHeader
	if err := req.Write(hc.bw); err != nil {
		return a, false, hc.stale(ctx, err, true)
	}
	if err := hc.bw.Flush(); err != nil {
		return a, false, hc.stale(ctx, err, true)
	}
	// Nothing at all where the answer should begin: the receiver had closed the connection.
	if _, err := hc.br.Peek(1); err != nil {
		return a, false, hc.stale(ctx, err, errors.Is(err, io.EOF))
	}
	var resp *http.Response
	for {
		if resp, err = http.ReadResponse(hc.br, req); err != nil {
			if hc.lr.N <= 0 {
				return a, false, fmt.Errorf("the answer's headers are longer than %d KiB", hookMaxHeader>>10)
			}
			return a, false, err
		}
		// An informational answer (100 Continue, 103 Early Hints) comes before the answer.
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	hc.lr.N += maxBodyRead + 1
	a = hookAnswer{code: resp.StatusCode, header: resp.Header}
	// One byte past the bound tells a body read whole from one cut short.
	var n int64
	if a.code < 200 || a.code >= 300 {
		a.body, err = io.ReadAll(io.LimitReader(resp.Body, maxBodyRead+1))
		n = int64(len(a.body))
		a.body = a.body[:min(n, maxBodyRead)]
	} else {
		n, err = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBodyRead+1))
	}
	_ = resp.Body.Close()
	if err != nil {
		// The status came: the attempt has its answer, and the connection is done.
		return a, false, nil
	}
	keep = !resp.Close && a.code != http.StatusSwitchingProtocols && n <= maxBodyRead && hc.br.Buffered() == 0 &&
		cut() && hc.conn.SetDeadline(time.Time{}) == nil
	return a, keep, nil
}

// stale is err, a staleError when it says the receiver had closed the connection before
// the request was answered (a write refused, or the end of the stream where the answer
// should begin), unless ctx ended.
func (hc *hookConn) stale(ctx context.Context, err error, atStart bool) error {
	if ctx.Err() == nil && (atStart || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)) {
		return &staleError{err}
	}
	return err
}

func (c *hookClient) take(key string) *hookConn {
	c.mu.Lock()
	defer c.mu.Unlock()
	for l := c.idle[key]; len(l) > 0; l = c.idle[key] {
		hc := l[len(l)-1]
		c.idle[key] = l[:len(l)-1]
		c.idleCount--
		if time.Since(hc.since) < hookIdleTimeout {
			return hc
		}
		_ = hc.conn.Close()
	}
	return nil
}

func (c *hookClient) put(key string, hc *hookConn) {
	now := time.Now()
	hc.since = now
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.swept) > hookIdleTimeout/2 {
		c.sweepLocked(now)
	}
	if len(c.idle[key]) >= hookMaxIdlePerHost || c.idleCount >= hookMaxIdle {
		_ = hc.conn.Close()
		return
	}
	c.idle[key] = append(c.idle[key], hc)
	c.idleCount++
}

// sweepLocked closes the connections idle for longer than hookIdleTimeout.
func (c *hookClient) sweepLocked(now time.Time) {
	c.swept = now
	for key, l := range c.idle {
		kept := l[:0]
		for _, hc := range l {
			if now.Sub(hc.since) < hookIdleTimeout {
				kept = append(kept, hc)
				continue
			}
			_ = hc.conn.Close()
			c.idleCount--
		}
		if len(kept) == 0 {
			delete(c.idle, key)
		} else {
			c.idle[key] = kept
		}
	}
}
