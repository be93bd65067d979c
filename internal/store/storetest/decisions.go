package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// The decision log round-trips every field, lists newest first with cursors that page back
// in time, filters by principal, environment, access request, answer and time, narrows to
// what one reader may see, and prunes by age. A batch larger than one INSERT's rows lands
// whole and in order.
func TestDecisionLog(t *testing.T, open Open) {
	st := open(t)
	const n = 250 // more than one multi-row INSERT
	var ds []api.AuthorizationDecision
	for i := range n {
		d := api.AuthorizationDecision{ID: fmt.Sprintf("dec_%03d", i), At: now.Add(time.Duration(i) * time.Second),
			PrincipalID: "usr_m", PrincipalKind: "member", EnvironmentID: "env_1", Action: "apps.deploy",
			Reason: "No grant.", AskedBy: "usr_o", RequestID: fmt.Sprintf("req_%d", i), SampleRate: 0.25}
		if i%5 == 0 {
			d.PrincipalID, d.PrincipalKind, d.Action, d.Resource, d.SampleRate = "usr_v", "vendor", "operator.reboot_host", "aw_host1", 1
			d.AskedBy = "usr_v"
			if i%10 == 0 {
				d.Allowed, d.Reason = true, "Approved access request arq_1 holds tier \"operator\"."
				d.Via = &api.Via{Permission: "operator.reboot_host", AccessRequestID: "arq_1", Tier: "operator"}
			}
		}
		if i >= 200 {
			d.EnvironmentID = "env_2"
		}
		ds = append(ds, d)
	}
	write(t, st, func(tx store.Tx) error { return tx.InsertDecisions(ds) })

	list := func(f store.DecisionFilter, p store.Page) ([]api.AuthorizationDecision, string) {
		t.Helper()
		var out []api.AuthorizationDecision
		var next string
		if err := st.View(t.Context(), func(tx store.Tx) error {
			var err error
			out, next, err = tx.Decisions(f, p)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out, next
	}

	// Newest first, across pages, every row once.
	var seen []string
	cursor := ""
	for {
		page, next := list(store.DecisionFilter{}, store.Page{Limit: 64, Cursor: cursor})
		for _, d := range page {
			seen = append(seen, d.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	want := make([]string, n)
	for i := range n {
		want[i] = ds[n-1-i].ID
	}
	if !slices.Equal(seen, want) {
		t.Fatalf("paged newest first: %d ids %v..., want %d ids %v...", len(seen), seen[:min(3, len(seen))], len(want), want[:3])
	}

	// Every field round-trips.
	got, _ := list(store.DecisionFilter{AccessRequestID: "arq_1"}, store.Page{Limit: 1})
	if len(got) != 1 || got[0].ID != "dec_240" {
		t.Fatalf("newest decision via arq_1: %+v", got)
	}
	wantD := ds[240]
	if g := got[0]; !g.At.Equal(wantD.At) || g.Via == nil || *g.Via != *wantD.Via {
		t.Fatalf("round trip: %+v, want %+v", g, wantD)
	}
	g := got[0]
	g.At, g.Via, wantD.At, wantD.Via = time.Time{}, nil, time.Time{}, nil
	if g != wantD {
		t.Fatalf("round trip: %+v, want %+v", g, wantD)
	}

	yes, no := true, false
	for _, c := range []struct {
		name string
		f    store.DecisionFilter
		want int
	}{
		{"all", store.DecisionFilter{}, n},
		{"principal", store.DecisionFilter{PrincipalID: "usr_v"}, n / 5},
		{"environment", store.DecisionFilter{EnvironmentID: "env_2"}, 50},
		{"principal and environment", store.DecisionFilter{PrincipalID: "usr_v", EnvironmentID: "env_2"}, 10},
		{"access request", store.DecisionFilter{AccessRequestID: "arq_1"}, n / 10},
		{"allowed", store.DecisionFilter{Allowed: &yes}, n / 10},
		{"denied", store.DecisionFilter{Allowed: &no}, n - n/10},
		{"since", store.DecisionFilter{Since: timePtr(now.Add(100 * time.Second))}, 150},
		{"until", store.DecisionFilter{Until: timePtr(now.Add(99 * time.Second))}, 100},
		{"since and until", store.DecisionFilter{Since: timePtr(now.Add(10 * time.Second)), Until: timePtr(now.Add(19 * time.Second))}, 10},
		{"until the zero instant", store.DecisionFilter{Until: &time.Time{}}, 0},
		{"since far ahead", store.DecisionFilter{Since: timePtr(time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC))}, 0},
		{"readable: vendors", store.DecisionFilter{Readable: &store.DecisionReadable{Kinds: []string{"vendor"}, Self: "usr_x"}}, n / 5},
		{"readable: self only", store.DecisionFilter{Readable: &store.DecisionReadable{Self: "usr_m"}}, n - n/5},
		{"readable: nobody's", store.DecisionFilter{Readable: &store.DecisionReadable{Self: "usr_x"}}, 0},
		{"readable and a principal", store.DecisionFilter{PrincipalID: "usr_m", Readable: &store.DecisionReadable{Kinds: []string{"vendor"}, Self: "usr_x"}}, 0},
	} {
		got, _ := list(c.f, store.Page{})
		if len(got) != c.want {
			t.Errorf("%s: %d decisions, want %d", c.name, len(got), c.want)
		}
	}

	if err := st.View(t.Context(), func(tx store.Tx) error {
		_, _, err := tx.Decisions(store.DecisionFilter{}, store.Page{Limit: 1, Cursor: "not-a-cursor!"})
		return err
	}); !errors.Is(err, store.ErrInvalidCursor) {
		t.Errorf("a foreign cursor: %v, want store.ErrInvalidCursor", err)
	}

	var pruned int64
	write(t, st, func(tx store.Tx) error {
		var err error
		pruned, err = tx.PruneDecisions(now.Add(100 * time.Second))
		return err
	})
	if pruned != 100 {
		t.Fatalf("pruned %d, want 100", pruned)
	}
	if got, _ := list(store.DecisionFilter{}, store.Page{}); len(got) != n-100 || got[len(got)-1].ID != "dec_100" {
		t.Fatalf("after pruning: %d decisions, oldest %s", len(got), got[len(got)-1].ID)
	}
}
