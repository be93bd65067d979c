package access

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestValidateName(t *testing.T) {
	e := func(value string) []finding { return []finding{{SeverityError, CodeInvalidText, "name", value}} }
	cases := []struct {
		name, in string
		want     []finding
	}{
		{"plain", "production", nil},
		{"inner spaces and unicode", "Équipe SRE – nuit", nil},
		{"right-to-left script", "فريق", nil},
		{"at the limit", strings.Repeat("n", MaxNameLength), nil},
		{"empty", "", e("")},
		{"only whitespace", " \t ", e("")},
		{"leading space", " prod", e("")},
		{"trailing space", "prod ", e("")},
		{"trailing non-breaking space", "prod\u00a0", e("")},
		{"NUL", "pr\x00od", e("U+0000")},
		{"ANSI escape", "\x1b[31mprod", e("U+001B")},
		{"C1 control", "prod\u009b", e("U+009B")},
		{"DEL", "prod\x7f", e("U+007F")},
		{"tab", "pr\tod", e("U+0009")},
		{"newline", "pr\nod", e("U+000A")},
		{"line separator", "pr\u2028od", e("U+2028")},
		{"right-to-left override", "prod\u202etxt.exe", e("U+202E")},
		{"left-to-right embedding", "\u202aprod", e("U+202A")},
		{"first strong isolate", "pr\u2068od", e("U+2068")},
		{"pop directional isolate", "pr\u2069od", e("U+2069")},
		{"right-to-left mark", "prod\u200f-x", e("U+200F")},
		{"left-to-right mark", "prod\u200e-x", e("U+200E")},
		{"arabic letter mark", "prod\u061c-x", e("U+061C")},
		{"invalid UTF-8", "pr\xffod", e("")},
		{"too long", strings.Repeat("n", MaxNameLength+1), e("")},
		{"one finding per character", "a\x1b\x1bb", e("U+001B")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := ValidateName("name", c.in)
			if got := pick(fs); !slices.Equal(got, c.want) {
				t.Fatalf("ValidateName(%+q) = %v, want %v", c.in, got, c.want)
			}
			for _, f := range fs {
				if f.Message == "" || f.Fix == "" || !strings.HasSuffix(f.Message, ".") {
					t.Errorf("finding without a message sentence and a fix: %+v", f)
				}
				// A finding is printed to terminals: it must not carry what it refuses.
				if strings.ContainsFunc(f.Message+f.Fix+f.Value, func(r rune) bool { return r < 0x20 || bidiControl(r) }) {
					t.Errorf("finding echoes a control character: %+q", f.Message)
				}
			}
		})
	}
	if fs := ValidateOptionalName("name", ""); fs != nil {
		t.Errorf("optional empty name: %v", fs)
	}
	if fs := ValidateOptionalName("name", "  "); !HasErrors(fs) {
		t.Error("optional whitespace-only name accepted")
	}
}

func TestValidateText(t *testing.T) {
	for _, ok := range []string{"", "Ships apps.\nOn call:\tweekdays\r\n", "Déploie les apps – جميع"} {
		if fs := ValidateText("description", ok); fs != nil {
			t.Errorf("ValidateText(%+q) = %v", ok, fs)
		}
	}
	for in, value := range map[string]string{
		"\x1b]8;;https://evil.example\x07link": "U+001B",
		"nul\x00":                              "U+0000",
		"abc\u202edef":                         "U+202E",
		"\u2066isolated\u2069":                 "U+2066",
		"\xc3\x28":                             "",
	} {
		fs := ValidateText("description", in)
		if len(fs) == 0 || fs[0].Code != CodeInvalidText || fs[0].Field != "description" || fs[0].Value != value {
			t.Errorf("ValidateText(%+q) = %v, want %s first", in, pick(fs), value)
		}
	}
	if fs := ValidateText("reason", strings.Repeat("é", MaxTextLength+1)); !HasErrors(fs) {
		t.Error("over-long text accepted")
	}
}

func TestValidateEmail(t *testing.T) {
	for _, ok := range []string{"alice@example.com", "a+b@example.com", "oncall@vendor.example", "owner@warden.local"} {
		if fs := ValidateEmail("email", ok); fs != nil {
			t.Errorf("ValidateEmail(%q) = %v", ok, fs)
		}
	}
	for in, code := range map[string]string{
		"alice":                       CodeInvalidEmail,
		"Alice <alice@example.com>":   CodeInvalidEmail,
		"<alice@example.com>":         CodeInvalidEmail,
		" alice@example.com":          CodeInvalidEmail,
		"mailto:alice@example.com":    CodeInvalidEmail,
		"alice@example.com\nBcc: x@y": CodeInvalidText,
		"\u202ealice@example.com":     CodeInvalidText,
		"":                            CodeInvalidEmail,
	} {
		fs := ValidateEmail("email", in)
		if len(fs) == 0 || fs[0].Code != code || fs[0].Field != "email" || fs[0].Fix == "" {
			t.Errorf("ValidateEmail(%+q) = %v, want %s", in, pick(fs), code)
		}
	}
}

func TestValidateResourcePrefix(t *testing.T) {
	for _, ok := range []string{DefaultResourcePrefix, "stg_", "wf_", "zz_", "a", "team-1_", "a" + strings.Repeat("b", 31)} {
		if fs := ValidateResourcePrefix(ok); fs != nil {
			t.Errorf("ValidateResourcePrefix(%q) = %v", ok, fs)
		}
	}
	for _, bad := range []string{"", "_aw", "1aw", "AW_", "aw prod", "aw*", "aw_\u202e", "a" + strings.Repeat("b", 32)} {
		fs := ValidateResourcePrefix(bad)
		if len(fs) != 1 || fs[0].Code != CodeInvalidResourcePrefix || fs[0].Field != "resource_prefix" || fs[0].Fix == "" {
			t.Errorf("ValidateResourcePrefix(%+q) = %v", bad, fs)
		}
	}
}

func TestValidateTokenExpiry(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	for _, ok := range []*time.Time{nil, at(time.Hour), at(MaxTokenLifetime), at(-time.Hour)} {
		if fs := ValidateTokenExpiry(ok, now); fs != nil {
			t.Errorf("ValidateTokenExpiry(%v) = %v", ok, fs)
		}
	}
	fs := ValidateTokenExpiry(at(MaxTokenLifetime+time.Second), now)
	if len(fs) != 1 || fs[0].Code != CodeTokenLifetimeTooLong || fs[0].Field != "expires_at" || !strings.Contains(fs[0].Message, "366 days") {
		t.Fatalf("one second past the limit: %v", fs)
	}
}
