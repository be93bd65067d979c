package store

import (
	"slices"
	"testing"
)

// A batch of any length is written in statements of a few lengths only (64, 16, 4, 1), each
// row once and in order: the prepared statements stay few whatever the batches.
func TestFewChunks_fewLengths(t *testing.T) {
	for _, n := range []int{0, 1, 3, 4, 17, 64, 65, 200, 1024} {
		in := make([]int, n)
		for i := range in {
			in[i] = i
		}
		var out, lengths []int
		if err := fewChunks(in, func(c []int) error {
			out, lengths = append(out, c...), append(lengths, len(c))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(out, in) {
			t.Errorf("%d rows came out as %v", n, out)
		}
		for _, l := range lengths {
			if l != 64 && l != 16 && l != 4 && l != 1 {
				t.Errorf("%d rows: a statement of %d rows (%v)", n, l, lengths)
			}
		}
		if !slices.IsSortedFunc(lengths, func(a, b int) int { return b - a }) {
			t.Errorf("%d rows: lengths %v not longest first", n, lengths)
		}
	}
}
