package store_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// BenchmarkInsertDecisions is the decision writer's cost per decision on SQLite, in batches
// of the writer's default size (decisionlog.DefaultBatch).
func BenchmarkInsertDecisions(b *testing.B) {
	st, err := store.OpenSQLite(b.Context(), filepath.Join(b.TempDir(), "warden.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	const batch = 500
	at := time.Now()
	ds := make([]api.AuthorizationDecision, batch)
	n := 0
	b.ResetTimer()
	for b.Loop() {
		for i := range ds {
			n++
			ds[i] = api.AuthorizationDecision{ID: fmt.Sprintf("dec_%026d", n), At: at.Add(time.Duration(n)), PrincipalID: fmt.Sprintf("usr_%d", n%5),
				PrincipalKind: "vendor", EnvironmentID: fmt.Sprintf("env_%d", n%10), Action: "operator.reboot_host", Resource: "aw_host1",
				Allowed: n%2 == 0, Reason: "Approved access request arq_x holds tier \"operator\" in environment \"bench-env-001\" until 2026-12-01T15:00:00Z.",
				AskedBy: "usr_owner", RequestID: fmt.Sprintf("req_%026d", n), SampleRate: 1}
			if ds[i].Allowed {
				ds[i].Via = &api.Via{Permission: "operator.reboot_host", AccessRequestID: fmt.Sprintf("arq_%d", n%10), Tier: "operator"}
			}
		}
		if err := st.Update(b.Context(), func(tx store.Tx) error { return tx.InsertDecisions(ds) }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/decision")
}
