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

// result is what one attempt came to.
type result struct {
	// Outcome is an api.Attempt… outcome; Failed here is a refusal no retry can change.
	Outcome    string
	StatusCode int
	RetryAfter time.Duration
	// Err is recorded and shown: never a secret (URL userinfo or query values, keys).
	Err string
}

// MaxRetryAfter caps Retry-After, so a receiver cannot park its alerts until they are
// stale. Retry-After only delays: the next attempt is at the later of it and the schedule's
// next step, so a receiver cannot make Warden retry faster than the schedule.
const MaxRetryAfter = time.Hour

// Enough of a response for a receiver's error message, never enough to fill the store.
const (
	maxBodyRead = 4 << 10
	maxExcerpt  = 200
)

// classifyHTTP is what an HTTP attempt came to. Only a 2xx is delivered; 410 Gone ends the
// delivery. Everything else is retried, as Standard Webhooks asks of any non-2xx: other
// 4xx too (a 401 after a secret rotation, a 404 mid-deploy are fixed tomorrow), and 3xx,
// since redirects are never followed (one could point a guarded delivery inside).
func classifyHTTP(code int, h http.Header, body []byte, err error, now time.Time, target string) result {
	switch {
	case err != nil:
		return result{Outcome: api.AttemptRetry, Err: transportError(err)}
	case code >= 200 && code < 300:
		return result{Outcome: api.AttemptDelivered, StatusCode: code}
	case code == http.StatusGone:
		return result{Outcome: api.AttemptGone, StatusCode: code, Err: statusError(code, body) + ": the receiver accepts no more deliveries"}
	case code >= 300 && code < 400:
		loc := access.RedactTarget(string(access.DestinationWebhook), h.Get("Location"))
		return result{Outcome: api.AttemptRetry, StatusCode: code,
			Err: fmt.Sprintf("%s: a redirect to %s, not followed: configure %s with the final URL", statusError(code, nil), loc, target)}
	}
	return result{Outcome: api.AttemptRetry, StatusCode: code, RetryAfter: retryAfter(h.Get("Retry-After"), now), Err: statusError(code, body)}
}

func statusError(code int, body []byte) string {
	msg := fmt.Sprintf("HTTP %d %s", code, http.StatusText(code))
	if ex := excerpt(body); ex != "" {
		msg += ": " + ex
	}
	return msg
}

// excerpt is the start of a receiver's answer, on one printable line.
func excerpt(b []byte) string {
	s := strings.ToValidUTF8(string(b), "?")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }), " ")
	if r := []rune(s); len(r) > maxExcerpt {
		s = string(r[:maxExcerpt]) + "…"
	}
	return s
}

// transportError drops a url.Error's URL, which quotes the query and userinfo.
func transportError(err error) string {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	if ne, ok := errors.AsType[net.Error](err); (ok && ne.Timeout()) || errors.Is(err, context.DeadlineExceeded) {
		return "no answer in time: " + err.Error()
	}
	return err.Error()
}

// retryAfter reads delay seconds or an HTTP date; 0 for none, a bad value or a past date.
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
