package apiserver

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Ids and secrets: how the server names new objects and issues bearer tokens.

// newID returns an opaque id: a type prefix (so that a mixed-up id is obvious in logs)
// and 128 bits of randomness.
func newID(prefix string) string {
	return prefix + "_" + strings.ToLower(rand.Text())
}

// newTokenSecret makes a bearer secret in the format POST /v1/users/{id}/tokens issues:
// a recognisable prefix (for secret scanners) and 256 bits of randomness.
func newTokenSecret() string {
	return "wdn_" + rand.Text() + rand.Text()
}

func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
