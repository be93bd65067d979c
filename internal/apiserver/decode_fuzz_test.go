package apiserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The strict decoder against encoding/json: what it accepts, encoding/json reads into the
// same value; what has a duplicate key it refuses; malformed input fails in encoding/json's
// own words.

type fuzzInner struct {
	Target string `json:"target"`
	N      int    `json:"n,omitempty"`
}

type fuzzEmbedded struct {
	ID string `json:"id"`
}

type fuzzBody struct {
	fuzzEmbedded
	Name   string            `json:"name"`
	Flag   *bool             `json:"flag,omitempty"`
	Items  []fuzzInner       `json:"items"`
	Labels map[string]string `json:"labels"`
	Any    any               `json:"any"`
	When   *time.Time        `json:"when"`
	Skip   string            `json:"-"`
	Plain  int
}

var decodeSeeds = []string{
	`{"tier":"operator","require_approval":true,"REQUIRE_APPROVAL":false}`,
	`{"name":"r","permiſsions":["cluster.admin"]}`,
	`{"name":"a","name":"b"}`,
	`{"name":"a","n\u0061me":"b"}`,
	`{"items":[{"target":"a"},{"target":"b","target":"c"}]}`,
	`{"id":"x","name":"n","flag":true,"items":[{"target":"t","n":1}],"labels":{"A":"1","a":"2"},"any":{"k":[1,{"k":2}]},"when":"2026-01-02T03:04:05Z","Plain":3}`,
	`{"ID":"x"}`, `{"Name":"x"}`, `{"plain":1}`, `{"-":"x"}`, `{"Skip":"x"}`,
	`{"labels":{"k":"1","k":"2"}}`, `{"any":{"a":1,"a":2}}`,
	`{"name":"a"} x`, `{"name":"a"}{"name":"b"}`, `{"name":`, `  `, `[]`, `null`, `1e400`, `"s"`,
	`{"tier":"operator","tier":"support",`, `[{"a":1},{"a":1}]`, `{"a":{"b":1},"b":{"a":1}}`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200),
	`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k3":3}`,
	"{\"name\":\"\xff\"}", "{\"\xff\":1,\"\xfe\":2}",
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgainstEncodingJSON(t, data, func() any { return new(any) })
		checkAgainstEncodingJSON(t, data, func() any { return new(fuzzBody) })
		checkAgainstEncodingJSON(t, data, func() any { return new(api.SupportAccessCreate) })
	})
}

