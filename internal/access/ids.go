package access

import (
	"fmt"
	"regexp"
)

// Object ids are opaque to clients, but they have one form, the one the API makes: a type
// prefix, "_", and 26 characters of the RFC 4648 base32 alphabet in lower case (130 bits).
// A client may choose a new user's id itself, so that a plan knows it (the provider plans the
// ids of the users it creates); the API accepts only that form.

// UserIDPrefix starts every user id.
const UserIDPrefix = "usr_"

// IDBodyLength is the number of base32 characters after an id's prefix.
const IDBodyLength = 26

// CodeInvalidID marks a chosen id that is not of the form the API makes.
const CodeInvalidID = "invalid_id"

var userIDRE = regexp.MustCompile(`^usr_[a-z2-7]{26}$`)

// ValidateUserID checks an id a client chose for a new user; "" leaves the choice to the API.
func ValidateUserID(id string) []Finding {
	if id == "" || userIDRE.MatchString(id) {
		return nil
	}
	return []Finding{{Severity: SeverityError, Code: CodeInvalidID, Field: "id", Value: safeValue(id),
		Message: fmt.Sprintf("id %s is not a user id: user ids are %q followed by %d characters a-z or 2-7.", safeValue(id), UserIDPrefix, IDBodyLength),
		Fix:     "Leave id out, and the API chooses one."}}
}
