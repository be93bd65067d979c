package metrics

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The metrics table of docs/reference/running.md names every warden_ metric the server serves, and nothing it
// does not (its example alert rule included).
func TestRunningDoc_metrics(t *testing.T) {
	const begin, end = "<!-- metrics:begin", "<!-- metrics:end -->"
	raw, err := os.ReadFile("../../docs/reference/running.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("docs/reference/running.md has no metrics section (markers %q … %q)", begin, end)
	}
	documented := map[string]bool{}
	for _, name := range regexp.MustCompile(`\bwarden_[a-z_]+`).FindAllString(readme[i:j], -1) {
		documented[name] = true
	}

	m := everyMetric()
	mfs, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, mf := range mfs {
		if name := mf.GetName(); strings.HasPrefix(name, "warden_") {
			served[name] = true
			if !documented[name] {
				t.Errorf("docs/reference/running.md's metrics table lacks %s", name)
			}
		}
	}
	for name := range documented {
		if !served[name] {
			t.Errorf("docs/reference/running.md names %s, which the server does not serve", name)
		}
	}
}
