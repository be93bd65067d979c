package client

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// ListUsersOptions filters ListUsers.
type ListUsersOptions struct {
	Email    string // exact e-mail address
	PageSize int    // 0 = the server's default; every page is fetched regardless
}

// CreateUser creates a user (POST /v1/users).
func (c *Client) CreateUser(ctx context.Context, body api.UserCreate) (*api.User, error) {
	return call[api.User](ctx, c, request{method: http.MethodPost, path: "/v1/users", body: body})
}

// GetUser reads one user.
func (c *Client) GetUser(ctx context.Context, id string) (*api.User, error) {
	return call[api.User](ctx, c, request{method: http.MethodGet, path: "/v1/users/%s", args: []string{id}})
}

// ListUsers returns every user matching opts, across all pages.
func (c *Client) ListUsers(ctx context.Context, opts ListUsersOptions) ([]api.User, error) {
	return listAll[api.User](ctx, c, "/v1/users", nil, values("email", opts.Email), opts.PageSize, 0)
}

// FindUserByEmail returns the user with that e-mail address (compared case-insensitively,
// as mail systems do), or an error matching ErrNotFound.
func (c *Client) FindUserByEmail(ctx context.Context, email string) (*api.User, error) {
	users, err := c.ListUsers(ctx, ListUsersOptions{Email: email})
	if err != nil {
		return nil, err
	}
	for i := range users {
		if strings.EqualFold(users[i].Email, email) {
			return &users[i], nil
		}
	}
	return nil, fmt.Errorf("%w: no user has the e-mail address %q", ErrNotFound, email)
}

// UpdateUser changes the fields set in body; ifMatch > 0 guards against a newer version.
func (c *Client) UpdateUser(ctx context.Context, id string, body api.UserUpdate, ifMatch int64) (*api.User, error) {
	return call[api.User](ctx, c, request{method: http.MethodPatch, path: "/v1/users/%s", args: []string{id}, body: body, ifMatch: ifMatch})
}

// DeleteUser deletes a user; ifMatch > 0 guards against a newer version.
func (c *Client) DeleteUser(ctx context.Context, id string, ifMatch int64) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/v1/users/%s", args: []string{id}, ifMatch: ifMatch}, nil)
}

// CreateToken issues an API token for a user. The secret is in the returned Token only.
func (c *Client) CreateToken(ctx context.Context, userID string, body api.TokenCreate) (*api.Token, error) {
	return call[api.Token](ctx, c, request{method: http.MethodPost, path: "/v1/users/%s/tokens", args: []string{userID}, body: body})
}

// DeleteToken revokes one of a user's tokens.
func (c *Client) DeleteToken(ctx context.Context, userID, tokenID string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/v1/users/%s/tokens/%s", args: []string{userID, tokenID}}, nil)
}
