package access

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"
)

// Stable codes of the text, e-mail, prefix and token lifetime findings.
const (
	CodeInvalidText           = "invalid_text"
	CodeNonCanonicalText      = "non_canonical_text"
	CodeInvalidEmail          = "invalid_email"
	CodeInvalidResourcePrefix = "invalid_resource_prefix"
	CodeTokenLifetimeTooLong  = "token_lifetime_too_long"
)

// Length limits, in characters (runes), matching the API's maxLength.
const (
	MaxNameLength  = 128
	MaxTextLength  = 1024
	MaxEmailLength = 254
)

// MaxTokenLifetime bounds an API token's expires_at: a token that outlives every rotation
// policy is a standing credential nobody remembers issuing.
const MaxTokenLifetime = 366 * 24 * time.Hour

// Names, addresses and free text end up in terminals, logs, audit trails and Terraform
// plans, and names and e-mails identify: two values that read the same must be the same
// value. Control characters (ANSI escapes, NUL, C1) can rewrite what an operator sees,
// bidirectional controls can make one value display as another (CVE-2021-42574), and
// invisible characters (zero-width space, word joiner, BOM, soft hyphen) make
// "account_owner" and a look-alike two names. Which code points are allowed is not a list
// kept here but the PRECIS string classes (RFC 8264) of golang.org/x/text, and a name or
// address must already be in the form its PRECIS profile enforces: the API refuses a
// non-canonical spelling rather than rewrite it, because a server that rewrites a value
// makes Terraform report an inconsistent result after apply.

// textForm is what a value is, and so which PRECIS rule it follows.
type textForm int

const (
	// formName is a display name (an environment, role, group, user or token): the RFC 8266
	// Nickname profile — the FreeformClass, NFKC, SPACE as the only space, no run of
	// spaces, no space at either end.
	formName textForm = iota
	// formAddress is an e-mail address or a URL: the IdentifierClass (no spaces, no
	// symbols or punctuation beyond ASCII, no compatibility forms) in NFC.
	formAddress
	// formText is free text (a description, a reason): every code point in the
	// FreeformClass, tab and line breaks besides; it is not normalized.
	formText
)

var (
	// The enforced forms: a name or address is accepted only when it is its own.
	nameProfile    = precis.Nickname
	addressProfile = precis.NewIdentifier(precis.Norm(norm.NFC), precis.DisallowEmpty)
	// The bare classes (with NFC, the default), to judge one code point or one line of text.
	freeformClass   = precis.NewFreeform()
	identifierClass = precis.NewIdentifier()
)

// textFinding builds an invalid_text finding.
func textFinding(field, value, msg, fix string) Finding {
	return Finding{Severity: SeverityError, Code: CodeInvalidText, Field: field, Value: value, Message: msg, Fix: fix}
}

// runeName renders r as U+XXXX, which is safe to print wherever the finding goes.
func runeName(r rune) string { return fmt.Sprintf("U+%04X", r) }

// bidiControl reports whether r reorders or re-directs the text around it (Unicode's
// Bidi_Control property).
func bidiControl(r rune) bool { return unicode.Is(unicode.Bidi_Control, r) }

// invisible reports whether r is a format character or is otherwise ignored when text is
// displayed: it changes the value without changing what anyone sees.
func invisible(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector, unicode.Noncharacter_Code_Point)
}

// class is the PRECIS class that judges one code point of a value of form f.
func (f textForm) class() *precis.Profile {
	if f == formAddress {
		return identifierClass
	}
	return freeformClass
}

// textFindings applies the PRECIS rule of form f to v: valid UTF-8, every code point in
// the form's class (a finding per offending character, once each, where it first occurs),
// and, for names and addresses, v already in its enforced form (a non_canonical_text
// finding whose fix names that form). Runes for which allowed is true are left to the
// caller (tab and line breaks in free text, a space the e-mail syntax check reports).
func textFindings(field, v string, f textForm, allowed func(rune) bool) []Finding {
	return textFindingsOf(field, v, f, allowed, true)
}

