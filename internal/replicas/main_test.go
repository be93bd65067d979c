package replicas

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/pgtest"
)

// binDir holds the warden-server built for this test binary; TestMain removes it.
var binDir string

func TestMain(m *testing.M) {
	acctest.UseLocalTerraform()
	dir, err := os.MkdirTemp("", "warden-replicas-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "replicas:", err)
		os.Exit(1)
	}
	binDir = dir
	code := pgtest.Main(m) // stops the throwaway PostgreSQL the replicas share
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// buildTimeout bounds the one build of warden-server: a cold build cache compiles the whole
// server (SQLite and pgx included), which takes a minute on a slow machine.
const buildTimeout = 5 * time.Minute

// serverBinary builds ./internal/cmd/warden-server once per test binary and returns its path.
// Built rather than taken from bin/: a fresh clone has no bin/, and a stale one would test
// yesterday's server. `go test` puts its own go first on PATH, and its build cache makes a
// rebuild of unchanged sources a link only.
var serverBinary = sync.OnceValues(func() (string, error) {
	out := filepath.Join(binDir, "warden-server")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out,
		"github.com/wardenhq/terraform-provider-warden/internal/cmd/warden-server")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build warden-server: %w\n%s", err, b)
	}
	return out, nil
})
