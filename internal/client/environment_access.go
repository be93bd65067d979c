package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// CreateGrant gives a role environment permissions in one environment.
func (c *Client) CreateGrant(ctx context.Context, envID string, body api.GrantCreate) (*api.Grant, error) {
	return call[api.Grant](ctx, c, request{method: http.MethodPost, path: "/v1/environments/%s/grants", args: []string{envID}, body: body})
}

// GetGrant reads the grant a role holds in an environment.
func (c *Client) GetGrant(ctx context.Context, envID, roleID string) (*api.Grant, error) {
	return call[api.Grant](ctx, c, request{method: http.MethodGet, path: "/v1/environments/%s/grants/%s", args: []string{envID, roleID}})
}

// ListGrants returns every grant in an environment, in pages of the API's largest size.
func (c *Client) ListGrants(ctx context.Context, envID string) ([]api.Grant, error) {
	return listAll[api.Grant](ctx, c, "/v1/environments/%s/grants", []string{envID}, nil, 1000, 0)
}

// FindGrantByID returns the grant with that id, whatever its environment, or an error matching
// ErrNotFound. Grants live under their environment in the API, so it searches every
// environment's grants: one request per environment.
func (c *Client) FindGrantByID(ctx context.Context, id string) (*api.Grant, error) {
	envs, err := c.ListEnvironments(ctx, ListEnvironmentsOptions{})
	return firstUnder(envs, err, func(e api.Environment) ([]api.Grant, error) { return c.ListGrants(ctx, e.ID) },
		func(g api.Grant) bool { return g.ID == id }, fmt.Errorf("%w: no environment has a grant with id %q", ErrNotFound, id))
}

// UpdateGrant replaces a grant's permissions; ifMatch > 0 guards against a newer version.
func (c *Client) UpdateGrant(ctx context.Context, envID, roleID string, body api.GrantUpdate, ifMatch int64) (*api.Grant, error) {
	return call[api.Grant](ctx, c, request{method: http.MethodPatch, path: "/v1/environments/%s/grants/%s", args: []string{envID, roleID}, body: body, ifMatch: ifMatch})
}

// DeleteGrant removes a role's grant in an environment; ifMatch > 0 guards against a newer
// version.
func (c *Client) DeleteGrant(ctx context.Context, envID, roleID string, ifMatch int64) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/v1/environments/%s/grants/%s", args: []string{envID, roleID}, ifMatch: ifMatch}, nil)
}

// CreateSupportAccess enables vendor support in an environment up to a tier.
func (c *Client) CreateSupportAccess(ctx context.Context, envID string, body api.SupportAccessCreate) (*api.SupportAccess, error) {
	return call[api.SupportAccess](ctx, c, request{method: http.MethodPost, path: "/v1/environments/%s/support-access", args: []string{envID}, body: body})
}

// GetSupportAccess reads an environment's support access; ErrNotFound when there is none.
func (c *Client) GetSupportAccess(ctx context.Context, envID string) (*api.SupportAccess, error) {
	return call[api.SupportAccess](ctx, c, request{method: http.MethodGet, path: "/v1/environments/%s/support-access", args: []string{envID}})
}

// UpdateSupportAccess changes the fields set in body; ifMatch > 0 guards against a newer
// version.
func (c *Client) UpdateSupportAccess(ctx context.Context, envID string, body api.SupportAccessUpdate, ifMatch int64) (*api.SupportAccess, error) {
	return call[api.SupportAccess](ctx, c, request{method: http.MethodPatch, path: "/v1/environments/%s/support-access", args: []string{envID}, body: body, ifMatch: ifMatch})
}

// DeleteSupportAccess disables vendor support in an environment; ifMatch > 0 guards against a
// newer version.
func (c *Client) DeleteSupportAccess(ctx context.Context, envID string, ifMatch int64) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/v1/environments/%s/support-access", args: []string{envID}, ifMatch: ifMatch}, nil)
}

// RevokeVendorAccess is the break-glass revoke: in one transaction it ends every vendor
// user's (with body.UserID, that vendor user's) approved and pending access requests in the
// environment and turns standing access back to requiring approval, and says what it ended.
// The support access itself stays. A second call ends nothing and succeeds. ErrNotFound when
// the environment does not exist; a caller without cluster.admin gets a 403 *APIError.
func (c *Client) RevokeVendorAccess(ctx context.Context, envID string, body api.VendorAccessRevoke) (*api.VendorAccessRevocation, error) {
	return call[api.VendorAccessRevocation](ctx, c, request{method: http.MethodPost, path: "/v1/environments/%s/support-access/revoke", args: []string{envID}, body: body})
}

