package apiserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// fastCase is one POST /v1/authorize request: its token, raw body and extra headers.
type fastCase struct {
	name, token, body string
	headers           []string
	query             string
}

// fastCases are the requests both paths must answer alike: allowed and denied, members and
// vendors, refusals, unknown objects, and bodies and headers the fast path leaves to huma.
func fastCases(c vendorCast) []fastCase {
	req := func(principal, env, action, resource string) string {
		raw, err := json.Marshal(api.AuthorizeRequest{PrincipalID: principal, EnvironmentID: env, Action: action, Resource: resource})
		if err != nil {
			panic(err)
		}
		return string(raw)
	}
	member := req(c.member.ID, c.prod.ID, "apps.deploy", "")
	return []fastCase{
		{name: "member allowed", token: ownerToken, body: member},
		{name: "member denied", token: ownerToken, body: req(c.member.ID, c.prod.ID, "databases.read_credentials", "")},
		{name: "vendor allowed", token: ownerToken, body: req(c.vendor.ID, c.prod.ID, "operator.reboot_host", "aw_host1")},
		{name: "vendor denied: resource", token: ownerToken, body: req(c.vendor.ID, c.prod.ID, "operator.reboot_host", "db1")},
		{name: "vendor asks about itself", token: c.vendorToken, body: req(c.vendor.ID, c.lab.ID, "support.view_logs", "aw_x")},
		{name: "vendor asks about a member", token: c.vendorToken, body: member},
		{name: "member asks about itself", token: c.memberToken, body: member},
		{name: "member asks about a vendor", token: c.memberToken, body: req(c.vendor.ID, c.prod.ID, "operator.reboot_host", "aw_host1")},
		{name: "unknown user", token: ownerToken, body: req("usr_nobody", c.prod.ID, "apps.deploy", "")},
		{name: "unknown environment", token: ownerToken, body: req(c.member.ID, "env_nowhere", "apps.deploy", "")},
		{name: "unknown action", token: ownerToken, body: req(c.member.ID, c.prod.ID, "apps.fly", "")},
		{name: "html in an id", token: ownerToken, body: req("<b>&amp;", c.prod.ID, "apps.deploy", "")},
		{name: "non-ASCII", token: ownerToken, body: req("usr_é", c.prod.ID, "apps.deploy", "")},
		{name: "escaped", token: ownerToken, body: `{"principal_id":"\u0075` + c.member.ID[1:] + `","environment_id":"` + c.prod.ID + `","action":"apps.deploy"}`},
		{name: "spaced", token: ownerToken, body: "\n { \"principal_id\" :\t\"" + c.member.ID + "\" , \"action\":\"apps.deploy\",\"environment_id\":\"" + c.prod.ID + "\" }\r\n"},
		{name: "resource null", token: ownerToken, body: `{"principal_id":"` + c.member.ID + `","environment_id":"` + c.prod.ID + `","action":"apps.deploy","resource":null}`},
		{name: "invalid UTF-8", token: ownerToken, body: `{"principal_id":"usr_` + "\xff" + `","environment_id":"` + c.prod.ID + `","action":"apps.deploy"}`},
		{name: "control character", token: ownerToken, body: `{"principal_id":"usr_` + "\x01" + `","environment_id":"` + c.prod.ID + `","action":"apps.deploy"}`},
		{name: "missing fields", token: ownerToken, body: `{}`},
		{name: "empty field", token: ownerToken, body: req("", c.prod.ID, "apps.deploy", "")},
		{name: "number", token: ownerToken, body: `{"principal_id":1,"environment_id":"e","action":"a"}`},
		{name: "principal null", token: ownerToken, body: `{"principal_id":null,"environment_id":"e","action":"a"}`},
		{name: "unknown field", token: ownerToken, body: strings.TrimSuffix(member, "}") + `,"extra":1}`},
		{name: "case variant", token: ownerToken, body: strings.Replace(member, "principal_id", "Principal_ID", 1)},
		{name: "duplicate", token: ownerToken, body: strings.TrimSuffix(member, "}") + `,"action":"apps.scale"}`},
		{name: "trailing data", token: ownerToken, body: member + "{}"},
		{name: "syntax error", token: ownerToken, body: member[:len(member)-1]},
		{name: "array", token: ownerToken, body: `[]`},
		{name: "empty body", token: ownerToken, body: ``},
		{name: "too large", token: ownerToken, body: strings.TrimSuffix(member, "}") + `,"resource":"` + strings.Repeat("a", 1<<20) + `"}`},
		{name: "no token", body: member},
		{name: "unknown token", token: "wdn_unknown", body: member},
		{name: "basic auth", body: member, headers: []string{"Authorization", "Basic b3duZXI6cHc="}},
		{name: "charset", token: ownerToken, body: member, headers: []string{"Content-Type", "application/json; charset=utf-8"}},
		{name: "text/plain", token: ownerToken, body: member, headers: []string{"Content-Type", "text/plain"}},
		{name: "form", token: ownerToken, body: member, headers: []string{"Content-Type", "application/x-www-form-urlencoded"}},
		{name: "accept problem+json too", token: ownerToken, body: member, headers: []string{"Accept", "application/json, application/problem+json"}},
		{name: "accept cbor", token: ownerToken, body: member, headers: []string{"Accept", "application/cbor"}},
		{name: "a query", token: ownerToken, body: member, query: "?principal_id=usr_other&x=1"},
	}
}

var requestIDField = regexp.MustCompile(`"request_id":"req_[a-z0-9]+"`)

// answer is what a client sees of one response, the request id aside.
func answer(r response) string {
	body := requestIDField.ReplaceAll(r.body, []byte(`"request_id":"…"`))
	return http.StatusText(r.status) + " | " + r.header.Get("Content-Type") + " | " + r.header.Get("WWW-Authenticate") + " | " + string(body)
}

