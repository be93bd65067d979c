package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Sentinel errors matched by *APIError through errors.Is.
var (
	// ErrNotFound: the object does not exist (404). Read treats it as drift, Delete as done.
	ErrNotFound = errors.New("warden API: not found")
	// ErrConflict: the change collides with existing state, e.g. a duplicate name (409).
	ErrConflict = errors.New("warden API: conflict")
	// ErrPreconditionFailed: If-Match named a version that is no longer current (412).
	ErrPreconditionFailed = errors.New("warden API: precondition failed")
)

// maxErrorBody bounds how much of an error (or drained) body is read.
const maxErrorBody = 1 << 20

// APIError is a non-2xx answer of the Warden API, decoded from its problem+json body when
// there is one.
type APIError struct {
	Status    int
	Code      string // stable machine-readable code, e.g. validation_failed, not_found
	Title     string
	Detail    string
	Field     string // the body field or parameter at fault, if any
	RequestID string
	Findings  []api.FindingDetail
}

// Error reads like "warden API: 422 validation_failed (field cloud): cloud must be aws or gcp".
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "warden API: %d", e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Field != "" {
		b.WriteString(" (field " + e.Field + ")")
	}
	msg := e.Detail
	if msg == "" {
		msg = e.Title
	}
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	if msg != "" {
		b.WriteString(": " + msg)
	}
	// The detail usually summarizes the findings; list them only when it says nothing.
	if e.Detail == "" {
		for _, f := range e.Findings {
			if f.Severity == "error" {
				fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
			}
		}
	}
	if e.RequestID != "" {
		b.WriteString(" (request " + e.RequestID + ")")
	}
	return b.String()
}

// Is matches the sentinel for e's status, so callers write errors.Is(err, ErrNotFound).
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrConflict:
		return e.Status == http.StatusConflict
	case ErrPreconditionFailed:
		return e.Status == http.StatusPreconditionFailed
	}
	return false
}

// decodeError turns a non-2xx response into an *APIError. A body that is not a problem
// document (a proxy's HTML page, say) still yields the status, with a short excerpt of the
// body as detail.
func decodeError(resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &APIError{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}

	var p api.Problem
	if len(raw) > 0 && json.Unmarshal(raw, &p) == nil && (p.Code != "" || p.Title != "" || p.Detail != "") {
		e.Code, e.Title, e.Detail, e.Field, e.Findings = p.Code, p.Title, p.Detail, p.Field, p.Findings
		if p.RequestID != "" {
			e.RequestID = p.RequestID
		}
		return e
	}

	e.Title = http.StatusText(resp.StatusCode)
	if text := strings.TrimSpace(string(raw)); text != "" {
		if n := 200; len(text) > n {
			for n > 0 && !utf8.RuneStart(text[n]) {
				n--
			}
			text = text[:n] + "…"
		}
		e.Detail = text
	}
	return e
}
