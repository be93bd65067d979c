package docgen

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
)

// TestPermissionsReference_upToDate fails when the committed guide differs from what the
// generator writes: a change to internal/access needs `make generate` and a commit.
func TestPermissionsReference_upToDate(t *testing.T) {
	committed, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(PermissionsReferencePath)))
	if err != nil {
		t.Fatalf("reading the committed guide: %v (run make generate)", err)
	}
	if !bytes.Equal(committed, PermissionsReference()) {
		t.Fatalf("%s is stale: run make generate and commit", PermissionsReferencePath)
	}
}

// TestPermissionsReference_complete checks that every name of internal/access appears, and that
// the page holds no template action (tfplugindocs renders it as a Go template).
func TestPermissionsReference_complete(t *testing.T) {
	page := string(PermissionsReference())
	var names []string
	names = append(names, access.Actions()...)
	names = append(names, access.PermissionNames()...)
	names = append(names, access.CatalogueNames()...)
	names = append(names, access.TierNames()...)
	for _, p := range access.PlatformPatterns {
		names = append(names, p.Name)
	}
	for _, c := range access.AllCapabilities() {
		names = append(names, c.Name)
	}
	for _, n := range names {
		if !strings.Contains(page, "`"+n+"`") {
			t.Errorf("the reference does not name %q", n)
		}
	}
	for _, r := range access.Matrix() {
		if !strings.Contains(page, "| `"+r.Action+"` |") {
			t.Errorf("no matrix row for %q", r.Action)
		}
	}
	if strings.Contains(page, "{{") {
		t.Error("the reference contains {{, which tfplugindocs would read as a template action")
	}
}
