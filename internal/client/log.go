package client

import (
	"context"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// LogFunc receives the client's own log messages: each retry (attempt, the status or error
// that caused it, how long it waited) and each response's request id. ctx is the caller's,
// so the provider can route them to tflog and TF_LOG=debug shows why an apply waited; this
// package stays free of terraform-plugin-*. level is "debug" or "warn".
type LogFunc func(ctx context.Context, level, msg string, fields map[string]any)

// callLog follows one call's attempts, carried in the request's context from do to the
// retry hooks, so that a retry's message can say what the previous attempt met.
type callLog struct {
	method, path string
	status       int    // the previous attempt's status, 0 on a connection error
	err          error  // the previous attempt's error, if any
	requestID    string // the previous attempt's X-Request-Id
	ended        time.Time
}

type callLogKey struct{}

func callLogFrom(ctx context.Context) *callLog {
	l, _ := ctx.Value(callLogKey{}).(*callLog)
	return l
}

// noteAttempt records an attempt about to be retried.
func noteAttempt(ctx context.Context, resp *http.Response, err error) {
	l := callLogFrom(ctx)
	if l == nil {
		return
	}
	l.status, l.err, l.requestID, l.ended = 0, err, "", time.Now()
	if resp != nil {
		l.status, l.requestID = resp.StatusCode, resp.Header.Get("X-Request-Id")
	}
}

// retryLogHook is retryablehttp's RequestLogHook: before every attempt after the first it logs
// what the previous one met and how long the client waited.
func (c *Client) retryLogHook(_ retryablehttp.Logger, req *http.Request, attempt int) {
	if attempt == 0 {
		return
	}
	ctx := req.Context()
	l := callLogFrom(ctx)
	if l == nil {
		return
	}
	fields := map[string]any{
		"method":  l.method,
		"path":    l.path,
		"attempt": attempt + 1,
		"waited":  time.Since(l.ended).Round(time.Millisecond).String(),
	}
	if l.status != 0 {
		fields["status"] = l.status
	}
	if l.err != nil {
		fields["error"] = l.err.Error()
	}
	if l.requestID != "" {
		fields["request_id"] = l.requestID
	}
	c.log(ctx, "debug", "retrying Warden API request", fields)
}
