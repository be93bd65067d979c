package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultRetryMax     = 4
	DefaultRetryWaitMin = 200 * time.Millisecond
	DefaultRetryWaitMax = 5 * time.Second

	// defaultAttemptTimeout bounds one attempt of the default HTTP client, so that a server
	// that accepts a connection and never answers is retried instead of hanging a plan
	// whose context has no deadline.
	defaultAttemptTimeout = 60 * time.Second

	defaultUserAgent = "warden-go-client"
)

// Config configures a Client.
type Config struct {
	// Endpoint is the API's base URL, e.g. http://127.0.0.1:8080; paths start with /v1.
	Endpoint string
	// Token is the bearer token sent with every request.
	Token string

	// RetryMax is the number of retries after the first attempt; 0 means DefaultRetryMax and
	// a negative value disables retries.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the wait between attempts, Retry-After included.
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration

	// HTTPClient replaces the default pooled client (tests, custom transports). It is used
	// as given and shared by every call.
	HTTPClient *http.Client
	// RootCAs, when non-nil, are the certificate authorities trusted for an https://
	// endpoint, instead of the system's (CertPoolFromPEM adds a private CA to the system's).
	// It configures the default client's transport, so it cannot be combined with HTTPClient.
	RootCAs *x509.CertPool
	// UserAgent is sent as User-Agent; the provider puts its own name and version here.
	UserAgent string
	// Logger receives retryablehttp's request and retry messages; nil logs nothing.
	Logger retryablehttp.LeveledLogger
	// Log receives the client's retries and request ids with the caller's context (see
	// LogFunc); nil logs nothing.
	Log LogFunc
}

// Client calls the Warden API. It is safe for concurrent use.
type Client struct {
	base      string // endpoint without trailing slash
	token     string
	userAgent string
	http      *retryablehttp.Client
	logf      LogFunc
}

// New validates cfg and builds a Client.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("warden client: endpoint %q is not a URL: %w", cfg.Endpoint, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("warden client: endpoint %q must be an absolute http:// or https:// URL, e.g. https://warden.example.com", cfg.Endpoint)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("warden client: endpoint %q must not have a query or fragment", cfg.Endpoint)
	}

	retryMax := cfg.RetryMax
	switch {
	case retryMax == 0:
		retryMax = DefaultRetryMax
	case retryMax < 0:
		retryMax = 0
	}
	waitMin, waitMax := cfg.RetryWaitMin, cfg.RetryWaitMax
	if waitMin <= 0 {
		waitMin = DefaultRetryWaitMin
	}
	if waitMax <= 0 {
		waitMax = DefaultRetryWaitMax
	}
	if waitMax < waitMin {
		return nil, fmt.Errorf("warden client: retry wait max (%s) is below retry wait min (%s)", waitMax, waitMin)
	}

	hc := cfg.HTTPClient
	if hc != nil && cfg.RootCAs != nil {
		return nil, errors.New("warden client: RootCAs configures the default transport; set them in the HTTPClient's transport instead")
	}
	if hc == nil {
		hc = cleanhttp.DefaultPooledClient()
		hc.Timeout = defaultAttemptTimeout
		if cfg.RootCAs != nil {
			tr, ok := hc.Transport.(*http.Transport)
			if !ok {
				return nil, fmt.Errorf("warden client: unexpected default transport %T", hc.Transport)
			}
			tr.TLSClientConfig = &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}
		}
	}
	ua := cfg.UserAgent
	if ua == "" {
		ua = defaultUserAgent
	}

	c := &Client{
		base:      strings.TrimRight(u.String(), "/"),
		token:     cfg.Token,
		userAgent: ua,
		logf:      cfg.Log,
	}
	rc := &retryablehttp.Client{
		HTTPClient:   hc,
		RetryMax:     retryMax,
		RetryWaitMin: waitMin,
		RetryWaitMax: waitMax,
		CheckRetry:   checkRetry,
		Backoff:      backoff,
		ErrorHandler: keepLastResponse,
	}
	if cfg.Log != nil {
		rc.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			retry, cerr := checkRetry(ctx, resp, err)
			if retry {
				noteAttempt(ctx, resp, err)
			}
			return retry, cerr
		}
		rc.RequestLogHook = c.retryLogHook
	}
	// Assign only a non-nil logger: a nil interface keeps retryablehttp quiet, whereas its
	// default would write to stderr, which Terraform treats as plugin noise.
	if cfg.Logger != nil {
		rc.Logger = cfg.Logger
	}

	c.http = rc
	return c, nil
}

// log sends one message to the configured LogFunc, if any.
func (c *Client) log(ctx context.Context, level, msg string, fields map[string]any) {
	if c.logf != nil {
		c.logf(ctx, level, msg, fields)
	}
}

// Endpoint returns the base URL the client calls.
func (c *Client) Endpoint() string { return c.base }

// request describes one API call.
type request struct {
	method  string
	path    string   // a format such as /v1/environments/%s, one %s per arg
	args    []string // path segments, escaped by do; none may be empty
	query   url.Values
	body    any   // marshalled to JSON when non-nil
	ifMatch int64 // sent as If-Match when > 0
}

