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
	requireEmailAccepted(t, "alice@example.com", "a+b@example.com", "oncall@vendor.example", "owner@warden.local")
	requireEmailRefused(t, map[string]string{
		"alice":                       CodeInvalidEmail,
		"Alice <alice@example.com>":   CodeInvalidEmail,
		"<alice@example.com>":         CodeInvalidEmail,
		" alice@example.com":          CodeInvalidEmail,
		"mailto:alice@example.com":    CodeInvalidEmail,
		"alice@example.com\nBcc: x@y": CodeInvalidText,
		"\u202ealice@example.com":     CodeInvalidText,
		"":                            CodeInvalidEmail,
	})
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

// The identity rule: invisible, format, C1 and bidi characters are refused everywhere; a
// name must be in its Nickname form and an address in NFC; ordinary names still pass.
func TestValidateName_identity(t *testing.T) {
	nfc := "Équipe"
	nfd := "E\u0301quipe"
	for _, c := range []struct {
		name, in string
		code     string // "" when accepted
		value    string
	}{
		{"zero-width space", "account_owner\u200b", CodeInvalidText, "U+200B"},
		{"zero-width non-joiner alone", "account\u200cowner", CodeInvalidText, "U+200C"},
		{"zero-width joiner in an emoji", "ops \U0001F468\u200d\U0001F4BB", CodeInvalidText, "U+200D"},
		{"word joiner", "account\u2060_owner", CodeInvalidText, "U+2060"},
		{"byte order mark", "\ufeffdeploy_owner", CodeInvalidText, "U+FEFF"},
		{"soft hyphen", "sre\u00adteam", CodeInvalidText, "U+00AD"},
		{"variation selector", "prod\ufe0f", CodeInvalidText, "U+FE0F"},
		{"C1 next line", "pr\u0085od", CodeInvalidText, "U+0085"},
		{"C1 CSI", "prod\u009b31m", CodeInvalidText, "U+009B"},
		{"right-to-left isolate", "prod\u2067x", CodeInvalidText, "U+2067"},
		{"noncharacter", "prod\uffff", CodeInvalidText, "U+FFFF"},
		{"NFD", nfd, CodeNonCanonicalText, `"E\u0301quipe"`},
		{"compatibility ligature", "\ufb01nance", CodeNonCanonicalText, `"\ufb01nance"`},
		{"full-width letters", "ｐｒｏｄ", CodeNonCanonicalText, `"\uff50\uff52\uff4f\uff44"`},
		{"inner no-break space", "prod\u00a0eu", CodeNonCanonicalText, `"prod\u00a0eu"`},
		{"double inner space", "prod  eu", CodeNonCanonicalText, `"prod  eu"`},
		{"NFC", nfc, "", ""},
		{"spaces and accents", "Équipe SRE – nuit", "", ""},
		{"CJK", "本番環境 東京", "", ""},
		{"Hangul", "운영 팀", "", ""},
		{"Arabic", "فريق العمليات", "", ""},
		{"joiner even after a virama", "क्\u200dष", CodeInvalidText, "U+200D"},
		{"Devanagari", "क्ष", "", ""},
		{"emoji", "ops 🚀", "", ""},
		{"punctuation", "team-a_b (eu/1) #2", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs := ValidateName("name", c.in)
			if c.code == "" {
				if fs != nil {
					t.Fatalf("ValidateName(%+q) = %v, want accepted", c.in, fs)
				}
				return
			}
			if len(fs) != 1 || fs[0].Code != c.code || fs[0].Field != "name" || fs[0].Value != c.value || fs[0].Fix == "" {
				t.Fatalf("ValidateName(%+q) = %+v, want one %s with value %s", c.in, fs, c.code, c.value)
			}
		})
	}
	// The fix names the canonical spelling, escaped so that it can be told apart.
	fs := ValidateName("name", nfd)
	if !strings.Contains(fs[0].Fix, `"Équipe"`) || !strings.Contains(fs[0].Fix, `\u00c9quipe`) {
		t.Errorf("fix %q does not name the NFC spelling", fs[0].Fix)
	}
}

