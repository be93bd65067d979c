package alerting

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

func TestClassifyHTTP(t *testing.T) {
	t.Parallel()
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	urlErr := &url.Error{Op: "Post", URL: "https://u:pw-s3cret@hooks.example.com/?k=q-s3cret", Err: errors.New("dial tcp: connection refused")}
	timeout := &url.Error{Op: "Post", URL: "https://hooks.example.com/", Err: context.DeadlineExceeded}
	for _, tc := range []struct {
		name    string
		code    int
		h       http.Header
		body    string
		err     error
		outcome string
		after   time.Duration
		errHas  string
	}{
		{name: "200", code: 200, outcome: api.AttemptDelivered},
		{name: "202", code: 202, outcome: api.AttemptDelivered},
		{name: "299", code: 299, outcome: api.AttemptDelivered},
		{name: "410", code: 410, body: "unsubscribed", outcome: api.AttemptGone, errHas: "HTTP 410 Gone: unsubscribed"},
		{name: "301", code: 301, h: hdr("Location", "https://a.example.com/x?sig=q-s3cret"), outcome: api.AttemptRetry, errHas: "sig=redacted"},
		{name: "304", code: 304, outcome: api.AttemptRetry, errHas: "not followed"},
		{name: "400", code: 400, body: "bad\njson\x00", outcome: api.AttemptRetry, errHas: "HTTP 400 Bad Request: bad json"},
		{name: "401", code: 401, outcome: api.AttemptRetry, errHas: "HTTP 401"},
		{name: "429 seconds", code: 429, h: hdr("Retry-After", "30"), outcome: api.AttemptRetry, after: 30 * time.Second},
		{name: "503 date", code: 503, h: hdr("Retry-After", epoch.Add(90*time.Second).Format(http.TimeFormat)), outcome: api.AttemptRetry, after: 90 * time.Second},
		{name: "503 date past", code: 503, h: hdr("Retry-After", epoch.Add(-time.Hour).Format(http.TimeFormat)), outcome: api.AttemptRetry},
		{name: "503 capped", code: 503, h: hdr("Retry-After", "999999"), outcome: api.AttemptRetry, after: MaxRetryAfter},
		{name: "503 garbage", code: 503, h: hdr("Retry-After", "soon"), outcome: api.AttemptRetry},
		{name: "500 long body", code: 500, body: strings.Repeat("x", 1000), outcome: api.AttemptRetry, errHas: strings.Repeat("x", maxExcerpt) + "…"},
		{name: "network", err: urlErr, outcome: api.AttemptRetry, errHas: "connection refused"},
		{name: "timeout", err: timeout, outcome: api.AttemptRetry, errHas: "no answer in time"},
	} {
		h := tc.h
		if h == nil {
			h = http.Header{}
		}
		r := classifyHTTP(tc.code, h, []byte(tc.body), tc.err, epoch, "https://hooks.example.com/")
		if r.Outcome != tc.outcome || r.StatusCode != tc.code || r.RetryAfter != tc.after || !strings.Contains(r.Err, tc.errHas) {
			t.Errorf("%s: %+v; want outcome %s, code %d, Retry-After %v, error with %q", tc.name, r, tc.outcome, tc.code, tc.after, tc.errHas)
		}
		if strings.Contains(r.Err, "s3cret") {
			t.Errorf("%s: a secret in the error %q", tc.name, r.Err)
		}
		if (r.Outcome == api.AttemptDelivered) != (r.Err == "") {
			t.Errorf("%s: outcome %s with error %q", tc.name, r.Outcome, r.Err)
		}
	}
}

func TestClassifySMTP(t *testing.T) {
	t.Parallel()
	reply := func(step string, code int) error {
		return &smtpError{step, &textproto.Error{Code: code, Msg: fmt.Sprintf("%d reply", code)}}
	}
	for _, tc := range []struct {
		err     error
		outcome string
		code    int
	}{
		{nil, api.AttemptDelivered, 250},
		{reply(smtpRcpt, 550), api.AttemptFailed, 550},
		{reply(smtpData, 554), api.AttemptFailed, 554},
		{reply(smtpRcpt, 452), api.AttemptRetry, 452},
		{reply(smtpData, 451), api.AttemptRetry, 451},
		{reply(smtpAuth, 535), api.AttemptRetry, 535},
		{reply(smtpMail, 553), api.AttemptRetry, 553},
		{reply(smtpHello, 501), api.AttemptRetry, 501},
		{&smtpError{smtpConnect, errors.New("connection refused")}, api.AttemptRetry, 0},
		{&smtpError{smtpStartTLS, errors.New("x509: certificate signed by unknown authority")}, api.AttemptRetry, 0},
	} {
		r := classifySMTP(tc.err)
		if r.Outcome != tc.outcome || r.StatusCode != tc.code {
			t.Errorf("classifySMTP(%v) = %+v; want %s with code %d", tc.err, r, tc.outcome, tc.code)
		}
		if se, ok := errors.AsType[*smtpError](tc.err); ok && !strings.HasPrefix(r.Err, "SMTP "+se.step+": ") {
			t.Errorf("classifySMTP(%v) says %q; want the step named first", tc.err, r.Err)
		}
	}
}
