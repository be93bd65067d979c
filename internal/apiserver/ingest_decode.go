package apiserver

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Webhook payloads as Alertmanager sends them are decoded by hand: encoding/json's
// reflection into maps and a slice of structs was 6% of the server's CPU at full ingestion.
// decodePlainWebhook reads only the plain subset of JSON senders write (every key one of the
// payload's fields, spelled exactly and once; strings without control characters; integers
// without fraction or exponent; no null) and gives up on anything else, which then takes
// decodeJSON's path: that path decides, and words any refusal, as before. Where it succeeds
// it yields what decodeJSON yields (FuzzDecodePlainWebhook).

// decodePlainWebhook decodes body, or reports false when it is not plain.
func decodePlainWebhook(body []byte) (webhookPayload, bool) {
	r := plainReader{data: body}
	var w webhookPayload
	var seen fieldSet
	once := seen.once
	ok := r.object(func(key []byte) bool {
		switch string(key) {
		case "version":
			return once(1<<0) && r.into(&w.Version)
		case "groupKey":
			return once(1<<1) && r.into(&w.GroupKey)
		case "truncatedAlerts":
			n, ok := r.integer(strconv.IntSize)
			w.TruncatedAlerts = int(n)
			return once(1<<2) && ok
		case "status":
			return once(1<<3) && r.into(&w.Status)
		case "receiver":
			return once(1<<4) && r.into(&w.Receiver)
		case "groupLabels":
			return once(1<<5) && r.stringMap(&w.GroupLabels)
		case "commonLabels":
			return once(1<<6) && r.stringMap(&w.CommonLabels)
		case "commonAnnotations":
			return once(1<<7) && r.stringMap(&w.CommonAnnotations)
		case "externalURL":
			return once(1<<8) && r.into(&w.ExternalURL)
		case "orgId":
			var ok bool
			w.OrgID, ok = r.integer(64)
			return once(1<<9) && ok
		case "alerts":
			return once(1<<10) && r.alerts(&w.Alerts)
		}
		return false
	})
	r.space()
	return w, ok && r.i == len(r.data)
}

// alerts reads a plain array of alerts into *dst (empty, not nil, for []).
func (r *plainReader) alerts(dst *[]webhookAlert) bool {
	*dst = []webhookAlert{}
	if !r.consume('[') {
		return false
	}
	if r.consume(']') {
		return true
	}
	for {
		var a webhookAlert
		var seen fieldSet
		once := seen.once
		ok := r.object(func(key []byte) bool {
			switch string(key) {
			case "status":
				return once(1<<0) && r.into(&a.Status)
			case "labels":
				return once(1<<1) && r.stringMap(&a.Labels)
			case "annotations":
				return once(1<<2) && r.stringMap(&a.Annotations)
			case "startsAt":
				return once(1<<3) && r.time(a.StartsAt.UnmarshalJSON)
			case "endsAt":
				return once(1<<4) && r.time(a.EndsAt.UnmarshalJSON)
			case "generatorURL":
				return once(1<<5) && r.into(&a.GeneratorURL)
			case "fingerprint":
				return once(1<<6) && r.into(&a.Fingerprint)
			}
			return false
		})
		if !ok {
			return false
		}
		*dst = append(*dst, a)
		if !r.consume(',') {
			return r.consume(']')
		}
	}
}

// fieldSet is the fields of an object read so far, a bit each.
type fieldSet uint16

// once reports whether bit's field had not been read, and records it.
func (s *fieldSet) once(bit fieldSet) bool {
	if *s&bit != 0 {
		return false
	}
	*s |= bit
	return true
}

// plainReader reads the plain subset of JSON from data at i; every method reports false
// where the input leaves it.
type plainReader struct {
	data []byte
	i    int
}

func (r *plainReader) space() { r.i = skipSpace(r.data, r.i) }

// consume skips white space and then c, if c comes next.
func (r *plainReader) consume(c byte) bool {
	r.space()
	if r.i < len(r.data) && r.data[r.i] == c {
		r.i++
		return true
	}
	return false
}

// str reads a string without control characters: its bytes are its value when it has no
// escapes and is valid UTF-8 (as senders' strings are but for a group key's quotes);
// otherwise encoding/json decodes it alone, as it would within the body.
func (r *plainReader) str() ([]byte, bool) {
	if !r.consume('"') {
		return nil, false
	}
	plain := true
	for j := r.i; j < len(r.data); j++ {
		switch c := r.data[j]; {
		case c == '"':
			s := r.data[r.i:j]
			r.i = j + 1
			if plain || utf8.Valid(s) {
				return s, true
			}
			return r.decoded(r.data[r.i-len(s)-2 : r.i])
		case c == '\\':
			s, ok := r.escaped(j)
			return s, ok
		case c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			plain = false
		}
	}
	return nil, false
}

// escaped finishes str for a string with an escape at j.
func (r *plainReader) escaped(j int) ([]byte, bool) {
	start := r.i - 1
	for ; j < len(r.data); j++ {
		switch c := r.data[j]; {
		case c == '\\':
			j++
		case c == '"':
			r.i = j + 1
			return r.decoded(r.data[start:r.i])
		case c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// decoded is encoding/json's reading of the string token quoted.
func (r *plainReader) decoded(quoted []byte) ([]byte, bool) {
	var s string
	if json.Unmarshal(quoted, &s) != nil {
		return nil, false
	}
	return []byte(s), true
}

func (r *plainReader) into(dst *string) bool {
	s, ok := r.str()
	*dst = string(s)
	return ok
}

// time reads a string and hands it, quoted, to unmarshal (time.Time's UnmarshalJSON, as
// encoding/json would).
func (r *plainReader) time(unmarshal func([]byte) error) bool {
	r.space()
	start := r.i
	if _, ok := r.str(); !ok {
		return false
	}
	return unmarshal(r.data[start:r.i]) == nil
}

// integer reads an integer in JSON's grammar that fits in bits, without fraction or exponent.
func (r *plainReader) integer(bits int) (int64, bool) {
	r.space()
	start := r.i
	if r.i < len(r.data) && r.data[r.i] == '-' {
		r.i++
	}
	digits := r.i
	for r.i < len(r.data) && '0' <= r.data[r.i] && r.data[r.i] <= '9' {
		r.i++
	}
	if r.i == digits || (r.data[digits] == '0' && r.i > digits+1) {
		return 0, false // no digits, or a leading zero
	}
	n, err := strconv.ParseInt(string(r.data[start:r.i]), 10, bits)
	return n, err == nil
}

// object reads an object, calling member with each key once the reader is at its value.
func (r *plainReader) object(member func(key []byte) bool) bool {
	if !r.consume('{') {
		return false
	}
	if r.consume('}') {
		return true
	}
	for {
		key, ok := r.str()
		if !ok || !r.consume(':') || !member(key) {
			return false
		}
		if !r.consume(',') {
			return r.consume('}')
		}
	}
}

// stringMap reads an object of strings with distinct keys into a new map at *dst.
func (r *plainReader) stringMap(dst *map[string]string) bool {
	m := map[string]string{}
	*dst = m
	return r.object(func(key []byte) bool {
		if _, dup := m[string(key)]; dup {
			return false
		}
		v, ok := r.str()
		m[string(key)] = string(v)
		return ok
	})
}
