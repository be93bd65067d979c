package replicas

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/client"
	"github.com/wardenhq/terraform-provider-warden/internal/pgtest"
)

// bootstrapToken is the account_owner token of every replica pair's database.
const bootstrapToken = "replicas-bootstrap-token"

const (
	// announceTimeout bounds a replica's start: migrating an empty database and listening.
	announceTimeout = 30 * time.Second
	// stopTimeout is how long a replica may take to stop on SIGTERM before it is killed.
	stopTimeout = 15 * time.Second
	// announcePrefix starts the one line warden-server prints on stdout once it listens.
	announcePrefix = "warden-server listening on "
)

// replica is one warden-server process.
type replica struct {
	name    string
	URL     string
	Client  *client.Client
	cmd     *exec.Cmd
	logPath string
	stdout  *os.File
	// exited is closed once the process has been waited for; waitErr is then its exit.
	exited  chan struct{}
	waitErr error
	killed  atomic.Bool
}

// launch starts warden-server on db with flags after -listen and -db, on a random 127.0.0.1
// port, without waiting for it to listen: a pair is launched together, so that both migrate
// and bootstrap the empty database at the same time, as replicas rolled out together do.
func launch(t *testing.T, name, db string, flags ...string) *replica {
	t.Helper()
	bin, err := serverBinary()
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{name: name, logPath: filepath.Join(t.TempDir(), name+".log"), exited: make(chan struct{})}
	logFile, err := os.Create(r.logPath)
	if err != nil {
		t.Fatal(err)
	}
	// stdout carries the announcement, read from a pipe; everything else goes to the log.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// Never cancelled: the cleanup stops the replica with SIGTERM, as an operator would, and
	// the kill test kills it on purpose; a context cancellation would SIGKILL it unasked.
	args := append([]string{"-listen", "127.0.0.1:0", "-db", db}, flags...)
	r.cmd = exec.CommandContext(context.WithoutCancel(t.Context()), bin, args...)
	r.cmd.Env = append(os.Environ(), "WARDEN_BOOTSTRAP_TOKEN="+bootstrapToken)
	r.cmd.Stdout, r.cmd.Stderr = pw, logFile
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start replica %s: %v", name, err)
	}
	_ = pw.Close()
	r.stdout = pr
	go func() {
		r.waitErr = r.cmd.Wait()
		_ = logFile.Close()
		close(r.exited)
	}()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// awaitAddress reads the replica's announcement and builds a client bound to it alone.
