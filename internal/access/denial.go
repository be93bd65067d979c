package access

import "fmt"

// DenialKind says how a refused change is answered.
type DenialKind int

// The denial kinds: not allowed for this principal (403); not allowed for anyone in the
// current state (409); the request names something that can never be allowed (422); the
// principal is no longer authenticated (401: its token was revoked or expired, or its user
// deleted, after the request was authenticated).
const (
	Forbidden DenialKind = iota
	Conflict
	Invalid
	Unauthenticated
)

// Stable denial codes.
const (
	CodeForbidden        = "forbidden"
	CodeLastOwner        = "last_owner"
	CodeVendorNoRoles    = "vendor_no_roles"
	CodeVendorNoGroups   = "vendor_no_groups"
	CodeSelfApproval     = "self_approval"
	CodeBuiltinRole      = "builtin_role"
	CodeNotVendor        = "not_vendor"
	CodeSupportInactive  = "support_access_inactive"
	CodeTierAboveCeiling = "tier_above_ceiling"
	// CodeTokenOutlivesMinter refuses a token that would expire after the token minting it.
	CodeTokenOutlivesMinter = "token_outlives_minter"
)

// Denial is a refused change: its kind, a stable code, the field at fault (if any) and the
// reason in words.
type Denial struct {
	Kind    DenialKind
	Code    string
	Field   string
	Message string
}

func (d *Denial) Error() string { return d.Message }

// newDenial is the one constructor of a Denial: every rule refuses through it, or through
// forbid, its shorthand for the plain 403. field is "" when no field is at fault.
func newDenial(kind DenialKind, code, field, format string, args ...any) *Denial {
	return &Denial{Kind: kind, Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// forbid refuses a principal without the right (403 forbidden).
func forbid(format string, args ...any) *Denial {
	return newDenial(Forbidden, CodeForbidden, "", format, args...)
}
