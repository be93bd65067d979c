package alerting

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Result is what one attempt came to.
type Result struct {
	// Outcome is api.AttemptDelivered, AttemptRetry, AttemptGone or AttemptFailed (a refusal
	// that no retry can change); the dispatcher turns a retry past the schedule's end into
	// AttemptFailed.
	Outcome string
	// StatusCode is the HTTP status or SMTP reply code; 0 when none came.
	StatusCode int
	// RetryAfter is how long the receiver asked to be left alone (Retry-After), capped at
	// MaxRetryAfter; 0 when it did not ask.
	RetryAfter time.Duration
	// Err says what went wrong, for the attempt's record: never a secret (no URL userinfo
	// or query values, no signing secret or routing key).
	Err string
}

// MaxRetryAfter caps a receiver's Retry-After: it may slow its own deliveries down, but
// not park them past the point where an alert is stale. Retry-After only ever delays: the
// next attempt is at the later of the schedule's next step and Retry-After, so a receiver
// cannot make Warden retry faster than the schedule.
const MaxRetryAfter = time.Hour

// The most of a response body read, and the most of it quoted in an attempt's error: enough
// for a receiver's error message, never enough for a receiver to fill the store.
const (
	maxBodyRead = 4 << 10
	maxExcerpt  = 200
)

// classifyHTTP is what an HTTP attempt came to. Only a 2xx is delivered; 410 Gone says
// the receiver will never accept one (no more attempts). Everything else is retried, as
// Standard Webhooks asks of any non-2xx: 429 and 5xx obviously, other 4xx too, since a
// receiver that is misconfigured today (a 401 after a secret rotation, a 404 during a
// deploy) may be fixed tomorrow; and a 3xx, since redirects are never followed (a
// redirect could point a guarded delivery at an internal address). A transport error
// (refused, reset, timed out, TLS) is retried as well. body is at most a few KiB of the
// response; target names the receiver in messages, already redacted.
func classifyHTTP(code int, h http.Header, body []byte, err error, now time.Time, target string) Result {
	switch {
	case err != nil:
		return Result{Outcome: api.AttemptRetry, Err: transportError(err)}
	case code >= 200 && code < 300:
		return Result{Outcome: api.AttemptDelivered, StatusCode: code}
	case code == http.StatusGone:
		return Result{Outcome: api.AttemptGone, StatusCode: code, Err: statusError(code, body) + ": the receiver accepts no more deliveries"}
	case code >= 300 && code < 400:
		loc := access.RedactTarget(string(access.DestinationWebhook), h.Get("Location"))
		return Result{Outcome: api.AttemptRetry, StatusCode: code,
			Err: fmt.Sprintf("%s: a redirect to %s, not followed: configure %s with the final URL", statusError(code, nil), loc, target)}
	}
	return Result{Outcome: api.AttemptRetry, StatusCode: code, RetryAfter: retryAfter(h.Get("Retry-After"), now), Err: statusError(code, body)}
}

// statusError is "HTTP 503 Service Unavailable", then the start of the body, if any.
func statusError(code int, body []byte) string {
	msg := fmt.Sprintf("HTTP %d %s", code, http.StatusText(code))
	if ex := excerpt(body); ex != "" {
		msg += ": " + ex
	}
	return msg
}

// excerpt is the start of a receiver's answer on one line, printable and valid UTF-8.
func excerpt(b []byte) string {
	s := strings.ToValidUTF8(string(b), "?")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }), " ")
	if r := []rune(s); len(r) > maxExcerpt {
		s = string(r[:maxExcerpt]) + "…"
	}
	return s
}

// transportError says why no answer came. A url.Error names the request's URL, query and
// userinfo included, so only the error inside it is kept.
func transportError(err error) string {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	if ne, ok := errors.AsType[net.Error](err); (ok && ne.Timeout()) || errors.Is(err, context.DeadlineExceeded) {
		return "no answer in time: " + err.Error()
	}
	return err.Error()
}

// retryAfter reads a Retry-After value: delay seconds or an HTTP date, capped at
// MaxRetryAfter; 0 for none, a bad value or a date past.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}
