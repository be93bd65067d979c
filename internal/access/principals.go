package access

// UserKind says whose person a user is: the customer's own, or the vendor's on-call engineer.
// Only vendor users file access requests and receive support tiers.
type UserKind string

// The two user kinds.
const (
	KindMember UserKind = "member"
	KindVendor UserKind = "vendor"
)

// UserKinds lists the user kinds; KindMember, the default, first.
var UserKinds = []UserKind{KindMember, KindVendor}

// UserKindNames returns the user kind names.
func UserKindNames() []string { return []string{string(KindMember), string(KindVendor)} }

// OrgRoleNames returns the names of the built-in organization roles.
func OrgRoleNames() []string {
	out := make([]string, len(OrgRoles))
	for i, r := range OrgRoles {
		out[i] = string(r)
	}
	return out
}
