package access

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzValidateName checks the identity rule on any string: it never panics; an accepted
// name is valid UTF-8 with no control, format, bidi or invisible character, is NFC (and its
// own Nickname form), and stays accepted; a refused one's canonical spelling, where the fix
// names one, has no canonical finding of its own.
func FuzzValidateName(f *testing.F) {
	for _, s := range []string{
		"production", "Équipe SRE – nuit", "E\u0301quipe", "account_owner\u200b", "account\u2060_owner",
		"\ufeffdeploy_owner", "prod\u0085", "prod\u009b", "prod\u202etxt", "\u2066x\u2069", "prod\u200e",
		"本番環境", "فريق", "क्\u200dष", "ops \U0001F468\u200d\U0001F4BB", "\ufb01nance", "ｐｒｏｄ",
		"prod\u00a0eu", "prod  eu", " prod", "prod ", "", "   ", "pr\xffod", "a\tb", "a\nb", "\u0301",
		"l\u00b7l", "\u30fb", strings.Repeat("n", MaxNameLength+1),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		skipLarge(t, v)
		fs := ValidateName("name", v)
		checkFindings(t, fs, func(s string) bool { return s == "name" })
		for _, fd := range fs {
			if fd.Code != CodeInvalidText && fd.Code != CodeNonCanonicalText {
				t.Fatalf("finding code %q", fd.Code)
			}
			if strings.ContainsFunc(fd.Message+fd.Fix+fd.Value, func(r rune) bool { return unicode.IsControl(r) || bidiControl(r) || invisible(r) }) {
				t.Fatalf("finding echoes what it refuses: %+q", fd.Message+fd.Fix)
			}
			if fd.Code == CodeNonCanonicalText && strings.HasPrefix(fd.Fix, "Write it as ") {
				canon, err := nameProfile.String(v)
				if err != nil {
					t.Fatalf("fix names a spelling the profile refuses: %v", err)
				}
				for _, g := range ValidateName("name", canon) {
					if g.Code == CodeNonCanonicalText {
						t.Fatalf("canonical spelling %+q of %+q is itself refused: %v", canon, v, g)
					}
				}
			}
		}
		if len(fs) > 0 {
			return
		}
		if !utf8.ValidString(v) || !norm.NFC.IsNormalString(v) {
			t.Fatalf("accepted %+q: not valid UTF-8 in NFC", v)
		}
		if i := strings.IndexFunc(v, func(r rune) bool {
			return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Bidi_Control) || invisible(r)
		}); i >= 0 {
			t.Fatalf("accepted %+q with a control, format or bidi character at byte %d", v, i)
		}
		if canon, err := nameProfile.String(v); err != nil || canon != v {
			t.Fatalf("accepted %+q, whose Nickname form is %+q (%v)", v, canon, err)
		}
		if strings.TrimSpace(v) != v || utf8.RuneCountInString(v) > MaxNameLength {
			t.Fatalf("accepted %+q with surrounding space or over the limit", v)
		}
		if again := ValidateName("name", v); again != nil {
			t.Fatalf("accepted %+q once, refused it again: %v", v, again)
		}
	})
}
