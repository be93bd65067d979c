package apiserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Stable problem codes beside the access finding codes; clients match on these.
const (
	codeUnauthorized         = "unauthorized"
	codeForbidden            = "forbidden"
	codeNotFound             = "not_found"
	codeConflict             = api.CodeConflict
	codeNameTaken            = api.CodeNameTaken
	codeBuiltinRole          = "builtin_role"
	codeVersionMismatch      = api.CodeVersionMismatch
	codeValidationFailed     = "validation_failed"
	codeInvalidField         = "invalid_field"
	codeDuplicateField       = "duplicate_field"
	codeIdempotencyKeyReused = "idempotency_key_reused"
	codeBodyTooLarge         = "body_too_large"
	codeSupportInactive      = "support_access_inactive"
	codeTierAboveCeiling     = "tier_above_ceiling"
	codeNotVendor            = "not_vendor"
	codeInvalidState         = "invalid_state"
	codeInternal             = "internal_error"
	codeInvalidEvent         = "invalid_event"
	codeDeliveryPending      = "delivery_pending"
)

// problemError is every error response: it is what huma writes (it implements
// huma.StatusError) and its JSON is exactly api.Problem.
type problemError struct {
	api.Problem
}

func (p *problemError) Error() string  { return p.Detail }
func (p *problemError) GetStatus() int { return p.Status }

// ContentType makes huma send application/problem+json (RFC 9457) instead of plain JSON.
func (p *problemError) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

func newProblem(status int, code, field, detail string) *problemError {
	return &problemError{api.Problem{Title: http.StatusText(status), Status: status, Code: code, Field: field, Detail: detail}}
}

// denialProblem answers an engine refusal: 403 for this principal, 409 for anyone in the
// current state, 422 for a request that can never be allowed.
func denialProblem(d *access.Denial) *problemError {
	status := http.StatusForbidden
	switch d.Kind {
	case access.Conflict:
		status = http.StatusConflict
	case access.Invalid:
		status = http.StatusUnprocessableEntity
	case access.Unauthenticated:
		status = http.StatusUnauthorized
	}
	return newProblem(status, d.Code, d.Field, d.Message)
}

// internalProblem answers a failure of the server's own: never its cause, which only the
// request's log line carries.
func internalProblem() *problemError {
	return newProblem(http.StatusInternalServerError, codeInternal, "", "The server failed to handle the request; quote the request id when reporting it.")
}

func notFound(kind objectKind, id string) *problemError {
	return newProblem(http.StatusNotFound, codeNotFound, "", fmt.Sprintf("No %s with id %q exists.", kind, id))
}

func invalid(code, field, detail string) *problemError {
	return newProblem(http.StatusUnprocessableEntity, code, field, detail)
}

// findingsProblem reports access findings as one 422: field and code come from the first
// error finding so that a client can point at one attribute, and every finding (warnings
// included) is listed so that nothing has to be fixed one round trip at a time.
func findingsProblem(fs []access.Finding) *problemError {
	errs := access.Errors(fs)
	p := invalid(codeValidationFailed, "", "")
	if len(errs) > 0 {
		p.Code, p.Field = errs[0].Code, errs[0].Field
	}
	msgs := make([]string, len(errs))
	for i, f := range errs {
		msgs[i] = f.String()
	}
	p.Detail = strings.Join(msgs, " ")
	p.Findings = make([]api.FindingDetail, len(fs))
	for i, f := range fs {
		p.Findings[i] = findingDetail(f)
	}
	return p
}

func findingDetail(f access.Finding) api.FindingDetail {
	return api.FindingDetail{Severity: string(f.Severity), Code: f.Code, Field: f.Field, Value: f.Value, Message: f.Message, Fix: f.Fix}
}

// warnings returns the warning findings of fs for a response body (nil when there are none,
// so that the field is left out): a change that succeeds still tells its caller what a
// Terraform plan would have warned about.
func warnings(fs []access.Finding) []api.FindingDetail {
	var out []api.FindingDetail
	for _, f := range fs {
		if f.Severity == access.SeverityWarning {
			out = append(out, findingDetail(f))
		}
	}
	return out
}

// findingError carries one access finding through huma's resolver error list, so that
// request-shape errors and domain errors end up in one problem.
type findingError struct{ access.Finding }

func (e *findingError) Error() string { return e.String() }

// findingErrors wraps the error findings of fs for a huma resolver; with no error among
// them, it returns nil and the request goes on (warnings never block).
func findingErrors(fs []access.Finding) []error {
	if !access.HasErrors(fs) {
		return nil
	}
	out := make([]error, 0, len(fs))
	for _, f := range fs {
		out = append(out, &findingError{f})
	}
	return out
}