// The fast path answers POST /v1/authorize exactly as the huma operation does: each request
// sent through each, with the same status, content type, WWW-Authenticate and body (but for
// the request id), and the same audit events and decision-log entries added.
func TestFastAuthorize_answersAsHuma(t *testing.T) {
	ts := newTestServer(t)
	c := newVendorCast(ts)
	allowed := map[bool]bool{}
	for _, tc := range fastCases(c) {
		var got [2]string
		for i, huma := range []bool{false, true} {
			ts.srv.noFastAuthorize.Store(huma)
			audit, decisions := len(ts.auditLog(ownerToken)), len(ts.decisions(ownerToken, nil))
			r := ts.do(http.MethodPost, "/v1/authorize"+tc.query, tc.token, []byte(tc.body), tc.headers...)
			got[i] = answer(r)
			got[i] += " | audited " + strconv.Itoa(len(ts.auditLog(ownerToken))-audit) + ", logged " + strconv.Itoa(len(ts.decisions(ownerToken, nil))-decisions)
			if r.status == http.StatusOK {
				var out api.AuthorizeResponse
				if err := json.Unmarshal(r.body, &out); err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				allowed[out.Allowed] = true
			}
		}
		ts.srv.noFastAuthorize.Store(false)
		if got[0] != got[1] {
			t.Errorf("%s:\n fast: %.600s\n huma: %.600s", tc.name, got[0], got[1])
		}
	}
	if !allowed[true] || !allowed[false] {
		t.Fatalf("the cases answered allowed %v: want both allowed and denied checks", allowed)
	}
}

// The fast path takes the requests clients send and leaves the rest to huma, each with its
// body exactly as it arrived.
func TestFastAuthorize_takesTheCommonRequest(t *testing.T) {
	ts := newTestServer(t)
	c := newVendorCast(ts)
	cfg := huma.DefaultConfig("test", "1")
	cfg.Formats = map[string]huma.Format{"application/json": strictJSON, "json": strictJSON}
	hapi := humago.New(http.NewServeMux(), cfg)
	fast := map[string]bool{"member allowed": true, "member denied": true, "vendor allowed": true, "vendor denied: resource": true,
		"vendor asks about itself": true, "vendor asks about a member": true, "member asks about itself": true,
		"member asks about a vendor": true, "unknown user": true, "unknown environment": true, "unknown action": true,
		"html in an id": true, "non-ASCII": true, "escaped": true, "spaced": true, "resource null": true, "invalid UTF-8": true,
		"charset": true, "form": true, "accept cbor": true, "a query": true, "accept problem+json too": true}
	for _, tc := range fastCases(c) {
		declined := declinedBody(t, func(next http.Handler) http.Handler { return ts.srv.withRequest(ts.srv.withFastAuthorize(hapi, next)) },
			"/v1/authorize"+tc.query, tc.token, tc.body, tc.headers)
		took := declined == nil
		if took != fast[tc.name] {
			t.Errorf("%s: fast path took it: %v, want %v", tc.name, took, fast[tc.name])
		}
		if !took && len(tc.body) <= 1<<20 && string(declined) != tc.body {
			t.Errorf("%s: declined with the body %.200q, want %.200q", tc.name, declined, tc.body)
		}
	}
}

// declinedBody posts body to path through the handler fast wraps around a next that records
// what reaches it, and returns the body next got: nil when the fast path took the request.
func declinedBody(t *testing.T, fast func(next http.Handler) http.Handler, path, token, body string, headers []string) []byte {
	t.Helper()
	var declined []byte
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		declined, _ = io.ReadAll(r.Body)
		if declined == nil {
			declined = []byte{}
		}
	})
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, path, bytes.NewReader([]byte(body)))
	r.Header.Set("Content-Type", "application/json")
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	fast(next).ServeHTTP(httptest.NewRecorder(), r)
	return declined
}

// readAuthorizeBody reads what decodeJSON reads, or declines.
func TestReadAuthorizeBody_agreesWithDecodeJSON(t *testing.T) {
	for _, body := range readAuthorizeSeeds {
		checkReadAuthorizeBody(t, []byte(body))
	}
}

func FuzzReadAuthorizeBody(f *testing.F) {
	for _, body := range readAuthorizeSeeds {
		f.Add([]byte(body))
	}
	f.Fuzz(checkReadAuthorizeBody)
}

var readAuthorizeSeeds = []string{
	`{"principal_id":"usr_a","environment_id":"env_b","action":"apps.deploy"}`,
	`{"principal_id":"usr_a","environment_id":"env_b","action":"operator.reboot_host","resource":"aw_h"}`,
	` {"action" : "a" , "resource":"", "environment_id":"e","principal_id":"p"} `,
	`{}`, `{"principal_id":"a","principal_id":"b"}`, `{"principal_id":"\u00e9"}`, `{"principal_id":"é"}`,
	`{"principal_id":"a",}`, `{"principal_id":"a"}x`, `{"principal_id":1}`, `{"Action":"a"}`, `{"action":"a" "resource":"b"}`,
	`{"action":"a\"b"}`, `{,}`, `{"action"}`, `{"action":}`, `[]`, `"x"`, ``, `{"action":"` + "\xc3" + `"}`,
}

func checkReadAuthorizeBody(t *testing.T, body []byte) {
	got, ok := readAuthorizeBody(body)
	if !ok {
		return
	}
	var want api.AuthorizeRequest
	if err := decodeJSON(body, &want); err != nil {
		t.Fatalf("readAuthorizeBody took %q, which decodeJSON refuses: %v", body, err)
	}
	if got != want {
		t.Fatalf("%q: readAuthorizeBody read %+v, decodeJSON %+v", body, got, want)
	}
}
