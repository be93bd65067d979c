package client

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// checkRetry is retryablehttp's CheckRetry: stop when the caller's context is done,
// otherwise retry what retryablehttp's default policy retries: connection errors (but not
// TLS verification, bad schemes or redirect loops), 429, and 5xx other than 501. Retrying a
// change is safe because every POST, PUT, PATCH and DELETE carries an Idempotency-Key.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
}

// now is replaced in tests that parse HTTP-date Retry-After values.
var now = time.Now

// backoff is retryablehttp's Backoff. A 429 or 503 with Retry-After waits as long as the
// server asks, capped by waitMax so that a misbehaving server cannot stall a plan. Anything else
// waits waitMin·2^attempt, capped by waitMax, with "equal jitter" (half fixed, half random) so that
// many resources retrying at once do not hit the server in lockstep.
func backoff(waitMin, waitMax time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if wait, ok := parseRetryAfter(resp.Header.Get("Retry-After")); ok {
			return clamp(wait, 0, waitMax)
		}
	}
	ceiling := exponential(waitMin, waitMax, attempt)
	half := ceiling / 2
	return half + rand.N(ceiling-half+1)
}

// exponential returns waitMin·2^attempt, capped by waitMax (doubling stops at the cap, so
// it cannot overflow).
func exponential(waitMin, waitMax time.Duration, attempt int) time.Duration {
	d := waitMin
	for i := 0; i < attempt && d < waitMax; i++ {
		d *= 2
	}
	return clamp(d, waitMin, waitMax)
}

func clamp(d, lo, hi time.Duration) time.Duration {
	return min(max(d, lo), hi)
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
// A date in the past means "now".
func parseRetryAfter(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		// Beyond this the multiplication would overflow; any cap applies long before.
		if secs > int64(time.Duration(1<<62)/time.Second) {
			return time.Duration(1 << 62), true
		}
		return time.Duration(secs) * time.Second, true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(at.Sub(now()), 0), true
}
