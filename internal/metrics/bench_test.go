package metrics

import (
	"testing"
	"time"
)

// BenchmarkAuthorizeRequest is what the metrics add to one POST /v1/authorize: the request in
// flight, its count and latency by route and status, and its decision.
func BenchmarkAuthorizeRequest(b *testing.B) {
	m := New(Options{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.RequestStarted()
			m.AuthorizeDecision(true)
			m.RequestDone("POST", "/v1/authorize", 200, 300*time.Microsecond)
		}
	})
}
