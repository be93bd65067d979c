package api

// Problem codes that clients match on, declared once for both sides of the wire: the server
// answers with them (internal/apiserver aliases them) and the provider turns them into advice.
// The codes of the engine's own denials and findings stay in internal/access, beside the rules
// that raise them.
const (
	// CodeConflict: the object already exists (409), e.g. a second grant for the same role
	// and environment.
	CodeConflict = "conflict"
	// CodeNameTaken: a unique value, a name or an e-mail address, is already taken (409).
	CodeNameTaken = "name_taken"
	// CodeVersionMismatch: If-Match named a version that is no longer current (412).
	CodeVersionMismatch = "version_mismatch"
)
