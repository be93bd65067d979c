package alerting

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Schedule is step i: the wait after attempt i failed before attempt i+1. Step 0 is always
// 0, since ingestion makes a delivery due at once. After the last attempt the delivery is
// failed: the dead letter, retried only through the API.
type Schedule []time.Duration

// DefaultSchedule is the Standard Webhooks (Svix) example: eight attempts over 27.5 hours,
// riding out a deploy, an afternoon's outage and a night with nobody on call.
var DefaultSchedule = Schedule{0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// No step so long that a recovered receiver waits more than a day for its alert.
const (
	maxAttempts = 30
	maxStep     = 24 * time.Hour
)

// Jitter moves each step at random, either way, so that deliveries that failed together
// (a receiver's outage) do not all come back in one instant.
const Jitter = 0.10

// ParseSchedule reads a schedule as the -alert-retry-schedule flag gives it: Go durations
// separated by commas, the first 0 ("0s,5s,5m,30m").
func ParseSchedule(s string) (Schedule, error) {
	parts := strings.Split(s, ",")
	if len(parts) > maxAttempts {
		return nil, fmt.Errorf("%s: %d attempts, at most %d are allowed", FlagRetrySchedule, len(parts), maxAttempts)
	}
	sched := make(Schedule, len(parts))
	for i, p := range parts {
		d, err := time.ParseDuration(strings.TrimSpace(p))
		if err != nil || d < 0 || d > maxStep {
			return nil, fmt.Errorf("%s: step %d (%q) is not a duration from 0s to %s, e.g. 5m", FlagRetrySchedule, i+1, p, maxStep)
		}
		sched[i] = d
	}
	if sched[0] != 0 {
		return nil, errors.New(FlagRetrySchedule + ": the first step must be 0s, since the first attempt is made as soon as the alert is received")
	}
	return sched, nil
}

// String is s in the form ParseSchedule reads.
func (s Schedule) String() string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = d.String()
	}
	return strings.Join(parts, ",")
}

// after is the jittered wait after attempt n (from 1) failed, r in [0, 1); false past the end.
func (s Schedule) after(n int, r float64) (time.Duration, bool) {
	if n < 1 || n >= len(s) {
		return 0, false
	}
	return jitter(s[n], r), true
}

func jitter(d time.Duration, r float64) time.Duration {
	return time.Duration(float64(d) * (1 - Jitter + 2*Jitter*r))
}
