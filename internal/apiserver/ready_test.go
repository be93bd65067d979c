package apiserver

import "testing"

func TestReady(t *testing.T) {
	ts := newTestServer(t)
	var out struct{ Status string }
	ts.call("GET", "/v1/ready", "", nil, 200, &out)
	if out.Status != "ready" {
		t.Errorf("status %q, want ready", out.Status)
	}

	// A server whose database is gone stays alive (health) but is not ready.
	if err := ts.srv.Close(); err != nil {
		t.Fatal(err)
	}
	r := ts.do("GET", "/v1/ready", "", nil)
	if p := r.problem(t); r.status != 503 || p.Code != codeNotReady {
		t.Errorf("closed store: %d %+v, want 503 %s", r.status, p, codeNotReady)
	}
	ts.call("GET", "/v1/health", "", nil, 200, nil)
}
