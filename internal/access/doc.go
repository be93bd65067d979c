// Package access is Warden's access engine: every rule of who may do what lives here, once.
//
//   - The vocabulary: the eight environment permissions and the permissions matrix
//     (matrix.go), the organization roles and the platform permission catalogue, named by the
//     PlatformPermission constants (platform.go), the user kinds (principals.go), and the
//     vendor support tiers and their capabilities (tiers.go).
//   - The policy snapshot (policy.go) and the decisions over it (decide.go): authenticating a
//     token to a Principal, Authorize ("may P do A in E?", with the grant, role or request
//     that allows it), effective access, and a vendor's support capabilities; its reverse,
//     who may do an action where (whocan.go); and the access preview (preview.go): the
//     difference in effective access between a snapshot and a copy changed by proposed
//     changes, whose kinds and validation are in changes.go.
//   - The change rules (rules.go, modes.go, alerts.go) and the read rules (reads.go): each a
//     Can… function returning nil or a *Denial, made by one constructor (denial.go); the API's
//     routes and the check each runs first (routes.go).
//   - The text and validation rules (text.go, validate.go) that turn inputs into findings.
//
// It is pure Go with no I/O so that the Terraform provider (at plan time) and the Warden API
// (at request time) judge every input by the same rules and in the same words: the API
// server authenticates, asks the engine, stores and answers, and never decides itself.
package access

// MatrixVersion identifies the rules in this package. Bump it whenever a permission, an
// action, a platform permission, a tier capability or a validation rule changes, so that a
// provider and a server built from different releases can tell (the server reports it at
// /v1/permission-matrix and the provider compares it at configuration).
const MatrixVersion = "2026.11.2"
