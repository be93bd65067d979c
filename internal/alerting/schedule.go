package alerting

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Schedule is when each attempt of a delivery is made: step i is the wait, after attempt i
// failed, before attempt i+1 (step 0 is the wait before the first attempt, which is always
// 0: ingestion makes a delivery due the moment its alert is committed). A delivery whose
// last attempt fails is failed: the dead letter, retried only through the API.
type Schedule []time.Duration

// DefaultSchedule is the Standard Webhooks (Svix) example schedule: eight attempts over
// about 27.5 hours, which rides out a receiver's deploy, an outage of an afternoon and a
// night with nobody on call.
var DefaultSchedule = Schedule{0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// The bounds of a configured schedule: enough attempts for any sane policy, and no step so
// long that a receiver that recovered waits more than a day for its alert.
const (
	maxAttempts = 30
	maxStep     = 24 * time.Hour
)

// Jitter is how far each step is moved at random, either way: replicas and deliveries that
// failed together (a receiver's outage) do not all come back in the same instant.
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

// after is the wait before the attempt after attempt n (1 for the first) failed, moved by
// up to Jitter either way by r (a number in [0, 1)), and whether the schedule has one.
func (s Schedule) after(n int, r float64) (time.Duration, bool) {
	if n < 1 || n >= len(s) {
		return 0, false
	}
	return jitter(s[n], r), true
}

// jitter moves d by up to Jitter either way: r = 0 gives the earliest, r → 1 the latest.
func jitter(d time.Duration, r float64) time.Duration {
	return time.Duration(float64(d) * (1 - Jitter + 2*Jitter*r))
}
