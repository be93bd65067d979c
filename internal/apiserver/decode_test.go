package apiserver

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Regression tests for the security review's finding that request bodies were decoded with
// encoding/json's case-insensitive, Unicode-folding field matching: a body must say each
// field once, spelled exactly as the schema spells it, or be refused before it acts.

// A case variant beside the exact key used to win (the last key matching a field is
// decoded): require_approval true was validated, REQUIRE_APPROVAL false was stored.
func TestDecode_caseVariantCannotCreateStandingAccess(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("prod", "aws")
	r := ts.do("POST", "/v1/environments/"+env.ID+"/support-access", ownerToken,
		[]byte(`{"tier":"operator","require_approval":true,"REQUIRE_APPROVAL":false}`))
	p := requireProblem(t, r, http.StatusUnprocessableEntity, codeInvalidField)
	if p.Field != "REQUIRE_APPROVAL" {
		t.Fatalf("field %q, want REQUIRE_APPROVAL; problem %+v", p.Field, p)
	}
	requireProblem(t, ts.do("GET", "/v1/environments/"+env.ID+"/support-access", ownerToken, nil),
		http.StatusNotFound, codeNotFound)
}

// "permiſsions" (U+017F LATIN SMALL LETTER LONG S) folds to "permissions" in encoding/json.
func TestDecode_unicodeFoldedKeyIsNotAField(t *testing.T) {
	ts := newTestServer(t)
	r := ts.do("POST", "/v1/roles", ownerToken, []byte(`{"name":"folded","permi\u017fsions":["cluster.admin"]}`))
	p := requireProblem(t, r, http.StatusUnprocessableEntity, codeInvalidField)
	if p.Field != "permi\u017fsions" {
		t.Fatalf("field %q, want permiſsions; problem %+v", p.Field, p)
	}
	var roles api.List[api.Role]
	ts.call("GET", "/v1/roles?limit=1000", ownerToken, nil, 200, &roles)
	if slices.ContainsFunc(roles.Items, func(r api.Role) bool { return r.Name == "folded" }) {
		t.Fatalf("a role was created from the refused body: %+v", roles.Items)
	}
}

// The same key twice: encoding/json keeps the last, schema validation saw only that one.
func TestDecode_duplicateKeyRefused(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("prod", "aws")
	r := ts.do("POST", "/v1/environments/"+env.ID+"/support-access", ownerToken,
		[]byte(`{"tier":"operator","require_approval":true,"require_approval":false}`))
	p := requireProblem(t, r, http.StatusUnprocessableEntity, codeDuplicateField)
	if p.Field != "require_approval" || !strings.Contains(p.Detail, `"require_approval"`) {
		t.Fatalf("problem %+v, want field require_approval named in the detail", p)
	}
	requireProblem(t, ts.do("GET", "/v1/environments/"+env.ID+"/support-access", ownerToken, nil),
		http.StatusNotFound, codeNotFound)
}

// A duplicate inside an array element of a nested object is named by its path, as the
// server's other problems name nested fields.
func TestDecode_nestedDuplicateKeyRefused(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("prod", "aws")
	var before api.AlertRouting
	ts.call("GET", "/v1/environments/"+env.ID+"/alert-routing", ownerToken, nil, 200, &before)
	r := ts.do("PUT", "/v1/environments/"+env.ID+"/alert-routing", ownerToken, []byte(`{"vendor_routing":false,"destinations":[
		{"type":"email","target":"oncall@example.com","min_severity":"info"},
		{"type":"webhook","target":"https://hooks.example.com/a","min_severity":"info","target":"https://evil.example.com/"}]}`))
	p := requireProblem(t, r, http.StatusUnprocessableEntity, codeDuplicateField)
	if p.Field != "destinations[1].target" {
		t.Fatalf("field %q, want destinations[1].target; problem %+v", p.Field, p)
	}
	var after api.AlertRouting
	ts.call("GET", "/v1/environments/"+env.ID+"/alert-routing", ownerToken, nil, 200, &after)
	if after.Version != before.Version || !after.VendorRouting || len(after.Destinations) != 0 {
		t.Fatalf("alert routing changed by a refused body: before %+v, after %+v", before, after)
	}
}

// A PATCH whose only key is a case variant used to be decoded as that field.
func TestDecode_caseVariantOnPatchRefused(t *testing.T) {
	ts := newTestServer(t)
	env := ts.createEnv("prod", "aws")
	var sa api.SupportAccess
	ts.call("POST", "/v1/environments/"+env.ID+"/support-access", ownerToken, api.SupportAccessCreate{Tier: "support"}, 201, &sa)
	r := ts.do("PATCH", "/v1/environments/"+env.ID+"/support-access", ownerToken,
		[]byte(`{"Tier":"operator"}`), "If-Match", etag(sa.Version))
	p := requireProblem(t, r, http.StatusUnprocessableEntity, codeInvalidField)
	if p.Field != "Tier" {
		t.Fatalf("field %q, want Tier; problem %+v", p.Field, p)
	}
	var after api.SupportAccess
	ts.call("GET", "/v1/environments/"+env.ID+"/support-access", ownerToken, nil, 200, &after)
	if after.Tier != "support" || after.Version != sa.Version {
		t.Fatalf("support access changed by a refused body: %+v", after)
	}
}