// textFindingsOf is textFindings that, when echo is false, never repeats v (in a message, a
// fix or a value), for values that may be secret: the field names what is at fault.
func textFindingsOf(field, v string, f textForm, allowed func(rune) bool, echo bool) []Finding {
	shown, value := " "+safeValue(v), safeValue(v)
	if !echo {
		shown, value = "", ""
	}
	switch {
	case v == "": // whether it may be empty is the caller's rule
		return nil
	case !utf8.ValidString(v):
		return []Finding{textFinding(field, "", fmt.Sprintf("%s is not valid UTF-8.", field), "Send the text encoded as UTF-8.")}
	}
	if allowed == nil {
		allowed = func(rune) bool { return false }
	}
	// The whole value is judged first, in context (RFC 8264 contextual rules allow, e.g.,
	// a zero-width joiner after a virama); single characters only to say which are wrong.
	// Names and addresses refuse every invisible character, even one its context allows
	// (a joiner after a virama only changes how a conjunct is drawn).
	ok := f == formText || !strings.ContainsFunc(v, invisible)
	for seg := range strings.FieldsFuncSeq(v, allowed) {
		if !ok {
			break
		}
		if _, err := f.class().String(seg); err != nil {
			ok = false
		}
	}
	var fs []Finding
	if !ok {
		seen := map[rune]bool{}
		i := 0
		for _, r := range v {
			i++
			if seen[r] || allowed(r) {
				continue
			}
			if _, err := f.class().String(string(r)); err == nil {
				continue
			}
			seen[r] = true
			fs = append(fs, charFinding(field, r, i, f))
		}
		if len(fs) == 0 {
			fs = append(fs, textFinding(field, "", fmt.Sprintf("%s%s uses a joiner or mark where its script does not allow it.", field, shown),
				"Remove the joiner or mark, or write the characters around it as its script requires."))
		}
		return fs
	}
	var profile *precis.Profile
	var form string
	switch f {
	case formName:
		profile, form = nameProfile, "Unicode NFKC, with single spaces between words"
	case formAddress:
		profile, form = addressProfile, "Unicode NFC"
	default:
		return nil
	}
	// A value with a rune left to the caller is the caller's to refuse first.
	if strings.ContainsFunc(v, allowed) {
		return nil
	}
	canon, err := profile.String(v)
	switch {
	case err != nil: // its canonical form holds a character the class refuses
		return []Finding{{Severity: SeverityError, Code: CodeNonCanonicalText, Field: field, Value: value,
			Message: fmt.Sprintf("%s%s has no canonical form (%s) that is allowed.", field, shown, form),
			Fix:     "Replace its compatibility characters (ligatures, full-width, superscript or circled forms) with ordinary letters and digits."}}
	case canon != v:
		fix := fmt.Sprintf("Write it as %s.", spelled(canon))
		if !echo {
			fix = fmt.Sprintf("Write it in %s.", form)
		}
		return []Finding{{Severity: SeverityError, Code: CodeNonCanonicalText, Field: field, Value: value,
			Message: fmt.Sprintf("%s%s is not written in its canonical form (%s), so it could read the same as a different value.", field, shown, form),
			Fix:     fix}}
	}
	return nil
}

// spelled quotes a value that the rules accept, with its escaped spelling beside it when
// that differs: canonical and non-canonical spellings of a name look the same.
func spelled(v string) string {
	if q := fmt.Sprintf("%q", v); q != safeValue(v) {
		return q + " (" + safeValue(v) + ")"
	}
	return safeValue(v)
}

// charFinding says why r, the i-th character of field, is refused.
func charFinding(field string, r rune, i int, f textForm) Finding {
	switch {
	case bidiControl(r):
		return textFinding(field, runeName(r),
			fmt.Sprintf("%s contains the bidirectional control character %s (at character %d), which can make text display differently from what it is.", field, runeName(r), i),
			"Remove it; write the text in its natural order.")
	case unicode.IsControl(r), r == '\u2028', r == '\u2029':
		return textFinding(field, runeName(r),
			fmt.Sprintf("%s contains the control character %s (at character %d).", field, runeName(r), i),
			"Remove it: terminal escapes, NUL, C1 controls and line breaks are not accepted here.")
	case invisible(r):
		return textFinding(field, runeName(r),
			fmt.Sprintf("%s contains the invisible character %s (at character %d), which would make it differ from what it looks like.", field, runeName(r), i),
			"Remove it: zero-width and other invisible or formatting characters are not accepted here.")
	case f == formAddress:
		return textFinding(field, runeName(r),
			fmt.Sprintf("%s contains the character %s (at character %d), which is not allowed in an address.", field, runeName(r), i),
			"Use letters, digits and ASCII punctuation only: no spaces, symbols, or full-width or compatibility forms.")
	}
	return textFinding(field, runeName(r),
		fmt.Sprintf("%s contains the character %s (at character %d), which is unassigned or not allowed in text.", field, runeName(r), i),
		"Remove it or replace it with an ordinary letter, digit, space, punctuation mark or symbol.")
}

