package client

import (
	"context"
	"fmt"
	"iter"
	"net/http"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// ListGroupsOptions filters ListGroups.
type ListGroupsOptions struct {
	Name     string // exact name
	PageSize int    // 0 = the server's default; every page is fetched regardless
}

// CreateGroup creates a group (POST /v1/groups).
func (c *Client) CreateGroup(ctx context.Context, body api.GroupCreate) (*api.Group, error) {
	return call[api.Group](ctx, c, request{method: http.MethodPost, path: "/v1/groups", body: body})
}

// GetGroup reads one group.
func (c *Client) GetGroup(ctx context.Context, id string) (*api.Group, error) {
	return call[api.Group](ctx, c, request{method: http.MethodGet, path: "/v1/groups/%s", args: []string{id}})
}

// ListGroups returns every group matching opts, across all pages.
func (c *Client) ListGroups(ctx context.Context, opts ListGroupsOptions) ([]api.Group, error) {
	return listAll[api.Group](ctx, c, "/v1/groups", nil, values("name", opts.Name), opts.PageSize, 0)
}

// ListGroupsSeq yields the groups matching opts one by one, fetching each page only
// when the caller reaches it (ListGroups is its whole-slice form).
func (c *Client) ListGroupsSeq(ctx context.Context, opts ListGroupsOptions) iter.Seq2[api.Group, error] {
	return pages[api.Group](ctx, c, "/v1/groups", nil, values("name", opts.Name), opts.PageSize)
}

// FindGroupByName returns the group called name, or an error matching ErrNotFound.
func (c *Client) FindGroupByName(ctx context.Context, name string) (*api.Group, error) {
	groups, err := c.ListGroups(ctx, ListGroupsOptions{Name: name})
	return first(groups, err, func(x api.Group) bool { return x.Name == name }, fmt.Errorf("%w: no group is named %q", ErrNotFound, name))
}

// UpdateGroup changes the fields set in body (Members replaces the whole set); ifMatch > 0
// guards against a newer version.
func (c *Client) UpdateGroup(ctx context.Context, id string, body api.GroupUpdate, ifMatch int64) (*api.Group, error) {
	return call[api.Group](ctx, c, request{method: http.MethodPatch, path: "/v1/groups/%s", args: []string{id}, body: body, ifMatch: ifMatch})
}

// DeleteGroup deletes a group; ifMatch > 0 guards against a newer version.
func (c *Client) DeleteGroup(ctx context.Context, id string, ifMatch int64) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/v1/groups/%s", args: []string{id}, ifMatch: ifMatch}, nil)
}

// AddGroupMember adds one user to a group (POST /v1/groups/{id}/members), leaving the other
// members alone; adding a member again changes nothing. A group whose members are
// authoritative refuses it with ErrConflict (code membership_mode_conflict).
func (c *Client) AddGroupMember(ctx context.Context, groupID, userID string) (*api.Group, error) {
	return call[api.Group](ctx, c, request{method: http.MethodPost, path: "/v1/groups/%s/members", args: []string{groupID},
		body: api.GroupMemberAdd{UserID: userID}})
}

// RemoveGroupMember removes one user from a group; ErrNotFound when it is not a member.
func (c *Client) RemoveGroupMember(ctx context.Context, groupID, userID string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/v1/groups/%s/members/%s", args: []string{groupID, userID}}, nil)
}
