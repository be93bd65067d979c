// Package access is Warden's domain model: the eight environment permissions and the
// permissions matrix, the organization roles, the platform permission catalogue, the vendor
// support tiers, and the validation that turns a combination of them into findings.
//
// It is pure Go with no I/O so that the Terraform provider (at plan time) and the Warden API
// (at request time) judge every input by the same rules and in the same words.
package access

// MatrixVersion identifies the rules in this package. Bump it whenever a permission, an
// action, a platform permission, a tier capability or a validation rule changes, so that a
// provider and a server built from different releases can tell (the server reports it at
// /v1/permission-matrix and the provider compares it at configuration).
const MatrixVersion = "2026.11.2"
