package apiserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
)

// Request bodies are decoded exactly. encoding/json matches a key to a struct field
// case-insensitively and with Unicode folding ("REQUIRE_APPROVAL" and "require_approvaL"
// set require_approval; so does "permiſsions" with U+017F for permissions), and lets the
// last of duplicate keys win, while huma validates the body as a map in which those keys
// are distinct: what was validated and what was decoded could differ. strictJSON is the
// API's JSON format, so every route decodes through decodeJSON, which refuses a duplicate
// key at any depth and, decoding into a struct, any key that is not exactly one of its
// fields; huma.ValidateStrictCasing makes the schema validation, which runs first and
// names the field, compare names exactly too.

// strictJSON is huma.DefaultJSONFormat with decodeJSON in place of json.Unmarshal.
var strictJSON = huma.Format{Marshal: huma.DefaultJSONFormat.Marshal, Unmarshal: decodeJSON}

func init() {
	// Process-wide, like huma.NewError in problem.go; set once, before any server runs.
	huma.ValidateStrictCasing = true
}

// maxDepth is encoding/json's own nesting limit: deeper bodies are its syntax error.
const maxDepth = 10000

// bodyError is decodeJSON's refusal of a well-formed body.
type bodyError struct {
	code, field, detail string
}

func (e *bodyError) Error() string { return e.detail }

// errUnscanned refuses a body the scan could not read although encoding/json calls it
// valid: reading it unchecked would reopen what the scan is for.
var errUnscanned = errors.New("the body could not be checked for duplicate or misspelled fields")

// decodeJSON is json.Unmarshal that refuses duplicate keys and, for struct fields, keys
// that are not spelled exactly as the field's JSON name. Malformed JSON and trailing data
// fail with encoding/json's own error, as before.
func decodeJSON(data []byte, v any) error {
	t := reflect.TypeOf(v)
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if err := scanBody(data, shapeOf(t)); err != nil {
		if !json.Valid(data) {
			// A syntax error outranks what the scan found; json.Unmarshal reports it
			// (before touching v) in the words clients already see.
			return json.Unmarshal(data, v)
		}
		var be *bodyError
		if !errors.As(err, &be) {
			return errUnscanned
		}
		// The request is refused, but huma's resolvers still judge v for the problem's
		// findings: let them see what encoding/json reads rather than zero values.
		_ = json.Unmarshal(data, v)
		return be
	}
	return json.Unmarshal(data, v)
}

// strictBodyProblem recognizes huma's record of a body decodeJSON refused. huma keeps only
// the message, in an ErrorDetail at "body" whose value is the body itself, and answers
// 400; scanning that body again (without a target type, as huma's first, validating decode
// does) gives back the typed refusal, which becomes the 422 naming the field.
func strictBodyProblem(d *huma.ErrorDetail) *problemError {
	body, ok := d.Value.(string)
	if d.Location != "body" || !ok {
		return nil
	}
	var be *bodyError
	if err := scanBody([]byte(body), nil); !errors.As(err, &be) || be.Error() != d.Message {
		return nil
	}
	return invalid(be.code, be.field, be.detail)
}

// shape is what the scan knows of a JSON value's Go destination: a struct's exact field
// names, a map's or slice's element, or nothing (any, json.Unmarshaler, scalars) — whose
// objects are then only checked for duplicate keys.
type shape struct {
	fields map[string]*shape // struct: exact JSON name → the field's shape
	folded map[string]string // struct: foldName(name) → name, to say "did you mean"
	elem   *shape            // map, slice, array
	isMap  bool
	// open structs (a `_` field tagged additionalProperties:"true", as huma reads it) take
	// fields they do not name: payloads of other systems, which add fields between versions.
	open bool
}

var (
	shapes          sync.Map // reflect.Type → *shape, complete ones only
	shapesMu        sync.Mutex
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// shapeOf describes t, building (once per type) under a lock so that no request reads a
// shape still being filled.
func shapeOf(t reflect.Type) *shape {
	if cached, ok := shapes.Load(t); ok {
		s, _ := cached.(*shape)
		return s
	}
	shapesMu.Lock()
	defer shapesMu.Unlock()
	building := map[reflect.Type]*shape{}
	s := buildShape(t, building)
	for bt, bs := range building {
		shapes.Store(bt, bs)
	}
	if t != nil {
		shapes.Store(t, s)
	}
	return s
}

func buildShape(t reflect.Type, building map[reflect.Type]*shape) *shape {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map, reflect.Slice, reflect.Array:
	default:
		return nil
	}
	if cached, ok := shapes.Load(t); ok {
		s, _ := cached.(*shape)
		return s
	}
	if s, ok := building[t]; ok {
		return s // a recursive type refers to itself
	}
	s := &shape{}
	building[t] = s
	switch t.Kind() {
	case reflect.Struct:
		s.fields, s.folded = map[string]*shape{}, map[string]string{}
		addFields(s, t, 0, map[string]int{}, building)
	case reflect.Map:
		s.isMap, s.elem = true, buildShape(t.Elem(), building)
	default:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return s // []byte is a base64 string
		}
		s.elem = buildShape(t.Elem(), building)
	}
	return s
}

