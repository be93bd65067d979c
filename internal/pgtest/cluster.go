package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// errNoServer names both ways out, so a developer without PostgreSQL knows what to do.
var errNoServer = errors.New("no PostgreSQL server binaries (initdb, pg_ctl) on PATH, in /usr/local/bin or in /usr/lib/postgresql/*/bin: " +
	"install PostgreSQL server binaries (Debian: apt-get install postgresql) or set " + EnvURL + " to a postgres:// URL of a server the tests may create databases on")

// startTimeout bounds initdb plus pg_ctl start, which take a few seconds; a minute means a
// broken setup, and the test should say so rather than wait for go test's timeout.
const startTimeout = time.Minute

// cluster is the throwaway server shared by every test in the binary.
type cluster struct {
	dir      string // owned by the server's user: data/, log and the Unix socket
	bin      string // holds initdb and pg_ctl, from the same installation
	asUser   bool   // running as root: commands run as uid/gid
	uid, gid int
	adminURL string        // the maintenance database, where databases are created
	startup  time.Duration // for tests that report what the cluster costs
}

var (
	startOnce sync.Once
	mu        sync.Mutex // guards running and startErr against stop
	running   *cluster
	startErr  error
)

// shared starts the cluster on first use. A failed start is remembered, so every test
// reports the same cause instead of each trying again.
func shared(ctx context.Context) (*cluster, error) {
	startOnce.Do(func() {
		c, err := start(ctx)
		mu.Lock()
		running, startErr = c, err
		mu.Unlock()
	})
	mu.Lock()
	defer mu.Unlock()
	return running, startErr
}

func start(ctx context.Context) (*cluster, error) {
	began := time.Now()
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()

	bin, err := findBinDir(candidateDirs())
	if err != nil {
		return nil, err
	}
	// Not t.TempDir: the cluster outlives the test that happened to start it.
	dir, err := os.MkdirTemp("", "warden-pgtest-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, bin: bin}
	fail := func(err error) (*cluster, error) {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root (a server bug would own the machine),
		// so the cluster belongs to the postgres user, which must own its directory.
		if err := c.useServerUser(); err != nil {
			return fail(err)
		}
	}

	// --locale=C: the machine's locale may not be installed, and C sorts fastest.
	// --no-sync: nothing here must survive a crash, and fsyncing the new cluster is most of
	// initdb's time.
	if err := c.run(ctx, "initdb", "-D", c.data(), "-U", "postgres", "--auth=trust", "-E", "UTF8",
		"--locale=C", "--no-sync", "--no-instructions"); err != nil {
		return fail(err)
	}
	// The port is free when picked but may be taken before postgres binds it (another test
	// binary doing the same); only that case is worth another try.
	for attempt := 1; ; attempt++ {
		port, err := freePort(ctx)
		if err != nil {
			return fail(err)
		}
		err = c.run(ctx, "pg_ctl", "-D", c.data(), "-l", c.log(), "-w", "-o", serverOptions(port, dir), "start")
		if err == nil {
			c.adminURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
			break
		}
		log, _ := os.ReadFile(c.log())
		if attempt == 3 || !strings.Contains(string(log), "could not bind") {
			return fail(fmt.Errorf("%w\nserver log %s:\n%s", err, c.log(), log))
		}
	}
	c.startup = time.Since(began)
	return c, nil
}

// stop ends the cluster, if one was started, and removes its files. Immediate mode skips the
// shutdown checkpoint: the data is about to be deleted.
func stop() error {
	mu.Lock()
	defer mu.Unlock()
	c := running
	running, startErr = nil, errors.New("the throwaway PostgreSQL was stopped: tests ran after Main")
	if c == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := c.run(ctx, "pg_ctl", "-D", c.data(), "-m", "immediate", "stop"); err != nil {
		// Keep the files: the log says why, and the server may still be using them.
		return fmt.Errorf("stop the throwaway PostgreSQL in %s: %w", c.dir, err)
	}
	return os.RemoveAll(c.dir)
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }
func (c *cluster) log() string  { return filepath.Join(c.dir, "log") }

func (c *cluster) useServerUser() error {
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root, and initdb refuses root: need a postgres user to run the server as: %w", err)
	}
	if c.uid, err = strconv.Atoi(u.Uid); err != nil {
		return fmt.Errorf("postgres user's uid %q: %w", u.Uid, err)
	}
	if c.gid, err = strconv.Atoi(u.Gid); err != nil {
		return fmt.Errorf("postgres user's gid %q: %w", u.Gid, err)
	}
	c.asUser = true
	return os.Chown(c.dir, c.uid, c.gid)
}

// run runs one of the server's programs, as the server's user when we are root, and returns
// its output with the error: initdb and pg_ctl explain themselves there.
func (c *cluster) run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	// The server's user may not be able to enter our working directory (e.g. /root).
	cmd.Dir = c.dir
	// pg_ctl start leaves the server running; should it ever keep our output pipe, don't
	// wait for it forever.
	cmd.WaitDelay = 5 * time.Second
	if c.asUser {
		runAs(cmd, c.uid, c.gid)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// serverOptions go to postgres through pg_ctl's shell, hence the quoting. Durability is off:
// the cluster is thrown away, and fsync dominates the cost of CREATE DATABASE and commits.
// Parallel tests each hold a pool, hence the connection headroom.
func serverOptions(port int, socketDir string) string {
	quoted := "'" + strings.ReplaceAll(socketDir, "'", `'\''`) + "'"
	return fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off "+
		"-c full_page_writes=off -c max_connections=200", port, quoted)
}

func freePort(ctx context.Context) (int, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, fmt.Errorf("listener address %v is not TCP", l.Addr())
	}
	return addr.Port, nil
}

// candidateDirs lists where initdb and pg_ctl may be, best first: PATH (what the developer
// chose), /usr/local/bin (source builds), then Debian's versioned dirs, newest first, which
// are not on PATH by default.
func candidateDirs() []string {
	var dirs []string
	for _, name := range []string{"pg_ctl", "initdb"} {
		if p, err := exec.LookPath(name); err == nil {
			dirs = append(dirs, filepath.Dir(p))
		}
	}
	dirs = append(dirs, "/usr/local/bin")
	versioned, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(versioned, func(a, b string) int { return majorVersion(b) - majorVersion(a) })
	return append(dirs, versioned...)
}

// majorVersion reads 15 from /usr/lib/postgresql/15/bin (and 9 from 9.6), so that 10 sorts
// above 9.
func majorVersion(binDir string) int {
	v := filepath.Base(filepath.Dir(binDir))
	v, _, _ = strings.Cut(v, ".")
	n, _ := strconv.Atoi(v)
	return n
}

// findBinDir returns the first dir holding both programs: pg_ctl starts the postgres next to
// it, so initdb from one installation and pg_ctl from another could disagree on the data format.
func findBinDir(dirs []string) (string, error) {
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	return "", errNoServer
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