// ValidateName checks a required name (of an environment, a group, a role, a user or a
// token): not empty or only whitespace, no whitespace at either end, no control, bidi or
// invisible characters, in the canonical form of the PRECIS Nickname profile (RFC 8266:
// NFKC, single inner spaces), valid UTF-8, at most MaxNameLength characters. Two names
// that read the same are then the same string.
func ValidateName(field, v string) []Finding {
	if strings.TrimSpace(v) == "" {
		return []Finding{textFinding(field, "", fmt.Sprintf("%s must not be empty or only whitespace.", field), "Give it a visible name.")}
	}
	var fs []Finding
	if first, _ := utf8.DecodeRuneInString(v); unicode.IsSpace(first) {
		fs = append(fs, textFinding(field, "", fmt.Sprintf("%s starts with whitespace.", field), "Remove the leading whitespace."))
	}
	if last, _ := utf8.DecodeLastRuneInString(v); unicode.IsSpace(last) {
		fs = append(fs, textFinding(field, "", fmt.Sprintf("%s ends with whitespace.", field), "Remove the trailing whitespace."))
	}
	if len(fs) == 0 {
		fs = textFindings(field, v, formName, nil)
	} else {
		// The ends are reported already; only refused characters are worth adding.
		fs = append(fs, slices.DeleteFunc(textFindings(field, v, formName, nil), func(f Finding) bool { return f.Code != CodeInvalidText })...)
	}
	if n := utf8.RuneCountInString(v); n > MaxNameLength {
		fs = append(fs, textFinding(field, "", fmt.Sprintf("%s is %d characters long; the limit is %d.", field, n, MaxNameLength), "Shorten it."))
	}
	return fs
}

// ValidateOptionalName is ValidateName for a name that may be left out ("" means not set,
// e.g. a user's display name or a token's label).
func ValidateOptionalName(field, v string) []Finding {
	if v == "" {
		return nil
	}
	return ValidateName(field, v)
}

// ValidateText checks free text (a description, a reason): tabs and line breaks are
// allowed; other control characters, bidi controls, invisible characters and code points
// outside the PRECIS FreeformClass are not; valid UTF-8, at most MaxTextLength characters.
func ValidateText(field, v string) []Finding {
	fs := textFindings(field, v, formText, func(r rune) bool { return r == '\t' || r == '\n' || r == '\r' })
	if n := utf8.RuneCountInString(v); n > MaxTextLength {
		fs = append(fs, textFinding(field, "", fmt.Sprintf("%s is %d characters long; the limit is %d.", field, n, MaxTextLength), "Shorten it."))
	}
	return fs
}

// ValidateEmail checks a user's e-mail: a bare address (no display name, no angle
// brackets) of PRECIS IdentifierClass characters in NFC, so that nothing a terminal or a
// bidi renderer would interpret and nothing invisible is in it. E-mails are unique and
// looked up by EmailKey, case-insensitively; they are stored as given.
func ValidateEmail(field, v string) []Finding {
	if fs := addressFindings(field, v); len(fs) > 0 {
		return fs
	}
	if msg := emailProblem(v); msg != "" {
		return []Finding{{Severity: SeverityError, Code: CodeInvalidEmail, Field: field, Value: v,
			Message: fmt.Sprintf("E-mail %q %s.", v, msg), Fix: "Use a bare address such as alice@example.com, without a display name or mailto:."}}
	}
	if n := utf8.RuneCountInString(v); n > MaxEmailLength {
		return []Finding{{Severity: SeverityError, Code: CodeInvalidEmail, Field: field, Value: v,
			Message: fmt.Sprintf("E-mail is %d characters long; the limit is %d.", n, MaxEmailLength), Fix: "Use a shorter address."}}
	}
	return nil
}

// addressFindings applies the address rule to an e-mail address. An ASCII space is left
// to the e-mail syntax check, which says what is wrong in the address's own terms.
func addressFindings(field, v string) []Finding {
	return textFindings(field, v, formAddress, func(r rune) bool { return r == ' ' })
}

// EmailKey is the form in which e-mail addresses are compared and kept unique: lower case
// (Unicode's default case mapping, as the PRECIS UsernameCaseMapped profile) in NFC. Two
// addresses with one key are one address, whatever their case.
func EmailKey(email string) string {
	return norm.NFC.String(cases.Lower(language.Und).String(email))
}

