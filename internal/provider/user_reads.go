package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// Groups, group members and role assignments name users by id. Their plans read those users
// when the ids are known: to show who they are (e-mail addresses, not usr_… ids) and to fail a
// vendor user at plan rather than at apply.
//
// A user created in the same plan has the id its warden_user planned (user_ids.go), which no
// user has yet: the plan's notes hold that user (planNotes), so its kind is known at plan all
// the same. Only an id that is still unknown (the warden_user could not plan it) waits for the
// apply, where the API refuses a vendor with 422.

// userReads is the users behind a set of ids, as far as they could be read.
type userReads struct {
	users map[string]*api.User
	// missing are the ids no user has.
	missing []string
	// pending are ids that no user has and no note knows, but that a warden_user of another
	// configuration of the provider may have planned (looksPlanned): the apply judges them.
	pending []string
	// err is the first other failure (the token may lack users.read): users is then partial.
	err error
}

// readUsersParallel bounds the GETs in flight for one resource's users.
const readUsersParallel = 8

// readUsers reads each user of ids once, a few at a time; the users that notes says this
// plan creates (notes may be nil) are taken from there, not read.
func readUsers(ctx context.Context, c *client.Client, notes *planNotes, ids []string) userReads {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	out := userReads{users: make(map[string]*api.User, len(ids))}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		slot = make(chan struct{}, readUsersParallel)
	)
	for _, id := range ids {
		if u, ok := notes.plannedUser(id); ok {
			out.users[id] = &u
			continue
		}
		wg.Add(1)
		slot <- struct{}{}
		go func() {
			defer func() { <-slot; wg.Done() }()
			u, err := c.GetUser(ctx, id)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				out.users[id] = u
			case errors.Is(err, client.ErrNotFound) && looksPlanned(id):
				out.pending = append(out.pending, id)
			case errors.Is(err, client.ErrNotFound):
				out.missing = append(out.missing, id)
			case out.err == nil:
				out.err = err
			}
		}()
	}
	wg.Wait()
	slices.Sort(out.missing)
	slices.Sort(out.pending)
	return out
}

// listUsers reads every user in one listing, for many groups' members at once.
func listUsers(ctx context.Context, c *client.Client) userReads {
	users, err := c.ListUsers(ctx, client.ListUsersOptions{})
	out := userReads{users: make(map[string]*api.User, len(users)), err: err}
	for i := range users {
		out.users[users[i].ID] = &users[i]
	}
	return out
}

// complete reports whether every id was read or found missing.
func (r userReads) complete() bool { return r.err == nil && len(r.pending) == 0 }

// emails is the sorted e-mail addresses of the users of ids that were read.
func (r userReads) emails(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if u := r.users[id]; u != nil {
			out = append(out, u.Email)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// policy is the engine's view of the users read, for its rules about user kinds.
func (r userReads) policy() *access.Policy {
	p := access.NewPolicy()
	for _, u := range r.users {
		p.PutUser(access.User{ID: u.ID, Email: u.Email, Kind: access.UserKind(u.Kind)})
	}
	return p
}

// userWords names a user in a diagnostic: by e-mail and id.
func userWords(u *api.User) string { return fmt.Sprintf("%s (%s)", u.Email, u.ID) }

// vendorFix is how to give a vendor user access instead of a group or a role.
const vendorFix = "Give the vendor's engineers access with warden_support_access (and warden_access_request_approval) instead."

// addMissingUsers fails the plan for each id no user has, on at(id): the apply would fail.
func (r userReads) addMissingUsers(diags *diag.Diagnostics, at func(string) path.Path) {
	for _, id := range r.missing {
		diags.AddAttributeError(at(id), "User Not Found",
			fmt.Sprintf("No user has the id %q. Refer to a warden_user resource or data source, e.g. warden_user.alice.id.", id))
	}
}

// addVendorMembers fails the plan for each vendor user among ids, on at(id), in the engine's
// words: vendor users join no groups (the API refuses them with 422).
func (r userReads) addVendorMembers(diags *diag.Diagnostics, ids []string, at func(string) path.Path, fix string) {
	p := r.policy()
	for _, id := range ids {
		if d := p.CanBeMembers([]string{id}); d != nil && d.Code == access.CodeVendorNoGroups {
			diags.AddAttributeError(at(id), "Vendor User Cannot Join a Group",
				fmt.Sprintf("%s (%s) %s %s", d.Message, r.users[id].Email, fix, vendorFix))
		}
	}
}

// addVendorAssignee fails the plan when userID is a vendor user, in the engine's words: vendor
// users hold no roles (the API refuses the assignment with 422).
func (r userReads) addVendorAssignee(diags *diag.Diagnostics, roleID, userID string, at path.Path) {
	// Only the user's kind is judged here; the actor's rights are the API's to check.
	if d := r.policy().CanAssign(&access.Principal{}, roleID, userID, ""); d != nil && d.Code == access.CodeVendorNoRoles {
		diags.AddAttributeError(at, "Vendor User Cannot Hold a Role",
			fmt.Sprintf("%s (%s is a vendor user.) Remove this warden_role_assignment. %s", d.Message, userWords(r.users[userID]), vendorFix))
	}
}

// plannedUserEmail is the user_email a plan shows for userID, read (or taken from notes) when
// the id is known: the e-mail, null when the token may not read users (as the apply then
// stores), unknown when the read failed otherwise or the id is unknown. It adds the plan-time
// errors: no such user, or a vendor user where none may be (check adds those).
func plannedUserEmail(ctx context.Context, c *client.Client, notes *planNotes, userID types.String, diags *diag.Diagnostics, check func(userReads)) types.String {
	if c == nil || userID.IsNull() || userID.IsUnknown() {
		return types.StringUnknown()
	}
	reads := readUsers(ctx, c, notes, []string{userID.ValueString()})
	reads.addMissingUsers(diags, func(string) path.Path { return path.Root("user_id") })
	if u := reads.users[userID.ValueString()]; u != nil {
		check(reads)
		return types.StringValue(u.Email)
	}
	if isForbidden(reads.err) {
		return types.StringNull()
	}
	return types.StringUnknown()
}

// userEmail is the e-mail of userID for the state: null when there is none or it cannot be read.
func userEmail(ctx context.Context, c *client.Client, userID string) types.String {
	if userID == "" {
		return types.StringNull()
	}
	u, err := c.GetUser(ctx, userID)
	if err != nil {
		return types.StringNull()
	}
	return types.StringValue(u.Email)
}

// isForbidden reports whether the API refused the provider's token the read (403).
func isForbidden(err error) bool {
	var apiErr *client.APIError
	return errors.As(err, &apiErr) && apiErr.Status == http.StatusForbidden
}