// do performs r and decodes a 2xx body into out (when out is non-nil and there is a body).
// Any other status becomes an *APIError.
func (c *Client) do(ctx context.Context, r request, out any) error {
	path, perr := buildPath(r.path, r.args)
	if perr != nil {
		return fmt.Errorf("warden client: %s %s: %w", r.method, r.path, perr)
	}
	target := c.base + path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}

	// A []byte body lets retryablehttp replay it on every attempt.
	var body any
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("warden client: encoding %s %s body: %w", r.method, path, err)
		}
		body = b
	}

	if c.logf != nil {
		ctx = context.WithValue(ctx, callLogKey{}, &callLog{method: r.method, path: path})
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return fmt.Errorf("warden client: building %s %s: %w", r.method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json, application/problem+json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.ifMatch > 0 {
		req.Header.Set("If-Match", strconv.Quote(strconv.FormatInt(r.ifMatch, 10)))
	}
	// Set once per call, before the first attempt: retryablehttp reuses the header map for
	// every retry, so all attempts of this call share the key and the server replays the
	// first committed response instead of acting twice. That matters for every change, not
	// only a create: a retried PATCH or DELETE whose first response was lost would otherwise
	// meet its own effect and fail (412 on the If-Match it made stale, or 404).
	if mutating(r.method) {
		req.Header.Set("Idempotency-Key", uuid.NewString())
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("warden API: %s %s: %w", r.method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	c.log(ctx, "debug", "Warden API response", map[string]any{
		"method": r.method, "path": path, "status": resp.StatusCode, "request_id": resp.Header.Get("X-Request-Id"),
	})

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return decodeError(resp)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		// Drain so the keep-alive connection goes back to the pool.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("warden API: %s %s: %d response has an empty body", r.method, path, resp.StatusCode)
		}
		return fmt.Errorf("warden API: %s %s: decoding %d response: %w", r.method, path, resp.StatusCode, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	return nil
}

// mutating reports whether a method changes something on the server, and so carries an
// Idempotency-Key.
func mutating(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// keepLastResponse is retryablehttp's ErrorHandler: when retries run out on a response
// (429, 5xx) it hands that response back so that do can decode the server's problem body;
// connection errors stay errors.
func keepLastResponse(resp *http.Response, err error, attempts int) (*http.Response, error) {
	if resp != nil {
		return resp, nil
	}
	return nil, fmt.Errorf("giving up after %d attempt(s): %w", attempts, err)
}

// listAll fetches every page of a collection, following next_cursor. pageSize > 0 is sent
// as ?limit=; maxItems > 0 stops once that many items are in hand.
func listAll[T any](ctx context.Context, c *Client, path string, args []string, query url.Values, pageSize, maxItems int) ([]T, error) {
	items := []T{}
	for item, err := range pages[T](ctx, c, path, args, query, pageSize) {
		if err != nil {
			return nil, err
		}
		items = append(items, item)
		if maxItems > 0 && len(items) >= maxItems {
			break
		}
	}
	return items, nil
}

// first returns the first of the listed items that matches, or notFound (wrapping ErrNotFound)
// when none does; a failed listing returns its error.
func first[T any](items []T, err error, match func(T) bool, notFound error) (*T, error) {
	if err != nil {
		return nil, err
	}
	if i := slices.IndexFunc(items, match); i >= 0 {
		return &items[i], nil
	}
	return nil, notFound
}

// firstUnder is first over the items listed under each parent, one request per parent: the
// grants of every environment, the assignments of every role.
func firstUnder[P, T any](parents []P, err error, list func(P) ([]T, error), match func(T) bool, notFound error) (*T, error) {
	if err != nil {
		return nil, err
	}
	for _, p := range parents {
		items, err := list(p)
		if err != nil {
			return nil, err
		}
		if i := slices.IndexFunc(items, match); i >= 0 {
			return &items[i], nil
		}
	}
	return nil, notFound
}

// pages yields the items of a collection one by one, fetching the next page only when the
// caller asks past the current one: a caller that stops early (a list resource at its
// limit) costs no further request. An error is yielded once, last.
func pages[T any](ctx context.Context, c *Client, path string, args []string, query url.Values, pageSize int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		if pageSize > 0 {
			q.Set("limit", strconv.Itoa(pageSize))
		}
		seen := map[string]bool{}
		for {
			var page api.List[T]
			if err := c.do(ctx, request{method: http.MethodGet, path: path, args: args, query: q}, &page); err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, item := range page.Items {
				if !yield(item, nil) {
					return
				}
			}
			if page.NextCursor == "" {
				return
			}
			// A server that hands back a cursor it already gave would loop forever.
			if seen[page.NextCursor] {
				var zero T
				yield(zero, fmt.Errorf("warden API: GET %s: next_cursor %q repeats; refusing to loop", path, page.NextCursor))
				return
			}
			seen[page.NextCursor] = true
			q.Set("cursor", page.NextCursor)
		}
	}
}

// buildPath fills format with the escaped args. An empty id would silently turn
// GET /v1/environments/{id} into the collection, so it is refused here instead.
func buildPath(format string, args []string) (string, error) {
	escaped := make([]any, len(args))
	for i, a := range args {
		if a == "" {
			return "", errors.New("an identifier in the path is empty")
		}
		escaped[i] = url.PathEscape(a)
	}
	return fmt.Sprintf(format, escaped...), nil
}

// call performs r and returns the decoded 2xx body.
func call[T any](ctx context.Context, c *Client, r request) (*T, error) {
	var out T
	if err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// values builds a query from key/value pairs, leaving out empty values.
func values(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}