func (r *replica) awaitAddress(t *testing.T) {
	t.Helper()
	_ = r.stdout.SetReadDeadline(time.Now().Add(announceTimeout))
	rd := bufio.NewReader(r.stdout)
	line, err := rd.ReadString('\n')
	if err != nil {
		t.Fatalf("replica %s did not announce its address: %v\n%s", r.name, err, r.logTail())
	}
	u, ok := strings.CutPrefix(strings.TrimSpace(line), announcePrefix)
	if !ok || !strings.HasPrefix(u, "http://127.0.0.1:") {
		t.Fatalf("replica %s: unexpected first line %q", r.name, line)
	}
	_ = r.stdout.SetReadDeadline(time.Time{})
	// Keep draining stdout so that nothing the server prints later can block it.
	go func() {
		_, _ = io.Copy(io.Discard, rd)
		_ = r.stdout.Close()
	}()
	r.URL = u
	// Retries off: these clients test what one replica answers, not how a client recovers.
	r.Client, err = client.New(client.Config{Endpoint: u, Token: bootstrapToken, RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
}

// kill ends the replica with SIGKILL: no shutdown, requests in flight get no answer, its
// database sessions end with their transactions uncommitted.
func (r *replica) kill() error {
	r.killed.Store(true)
	return r.cmd.Process.Kill()
}

// stop ends the replica with SIGTERM unless it has already exited, and requires a clean exit
// from a replica the test did not kill. A failed test gets the replica's log.
func (r *replica) stop(t *testing.T) {
	select {
	case <-r.exited:
	default:
		if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("SIGTERM to replica %s: %v", r.name, err)
		}
		select {
		case <-r.exited:
		case <-time.After(stopTimeout):
			_ = r.cmd.Process.Kill()
			<-r.exited
			t.Errorf("replica %s ignored SIGTERM for %s and was killed", r.name, stopTimeout)
		}
	}
	if r.waitErr != nil && !r.killed.Load() {
		t.Errorf("replica %s did not stop cleanly: %v", r.name, r.waitErr)
	}
	if t.Failed() {
		t.Logf("replica %s (%s) log, last lines:\n%s", r.name, r.URL, r.logTail())
	}
}

// logTailLines is how much of a replica's log a failed test prints.
const logTailLines = 40

func (r *replica) logTail() string {
	b, err := os.ReadFile(r.logPath)
	if err != nil {
		return err.Error()
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// startPair starts replicas A and B on one fresh PostgreSQL database, launched together so
// that they race to migrate and bootstrap it (migrations run under an advisory lock, the
// bootstrap in a transaction that locks the policy generation: exactly one owner results).
// Both get flags.
func startPair(t *testing.T, flags ...string) (a, b *replica) {
	t.Helper()
	db := pgtest.URL(t) // registered first, so dropped after both replicas have stopped
	a, b = launch(t, "A", db, flags...), launch(t, "B", db, flags...)
	a.awaitAddress(t)
	b.awaitAddress(t)
	users, err := b.Client.ListUsers(t.Context(), client.ListUsersOptions{})
	if err != nil {
		t.Fatalf("list users via B: %v", err)
	}
	if len(users) != 1 {
		t.Fatalf("two replicas bootstrapping one database made %d users, want the one owner: %+v", len(users), users)
	}
	return a, b
}

// upstream is one replica behind the round-robin proxy.
type upstream struct {
	r       *replica
	forward *httputil.ReverseProxy
	down    atomic.Bool
	// answered counts the answers this replica gave; failed the requests whose answer never
	// reached the client (connection refused, dropped by a killed replica, or dropped by
	// onAnswer), which the proxy answered 502.
	answered atomic.Int64
	failed   atomic.Int64
	inFlight atomic.Int64
}

// roundRobin is a reverse proxy on 127.0.0.1 spreading requests over the replicas in turn,
// as a load balancer without health checks does. A request whose replica fails to answer
// gets 502, the client's cue to retry, and that replica is skipped from then on.
type roundRobin struct {
	URL string

	ups  []*upstream
	next atomic.Uint64
	// posts counts the POSTs forwarded, retries included.
	posts atomic.Int64
	// onAnswer, when set, sees each answer of a replica before it is passed on; an error
	// drops the answer (the client gets 502), as if the replica had died after acting but
	// before answering. The kill test's trigger.
	onAnswer func(u *upstream, resp *http.Response) error
	// replayed counts answers marked Idempotent-Replayed: retries of changes whose first
	// attempt committed without its answer reaching the client.
	replayed  atomic.Int64
	transport *http.Transport
}

// newRoundRobin starts a roundRobin in front of the replicas; it stops when the test ends.
func newRoundRobin(t *testing.T, replicas ...*replica) *roundRobin {
	t.Helper()
	p := &roundRobin{transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     30 * time.Second,
	}}
	for _, r := range replicas {
		target, err := url.Parse(r.URL)
		if err != nil {
			t.Fatal(err)
		}
		u := &upstream{r: r, forward: httputil.NewSingleHostReverseProxy(target)}
		u.forward.Transport = p.transport
		u.forward.ModifyResponse = func(resp *http.Response) error {
			u.answered.Add(1)
			if resp.Header.Get("Idempotent-Replayed") == "true" {
				p.replayed.Add(1)
			}
			if p.onAnswer != nil {
				return p.onAnswer(u, resp)
			}
			return nil
		}
		u.forward.ErrorHandler = func(w http.ResponseWriter, req *http.Request, err error) {
			// A client that gave up says nothing about the replica.
			if req.Context().Err() == nil {
				u.down.Store(true)
				u.failed.Add(1)
			}
			http.Error(w, fmt.Sprintf("round-robin proxy: replica %s: %v", r.name, err), http.StatusBadGateway)
		}
		p.ups = append(p.ups, u)
	}
	hs := httptest.NewServer(p)
	t.Cleanup(func() {
		hs.Close()
		p.transport.CloseIdleConnections()
	})
	p.URL = hs.URL
	return p
}

// pick returns the next replica in turn that has not failed, or nil when none is left.
func (p *roundRobin) pick() *upstream {
	for range p.ups {
		u := p.ups[(p.next.Add(1)-1)%uint64(len(p.ups))]
		if !u.down.Load() {
			return u
		}
	}
	return nil
}

func (p *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u := p.pick()
	if u == nil {
		http.Error(w, "round-robin proxy: no replica left", http.StatusBadGateway)
		return
	}
	if r.Method == http.MethodPost {
		p.posts.Add(1)
	}
	u.inFlight.Add(1)
	defer u.inFlight.Add(-1)
	u.forward.ServeHTTP(w, r)
}

// String reports what each replica did, for test logs.
func (p *roundRobin) String() string {
	var b strings.Builder
	for i, u := range p.ups {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "replica %s answered %d, failed %d", u.r.name, u.answered.Load(), u.failed.Load())
		if u.down.Load() {
			b.WriteString(" (down)")
		}
	}
	fmt.Fprintf(&b, "; %d POSTs forwarded, %d answers replayed from an Idempotency-Key", p.posts.Load(), p.replayed.Load())
	return b.String()
}
