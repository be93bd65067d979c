package apiserver

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Object versions: every object starts at version 1, a change that changes something bumps
// it, and the version travels as the ETag that If-Match checks.

func newMeta(prefix string, now time.Time) api.Meta {
	return api.Meta{ID: newID(prefix), Version: 1, CreatedAt: now, UpdatedAt: now}
}

// bump records one change on m.
func bump(m *api.Meta, now time.Time) {
	m.Version++
	m.UpdatedAt = now
}

// object is an API object T, reached through its pointer P: all of them embed api.Meta.
type object[T any] interface {
	*T
	Base() *api.Meta
}

// current reads the object a PATCH or DELETE acts on and checks the request's If-Match
// against its version.
func current[T any, P object[T]](ifMatch string, read func() (T, error)) (T, error) {
	cur, err := read()
	if err != nil {
		return cur, err
	}
	return cur, checkIfMatch(ifMatch, P(&cur).Base().Version)
}

// saveChange ends a PATCH that changed cur into next: it bumps next's version, writes it and
// audits e (its ID, Before and After filled in), answering next with its new version. The
// caller has already answered a PATCH that changes nothing with cur, unbumped.
func saveChange[T any, P object[T]](s *Server, tx Tx, cur, next T, write func(T) error, e auditEntry) (T, int64, error) {
	meta := P(&next).Base()
	bump(meta, s.now())
	if err := write(next); err != nil {
		return cur, 0, err
	}
	e.ID, e.Before, e.After = meta.ID, cur, next
	return next, meta.Version, s.audit(tx, e)
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// checkIfMatch enforces optimistic concurrency: an If-Match naming another version than
// the stored one fails with 412, so that a client never overwrites a change it has not seen.
// The version may be quoted (an ETag) or bare; "*" and "" match anything.
func checkIfMatch(ifMatch string, version int64) error {
	v := strings.TrimSpace(ifMatch)
	if v == "" || v == "*" {
		return nil
	}
	v = strings.Trim(strings.TrimPrefix(v, "W/"), `"`)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n == version {
		return nil
	}
	return newProblem(http.StatusPreconditionFailed, codeVersionMismatch, "",
		fmt.Sprintf("If-Match names version %s but the current version is %d; read the object again and retry.", ifMatch, version))
}

// IfMatchParam is embedded in the input of every PATCH, PUT and DELETE (beside
// IdempotencyParam).
type IfMatchParam struct {
	IfMatch string `header:"If-Match" doc:"The version (ETag) the change is based on; a stale one fails with 412."`
}

// sortedUnique is a set's stored form: sorted, so that the order a client sends a set in never
// counts as a change (nor bumps the version).
func sortedUnique(xs []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}
