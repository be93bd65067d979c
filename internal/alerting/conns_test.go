package alerting

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer is an HTTP server on 127.0.0.1 that counts the connections and requests
// it gets, answering each request with answer.
type countingServer struct {
	*httptest.Server
	conns, reqs atomic.Int32
}

func newCountingServer(t *testing.T, tlsToo bool, answer http.HandlerFunc) *countingServer {
	t.Helper()
	s := &countingServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.reqs.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		answer(w, r)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	if tlsToo {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

func testHookClient(s *httptest.Server) *hookClient {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.TLS != nil {
		roots := x509.NewCertPool()
		roots.AddCert(s.Certificate())
		cfg.RootCAs = roots
	}
	return newHookClient(&net.Dialer{Timeout: 5 * time.Second}, cfg)
}

func hookPost(t *testing.T, c *hookClient, url string, timeout time.Duration) (hookAnswer, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader([]byte(`{"type":"alert.firing"}`)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return c.do(ctx, req)
}

// Posts one after another to one receiver, over HTTP and over TLS, share one connection;
// the receiver sees each request whole.
func TestHookClient_keepsConnections(t *testing.T) {
	t.Parallel()
	for _, tlsToo := range []bool{false, true} {
		var mu sync.Mutex
		var got []string
		s := newCountingServer(t, tlsToo, func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			got = append(got, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Content-Type")+" "+r.Proto)
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		})
		c := testHookClient(s.Server)
		for range 5 {
			a, err := hookPost(t, c, s.URL+"/hook?x=1", 5*time.Second)
			if err != nil || a.code != http.StatusNoContent {
				t.Fatalf("tls %v: answer %d, %v", tlsToo, a.code, err)
			}
		}
		if n := s.conns.Load(); n != 1 {
			t.Errorf("tls %v: %d connections for 5 posts; want 1", tlsToo, n)
		}
		if len(got) != 5 || got[0] != "POST /hook?x=1 application/json HTTP/1.1" {
			t.Errorf("tls %v: the receiver got %q", tlsToo, got)
		}
	}
}

// A kept connection the receiver closed while idle costs nothing: the post goes out again on
// a new connection, and the receiver gets it once.
func TestHookClient_receiverClosedIdleConnection(t *testing.T) {
	t.Parallel()
	s := newCountingServer(t, false, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	c := testHookClient(s.Server)
	if _, err := hookPost(t, c, s.URL, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	s.CloseClientConnections() // the idle connection, closed by the receiver
	a, err := hookPost(t, c, s.URL, 5*time.Second)
	if err != nil || a.code != http.StatusOK {
		t.Fatalf("after the receiver closed the idle connection: %d, %v", a.code, err)
	}
	if n := s.reqs.Load(); n != 2 {
		t.Errorf("the receiver got %d requests; want 2", n)
	}
}

// A connection is not kept after an answer that closes it or whose body is longer than what
// is read of it; an answer's body comes back cut at maxBodyRead.
func TestHookClient_dropsConnectionsNotReadWhole(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 3*maxBodyRead)
	s := newCountingServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/close":
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusOK)
		case "/long":
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, long)
		default:
			w.WriteHeader(http.StatusOK)
		}
	})
	c := testHookClient(s.Server)
	for _, path := range []string{"/close", "/", "/long", "/"} {
		a, err := hookPost(t, c, s.URL+path, 5*time.Second)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if path == "/long" && (a.code != http.StatusServiceUnavailable || len(a.body) != maxBodyRead) {
			t.Errorf("/long: %d with %d bytes of body; want 503 and %d", a.code, len(a.body), maxBodyRead)
		}
	}
	if n := s.conns.Load(); n != 3 {
		t.Errorf("%d connections; want 3 (one after /close, one after /long)", n)
	}
}