// emailProblem says what is wrong with target as a bare e-mail address, or "" when
// nothing is; alert destinations and users share it.
func emailProblem(target string) string {
	a, err := mail.ParseAddress(target)
	switch {
	case err != nil:
		return "is not an e-mail address"
	case a.Address != target || a.Name != "":
		return "must be a bare address"
	}
	return ""
}

var resourcePrefixRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// ValidateResourcePrefix checks an environment's resource prefix. Vendor access is scoped
// to resources whose name starts with it, so an empty prefix would scope nothing; it must
// be a short lowercase identifier (a letter, then up to 31 letters, digits, _ or -).
func ValidateResourcePrefix(v string) []Finding {
	const field = "resource_prefix"
	if v == "" {
		return []Finding{{Severity: SeverityError, Code: CodeInvalidResourcePrefix, Field: field,
			Message: "resource_prefix must not be empty: an empty prefix would give vendor access to every resource, not only the installation's.",
			Fix:     fmt.Sprintf("Use the installation's prefix, e.g. %q (the default).", DefaultResourcePrefix)}}
	}
	if !resourcePrefixRE.MatchString(v) {
		return []Finding{{Severity: SeverityError, Code: CodeInvalidResourcePrefix, Field: field, Value: safeValue(v),
			Message: fmt.Sprintf("resource_prefix %s is not a valid prefix.", safeValue(v)),
			Fix:     "Use a lowercase letter followed by up to 31 lowercase letters, digits, _ or -, e.g. \"aw_\"."}}
	}
	return nil
}

// ValidateTokenExpiry checks that a token's expires_at (nil: no expiry) lies at most
// MaxTokenLifetime after now. Whether it lies in the future is the API's to judge at
// issue time.
func ValidateTokenExpiry(expiresAt *time.Time, now time.Time) []Finding {
	if expiresAt == nil || expiresAt.Sub(now) <= MaxTokenLifetime {
		return nil
	}
	limit := now.Add(MaxTokenLifetime).UTC().Format(time.RFC3339)
	return []Finding{{Severity: SeverityError, Code: CodeTokenLifetimeTooLong, Field: "expires_at", Value: expiresAt.UTC().Format(time.RFC3339),
		Message: fmt.Sprintf("A token may live at most %d days; expires_at is later than %s.", int(MaxTokenLifetime/(24*time.Hour)), limit),
		Fix:     "Set an earlier expires_at and issue a new token before it expires."}}
}

// safeValue quotes v with every non-ASCII or non-printable character escaped, so that an
// offending value can be echoed without doing what it was refused for.
func safeValue(v string) string {
	return fmt.Sprintf("%+q", v)
}

// CodeExpiresAtInPast marks an expiry that does not lie in the future when it is set.
const CodeExpiresAtInPast = "expires_at_in_past"

// ValidateFutureExpiry checks that an expiry being set or changed (nil: none) lies after now.
// An unchanged past value is never judged: expired access reads back and stays as it is.
func ValidateFutureExpiry(expiresAt *time.Time, now time.Time) []Finding {
	if expiresAt == nil || expiresAt.After(now) {
		return nil
	}
	return []Finding{{Severity: SeverityError, Code: CodeExpiresAtInPast, Field: "expires_at", Value: expiresAt.UTC().Format(time.RFC3339),
		Message: fmt.Sprintf("expires_at (%s) must lie in the future whenever it is set or changed.", expiresAt.UTC().Format(time.RFC3339)),
		Fix:     "Set a later expires_at, or remove it."}}
}

// CodeUnknownKind marks a user kind that is not member or vendor.
const CodeUnknownKind = "unknown_kind"

// ValidateUserKind checks a user kind; "" is the default, member.
func ValidateUserKind(kind string) []Finding {
	if kind == "" || slices.Contains(UserKindNames(), kind) {
		return nil
	}
	return []Finding{{Severity: SeverityError, Code: CodeUnknownKind, Field: "kind", Value: kind,
		Message: fmt.Sprintf("%q is not a user kind.", kind), Fix: suggest(kind, UserKindNames(), "one of "+OrList(UserKindNames()))}}
}

// ValidateCloud checks an environment's cloud.
func ValidateCloud(cloud string) []Finding {
	if slices.Contains(CloudNames(), cloud) {
		return nil
	}
	return []Finding{{Severity: SeverityError, Code: CodeUnknownCloud, Field: "cloud", Value: cloud,
		Message: fmt.Sprintf("%q is not a supported cloud.", cloud), Fix: suggest(cloud, CloudNames(), "one of "+OrList(CloudNames()))}}
}
