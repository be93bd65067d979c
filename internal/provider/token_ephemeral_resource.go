package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ ephemeral.EphemeralResource                   = (*tokenEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure      = (*tokenEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithValidateConfig = (*tokenEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithClose          = (*tokenEphemeralResource)(nil)
)

// NewTokenEphemeralResource returns the warden_token ephemeral resource.
func NewTokenEphemeralResource() ephemeral.EphemeralResource {
	return &tokenEphemeralResource{now: time.Now}
}

// tokenEphemeralResource mints a user's API token for one Terraform run and revokes it when
// Terraform closes it. Terraform keeps its result out of the plan and the state; the token
// id travels to Close in the private data, which Terraform holds in memory only.
type tokenEphemeralResource struct {
	client *client.Client
	// now is the clock that ttl is judged against and counted from; tests replace it.
	now func() time.Time
}

type tokenEphemeralResourceModel struct {
	UserID    types.String `tfsdk:"user_id"`
	TTL       types.String `tfsdk:"ttl"`
	Name      types.String `tfsdk:"name"`
	ID        types.String `tfsdk:"id"`
	Token     types.String `tfsdk:"token"`
	ExpiresAt types.String `tfsdk:"expires_at"`
}

// Defaults of the optional attributes: an hour covers a CI job or a bootstrap, and the name
// tells the audit log where the token came from.
const (
	defaultTokenTTL  = "1h"
	defaultTokenName = "terraform-ephemeral"
)

func (m *tokenEphemeralResourceModel) fromAPI(t *api.Token, ttl string) {
	m.UserID = types.StringValue(t.UserID)
	m.TTL = types.StringValue(ttl)
	m.Name = types.StringValue(t.Name)
	m.ID = types.StringValue(t.ID)
	m.Token = types.StringValue(t.Secret)
	m.ExpiresAt = types.StringNull()
	if t.ExpiresAt != nil {
		m.ExpiresAt = types.StringValue(t.ExpiresAt.UTC().Format(time.RFC3339))
	}
}

func (m *tokenEphemeralResourceModel) toAPI(expiresAt time.Time) api.TokenCreate {
	return api.TokenCreate{Name: m.name(), ExpiresAt: &expiresAt}
}

// ttl is the configured lifetime, or the default.
func (m *tokenEphemeralResourceModel) ttl() string {
	if m.TTL.IsNull() {
		return defaultTokenTTL
	}
	return m.TTL.ValueString()
}

// name is the configured label, or the default.
func (m *tokenEphemeralResourceModel) name() string {
	if m.Name.IsNull() {
		return defaultTokenName
	}
	return m.Name.ValueString()
}

func (r *tokenEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_token"
}

func (r *tokenEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	maxHours := int(access.MaxTokenLifetime / time.Hour)
	resp.Schema = schema.Schema{
		MarkdownDescription: "A short-lived API token for a user, e.g. for a CI job or a bootstrap step, minted each time Terraform opens it " +
			"(during plan and again during apply) and revoked when Terraform closes it, at the end of the same run. " +
			"Its values are never written to the plan or the state: pass `token` to a provider block, a write-only attribute or " +
			"another ephemeral value. Minting a token for another user needs `users.admin` and every permission that user holds " +
			"(for a vendor user, also `cluster.admin`); anyone may mint one for themselves. The token expires no later than the " +
			"provider's own token: a ttl that would outlive it is refused. " +
			"Needs Terraform 1.10 or later, or OpenTofu 1.11 or later.",
		Attributes: map[string]schema.Attribute{
			"user_id": schema.StringAttribute{
				MarkdownDescription: "The id of the user the token authenticates as.",
				Required:            true,
			},
			"ttl": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("How long the token lives from the moment it is minted, as a duration such as `\"30m\"`, `\"1h\"` or `\"168h\"` "+
					"(units `s`, `m`, `h`; a day is `24h`). Default `%q`. Positive and at most %dh (%d days), as the API requires. "+
					"Terraform revokes the token when it closes it, at the end of the run; when a run fails or is interrupted it does not, "+
					"and the token then lives until ttl runs out: keep it short.",
					defaultTokenTTL, maxHours, maxHours/24),
				Optional: true,
				Computed: true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("A label for the token, recorded in the audit log. Default `%q`.", defaultTokenName),
				Optional:            true,
				Computed:            true,
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "The token's id (not the secret).",
				Computed:            true,
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "The bearer secret, e.g. for the `token` of a `warden` provider block.",
				Computed:            true,
				Sensitive:           true,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the token stops authenticating (RFC 3339, UTC), if it is not revoked first.",
				Computed:            true,
			},
		},
	}
}

// ValidateConfig judges ttl and name with the rules the API applies to expires_at and to a
// token's label, so that a lifetime the API would refuse fails the plan.
func (r *tokenEphemeralResource) ValidateConfig(ctx context.Context, req ephemeral.ValidateConfigRequest, resp *ephemeral.ValidateConfigResponse) {
	var cfg tokenEphemeralResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !cfg.TTL.IsNull() && !cfg.TTL.IsUnknown() {
		parseTokenTTL(cfg.TTL.ValueString(), r.now(), &resp.Diagnostics)
	}
	if !cfg.Name.IsNull() && !cfg.Name.IsUnknown() {
		addFindings(&resp.Diagnostics, access.ValidateOptionalName("name", cfg.Name.ValueString()),
			func(access.Finding) path.Path { return path.Root("name") }, true)
	}
}

// parseTokenTTL parses ttl and judges the expires_at it yields at now with the API's own
// rules (access.ValidateFutureExpiry, access.ValidateTokenExpiry), reporting on ttl; ok is
// false when ttl is unusable.
func parseTokenTTL(raw string, now time.Time, diags *diag.Diagnostics) (ttl time.Duration, ok bool) {
	at := func(access.Finding) path.Path { return path.Root("ttl") }
	ttl, err := time.ParseDuration(raw)
	if err != nil {
		diags.AddAttributeError(path.Root("ttl"), "Invalid Token Lifetime",
			fmt.Sprintf("ttl must be a duration such as \"30m\", \"1h\" or \"168h\" (units s, m, h; a day is 24h); got %q.", raw))
		return 0, false
	}
	expiresAt := now.Add(ttl)
	fs := append(access.ValidateFutureExpiry(&expiresAt, now), access.ValidateTokenExpiry(&expiresAt, now)...)
	for i := range fs {
		// The API's words are about expires_at: say which ttl gave it and how to fix the ttl.
		fs[i].Message = fmt.Sprintf("ttl = %q sets the token's expires_at to %s. %s", raw, expiresAt.UTC().Format(time.RFC3339), fs[i].Message)
		switch fs[i].Code {
		case access.CodeTokenLifetimeTooLong:
			fs[i].Fix = fmt.Sprintf("Set a ttl of at most %dh.", int(access.MaxTokenLifetime/time.Hour))
		case access.CodeExpiresAtInPast:
			fs[i].Fix = fmt.Sprintf("Set a positive ttl such as %q.", defaultTokenTTL)
		}
	}
	addFindings(diags, fs, at, true)
	return ttl, !access.HasErrors(fs)
}

func (r *tokenEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	if pd := castProviderData(req.ProviderData, &resp.Diagnostics); pd != nil {
		r.client = pd.Client
	}
}

// mintedToken is what Close needs to revoke the token, kept in the private data.
type mintedToken struct {
	UserID    string     `json:"user_id"`
	ID        string     `json:"id"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

const privateTokenKey = "token"

func (r *tokenEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var cfg tokenEphemeralResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	now := r.now()
	ttl, ok := parseTokenTTL(cfg.ttl(), now, &resp.Diagnostics)
	if !ok {
		return
	}
	tok, err := r.client.CreateToken(ctx, cfg.UserID.ValueString(), cfg.toAPI(now.Add(ttl).UTC()))
	if err != nil {
		addMintError(&resp.Diagnostics, err)
		return
	}
	minted := mintedToken{UserID: tok.UserID, ID: tok.ID, ExpiresAt: tok.ExpiresAt}
	b, err := json.Marshal(minted)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Mint Token", fmt.Sprintf("Recording token %s for its revocation failed: %s", tok.ID, err))
	} else {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateTokenKey, b)...)
	}
	cfg.fromAPI(tok, cfg.ttl())
	resp.Diagnostics.Append(resp.Result.Set(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		// Terraform closes only what opened: revoke it now rather than leave it to its ttl.
		revokeOutcome(minted, r.client.DeleteToken(ctx, minted.UserID, minted.ID), r.now(), &resp.Diagnostics)
	}
}

// addMintError reports a refused mint on the attribute at fault: the API's expires_at is the
// configured ttl, and a refusal to act on the user (403, or 404 for no such user) is about
// user_id.
func addMintError(diags *diag.Diagnostics, err error) {
	addAPIErrorAt(diags, "Mint Token", err, func(e *client.APIError) (path.Path, string) {
		switch {
		case e.Code == access.CodeTokenOutlivesMinter:
			return path.Root("ttl"), "The provider mints with its own token (its token argument or WARDEN_TOKEN), which expires before this ttl " +
				"would run out, and the API mints no token that outlives the token minting it. Set a shorter ttl, or configure the provider " +
				"with a token that lives longer."
		case e.Field == "expires_at":
			return path.Root("ttl"), ""
		case e.Field == "name":
			return path.Root("name"), ""
		case e.Field == "" && e.Status == http.StatusForbidden:
			return path.Root("user_id"), "A provider mints a token only for its own user or, holding users.admin, for a user " +
				"holding no permission it lacks. Mint this token through a provider configured with an owner's token, or choose another user_id."
		case e.Field == "" && e.Status == http.StatusNotFound:
			return path.Root("user_id"), "Check user_id: look the user up with the warden_user data source."
		}
		return path.Empty(), ""
	})
}

// Close revokes the token minted by Open. A token already gone (revoked by hand, or deleted
// with its user) counts as revoked.
func (r *tokenEphemeralResource) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	raw, diags := req.Private.GetKey(ctx, privateTokenKey)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || len(raw) == 0 {
		return
	}
	var t mintedToken
	if err := json.Unmarshal(raw, &t); err != nil {
		resp.Diagnostics.AddError("Unable to Revoke Token",
			fmt.Sprintf("The record of the token minted for this run is unreadable (%s), a bug in the provider: please report it. "+
				"The token lives until its ttl runs out; the audit log names it (action token.create), and DELETE /v1/users/{id}/tokens/{token_id} revokes it.", err))
		return
	}
	revokeOutcome(t, r.client.DeleteToken(ctx, t.UserID, t.ID), r.now(), &resp.Diagnostics)
}

// revokeOutcome judges the revocation of t: gone is as good as revoked, an expired token no
// longer authenticates (a warning), and any other failure leaves a live credential behind.
func revokeOutcome(t mintedToken, err error, now time.Time, diags *diag.Diagnostics) {
	switch {
	case err == nil, errors.Is(err, client.ErrNotFound):
		return
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		diags.AddWarning("Expired Token Not Revoked",
			fmt.Sprintf("Revoking token %s of user %s failed, but it expired at %s and no longer authenticates: %s",
				t.ID, t.UserID, t.ExpiresAt.UTC().Format(time.RFC3339), err))
	default:
		until := "it is revoked"
		if t.ExpiresAt != nil {
			until = t.ExpiresAt.UTC().Format(time.RFC3339)
		}
		diags.AddError("Unable to Revoke Token",
			fmt.Sprintf("Token %s of user %s, minted for this run, is still valid until %s: revoking it failed: %s\n\n"+
				"Revoke it with DELETE /v1/users/%s/tokens/%s as the user itself or an owner.", t.ID, t.UserID, until, err, t.UserID, t.ID))
	}
}