// rawReceiver answers every request on its connections with what answer writes.
func rawReceiver(t *testing.T, answer func(w *bufio.Writer)) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = conn.Close() }()
				br, bw := bufio.NewReader(conn), bufio.NewWriter(conn)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					answer(bw)
					if bw.Flush() != nil {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// Informational answers before the answer are skipped; headers longer than 64 KiB are an
// error that says so; an answer that never comes ends at the deadline.
func TestHookClient_answersOddlyMade(t *testing.T) {
	t.Parallel()
	early := rawReceiver(t, func(w *bufio.Writer) {
		_, _ = w.WriteString("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok")
	})
	c := newHookClient(&net.Dialer{}, &tls.Config{MinVersion: tls.VersionTLS12})
	if a, err := hookPost(t, c, early, 5*time.Second); err != nil || a.code != http.StatusAccepted || len(a.body) != 0 {
		t.Errorf("after informational answers: %d %q, %v; want 202, its body dropped", a.code, a.body, err)
	}
	huge := rawReceiver(t, func(w *bufio.Writer) {
		_, _ = w.WriteString("HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 70<<10) + "\r\nContent-Length: 0\r\n\r\n")
	})
	if _, err := hookPost(t, c, huge, 5*time.Second); err == nil || !strings.Contains(err.Error(), "64 KiB") {
		t.Errorf("headers of 70 KiB: %v; want an error naming the 64 KiB bound", err)
	}
	silent := rawReceiver(t, func(w *bufio.Writer) { time.Sleep(time.Second) })
	start := time.Now()
	_, err := hookPost(t, c, silent, 100*time.Millisecond)
	if ne, ok := errors.AsType[net.Error](err); !ok || !ne.Timeout() {
		t.Errorf("no answer: %v; want a timeout", err)
	}
	if took := time.Since(start); took > 900*time.Millisecond {
		t.Errorf("no answer took %v to fail; want about the 100ms deadline", took)
	}
}

// Idle connections past hookIdleTimeout are closed, not reused; the pool keeps at most
// hookMaxIdlePerHost per receiver.
func TestHookClient_idleBounds(t *testing.T) {
	t.Parallel()
	s := newCountingServer(t, false, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	c := testHookClient(s.Server)
	if _, err := hookPost(t, c, s.URL, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	for _, l := range c.idle {
		for _, hc := range l {
			hc.since = time.Now().Add(-hookIdleTimeout)
		}
	}
	c.mu.Unlock()
	if _, err := hookPost(t, c, s.URL, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := s.conns.Load(); n != 2 {
		t.Errorf("%d connections; want 2: the expired one is not reused", n)
	}
	var wg sync.WaitGroup
	for range 2 * hookMaxIdlePerHost {
		wg.Go(func() {
			if _, err := hookPost(t, c, s.URL, 5*time.Second); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.idleCount > hookMaxIdlePerHost {
		t.Errorf("%d idle connections kept; at most %d", c.idleCount, hookMaxIdlePerHost)
	}
}

// A request made from a target parsed once is written, byte for byte, as http.NewRequest's
// for the same target, header and body, every time and after a retry's GetBody; a target
// NewRequest refuses is refused.
func TestHookClient_requestIsNewRequests(t *testing.T) {
	t.Parallel()
	c := newHookClient(&net.Dialer{}, &tls.Config{MinVersion: tls.VersionTLS12})
	body := []byte(`{"type":"alert.firing"}`)
	write := func(req *http.Request) string {
		var b bytes.Buffer
		if err := req.Write(&b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for _, target := range []string{"http://127.0.0.1:8080/hooks/a?x=1&y=%20", "https://hooks.example.com/", "http://hooks.example.com:/p",
		"https://[::1]:8443/v1/alerts#frag", "http://user:pass@hooks.example.com/p", "https://HOOKS.example.com/caf%C3%A9"} {
		for range 2 {
			h := http.Header{"Webhook-Id": {"dlv_1"}, "Content-Type": {"application/json"}}
			want, err := http.NewRequestWithContext(t.Context(), http.MethodPost, target, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			want.Header = h.Clone()
			got, err := c.request(target, h.Clone(), body)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := write(got), write(want); g != w {
				t.Fatalf("%s:\n got %q\nwant %q", target, g, w)
			}
			if got.Body, err = got.GetBody(); err != nil {
				t.Fatal(err)
			}
			if want.Body, err = want.GetBody(); err != nil {
				t.Fatal(err)
			}
			if g, w := write(got), write(want); g != w {
				t.Fatalf("%s, sent again:\n got %q\nwant %q", target, g, w)
			}
		}
	}
	for _, target := range []string{"http://a b/", "http://[::1/", ":nope"} {
		if _, err := c.request(target, http.Header{}, body); err == nil {
			t.Errorf("%q was taken", target)
		}
	}
}
