package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// Replacing an environment or a user deletes it, and the API deletes with it what hangs on
// it. A plan shows only "must be replaced"; these warnings say what else goes, counted from
// the API, so that nobody loses a team's access to a changed cloud or kind by surprise.

const preventDestroyFix = "If it must not be lost, guard the resource with lifecycle { prevent_destroy = true } " +
	"and recreate what it held in this configuration."

// countWords renders counts such as "12 grants, support access and 3 access requests",
// leaving out what is zero.
func countWords(parts []string) string {
	parts = slices.DeleteFunc(parts, func(s string) bool { return s == "" })
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func plural(n int, one, many string) string {
	switch n {
	case 0:
		return ""
	case 1:
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// warnEnvironmentReplacement adds a warning on attr listing what deleting environment envID
// removes with it.
func warnEnvironmentReplacement(ctx context.Context, c *client.Client, envID, name string, attr path.Path, diags *diag.Diagnostics) {
	grants, err := c.ListGrants(ctx, envID)
	if err != nil {
		return // the plan is still right; only the warning's detail is missing
	}
	support := ""
	if sa, err := c.GetSupportAccess(ctx, envID); err == nil {
		support = fmt.Sprintf("its support access (tier %s)", sa.Tier)
	} else if !errors.Is(err, client.ErrNotFound) {
		return
	}
	routing := ""
	if r, err := c.GetAlertRouting(ctx, envID); err == nil && (len(r.Destinations) > 0 || !r.VendorRouting) {
		routing = fmt.Sprintf("its alert routing (%s)", plural(len(r.Destinations), "destination", "destinations"))
		if len(r.Destinations) == 0 {
			routing = "its alert routing (vendor routing off)"
		}
	}
	reqs, err := c.ListAccessRequests(ctx, client.ListAccessRequestsOptions{EnvironmentID: envID})
	if err != nil {
		return
	}
	lost := countWords([]string{plural(len(grants), "environment grant", "environment grants"), support, routing,
		plural(len(reqs), "access request", "access requests")})
	if lost == "" {
		return
	}
	diags.AddAttributeWarning(attr, "Replacement Deletes What the Environment Holds",
		fmt.Sprintf("This change replaces environment %q: destroying it deletes with it %s. The new environment starts without them. %s",
			name, lost, preventDestroyFix))
}

// warnUserReplacement adds a warning on attr listing what deleting user userID removes with it.
func warnUserReplacement(ctx context.Context, c *client.Client, userID, email string, attr path.Path, diags *diag.Diagnostics) {
	groups, err := c.ListGroups(ctx, client.ListGroupsOptions{})
	if err != nil {
		return
	}
	var member []string
	for _, g := range groups {
		if slices.Contains(g.Members, userID) {
			member = append(member, g.Name)
		}
	}
	roles, err := c.ListRoles(ctx, client.ListRolesOptions{})
	if err != nil {
		return
	}
	assigned := 0
	for _, r := range roles {
		as, err := c.ListRoleAssignments(ctx, r.ID)
		if err != nil {
			return
		}
		for _, a := range as {
			if a.UserID == userID {
				assigned++
			}
		}
	}
	reqs, err := c.ListAccessRequests(ctx, client.ListAccessRequestsOptions{RequesterID: userID})
	if err != nil {
		return
	}
	memberships := ""
	if len(member) > 0 {
		memberships = fmt.Sprintf("its membership of %s", strings.Join(member, ", "))
	}
	lost := countWords([]string{"all its API tokens", memberships, plural(assigned, "role assignment", "role assignments"),
		plural(len(reqs), "access request", "access requests")})
	diags.AddAttributeWarning(attr, "Replacement Deletes What the User Holds",
		fmt.Sprintf("This change replaces user %q: destroying it deletes with it %s; whoever uses its tokens is locked out. %s",
			email, lost, preventDestroyFix))
}