var statusCodes = map[int]string{
	http.StatusBadRequest:            "bad_request",
	http.StatusUnauthorized:          codeUnauthorized,
	http.StatusForbidden:             codeForbidden,
	http.StatusNotFound:              codeNotFound,
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusNotAcceptable:         "not_acceptable",
	http.StatusRequestTimeout:        "request_timeout",
	http.StatusConflict:              codeConflict,
	http.StatusPreconditionFailed:    codeVersionMismatch,
	http.StatusRequestEntityTooLarge: codeBodyTooLarge,
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusUnprocessableEntity:   codeValidationFailed,
	http.StatusInternalServerError:   codeInternal,
}

func codeForStatus(status int) string {
	if c, ok := statusCodes[status]; ok {
		return c
	}
	return "error"
}

var requiredProperty = regexp.MustCompile(`^expected required property (\S+) to be present`)

// fieldOf turns huma's error location ("body.destinations[0].target", "query.limit") into
// the API field name a client knows ("destinations[0].target", "limit").
func fieldOf(d *huma.ErrorDetail) string {
	loc := d.Location
	for _, prefix := range []string{"body", "query", "path", "header"} {
		if loc == prefix {
			loc = ""
			break
		}
		if rest, ok := strings.CutPrefix(loc, prefix+"."); ok {
			loc = rest
			break
		}
	}
	if m := requiredProperty.FindStringSubmatch(d.Message); m != nil {
		if loc == "" {
			return m[1]
		}
		return loc + "." + m[1]
	}
	return loc
}

// newHumaError replaces huma.NewError so that every error huma makes (request validation,
// unreadable bodies, 404s, handler failures) is an api.Problem with a stable code.
func newHumaError(status int, msg string, errs ...error) huma.StatusError {
	var findings []access.Finding
	var details []*huma.ErrorDetail
	var others []error
	for _, err := range errs {
		var fe *findingError
		var mbe *http.MaxBytesError
		var de huma.ErrorDetailer
		var pe *problemError
		switch {
		case err == nil:
		case errors.As(err, &pe):
			return pe
		case errors.As(err, &mbe):
			// http.MaxBytesReader cut the body off: huma sees a read error.
			return newProblem(http.StatusRequestEntityTooLarge, codeBodyTooLarge, "",
				fmt.Sprintf("The request body exceeds the limit of %d bytes.", mbe.Limit))
		case errors.As(err, &fe):
			// Resolvers run even when the body could not be parsed; their findings about
			// an empty body would only mislead, so they count for 422s alone.
			if status == http.StatusUnprocessableEntity {
				findings = append(findings, fe.Finding)
			}
		case errors.As(err, &de):
			d := de.ErrorDetail()
			if p := strictBodyProblem(d); p != nil {
				// A duplicate key outranks what else huma found: it is why the rest misleads.
				return p
			}
			details = append(details, d)
		default:
			others = append(others, err)
		}
	}
	if status == http.StatusInternalServerError {
		// Never echo internal errors; the request log line carries them.
		return internalProblem()
	}
	p := newProblem(status, codeForStatus(status), "", upperFirst(msg))
	var msgs []string
	if len(findings) > 0 {
		// Domain findings name the field and the allowed words; they lead.
		fp := findingsProblem(findings)
		p.Code, p.Field, p.Findings = fp.Code, fp.Field, fp.Findings
		msgs = append(msgs, fp.Detail)
	}
	for _, d := range details {
		field := fieldOf(d)
		if p.Field == "" && field != "" {
			p.Field = field
			if status == http.StatusUnprocessableEntity {
				p.Code = codeInvalidField
			}
		}
		m := d.Message
		if field != "" && !requiredProperty.MatchString(m) {
			m = field + ": " + m
		}
		msgs = append(msgs, m)
	}
	for _, e := range others {
		msgs = append(msgs, e.Error())
	}
	if len(msgs) > 0 {
		for i, m := range msgs {
			msgs[i] = strings.TrimSuffix(m, ".")
		}
		p.Detail = strings.TrimSuffix(upperFirst(msg), ".") + ": " + strings.Join(msgs, "; ") + "."
	}
	return p
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func init() {
	// huma's error constructors are package variables: replacing them is its documented
	// way to own the error format.
	huma.NewError = newHumaError
	huma.NewErrorWithContext = func(ctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
		if status >= http.StatusInternalServerError {
			if ri := requestInfoFrom(ctx.Context()); ri != nil {
				ri.err = errors.Join(errs...)
			}
		}
		return newHumaError(status, msg, errs...)
	}
}

// stampProblem is a huma transformer: it adds the request id and path to every problem on
// its way out, including those handlers return directly.
func stampProblem(ctx huma.Context, _ string, v any) (any, error) {
	if p, ok := v.(*problemError); ok {
		if ri := requestInfoFrom(ctx.Context()); ri != nil {
			p.RequestID = ri.id
		}
		p.Instance = ctx.URL().Path
	}
	return v, nil
}

// writeProblem writes p outside huma (routing failures, panics).
func writeProblem(w http.ResponseWriter, r *http.Request, p *problemError) {
	if ri := requestInfoFrom(r.Context()); ri != nil {
		p.RequestID = ri.id
	}
	p.Instance = r.URL.Path
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
