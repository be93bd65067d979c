package client

import (
	"context"
	"net/http"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// ListAccessRequestsOptions filters ListAccessRequests; empty fields do not filter.
type ListAccessRequestsOptions struct {
	Status        string // pending, approved, denied, revoked or expired
	EnvironmentID string
	RequesterID   string
	PageSize      int // 0 = the server's default; every page is fetched regardless
}

// CreateAccessRequest files a vendor engineer's request for a tier (the token must be the
// requester's).
func (c *Client) CreateAccessRequest(ctx context.Context, body api.AccessRequestCreate) (*api.AccessRequest, error) {
	return call[api.AccessRequest](ctx, c, request{method: http.MethodPost, path: "/v1/access-requests", body: body})
}

// GetAccessRequest reads one access request.
func (c *Client) GetAccessRequest(ctx context.Context, id string) (*api.AccessRequest, error) {
	return call[api.AccessRequest](ctx, c, request{method: http.MethodGet, path: "/v1/access-requests/%s", args: []string{id}})
}

// ListAccessRequests returns every access request matching opts, across all pages.
func (c *Client) ListAccessRequests(ctx context.Context, opts ListAccessRequestsOptions) ([]api.AccessRequest, error) {
	q := values("status", opts.Status, "environment_id", opts.EnvironmentID, "requester_id", opts.RequesterID)
	return listAll[api.AccessRequest](ctx, c, "/v1/access-requests", nil, q, opts.PageSize, 0)
}

// ApproveAccessRequest approves a pending request; access lasts its duration from now.
func (c *Client) ApproveAccessRequest(ctx context.Context, id string) (*api.AccessRequest, error) {
	return c.decideAccessRequest(ctx, id, "approve")
}

// DenyAccessRequest denies a pending request.
func (c *Client) DenyAccessRequest(ctx context.Context, id string) (*api.AccessRequest, error) {
	return c.decideAccessRequest(ctx, id, "deny")
}

// RevokeAccessRequest ends an approved request before it expires.
func (c *Client) RevokeAccessRequest(ctx context.Context, id string) (*api.AccessRequest, error) {
	return c.decideAccessRequest(ctx, id, "revoke")
}

func (c *Client) decideAccessRequest(ctx context.Context, id, verb string) (*api.AccessRequest, error) {
	return call[api.AccessRequest](ctx, c, request{method: http.MethodPost, path: "/v1/access-requests/%s/%s", args: []string{id, verb}})
}
