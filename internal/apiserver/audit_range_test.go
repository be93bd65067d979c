package apiserver

import (
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Filter instants outside the years 1678–2262 cannot be held as int64 nanoseconds; they
// must still land beyond every stored event instead of wrapping around.
func TestAudit_timeFiltersOutsideNanosecondRange(t *testing.T) {
	ts := newTestServer(t)
	ts.createEnv("ranged", "aws")
	var all api.List[api.AuditEvent]
	ts.call("GET", "/v1/audit-events?limit=1000", ownerToken, nil, 200, &all)
	if len(all.Items) < 5 {
		t.Fatalf("only %d events to filter", len(all.Items))
	}
	for _, c := range []struct {
		query string
		want  int
	}{
		{"since=2300-01-01T00:00:00Z", 0},
		{"until=1600-01-01T00:00:00Z", 0},
		{"since=1600-01-01T00:00:00Z", len(all.Items)},
		{"until=2300-01-01T00:00:00Z", len(all.Items)},
		{"since=1600-01-01T00:00:00Z&until=2300-01-01T00:00:00Z", len(all.Items)},
	} {
		var l api.List[api.AuditEvent]
		ts.call("GET", "/v1/audit-events?limit=1000&"+c.query, ownerToken, nil, 200, &l)
		if len(l.Items) != c.want {
			t.Errorf("%s: %d events, want %d", c.query, len(l.Items), c.want)
		}
	}
}
