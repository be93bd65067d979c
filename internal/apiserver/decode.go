package apiserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// frame is one open object or array of the scan.
type frame struct {
	object  bool
	wantKey bool
	shape   *shape
	keys    []string            // an object's keys so far (small objects)
	seen    map[string]struct{} // an object's keys, once there are many
	key     string              // the key whose value is being read
	value   *shape              // that value's shape
	index   int                 // an array's elements so far
}

// manyKeys is where a map beats a linear search of an object's keys.
const manyKeys = 16

// scanBody walks the tokens of data, refusing (as a *bodyError) the first duplicate key,
// or a key that is not a field of the struct s describes. Any other error means data is
// not one well-formed JSON value (the caller asks encoding/json which error to report).
func scanBody(data []byte, root *shape) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // numbers are not parsed: a valid 1e400 must not fail the scan
	var stack []frame
	started := false
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) && started && len(stack) == 0 {
				return nil
			}
			if errors.Is(err, io.EOF) {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		if started && len(stack) == 0 {
			return errors.New("data after the top-level value")
		}
		started = true
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if top != nil && top.object && top.wantKey {
			if tok == json.Delim('}') {
				stack = stack[:len(stack)-1]
				valueDone(stack)
				continue
			}
			key, ok := tok.(string)
			if !ok {
				return errors.New("object key is not a string")
			}
			if err := top.addKey(key, stack); err != nil {
				return err
			}
			continue
		}
		// A value: in an object after its key, in an array, or the top-level one.
		s := root
		if top != nil {
			s = nil
			if top.object {
				s = top.value
			} else {
				if tok == json.Delim(']') {
					stack = stack[:len(stack)-1]
					valueDone(stack)
					continue
				}
				top.index++
				if top.shape != nil {
					s = top.shape.elem
				}
			}
		}
		switch tok {
		case json.Delim('{'):
			if len(stack) >= maxDepth {
				return errors.New("exceeded max depth")
			}
			stack = append(stack, frame{object: true, wantKey: true, shape: s})
		case json.Delim('['):
			if len(stack) >= maxDepth {
				return errors.New("exceeded max depth")
			}
			stack = append(stack, frame{shape: s})
		default:
			valueDone(stack)
		}
	}
}

// valueDone tells the innermost object that its current key's value is complete.
func valueDone(stack []frame) {
	if n := len(stack); n > 0 && stack[n-1].object {
		stack[n-1].wantKey = true
	}
}

// addKey records key in the innermost object f (the last of stack), refusing a duplicate,
// or, when f is a struct, a key that is not exactly one of its fields.
func (f *frame) addKey(key string, stack []frame) error {
	dup := false
	if f.seen != nil {
		_, dup = f.seen[key]
		f.seen[key] = struct{}{}
	} else {
		for _, k := range f.keys {
			if k == key {
				dup = true
				break
			}
		}
		f.keys = append(f.keys, key)
		if len(f.keys) > manyKeys {
			f.seen = make(map[string]struct{}, 2*len(f.keys))
			for _, k := range f.keys {
				f.seen[k] = struct{}{}
			}
			f.keys = nil
		}
	}
	f.key, f.wantKey, f.value = key, false, nil
	if dup {
		field := pathOf(stack)
		return &bodyError{codeDuplicateField, field,
			fmt.Sprintf("The field %s appears more than once in one object; send each field once.", strconv.Quote(field))}
	}
	switch {
	case f.shape == nil:
	case f.shape.isMap:
		f.value = f.shape.elem
	case f.shape.fields != nil:
		s, ok := f.shape.fields[key]
		if !ok {
			field := pathOf(stack)
			detail := fmt.Sprintf("%s is not a field of this object.", strconv.Quote(field))
			if name, ok := f.shape.folded[foldName(key)]; ok {
				detail = fmt.Sprintf("%s is not a field of this object: field names are case-sensitive; did you mean %s?",
					strconv.Quote(field), strconv.Quote(name))
			}
			return &bodyError{codeInvalidField, field, detail}
		}
		f.value = s
	}
	return nil
}

// pathOf names the current position as the server's problems name fields:
// "destinations[1].target", "require_approval".
func pathOf(stack []frame) string {
	var b strings.Builder
	for i := range stack {
		f := &stack[i]
		switch {
		case f.object:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		default:
			fmt.Fprintf(&b, "[%d]", f.index-1)
		}
	}
	return b.String()
}
