package client

import (
	"context"
	"fmt"
	"iter"
	"net/http"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// ListEnvironmentsOptions filters ListEnvironments.
type ListEnvironmentsOptions struct {
	Name     string // exact name
	PageSize int    // 0 = the server's default; every page is fetched regardless
}

// CreateEnvironment creates an environment (POST /v1/environments).
func (c *Client) CreateEnvironment(ctx context.Context, body api.EnvironmentCreate) (*api.Environment, error) {
	return call[api.Environment](ctx, c, request{method: http.MethodPost, path: "/v1/environments", body: body})
}

// GetEnvironment reads one environment.
func (c *Client) GetEnvironment(ctx context.Context, id string) (*api.Environment, error) {
	return call[api.Environment](ctx, c, request{method: http.MethodGet, path: "/v1/environments/%s", args: []string{id}})
}

// ListEnvironments returns every environment matching opts, across all pages.
func (c *Client) ListEnvironments(ctx context.Context, opts ListEnvironmentsOptions) ([]api.Environment, error) {
	return listAll[api.Environment](ctx, c, "/v1/environments", nil, values("name", opts.Name), opts.PageSize, 0)
}

// ListEnvironmentsSeq yields the environments matching opts one by one, fetching each page only
// when the caller reaches it (ListEnvironments is its whole-slice form).
func (c *Client) ListEnvironmentsSeq(ctx context.Context, opts ListEnvironmentsOptions) iter.Seq2[api.Environment, error] {
	return pages[api.Environment](ctx, c, "/v1/environments", nil, values("name", opts.Name), opts.PageSize)
}

// FindEnvironmentByName returns the environment called name, or an error matching
// ErrNotFound.
func (c *Client) FindEnvironmentByName(ctx context.Context, name string) (*api.Environment, error) {
	envs, err := c.ListEnvironments(ctx, ListEnvironmentsOptions{Name: name})
	return first(envs, err, func(x api.Environment) bool { return x.Name == name }, fmt.Errorf("%w: no environment is named %q", ErrNotFound, name))
}

// UpdateEnvironment changes the fields set in body; ifMatch > 0 guards against a newer version.
func (c *Client) UpdateEnvironment(ctx context.Context, id string, body api.EnvironmentUpdate, ifMatch int64) (*api.Environment, error) {
	return call[api.Environment](ctx, c, request{method: http.MethodPatch, path: "/v1/environments/%s", args: []string{id}, body: body, ifMatch: ifMatch})
}

// DeleteEnvironment deletes an environment; ifMatch > 0 guards against a newer version.
func (c *Client) DeleteEnvironment(ctx context.Context, id string, ifMatch int64) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/v1/environments/%s", args: []string{id}, ifMatch: ifMatch}, nil)
}