// GetAlertRouting reads an environment's alert routing, which exists from the environment's
// creation.
func (c *Client) GetAlertRouting(ctx context.Context, envID string) (*api.AlertRouting, error) {
	return call[api.AlertRouting](ctx, c, request{method: http.MethodGet, path: "/v1/environments/%s/alert-routing", args: []string{envID}})
}

// PutAlertRouting replaces an environment's alert routing; ifMatch > 0 guards against a newer
// version.
func (c *Client) PutAlertRouting(ctx context.Context, envID string, body api.AlertRoutingUpdate, ifMatch int64) (*api.AlertRouting, error) {
	return call[api.AlertRouting](ctx, c, request{method: http.MethodPut, path: "/v1/environments/%s/alert-routing", args: []string{envID}, body: body, ifMatch: ifMatch})
}

// ResetAlertRouting restores the default routing (vendor routing on, no destinations, no
// claim); the routing itself cannot be deleted. ifMatch > 0 guards against a newer version;
// a claim (api.AlertRoutingUpdate.Claim's values; "" for none) is refused with ErrConflict
// (code alert_routing_claimed) while another claim holds the routing.
func (c *Client) ResetAlertRouting(ctx context.Context, envID, claim string, ifMatch int64) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/v1/environments/%s/alert-routing", args: []string{envID}, ifMatch: ifMatch,
		query: values("claim", claim)}, nil)
}

// AlertCredentials reads an environment's alert credentials: its ingest URL and key and its
// signing secrets. Only cluster.admin may; anyone else gets an *APIError with status 403.
func (c *Client) AlertCredentials(ctx context.Context, envID string) (*api.AlertCredentials, error) {
	return call[api.AlertCredentials](ctx, c, request{method: http.MethodGet, path: "/v1/environments/%s/alert-routing/credentials", args: []string{envID}})
}

// RotateIngestKey replaces an environment's ingest key (the old one stops at once) and returns
// the new credentials. A retry that the server answers from its idempotency record returns
// them without secrets: read them with AlertCredentials.
func (c *Client) RotateIngestKey(ctx context.Context, envID string) (*api.AlertCredentials, error) {
	return call[api.AlertCredentials](ctx, c, request{method: http.MethodPost, path: "/v1/environments/%s/alert-routing/ingest-key/rotate", args: []string{envID}})
}

// RotateSigningSecret replaces an environment's signing secret; the old one stays in use
// (previous_signing_secret) for 24 hours. As RotateIngestKey, a replayed retry carries no secrets.
func (c *Client) RotateSigningSecret(ctx context.Context, envID string) (*api.AlertCredentials, error) {
	return call[api.AlertCredentials](ctx, c, request{method: http.MethodPost, path: "/v1/environments/%s/alert-routing/signing-secret/rotate", args: []string{envID}})
}

// AddAlertDestination adds one destination to an environment's alert routing, leaving the
// others alone; a destination with the same type and target gets d's min_severity. An
// environment whose destinations are authoritative refuses it with ErrConflict (code
// membership_mode_conflict).
func (c *Client) AddAlertDestination(ctx context.Context, envID string, d api.Destination) (*api.AlertRouting, error) {
	return c.ChangeAlertDestination(ctx, envID, d, "")
}

// ChangeAlertDestination adds d or, when its type and target exist with the min_severity
// replaces, changes that to d's. Another existing min_severity is ErrConflict (409
// destination_exists): another configuration's setting is never overwritten.
func (c *Client) ChangeAlertDestination(ctx context.Context, envID string, d api.Destination, replaces string) (*api.AlertRouting, error) {
	return call[api.AlertRouting](ctx, c, request{method: http.MethodPost, path: "/v1/environments/%s/alert-routing/destinations",
		args: []string{envID}, body: d, query: values("replace_min_severity", replaces)})
}

// RemoveAlertDestination removes the destination with this type and target; ErrNotFound when
// there is none.
func (c *Client) RemoveAlertDestination(ctx context.Context, envID, typ, target string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/v1/environments/%s/alert-routing/destinations", args: []string{envID},
		query: url.Values{"type": {typ}, "target": {target}}}, nil)
}

// EffectiveAccess lists what a user (userID) or a group (groupID) may do in an environment
// and why; pass exactly one of the two.
func (c *Client) EffectiveAccess(ctx context.Context, envID, userID, groupID string) (*api.EffectiveAccess, error) {
	return call[api.EffectiveAccess](ctx, c, request{method: http.MethodGet, path: "/v1/environments/%s/effective-access", args: []string{envID},
		query: values("user_id", userID, "group_id", groupID)})
}
