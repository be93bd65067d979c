package api

import (
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// An alert is encoded once when it is stored and once more for every webhook delivering
// it: on a busy server encoding/json's reflection was a few percent of the CPU per alert.
// AppendJSON writes the same bytes as json.Marshal by hand; TestAlertAppendJSON and
// FuzzAlertAppendJSON hold it to json.Marshal, field by field.

// AppendJSON appends json.Marshal(a) to b, or, when routing is false, the encoding of a
// without its routing decision (the alert a webhook delivers). It reports false, with b
// as it was, when json.Marshal would fail (a time outside RFC 3339's years or offsets).
func (a *Alert) AppendJSON(b []byte, routing bool) ([]byte, bool) {
	n := len(b)
	b = appendKey(append(b, '{'), "id", true)
	b = AppendJSONString(b, a.ID)
	b = AppendJSONString(appendKey(b, "environment_id", false), a.EnvironmentID)
	b = AppendJSONString(appendKey(b, "source", false), a.Source)
	b = AppendJSONString(appendKey(b, "status", false), a.Status)
	b = AppendJSONString(appendKey(b, "dedup_key", false), a.DedupKey)
	b = AppendJSONString(appendKey(b, "severity", false), a.Severity)
	b = strconv.AppendBool(appendKey(b, "severity_defaulted", false), a.SeverityDefaulted)
	b = AppendJSONString(appendKey(b, "summary", false), a.Summary)
	b = appendStringMap(appendKey(b, "labels", false), a.Labels)
	b = appendStringMap(appendKey(b, "annotations", false), a.Annotations)
	var ok bool
	if b, ok = AppendJSONTime(appendKey(b, "starts_at", false), a.StartsAt); !ok {
		return b[:n], false
	}
	if a.EndsAt != nil {
		if b, ok = AppendJSONTime(appendKey(b, "ends_at", false), *a.EndsAt); !ok {
			return b[:n], false
		}
	}
	if a.GeneratorURL != "" {
		b = AppendJSONString(appendKey(b, "generator_url", false), a.GeneratorURL)
	}
	if b, ok = AppendJSONTime(appendKey(b, "received_at", false), a.ReceivedAt); !ok {
		return b[:n], false
	}
	b = strconv.AppendBool(appendKey(b, "test", false), a.Test)
	if routing {
		b = appendKey(b, "routing", false)
		if a.Routing == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for i := range a.Routing {
				if i > 0 {
					b = append(b, ',')
				}
				b = a.Routing[i].appendJSON(b)
			}
			b = append(b, ']')
		}
	}
	return append(b, '}'), true
}

func (r *AlertRecipient) appendJSON(b []byte) []byte {
	b = AppendJSONString(appendKey(append(b, '{'), "kind", true), r.Kind)
	optional := func(key, v string) {
		if v != "" {
			b = AppendJSONString(appendKey(b, key, false), v)
		}
	}
	optional("target", r.Target)
	optional("min_severity", r.MinSeverity)
	b = strconv.AppendBool(appendKey(b, "chosen", false), r.Chosen)
	optional("reason", r.Reason)
	optional("detail", r.Detail)
	optional("delivery_id", r.DeliveryID)
	return append(b, '}')
}

// appendKey appends a member's key (plain ASCII, needing no escapes) and its colon, after a
// comma unless first.
func appendKey(b []byte, key string, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	return append(append(append(b, '"'), key...), '"', ':')
}

// appendStringMap is encoding/json's map[string]string: null when nil, else its keys in
// order.
func appendStringMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(AppendJSONString(b, k), ':')
		b = AppendJSONString(b, m[k])
	}
	return append(b, '}')
}

// AppendJSONTime appends time.Time's MarshalJSON of t, or reports false, with b as it was,
// where that fails.
func AppendJSONTime(b []byte, t time.Time) ([]byte, bool) {
	out, err := t.AppendText(append(b, '"'))
	if err != nil {
		return b, false
	}
	return append(out, '"'), true
}

// AppendJSONString appends encoding/json's encoding of s, HTML-safe as json.Marshal writes it:
// <, > and & as \u escapes, control characters escaped, invalid UTF-8 as U+FFFD, and U+2028
// and U+2029 escaped for JavaScript.
func AppendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(b, s[start:]...), '"')
}
