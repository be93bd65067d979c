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
)

// Stable codes of the text, e-mail, prefix and token lifetime findings.
const (
	CodeInvalidText           = "invalid_text"
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

// Names and free text end up in terminals, logs, audit trails and Terraform plans. Control
// characters (ANSI escapes, NUL) can rewrite what an operator sees there, and bidirectional
// controls can make one name display as another (CVE-2021-42574), so neither is accepted.

// bidiControl reports whether r reorders or re-directs the text around it.
func bidiControl(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, // LRE, RLE, PDF, LRO, RLO
		r >= 0x2066 && r <= 0x2069,            // LRI, RLI, FSI, PDI
		r == 0x200E, r == 0x200F, r == 0x061C: // LRM, RLM, ALM
		return true
	}
	return false
}

// textFinding builds an invalid_text finding.
func textFinding(field, value, msg, fix string) Finding {
	return Finding{Severity: SeverityError, Code: CodeInvalidText, Field: field, Value: value, Message: msg, Fix: fix}
}

// runeName renders r as U+XXXX, which is safe to print wherever the finding goes.
func runeName(r rune) string { return fmt.Sprintf("U+%04X", r) }

// charFindings checks every character of v: valid UTF-8, no bidi controls, and no control
// characters except those allowed (tab and newline in free text).
func charFindings(field, v string, allowed func(rune) bool) []Finding {
	if !utf8.ValidString(v) {
		return []Finding{textFinding(field, "", fmt.Sprintf("%s is not valid UTF-8.", field), "Send the text encoded as UTF-8.")}
	}
	var fs []Finding
	seen := map[rune]bool{}
	i := 0
	for _, r := range v {
		i++
		if seen[r] || (allowed != nil && allowed(r)) {
			continue
		}
		switch {
		case bidiControl(r):
			seen[r] = true
			fs = append(fs, textFinding(field, runeName(r),
				fmt.Sprintf("%s contains the bidirectional control character %s (at character %d), which can make text display differently from what it is.", field, runeName(r), i),
				"Remove it; write the text in its natural order."))
		case unicode.IsControl(r), r == '\u2028', r == '\u2029':
			seen[r] = true
			fs = append(fs, textFinding(field, runeName(r),
				fmt.Sprintf("%s contains the control character %s (at character %d).", field, runeName(r), i),
				"Remove it: terminal escapes, NUL and line breaks are not accepted here."))
		}
	}
	return fs
}

// ValidateName checks a required name (of an environment, a group, a role): not empty or
// only whitespace, no whitespace at either end (two names that look the same must be the
// same), one line of printable characters, valid UTF-8, at most MaxNameLength characters.
func ValidateName(field, v string) []Finding {
	if strings.TrimSpace(v) == "" {
		return []Finding{textFinding(field, "", fmt.Sprintf("%s must not be empty or only whitespace.", field), "Give it a visible name.")}
	}
	fs := charFindings(field, v, nil)
	if first, _ := utf8.DecodeRuneInString(v); unicode.IsSpace(first) {
		fs = append(fs, textFinding(field, "", fmt.Sprintf("%s starts with whitespace.", field), "Remove the leading whitespace."))
	}
	if last, _ := utf8.DecodeLastRuneInString(v); unicode.IsSpace(last) {
		fs = append(fs, textFinding(field, "", fmt.Sprintf("%s ends with whitespace.", field), "Remove the trailing whitespace."))
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
// allowed, other control characters and bidi controls are not; valid UTF-8, at most
// MaxTextLength characters.
func ValidateText(field, v string) []Finding {
	fs := charFindings(field, v, func(r rune) bool { return r == '\t' || r == '\n' || r == '\r' })
	if n := utf8.RuneCountInString(v); n > MaxTextLength {
		fs = append(fs, textFinding(field, "", fmt.Sprintf("%s is %d characters long; the limit is %d.", field, n, MaxTextLength), "Shorten it."))
	}
	return fs
}

// ValidateEmail checks a user's e-mail: a bare address (no display name, no angle
// brackets), with nothing a terminal or a bidi renderer would interpret.
func ValidateEmail(field, v string) []Finding {
	if fs := charFindings(field, v, nil); len(fs) > 0 {
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