func TestValidateText_identity(t *testing.T) {
	for in, value := range map[string]string{
		"hidden\u200bword":   "U+200B",
		"joined\u2060word":   "U+2060",
		"\ufeffdescription":  "U+FEFF",
		"line\u0085next":     "U+0085",
		"ok\n\u2067isolated": "U+2067",
	} {
		fs := ValidateText("description", in)
		if len(fs) != 1 || fs[0].Code != CodeInvalidText || fs[0].Value != value {
			t.Errorf("ValidateText(%+q) = %v, want %s", in, pick(fs), value)
		}
	}
	// Free text is not a name: it may be in any normal form and keep its layout.
	for _, ok := range []string{"E\u0301quipe  de nuit.\n\tSecond line.", "می\u200cخواهم"} {
		if fs := ValidateText("description", ok); fs != nil {
			t.Errorf("ValidateText(%+q) = %v", ok, fs)
		}
	}
}

func TestValidateEmail_identity(t *testing.T) {
	requireEmailAccepted(t, "Alice@Example.com", "élodie@exemple.fr", "用户@例子.广告")
	requireEmailRefused(t, map[string]string{
		"owner\u200b@warden.local": CodeInvalidText,
		"owner@warden.local\u2060": CodeInvalidText,
		"\ufeffowner@warden.local": CodeInvalidText,
		"own\u009ber@warden.local": CodeInvalidText,
		"own\u2066er@warden.local": CodeInvalidText,
		"ｏwner@warden.local":       CodeInvalidText, // full-width: not an identifier character
		"e\u0301lodie@exemple.fr":  CodeNonCanonicalText,
		"owner@warden.local ":      CodeInvalidEmail,
		"owner\u00a0@warden.local": CodeInvalidText,
		"🚀@warden.local":           CodeInvalidText,
	})
}

func TestEmailKey(t *testing.T) {
	for _, c := range [][2]string{
		{"OWNER@warden.local", "owner@warden.local"},
		{"Owner@Warden.Local", "owner@warden.local"},
		{"ÉLODIE@EXEMPLE.FR", "élodie@exemple.fr"},
		{"E\u0301LODIE@exemple.fr", "élodie@exemple.fr"},
	} {
		if got := EmailKey(c[0]); got != c[1] {
			t.Errorf("EmailKey(%q) = %q, want %q", c[0], got, c[1])
		}
	}
}

func TestValidateAlertDestinations_targetCharacters(t *testing.T) {
	for _, d := range []AlertDestination{
		{"webhook", "https://hooks.example.com/\u0085x", "warning"},
		{"webhook", "https://hooks.example.com/\u202etxt.exe", "warning"},
		{"webhook", "https://hooks\u200b.example.com/a", "warning"},
		{"webhook", "https://hooks.example.com/a b", "warning"},
		{"email", "oncall\u2066@example.com", "warning"},
		{"email", "oncall\u009b@example.com", "warning"},
		{"email", "\ufeffoncall@example.com", "warning"},
	} {
		fs := ValidateAlertDestinations([]AlertDestination{d})
		if len(fs) != 1 || fs[0].Code != CodeInvalidDestination || fs[0].Field != "destinations[0].target" ||
			!strings.HasPrefix(fs[0].Value, "U+") || !strings.HasPrefix(fs[0].Message, "Target contains") {
			t.Errorf("%+q: %+v", d.Target, fs)
		}
	}
}

// requireEmailAccepted fails t for each of emails that ValidateEmail refuses.
func requireEmailAccepted(t *testing.T, emails ...string) {
	t.Helper()
	for _, ok := range emails {
		if fs := ValidateEmail("email", ok); fs != nil {
			t.Errorf("ValidateEmail(%q) = %v", ok, fs)
		}
	}
}

// requireEmailRefused checks that ValidateEmail refuses each address with its code, on the
// email field, saying how to fix it.
func requireEmailRefused(t *testing.T, codes map[string]string) {
	t.Helper()
	for in, code := range codes {
		fs := ValidateEmail("email", in)
		if len(fs) == 0 || fs[0].Code != code || fs[0].Field != "email" || fs[0].Fix == "" {
			t.Errorf("ValidateEmail(%+q) = %v, want %s", in, pick(fs), code)
		}
	}
}