// addFields collects t's JSON field names as encoding/json does: a tag's name or the Go
// name, "-" skipped, untagged embedded structs' fields promoted, the shallowest winning.
// Where encoding/json would drop an ambiguous name this keeps one; either way the scan
// accepts only names spelled exactly, so the difference can only refuse, never fold.
func addFields(s *shape, t reflect.Type, depth int, depthOf map[string]int, building map[reflect.Type]*shape) {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Name == "_" && f.Tag.Get("additionalProperties") == "true" {
			s.open = true
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			addFields(s, ft, depth+1, depthOf, building)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if d, ok := depthOf[name]; ok && d <= depth {
			continue
		}
		depthOf[name] = depth
		s.fields[name] = buildShape(f.Type, building)
		s.folded[foldName(name)] = name
	}
}

// foldName is encoding/json's key folding: ASCII case and Unicode simple folding.
func foldName(s string) string {
	var b strings.Builder
	for _, r := range s {
		for {
			r2 := unicode.SimpleFold(r)
			if r2 <= r {
				r = r2
				break
			}
			r = r2
		}
		if r < utf8.RuneSelf && 'a' <= r && r <= 'z' {
			r -= 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// errSyntax is any reason data is not JSON; decodeJSON then reports encoding/json's error.
var errSyntax = errors.New("malformed JSON")

// manyKeys is where a set beats a linear search of an object's keys.
const manyKeys = 16

// bodyScanner walks JSON bytes without building values: the keys it compares are slices
// of the body (decoded only when escaped or not valid UTF-8), so a well-formed body costs
// no allocation beyond the path. It is exact on valid JSON; on invalid JSON it only has to
// stop (encoding/json judges syntax).
type bodyScanner struct {
	data []byte
	i    int
	path []pathElem
}

// pathElem is an object key or an array index on the way to the current value.
type pathElem struct {
	key   []byte
	index int
	isKey bool
}

// scanBody refuses (as a *bodyError) the first duplicate key, or a key that is not a
// field of the struct root describes; any other error means data is not one JSON value.
func scanBody(data []byte, root *shape) error {
	sc := &bodyScanner{data: data}
	sc.space()
	if err := sc.value(root, 0); err != nil {
		return err
	}
	sc.space()
	if sc.i != len(data) {
		return errSyntax // trailing data
	}
	return nil
}

func (sc *bodyScanner) space() {
	for sc.i < len(sc.data) {
		switch sc.data[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

func (sc *bodyScanner) value(s *shape, depth int) error {
	if sc.i >= len(sc.data) {
		return errSyntax
	}
	switch sc.data[sc.i] {
	case '{', '[':
		if depth >= maxDepth {
			return errSyntax
		}
		if sc.data[sc.i] == '{' {
			return sc.object(s, depth+1)
		}
		return sc.array(s, depth+1)
	case '"':
		_, _, err := sc.str()
		return err
	}
	// A number or literal runs to the next delimiter.
	start := sc.i
	for sc.i < len(sc.data) && !isDelimiter(sc.data[sc.i]) {
		sc.i++
	}
	if sc.i == start {
		return errSyntax
	}
	return nil
}

func isDelimiter(c byte) bool {
	switch c {
	case ',', ':', ']', '}', '[', '{', '"', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// str reads a string at sc.i, returning its raw content and whether that needs decoding
// to be what encoding/json reads (escapes, invalid UTF-8).
func (sc *bodyScanner) str() (raw []byte, decode bool, err error) {
	start := sc.i + 1
	ascii := true
	for j := start; j < len(sc.data); j++ {
		switch c := sc.data[j]; {
		case c == '\\':
			decode = true
			j++
		case c == '"':
			sc.i = j + 1
			raw = sc.data[start:j]
			return raw, decode || (!ascii && !utf8.Valid(raw)), nil
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false, errSyntax
}

// key reads an object key as encoding/json decodes it.
func (sc *bodyScanner) key() ([]byte, error) {
	start := sc.i
	raw, decode, err := sc.str()
	if err != nil || !decode {
		return raw, err
	}
	var k string
	if err := json.Unmarshal(sc.data[start:sc.i], &k); err != nil {
		return nil, errSyntax
	}
	return []byte(k), nil
}

func (sc *bodyScanner) object(s *shape, depth int) error {
	sc.i++
	sc.space()
	if sc.i < len(sc.data) && sc.data[sc.i] == '}' {
		sc.i++
		return nil
	}
	keys := make([][]byte, 0, manyKeys)
	var seen map[string]struct{}
	for {
		sc.space()
		if sc.i >= len(sc.data) || sc.data[sc.i] != '"' {
			return errSyntax
		}
		key, err := sc.key()
		if err != nil {
			return err
		}
		sc.space()
		if sc.i >= len(sc.data) || sc.data[sc.i] != ':' {
			return errSyntax
		}
		sc.i++
		sc.space()
		sc.path = append(sc.path, pathElem{key: key, isKey: true})
		dup := false
		if seen == nil {
			for _, k := range keys {
				if bytes.Equal(k, key) {
					dup = true
					break
				}
			}
			if keys = append(keys, key); len(keys) > manyKeys {
				seen = make(map[string]struct{}, 4*manyKeys)
				for _, k := range keys {
					seen[string(k)] = struct{}{}
				}
			}
		} else {
			_, dup = seen[string(key)]
			seen[string(key)] = struct{}{}
		}
		if dup {
			field := sc.pathString()
			return &bodyError{codeDuplicateField, field,
				fmt.Sprintf("The field %s appears more than once in one object; send each field once.", strconv.Quote(field))}
		}
		vs, err := sc.fieldShape(s, key)
		if err != nil {
			return err
		}
		if err := sc.value(vs, depth); err != nil {
			return err
		}
		if done, err := sc.next('}'); done || err != nil {
			return err
		}
	}
}

// fieldShape is the shape of key's value in an object of shape s, refusing a key that is
// not exactly one of a struct's fields.
func (sc *bodyScanner) fieldShape(s *shape, key []byte) (*shape, error) {
	switch {
	case s == nil:
		return nil, nil
	case s.isMap:
		return s.elem, nil
	case s.fields == nil:
		return nil, nil // an object where an array is expected: encoding/json's type error
	}
	if fs, ok := s.fields[string(key)]; ok {
		return fs, nil
	}
	if s.open {
		return nil, nil
	}
	field := sc.pathString()
	detail := fmt.Sprintf("%s is not a field of this object.", strconv.Quote(field))
	if name, ok := s.folded[foldName(string(key))]; ok {
		detail = fmt.Sprintf("%s is not a field of this object: field names are case-sensitive; did you mean %s?",
			strconv.Quote(field), strconv.Quote(name))
	}
	return nil, &bodyError{codeInvalidField, field, detail}
}

func (sc *bodyScanner) array(s *shape, depth int) error {
	sc.i++
	sc.space()
	if sc.i < len(sc.data) && sc.data[sc.i] == ']' {
		sc.i++
		return nil
	}
	var elem *shape
	if s != nil && !s.isMap {
		elem = s.elem
	}
	for n := 0; ; n++ {
		sc.space()
		sc.path = append(sc.path, pathElem{index: n})
		if err := sc.value(elem, depth); err != nil {
			return err
		}
		if done, err := sc.next(']'); done || err != nil {
			return err
		}
	}
}

// next ends one member of an object or one element of an array: it leaves the member's
// path and reads what follows, a comma or end, reporting whether end closed the container.
func (sc *bodyScanner) next(end byte) (done bool, err error) {
	sc.path = sc.path[:len(sc.path)-1]
	sc.space()
	if sc.i >= len(sc.data) {
		return false, errSyntax
	}
	switch sc.data[sc.i] {
	case ',':
		sc.i++
		return false, nil
	case end:
		sc.i++
		return true, nil
	}
	return false, errSyntax
}

// pathString names the current position as the server's problems name fields:
// "destinations[1].target", "require_approval".
func (sc *bodyScanner) pathString() string {
	var b strings.Builder
	for _, e := range sc.path {
		if !e.isKey {
			fmt.Fprintf(&b, "[%d]", e.index)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.Write(e.key)
	}
	return b.String()
}
