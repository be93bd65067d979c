package client

import (
	"context"
	"fmt"
	"iter"
	"net/http"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// ListRolesOptions filters ListRoles.
type ListRolesOptions struct {
	Name     string // exact name
	PageSize int    // 0 = the server's default; every page is fetched regardless
}

// CreateRole creates a role (POST /v1/roles).
func (c *Client) CreateRole(ctx context.Context, body api.RoleCreate) (*api.Role, error) {
	return call[api.Role](ctx, c, request{method: http.MethodPost, path: "/v1/roles", body: body})
}

// GetRole reads one role.
func (c *Client) GetRole(ctx context.Context, id string) (*api.Role, error) {
	return call[api.Role](ctx, c, request{method: http.MethodGet, path: "/v1/roles/%s", args: []string{id}})
}

// ListRoles returns every role matching opts, built-in roles included, across all pages.
func (c *Client) ListRoles(ctx context.Context, opts ListRolesOptions) ([]api.Role, error) {
	return listAll[api.Role](ctx, c, "/v1/roles", nil, values("name", opts.Name), opts.PageSize, 0)
}

// ListRolesSeq yields the roles matching opts, built-in roles included, one by one, fetching
// each page only when the caller reaches it (ListRoles is its whole-slice form).
func (c *Client) ListRolesSeq(ctx context.Context, opts ListRolesOptions) iter.Seq2[api.Role, error] {
	return pages[api.Role](ctx, c, "/v1/roles", nil, values("name", opts.Name), opts.PageSize)
}

// FindRoleByName returns the role called name (account_owner and deploy_owner included), or
// an error matching ErrNotFound.
func (c *Client) FindRoleByName(ctx context.Context, name string) (*api.Role, error) {
	roles, err := c.ListRoles(ctx, ListRolesOptions{Name: name})
	return first(roles, err, func(x api.Role) bool { return x.Name == name }, fmt.Errorf("%w: no role is named %q", ErrNotFound, name))
}

// UpdateRole changes the fields set in body (Permissions replaces the whole set); ifMatch > 0
// guards against a newer version.
func (c *Client) UpdateRole(ctx context.Context, id string, body api.RoleUpdate, ifMatch int64) (*api.Role, error) {
	return call[api.Role](ctx, c, request{method: http.MethodPatch, path: "/v1/roles/%s", args: []string{id}, body: body, ifMatch: ifMatch})
}

// DeleteRole deletes a role; ifMatch > 0 guards against a newer version.
func (c *Client) DeleteRole(ctx context.Context, id string, ifMatch int64) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/v1/roles/%s", args: []string{id}, ifMatch: ifMatch}, nil)
}

// CreateRoleAssignment gives the role to one user or one group.
func (c *Client) CreateRoleAssignment(ctx context.Context, roleID string, body api.RoleAssignmentCreate) (*api.RoleAssignment, error) {
	return call[api.RoleAssignment](ctx, c, request{method: http.MethodPost, path: "/v1/roles/%s/assignments", args: []string{roleID}, body: body})
}

// GetRoleAssignment reads one assignment of a role.
func (c *Client) GetRoleAssignment(ctx context.Context, roleID, id string) (*api.RoleAssignment, error) {
	return call[api.RoleAssignment](ctx, c, request{method: http.MethodGet, path: "/v1/roles/%s/assignments/%s", args: []string{roleID, id}})
}

// ListRoleAssignments returns every assignment of a role.
func (c *Client) ListRoleAssignments(ctx context.Context, roleID string) ([]api.RoleAssignment, error) {
	return listAll[api.RoleAssignment](ctx, c, "/v1/roles/%s/assignments", []string{roleID}, nil, 0, 0)
}

// DeleteRoleAssignment removes an assignment; ifMatch > 0 guards against a newer version.
func (c *Client) DeleteRoleAssignment(ctx context.Context, roleID, id string, ifMatch int64) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/v1/roles/%s/assignments/%s", args: []string{roleID, id}, ifMatch: ifMatch}, nil)
}

// FindRoleAssignment returns the assignment of role roleID to the user userID or to the group
// groupID (give exactly one), or an error matching ErrNotFound. The API has no such query, so
// it lists the role's assignments.
func (c *Client) FindRoleAssignment(ctx context.Context, roleID, userID, groupID string) (*api.RoleAssignment, error) {
	notFound := fmt.Errorf("%w: role %s is not assigned to group %s", ErrNotFound, roleID, groupID)
	if userID != "" {
		notFound = fmt.Errorf("%w: role %s is not assigned to user %s", ErrNotFound, roleID, userID)
	}
	list, err := c.ListRoleAssignments(ctx, roleID)
	return first(list, err, func(a api.RoleAssignment) bool { return a.UserID == userID && a.GroupID == groupID }, notFound)
}

// FindRoleAssignmentByID returns the assignment with that id, whatever its role, or an error
// matching ErrNotFound. Assignments live under their role in the API, so it searches every
// role's assignments: one request per role.
func (c *Client) FindRoleAssignmentByID(ctx context.Context, id string) (*api.RoleAssignment, error) {
	roles, err := c.ListRoles(ctx, ListRolesOptions{})
	return firstUnder(roles, err, func(r api.Role) ([]api.RoleAssignment, error) { return c.ListRoleAssignments(ctx, r.ID) },
		func(a api.RoleAssignment) bool { return a.ID == id }, fmt.Errorf("%w: no role has an assignment with id %q", ErrNotFound, id))
}
