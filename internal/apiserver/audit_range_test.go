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

// Every bound of the audit log is honoured exactly or refused naming the parameter: the zero
// instant is a bound like any other, and an empty or repeated bound is no bound at all.
func TestAudit_everyBoundHonouredOrRefused(t *testing.T) {
	ts := newTestServer(t)
	ts.createEnv("bounded", "aws")
	var all api.List[api.AuditEvent]
	ts.call("GET", "/v1/audit-events?limit=1000", ownerToken, nil, 200, &all)
	for _, c := range []struct {
		query string
		want  int
	}{
		{"until=0001-01-01T00:00:00Z", 0},
		{"since=0001-01-01T00:00:00Z", len(all.Items)},
		{"since=0001-01-01T00:00:00Z&until=0001-01-01T00:00:00Z", 0},
	} {
		var l api.List[api.AuditEvent]
		ts.call("GET", "/v1/audit-events?limit=1000&"+c.query, ownerToken, nil, 200, &l)
		if len(l.Items) != c.want {
			t.Errorf("%s: %d events, want %d", c.query, len(l.Items), c.want)
		}
	}
	for _, c := range []struct{ query, field string }{
		{"until=", "until"},
		{"since=", "since"},
		{"actor_id=", "actor_id"},
		{"environment_id=", "environment_id"},
		{"object_id=", "object_id"},
		{"since=2020-01-01T00:00:00Z&since=2030-01-01T00:00:00Z", "since"},
		{"object_id=a&object_id=b", "object_id"},
		{"until=yesterday", "until"},
	} {
		p := requireProblem(t, ts.do("GET", "/v1/audit-events?"+c.query, ownerToken, nil), 422, codeInvalidField)
		if p.Field != c.field {
			t.Errorf("%s: field %q, want %q (%s)", c.query, p.Field, c.field, p.Detail)
		}
	}
}