// checkAgainstEncodingJSON decodes data into two fresh values from mk, strictly and with
// encoding/json, and compares.
func checkAgainstEncodingJSON(t *testing.T, data []byte, mk func() any) {
	t.Helper()
	strict, loose := mk(), mk()
	err := decodeJSON(data, strict)
	looseErr := json.Unmarshal(data, loose)
	if !json.Valid(data) {
		if err == nil || looseErr == nil || err.Error() != looseErr.Error() {
			t.Fatalf("malformed %q: strict error %v, encoding/json error %v", data, err, looseErr)
		}
		return
	}
	dup := hasDuplicateKey(t, data)
	if err == nil {
		if dup {
			t.Fatalf("%q has a duplicate key, accepted into %T", data, strict)
		}
		if looseErr != nil {
			t.Fatalf("%q accepted into %T, encoding/json says %v", data, strict, looseErr)
		}
		if !reflect.DeepEqual(strict, loose) {
			t.Fatalf("%q into %T: strict %#v, encoding/json %#v", data, strict, strict, loose)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(mk()); err != nil {
			t.Fatalf("%q accepted into %T, but has an unknown field: %v", data, strict, err)
		}
		return
	}
	var be *bodyError
	if !errors.As(err, &be) {
		// Not the scan's refusal: encoding/json's own (a type mismatch), in its words.
		if looseErr == nil || err.Error() != looseErr.Error() {
			t.Fatalf("%q into %T: strict error %v, encoding/json error %v", data, strict, err, looseErr)
		}
		return
	}
	if _, untyped := strict.(*any); untyped && (!dup || be.code != codeDuplicateField) {
		t.Fatalf("%q into any: refused with %+v; has a duplicate key: %v", data, be, dup)
	}
}

// hasDuplicateKey is an oracle written differently from scanBody: each value is read
// whole (json.RawMessage) and its objects' keys counted, recursively.
func hasDuplicateKey(t *testing.T, raw []byte) bool {
	t.Helper()
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || (raw[0] != '{' && raw[0] != '[') {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		t.Fatalf("oracle: %v", err)
	}
	seen := map[string]bool{}
	for dec.More() {
		if raw[0] == '{' {
			k, err := dec.Token()
			if err != nil {
				t.Fatalf("oracle: %v", err)
			}
			key, _ := k.(string)
			if seen[key] {
				return true
			}
			seen[key] = true
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("oracle: %v", err)
		}
		if hasDuplicateKey(t, v) {
			return true
		}
	}
	return false
}

// The decoder's own rules, one row each.
func TestDecodeJSON_rules(t *testing.T) {
	for _, tc := range []struct {
		body        string
		code, field string
		detail      string
	}{
		{`{"name":"a","Name":"b"}`, codeInvalidField, "Name", `did you mean "name"?`},
		{`{"NAME":"a"}`, codeInvalidField, "NAME", `did you mean "name"?`},
		{`{"id":"x","iD":"y"}`, codeInvalidField, "iD", `did you mean "id"?`}, // promoted from the embedded struct
		{`{"items":[{"target":"a"},{"targeſ":"b"}]}`, codeInvalidField, "items[1].targeſ", ""},
		{`{"items":[{"TARGET":"a"}]}`, codeInvalidField, "items[0].TARGET", `did you mean "target"?`},
		{`{"nope":1}`, codeInvalidField, "nope", "is not a field"},
		{`{"Skip":"x"}`, codeInvalidField, "Skip", ""},
		{`{"plain":1}`, codeInvalidField, "plain", `did you mean "Plain"?`},
		{`{"labels":{"a":"1","a":"2"}}`, codeDuplicateField, "labels.a", `"labels.a" appears more than once`},
		{`{"any":{"x":[{"y":1,"y":2}]}}`, codeDuplicateField, "any.x[0].y", ""},
		{decodeSeeds[len(decodeSeeds)-3], codeInvalidField, "k0", ""},
	} {
		t.Run(tc.body, func(t *testing.T) {
			var be *bodyError
			if err := decodeJSON([]byte(tc.body), new(fuzzBody)); !errors.As(err, &be) {
				t.Fatalf("error %v, want a field problem", err)
			}
			if be.code != tc.code || be.field != tc.field || !strings.Contains(be.detail, tc.detail) {
				t.Fatalf("got %+v, want code %s field %s detail containing %q", be, tc.code, tc.field, tc.detail)
			}
		})
	}
	// Keys that differ only in case are distinct in a map and in an untyped object.
	var b fuzzBody
	if err := decodeJSON([]byte(`{"labels":{"A":"1","a":"2"},"any":{"K":1,"k":2},"Plain":1}`), &b); err != nil {
		t.Fatal(err)
	}
	if b.Labels["A"] != "1" || b.Labels["a"] != "2" || b.Plain != 1 {
		t.Fatalf("decoded %+v", b)
	}
	// Many keys: the duplicate is found after the switch from a list to a set.
	var m map[string]int
	many := make([]string, 40)
	for i := range many {
		many[i] = strconv.Quote("k"+strconv.Itoa(i)) + ":1"
	}
	body := "{" + strings.Join(many, ",") + `,"k7":2}`
	var be *bodyError
	if err := decodeJSON([]byte(body), &m); !errors.As(err, &be) || be.field != "k7" {
		t.Fatalf("error %v, want k7 duplicate", err)
	}
}