// Every route that takes a body, read from the OpenAPI document so that a new route is
// covered without touching this test, refuses a duplicate key, naming it.
func TestDecode_everyBodyRouteRefusesDuplicateKeys(t *testing.T) {
	ts := newTestServer(t)
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			RequestBody *struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	ts.call("GET", "/v1/openapi.json", "", nil, 200, &doc)
	// Vendor-only routes refuse the owner before reading the body; a vendor's token reaches them.
	_, vendorToken := ts.createUser("oncall@vendor.example", "vendor")
	param := regexp.MustCompile(`\{[^}]+\}`)
	n := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.RequestBody == nil {
				continue
			}
			n++
			t.Run(op.OperationID, func(t *testing.T) {
				// The first property in name order, so that the duplicate is a real field.
				schema := doc.Components.Schemas[strings.TrimPrefix(op.RequestBody.Content["application/json"].Schema.Ref, "#/components/schemas/")]
				props := make([]string, 0, len(schema.Properties))
				for k := range schema.Properties {
					props = append(props, k)
				}
				slices.Sort(props)
				key := "x"
				if len(props) > 0 {
					key = props[0]
				}
				body := []byte(`{"` + key + `":null,"` + key + `":null}`)
				method, path := strings.ToUpper(method), param.ReplaceAllString(path, "nope")
				r := ts.do(method, path, ownerToken, body)
				if r.status == http.StatusForbidden {
					r = ts.do(method, path, vendorToken, body)
				}
				p := requireProblem(t, r, http.StatusUnprocessableEntity, codeDuplicateField)
				if p.Field != key {
					t.Fatalf("field %q, want %q; problem %+v", p.Field, key, p)
				}
			})
		}
	}
	if n < 20 {
		t.Fatalf("only %d routes take a body; is the OpenAPI document read right?", n)
	}
}

// What the strictness must not change: malformed JSON, trailing data, the body bound and
// form-labelled JSON answer as before, and exactly spelled bodies (the client's) work.
func TestDecode_unchangedBehaviour(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.MaxBodyBytes = 4096 })
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"malformed", `{"name":`, http.StatusBadRequest, "bad_request"},
		{"malformed with a duplicate first", `{"name":"a","name":"b",`, http.StatusBadRequest, "bad_request"},
		{"trailing data", `{"name":"a"} x`, http.StatusBadRequest, "bad_request"},
		{"second object", `{"name":"a"}{"name":"b"}`, http.StatusBadRequest, "bad_request"},
		{"too large", `{"name":"` + strings.Repeat("a", 5000) + `"}`, http.StatusRequestEntityTooLarge, codeBodyTooLarge},
		{"unknown field", `{"name":"a","bogus":1}`, http.StatusUnprocessableEntity, codeInvalidField},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireProblem(t, ts.do("POST", "/v1/roles", ownerToken, []byte(tc.body)), tc.status, tc.code)
		})
	}
	var role api.Role
	ts.call("POST", "/v1/roles", ownerToken, []byte(`{"name":"form","permissions":["cluster.admin"]}`), 201, &role,
		"Content-Type", "application/x-www-form-urlencoded")
	if role.Name != "form" || !slices.Equal(role.Permissions, []string{"cluster.admin"}) {
		t.Fatalf("form-labelled JSON: %+v", role)
	}
	r := ts.do("POST", "/v1/roles", ownerToken, []byte(`{"name":"f2","name":"f3"}`), "Content-Type", "application/x-www-form-urlencoded")
	requireProblem(t, r, http.StatusUnprocessableEntity, codeDuplicateField)
	// Escapes are decoded before keys are compared: "n\u0061me" is "name".
	r = ts.do("POST", "/v1/roles", ownerToken, []byte(`{"name":"e1","n\u0061me":"e2"}`))
	requireProblem(t, r, http.StatusUnprocessableEntity, codeDuplicateField)
	// The same key in different objects is no duplicate.
	ts.call("PUT", "/v1/environments/"+ts.createEnv("dev", "aws").ID+"/alert-routing", ownerToken, []byte(`{"vendor_routing":true,"destinations":[
		{"type":"email","target":"a@example.com","min_severity":"info"},
		{"type":"email","target":"b@example.com","min_severity":"info"}]}`), 200, nil)
}

// The formats of other systems' webhooks are open (additionalProperties): Alertmanager 0.35
// sends notification_reason, Grafana values and panelURL, PagerDuty clients their own
// fields; a new one must not get 422. A case variant of a known field is refused still, and
// a duplicate key.
func TestDecode_openFormatsSkipOtherFields(t *testing.T) {
	ts := newTestServer(t)
	e := ts.createEnv("prod", "aws")
	key := ts.credentials(e.ID, ownerToken).IngestKey
	body := amPayload("firing", ts.clock.Now(), map[string]string{"alertname": "DiskFull", "instance": "db-1"})
	body["notification_reason"] = "first notification"
	alerts, ok := body["alerts"].([]map[string]any)
	if !ok {
		t.Fatalf("amPayload's alerts are a %T", body["alerts"])
	}
	alerts[0]["values"] = map[string]any{"B": 98.5}
	var reply ingestReply
	ts.call("POST", "/v1/environments/"+e.ID+"/alerts", key, body, 202, &reply)
	if len(reply.Alerts) != 1 || reply.Alerts[0].ID == "" {
		t.Fatalf("answer %+v", reply)
	}
	r := ts.do("POST", "/v1/environments/"+e.ID+"/alerts", key, []byte(`{"version":"4","status":"firing","Alerts":[]}`))
	requireProblem(t, r, http.StatusUnprocessableEntity, codeInvalidField)
	r = ts.do("POST", "/v1/environments/"+e.ID+"/alerts", key, []byte(`{"version":"4","status":"firing","x":1,"x":2,"alerts":[]}`))
	requireProblem(t, r, http.StatusUnprocessableEntity, codeDuplicateField)
}
