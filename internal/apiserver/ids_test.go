package apiserver

import (
	"regexp"
	"slices"
	"testing"
	"time"
)

// Time-ordered ids look like the random ones (prefix, 26 characters of rand.Text's
// alphabet, lowercased) and sort in the order of their instants, whatever the random part.
func TestNewTimeID_ordered(t *testing.T) {
	shape := regexp.MustCompile(`^dlv_[a-z2-7]{26}$`)
	if id := newID("dlv"); !shape.MatchString(id) {
		t.Fatalf("newID = %q", id)
	}
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	var ids []string
	for _, d := range []time.Duration{0, time.Millisecond, 31 * time.Millisecond, 32 * time.Millisecond, time.Second, 1000 * time.Hour} {
		for range 3 {
			id := newTimeID("dlv", at.Add(d))
			if !shape.MatchString(id) {
				t.Fatalf("newTimeID = %q, not shaped as newID's", id)
			}
			ids = append(ids, id)
		}
	}
	for i := 3; i < len(ids); i++ {
		if ids[i-3] >= ids[i] {
			t.Errorf("%s (made earlier) sorts at or after %s", ids[i-3], ids[i])
		}
	}
	if !slices.IsSortedFunc(ids, func(a, b string) int { return compareTimePart(a, b) }) {
		t.Errorf("time parts out of order: %v", ids)
	}
}

func compareTimePart(a, b string) int {
	switch pa, pb := a[:14], b[:14]; {
	case pa < pb:
		return -1
	case pa > pb:
		return 1
	}
	return 0
}
