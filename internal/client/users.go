package client

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
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

// ListUsersSeq yields the users matching opts one by one, fetching each page only
// when the caller reaches it (ListUsers is its whole-slice form).
func (c *Client) ListUsersSeq(ctx context.Context, opts ListUsersOptions) iter.Seq2[api.User, error] {
	return pages[api.User](ctx, c, "/v1/users", nil, values("email", opts.Email), opts.PageSize)
}

// FindUserByEmail returns the user with that e-mail address (compared case-insensitively,
// by access.EmailKey, as the API keeps them unique), or an error matching ErrNotFound.
func (c *Client) FindUserByEmail(ctx context.Context, email string) (*api.User, error) {
	users, err := c.ListUsers(ctx, ListUsersOptions{Email: email})
	return first(users, err, func(u api.User) bool { return access.EmailKey(u.Email) == access.EmailKey(email) },
		fmt.Errorf("%w: no user has the e-mail address %q", ErrNotFound, email))
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
//
// The server keeps only a hash of the secret, so when the first response is lost and the
// retry gets the stored replay, the token comes back without its secret. Nobody can use such
// a token: CreateToken revokes it and issues one more, so that the caller always receives a
// token it can use and no orphaned credential is left behind.
func (c *Client) CreateToken(ctx context.Context, userID string, body api.TokenCreate) (*api.Token, error) {
	create := func() (*api.Token, error) {
		return call[api.Token](ctx, c, request{method: http.MethodPost, path: "/v1/users/%s/tokens", args: []string{userID}, body: body})
	}
	tok, err := create()
	if err != nil || tok.Secret != "" {
		return tok, err
	}
	if err := c.DeleteToken(ctx, userID, tok.ID); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("warden API: token %s was created but its secret was lost in transit, and revoking it failed (revoke it by hand): %w", tok.ID, err)
	}
	lost := tok.ID
	if tok, err = create(); err != nil {
		return nil, err
	}
	if tok.Secret == "" {
		return nil, fmt.Errorf("warden API: tokens %s and %s came back without their secret; the server did not return the secret it issued", lost, tok.ID)
	}
	return tok, nil
}

// DeleteToken revokes one of a user's tokens.
func (c *Client) DeleteToken(ctx context.Context, userID, tokenID string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/v1/users/%s/tokens/%s", args: []string{userID, tokenID}}, nil)
}
