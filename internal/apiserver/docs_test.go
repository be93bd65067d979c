package apiserver

import (
	"os"
	"strings"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
)

// The API reference's route → permission table is the engine's route table (access.Routes),
// rendered; WARDEN_UPDATE_DOCS=1 rewrites it.
func TestAPIDoc_routeTable(t *testing.T) {
	const begin, end = "<!-- routes:begin (generated from access.Routes by TestAPIDoc_routeTable) -->\n", "<!-- routes:end -->"
	var b strings.Builder
	b.WriteString(begin)
	b.WriteString("| route | who may call it |\n|---|---|\n")
	for _, r := range access.Routes() {
		b.WriteString("| `" + r.Method + " " + r.Path + "` | " + strings.ReplaceAll(r.Rule, "|", `\|`) + " |\n")
	}
	b.WriteString(end)
	want := b.String()

	const path = "../../docs/reference/api.md"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("docs/reference/api.md has no generated route table (markers %q … %q)", strings.TrimSpace(begin), end)
	}
	got := readme[i : j+len(end)]
	if got == want {
		return
	}
	if os.Getenv("WARDEN_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(path, []byte(readme[:i]+want+readme[j+len(end):]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("docs/reference/api.md's route table differs from access.Routes; run WARDEN_UPDATE_DOCS=1 go test -run TestAPIDoc_routeTable ./internal/apiserver/\nwant:\n%s", want)
}
