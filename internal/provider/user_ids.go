package provider

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// A warden_user plans the id of the user it creates, so that the resources that name the user
// by id (groups, members, role assignments) know the id in the same plan, and with it the
// user's kind (planNotes): a vendor user put in a group or given a role fails the plan, not
// the apply.
//
// Terraform plans each resource twice: in the plan, and again at apply, where the id must
// come out the same ("Provider produced inconsistent final plan" otherwise). Nothing of the
// first plan reaches the second but the configuration and the API's state, so the id is not
// random: it is derived from the user's e-mail address (folded, as the API compares them)
// and kind. E-mail addresses are unique, so no other live user has the address, and the id
// is the address's; a user whose address changed since may still hold it: the next of
// plannedIDAttempts derivations is taken then. The kind is part of it, so that a change of
// kind, which replaces the user, also changes its id, and the resources naming the user are
// planned again with the new user's kind.
//
// One case the plan cannot foresee: a user of this plan moving to another address while a new
// user takes its old one. The new user's plan may see the address still held, and take the
// id as its own; its apply then fails once (the id is taken, or Terraform reports the id
// planned anew as inconsistent), and the next apply plans the next derivation.
//
// A planned id ends in two check characters over the others: an id that no user has and no
// note of this plan knows, but that checks, may be planned by a warden_user of another
// configuration of the provider (an alias: its own process, its own notes). Such an id is
// left for the apply to judge rather than failed as "User Not Found"; an id the API made
// checks by chance once in 1024.

// plannedIDAttempts bounds the derivations a plan tries before it leaves the id to the API.
const plannedIDAttempts = 8

// plannedIDChecks is the number of check characters at the end of a planned id.
const plannedIDChecks = 2

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// plannedUserID is the attempt'th id a plan derives for a new user of that e-mail and kind.
func plannedUserID(email string, kind access.UserKind, attempt int) string {
	sum := sha256.Sum256([]byte("warden planned user id\x00" + access.EmailKey(email) + "\x00" + string(kind) + "\x00" + strconv.Itoa(attempt)))
	body := strings.ToLower(idEncoding.EncodeToString(sum[:]))[:access.IDBodyLength-plannedIDChecks]
	return access.UserIDPrefix + body + plannedIDCheck(body)
}

// plannedIDCheck is the check characters of a planned id's body.
func plannedIDCheck(body string) string {
	sum := sha256.Sum256([]byte("warden planned user id check\x00" + body))
	return strings.ToLower(idEncoding.EncodeToString(sum[:]))[:plannedIDChecks]
}

// looksPlanned reports whether id has the form of an id a plan derives (see above).
func looksPlanned(id string) bool {
	body, ok := strings.CutPrefix(id, access.UserIDPrefix)
	if !ok || len(body) != access.IDBodyLength || access.ValidateUserID(id) != nil {
		return false
	}
	n := len(body) - plannedIDChecks
	return plannedIDCheck(body[:n]) == body[n:]
}

// planUserID is the id a new user of that e-mail and kind gets: the first derivation that no
// user of another e-mail address holds (a user holding it with the same address is the one
// this user replaces: it is gone before this one can be created, addresses being unique).
// ok is false when the API could not say (an error, or a token that may not read users):
// then the id stays unknown until the API chooses it, as for any computed id.
func planUserID(ctx context.Context, c *client.Client, email string, kind access.UserKind) (id string, ok bool) {
	for attempt := range plannedIDAttempts {
		id := plannedUserID(email, kind, attempt)
		u, err := c.GetUser(ctx, id)
		switch {
		case errors.Is(err, client.ErrNotFound):
			return id, true
		case err != nil:
			tflog.Warn(ctx, "cannot plan the new user's id: the API chooses it at apply, and the user's kind is checked then", map[string]any{"error": err.Error()})
			return "", false
		case access.EmailKey(u.Email) == access.EmailKey(email):
			return id, true
		}
	}
	tflog.Warn(ctx, "cannot plan the new user's id: every derivation is taken; the API chooses it at apply", map[string]any{"attempts": plannedIDAttempts})
	return "", false
}
