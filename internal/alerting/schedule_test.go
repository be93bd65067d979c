package alerting

import (
	"strings"
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "0s,5s,5m,30m,2h,5h,10h,10h", want: DefaultSchedule.String()},
		{in: " 0s , 1m30s ", want: "0s,1m30s"},
		{in: "0s", want: "0s"},
		{in: "", err: "step 1"},
		{in: "5s,1m", err: "the first step must be 0s"},
		{in: "0s,-1s", err: "step 2"},
		{in: "0s,25h", err: "step 2"},
		{in: "0s,soon", err: `step 2 ("soon")`},
		{in: strings.Repeat("0s,", maxAttempts) + "0s", err: "at most 30"},
	} {
		got, err := ParseSchedule(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), FlagRetrySchedule)):
			t.Errorf("ParseSchedule(%q) = %v, %v; want an error naming %s and %q", tc.in, got, err, FlagRetrySchedule, tc.err)
		case tc.err == "" && (err != nil || got.String() != tc.want):
			t.Errorf("ParseSchedule(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

// The default schedule is the Standard Webhooks example, eight attempts.
func TestDefaultSchedule(t *testing.T) {
	t.Parallel()
	if got, want := DefaultSchedule.String(), "0s,5s,5m0s,30m0s,2h0m0s,5h0m0s,10h0m0s,10h0m0s"; got != want {
		t.Errorf("DefaultSchedule = %s; want %s", got, want)
	}
}

// Each step moves by at most Jitter either way, over the whole range of the randomness;
// after the last attempt there is no step.
func TestSchedule_afterJitterAndExhaustion(t *testing.T) {
	t.Parallel()
	s := DefaultSchedule
	for n := 1; n < len(s); n++ {
		lo, hi := time.Duration(float64(s[n])*(1-Jitter)), time.Duration(float64(s[n])*(1+Jitter))
		for _, r := range []float64{0, 0.25, 0.5, 0.999999} {
			got, ok := s.after(n, r)
			if !ok || got < lo || got > hi {
				t.Errorf("after(%d, %v) = %v, %v; want within [%v, %v]", n, r, got, ok, lo, hi)
			}
		}
		if got, _ := s.after(n, 0); got != lo {
			t.Errorf("after(%d, 0) = %v; want the earliest, %v", n, got, lo)
		}
		if got, _ := s.after(n, 0.5); got != s[n] {
			t.Errorf("after(%d, 0.5) = %v; want the step itself, %v", n, got, s[n])
		}
	}
	if got, ok := s.after(len(s), 0.5); ok {
		t.Errorf("after the last attempt: %v, true; want no step", got)
	}
	if _, ok := s.after(0, 0.5); ok {
		t.Error("after(0) has a step: attempts count from 1")
	}
}
