package apiserver

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Ids and secrets: how the server names new objects and issues bearer tokens.

// newID returns an opaque id: a type prefix (so that a mixed-up id is obvious in logs)
// and 128 bits of randomness.
func newID(prefix string) string {
	return prefix + "_" + strings.ToLower(rand.Text())
}

// newTimeID is newID for the rows written by the thousand (alerts, deliveries): its first
// ten characters are the time in milliseconds, in an alphabet whose order is the values'
// (rand.Text's, lowercased, sorted), then 80 random bits. Inserted in about the order of
// their ids, such rows add to the right edge of the indexes on id rather than to a random
// page each, so that a commit writes a few pages instead of one per row and index.
func newTimeID(prefix string, now time.Time) string {
	const alphabet = "234567abcdefghijklmnopqrstuvwxyz"
	var b [26]byte
	ms := uint64(now.UnixMilli())
	for i := 9; i >= 0; i-- {
		b[i] = alphabet[ms&31]
		ms >>= 5
	}
	copy(b[10:], strings.ToLower(rand.Text()[:16]))
	return prefix + "_" + string(b[:])
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
