// Package provider is the Terraform glue of the Warden provider: the provider configuration,
// one file per resource, data source and function. The rules live in internal/access and the
// API calls in internal/client; this package only maps between them and Terraform.
//
// A model is named for the object it serves, so that the three kinds of one type read
// alike: roleResourceModel, roleDataSourceModel (built on roleFields, the attributes both
// share: the resource adds what only its configuration holds, acknowledge_new_access),
// roleListResourceModel (a list block's filters). A plural data source's elements are its
// singular data source's model.
package provider

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ provider.Provider                       = (*wardenProvider)(nil)
	_ provider.ProviderWithFunctions          = (*wardenProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*wardenProvider)(nil)
	_ provider.ProviderWithActions            = (*wardenProvider)(nil)
	_ provider.ProviderWithListResources      = (*wardenProvider)(nil)
)

// New returns the provider factory for version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &wardenProvider{version: version} }
}

type wardenProvider struct {
	version string
}

type wardenProviderModel struct {
	Endpoint         types.String `tfsdk:"endpoint"`
	Token            types.String `tfsdk:"token"`
	RetryMax         types.Int64  `tfsdk:"retry_max"`
	RetryWaitMinMS   types.Int64  `tfsdk:"retry_wait_min_ms"`
	RetryWaitMaxMS   types.Int64  `tfsdk:"retry_wait_max_ms"`
	MatrixValidation types.Bool   `tfsdk:"matrix_validation"`
	CACertificate    types.String `tfsdk:"ca_certificate"`
	Insecure         types.Bool   `tfsdk:"insecure"`
	// VendorAccessExpiryWarning is how long before its expiry vendor support access draws a
	// plan warning (vendor_access_expiry_warning).
	VendorAccessExpiryWarning types.String `tfsdk:"vendor_access_expiry_warning"`
	// The access preview and its guardrails (access_preview.go).
	AccessPreview         types.Bool `tfsdk:"access_preview"`
	ProtectedActions      types.Set  `tfsdk:"protected_actions"`
	ProtectedEnvironments types.Set  `tfsdk:"protected_environments"`
}

// providerTypeName prefixes every resource and data source type.
const providerTypeName = "warden"

const (
	envEndpoint      = "WARDEN_ENDPOINT"
	envToken         = "WARDEN_TOKEN"
	envCACertificate = "WARDEN_CA_CERTIFICATE"
	envInsecure      = "WARDEN_INSECURE"
)

func (p *wardenProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = providerTypeName
	resp.Version = p.version
}

func (p *wardenProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manage who may do what on the Warden operations platform: environments, users, groups, " +
			"roles, per-environment permission grants, vendor support access and alert routing.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "Base URL of the Warden API, e.g. `http://127.0.0.1:8080`. Defaults to the `" + envEndpoint + "` environment variable; the attribute wins when both are set.",
				Optional:            true,
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "Bearer token of a Warden user. Defaults to the `" + envToken + "` environment variable; the attribute wins when both are set.",
				Optional:            true,
				Sensitive:           true,
			},
			"retry_max": schema.Int64Attribute{
				MarkdownDescription: "How many times a request is retried after a connection error, `429` or `5xx`. Default `4`.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(0, 20)},
			},
			"retry_wait_min_ms": schema.Int64Attribute{
				MarkdownDescription: "Shortest wait between retries, in milliseconds. Default `200`.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, 60_000)},
			},
			"retry_wait_max_ms": schema.Int64Attribute{
				MarkdownDescription: "Longest wait between retries (and the cap on a server's `Retry-After`), in milliseconds. Default `5000`.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, 300_000)},
			},
			"matrix_validation": schema.BoolAttribute{
				MarkdownDescription: "When `true` (the default), names this provider does not know (permissions, actions, platform permissions) fail the plan. " +
					"Set `false` when the server runs a newer permission matrix than the provider: such names then draw a warning and the server judges them.",
				Optional: true,
			},
			"ca_certificate": schema.StringAttribute{
				MarkdownDescription: "PEM-encoded certificate(s) of a private certificate authority (or a self-signed server certificate) to trust for an `https://` endpoint, " +
					"in addition to the system's trusted roots. The attribute takes the PEM text itself, e.g. `file(\"warden-ca.pem\")`. " +
					"Defaults to the `" + envCACertificate + "` environment variable, which holds either the PEM text (when it starts with `-----BEGIN`) or the path of a PEM file; " +
					"the attribute wins when both are set. Every PEM block must be a valid `CERTIFICATE`.",
				Optional: true,
			},
			"insecure": schema.BoolAttribute{
				MarkdownDescription: "Allow a plain `http://` endpoint on a host that is not loopback (`127.0.0.0/8`, `::1`, `localhost`); the bearer token then crosses the network unencrypted. " +
					"Default `false`: such an endpoint is refused, use `https://`. It does not disable certificate verification for `https://` (use `ca_certificate` for a private CA). " +
					"Defaults to the `" + envInsecure + "` environment variable (`true` or `false`); the attribute wins when both are set.",
				Optional: true,
			},
			"vendor_access_expiry_warning": schema.StringAttribute{
				MarkdownDescription: "How long before its `expires_at` a `warden_support_access` draws a plan warning that it expires soon, " +
					"as a duration such as `\"168h\"` or `\"36h30m\"` (units `h`, `m`, `s`). Default `\"168h\"` (7 days); `\"0s\"` turns the warning off.",
				Optional:   true,
				Validators: []validator.String{durationBetween(0, maxVendorAccessExpiryWarning)},
			},
			"access_preview": schema.BoolAttribute{
				MarkdownDescription: "When `true` (the default), a plan that changes access — a grant, a role's permissions, an assignment, " +
					"a group's members, a membership, support access, a user's deletion or kind, or the deletion of any of them — warns who gains and " +
					"who loses which actions where (users by e-mail, environments by name), from the API's access preview " +
					"(`POST /v1/access-preview`, which needs `users.read`, and `cluster.admin` for vendor users' access). " +
					"A plan that changes none of them asks nothing. `false` turns the previews and the guardrails (`protected_actions`) off.",
				Optional: true,
			},
			"protected_actions": schema.SetAttribute{
				MarkdownDescription: "Guardrails for CI: matrix actions (`databases.read_credentials`), vendor tier capabilities " +
					"(`co_maintainer.apply_workspace`) or platform permissions (`cluster.admin`). A plan in which a resource gives anyone " +
					"one of them who did not hold it (in an environment of `protected_environments`, for actions and capabilities) fails, " +
					"naming who, where and what, unless that resource lists the name in its `acknowledge_new_access`. A change whose effect is " +
					"known only after apply (a role, group or user created in the same plan) fails too when it could give a protected name. " +
					"Needs `access_preview` on.",
				Optional:    true,
				ElementType: types.StringType,
			},
			"protected_environments": schema.SetAttribute{
				MarkdownDescription: "The environments, by name, in which `protected_actions` apply to actions and capabilities; unset or empty, " +
					"every environment. Platform permissions are protected everywhere.",
				Optional:    true,
				ElementType: types.StringType,
			},
		},
	}
}

func (p *wardenProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg wardenProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// An unknown token is no error (see unknownTokenHTTPClient); an unknown endpoint is.
	if cfg.Endpoint.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Unknown Warden endpoint",
			"The provider's endpoint depends on a value known only after apply. Set it to a literal, a variable, or use the environment variable instead.")
	}
	if cfg.CACertificate.IsUnknown() || cfg.Insecure.IsUnknown() {
		attr := "ca_certificate"
		if cfg.Insecure.IsUnknown() {
			attr = "insecure"
		}
		resp.Diagnostics.AddAttributeError(path.Root(attr), "Unknown Warden "+attr,
			"The provider's "+attr+" depends on a value known only after apply. Set it to a literal, a variable, or use the environment variable instead.")
	}
	if resp.Diagnostics.HasError() {
		return
	}
	endpoint := stringOr(cfg.Endpoint, os.Getenv(envEndpoint))
	token := stringOr(cfg.Token, os.Getenv(envToken))
	if cfg.Token.IsUnknown() {
		token = ""
	}
	if endpoint == "" {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Missing Warden Endpoint",
			"Set endpoint in the provider block or the "+envEndpoint+" environment variable, e.g. http://127.0.0.1:8080.")
	}
	if token == "" && !cfg.Token.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("token"), "Missing Warden Token",
			"Set token in the provider block or the "+envToken+" environment variable to a Warden API token.")
	}
	if resp.Diagnostics.HasError() {
		return
	}
	insecure := configInsecure(cfg.Insecure, resp)
	rootCAs := configRootCAs(cfg.CACertificate, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	checkEndpointTransport(endpoint, insecure, rootCAs != nil, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	// The client reads RetryMax 0 as "default" and a negative value as "no retries", whereas
	// retry_max = 0 in HCL means no retries.
	retryMax := int(int64Or(cfg.RetryMax, client.DefaultRetryMax))
	if retryMax == 0 {
		retryMax = -1
	}
	cc := client.Config{
		Endpoint:     endpoint,
		Token:        token,
		RetryMax:     retryMax,
		RetryWaitMin: time.Duration(int64Or(cfg.RetryWaitMinMS, 200)) * time.Millisecond,
		RetryWaitMax: time.Duration(int64Or(cfg.RetryWaitMaxMS, 5000)) * time.Millisecond,
		UserAgent:    "terraform-provider-warden/" + p.version,
		RootCAs:      rootCAs,
		Log:          clientLog,
	}
	if cfg.Token.IsUnknown() {
		if req.ClientCapabilities.DeferralAllowed {
			resp.Deferred = &provider.Deferred{Reason: provider.DeferredReasonProviderConfigUnknown}
			return
		}
		cc.HTTPClient, cc.RootCAs, cc.RetryMax = unknownTokenHTTPClient(), nil, -1
	}
	c, err := client.New(cc)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Invalid Warden Endpoint", err.Error())
		return
	}
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, "token")
	tflog.Debug(ctx, "configured Warden client", map[string]any{"endpoint": endpoint, "token": token, "token_unknown": cfg.Token.IsUnknown()})

	data := &providerData{Client: c, Grants: newGrantReader(c), MatrixValidation: cfg.MatrixValidation.IsNull() || cfg.MatrixValidation.ValueBool(),
		TypeName: providerTypeName, VendorAccessExpiryWarning: durationOr(cfg.VendorAccessExpiryWarning, defaultVendorAccessExpiryWarning),
		Plan: newPlanNotes()}
	data.Access = configAccessGuard(ctx, cfg, data, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	if !cfg.Token.IsUnknown() {
		p.checkServer(ctx, c, configSources{endpoint: endpoint, endpointFromEnv: stringOr(cfg.Endpoint, "") == "",
			tokenFromEnv: stringOr(cfg.Token, "") == ""}, resp)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
	resp.ActionData = data
	resp.ListResourceData = data
}

// configAccessGuard reads the preview and guardrail settings; protected_actions are
// judged by internal/access.
func configAccessGuard(ctx context.Context, cfg wardenProviderModel, data *providerData, resp *provider.ConfigureResponse) *accessGuard {
	g := &accessGuard{client: data.Client, notes: data.Plan, grants: data.Grants, enabled: cfg.AccessPreview.IsNull() || cfg.AccessPreview.ValueBool(),
		protectedEnvs: map[string]bool{}}
	protected, ok := setStrings(ctx, cfg.ProtectedActions, &resp.Diagnostics)
	envs, envsOK := setStrings(ctx, cfg.ProtectedEnvironments, &resp.Diagnostics)
	if !ok || !envsOK || cfg.AccessPreview.IsUnknown() {
		resp.Diagnostics.AddError("Unknown Access Guardrails",
			"access_preview, protected_actions and protected_environments must be known when the provider is configured: set them to literals or variables.")
		return nil
	}
	for _, f := range access.ValidateAccessNames("protected_actions", protected) {
		resp.Diagnostics.AddAttributeError(path.Root("protected_actions").AtSetValue(types.StringValue(f.Value)), "Unknown Protected Action", f.String())
	}
	if len(protected) > 0 && !g.enabled {
		resp.Diagnostics.AddAttributeWarning(path.Root("protected_actions"), "Guardrails Off",
			"access_preview = false turns the access preview off, and with it the protected_actions guardrails: no plan is checked against them. "+
				"Remove access_preview = false to check plans.")
	}
	g.protected = slices.Sorted(slices.Values(protected))
	for _, e := range envs {
		g.protectedEnvs[e] = true
	}
	return g
}

// clientLog routes the client's messages (retries, request ids) to tflog with the calling
// RPC's context, so that TF_LOG=debug shows why an apply waited.
func clientLog(ctx context.Context, level, msg string, fields map[string]any) {
	if level == "warn" {
		tflog.Warn(ctx, msg, fields)
		return
	}
	tflog.Debug(ctx, msg, fields)
}

// configSources says where the configuration's endpoint and token came from, for the
// messages that tell a user which one to fix.
type configSources struct {
	endpoint                      string
	endpointFromEnv, tokenFromEnv bool
}

// configureCheckTimeout bounds the configuration's one request, retries included: a server
// that does not answer by then is reported as unreachable.
const configureCheckTimeout = 10 * time.Second

// checkServer makes the configuration's one request, GET /v1/permission-matrix, which every
// authenticated principal may read: its answer proves the endpoint and the token at once.
// A token the API refuses or a server that cannot be reached fails the configuration here,
// once, with the fix; otherwise every resource and data source would fail alike, each after
// its own retries. A server whose permission matrix differs from the one compiled into this
// provider draws one warning: plan-time validation may then be stale.
func (p *wardenProvider) checkServer(ctx context.Context, c *client.Client, src configSources, resp *provider.ConfigureResponse) {
	ctx, cancel := context.WithTimeout(ctx, configureCheckTimeout)
	defer cancel()
	m, err := c.PermissionMatrix(ctx)
	endpointFrom, tokenFrom := "endpoint in the provider block", "token in the provider block"
	if src.endpointFromEnv {
		endpointFrom = "the " + envEndpoint + " environment variable"
	}
	if src.tokenFromEnv {
		tokenFrom = "the " + envToken + " environment variable"
	}
	var apiErr *client.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized:
		resp.Diagnostics.AddAttributeError(path.Root("token"), "Warden Token Rejected",
			fmt.Sprintf("The Warden API at %s did not accept the provider's token, which came from %s (401 %s, request %s): the token "+
				"is mistyped, expired or revoked. Set token in the provider block or the %s environment variable to a valid token: "+
				"mint one for a user with POST /v1/users/{id}/tokens, or, on a server just started, use its bootstrap token (the "+
				"server's WARDEN_BOOTSTRAP_TOKEN).", src.endpoint, tokenFrom, apiErr.Code, apiErr.RequestID, envToken))
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound:
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Not a Warden API",
			fmt.Sprintf("The endpoint %s (from %s) answered GET /v1/permission-matrix with 404 Not Found: it is not the base URL "+
				"of a Warden API. Set endpoint in the provider block or %s to the server's address without /v1, e.g. http://127.0.0.1:8080.",
				src.endpoint, endpointFrom, envEndpoint))
	case errors.As(err, &apiErr):
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Warden API Unavailable",
			fmt.Sprintf("The Warden API at %s (from %s) answered the provider's first request, GET /v1/permission-matrix, with %s. "+
				"Nothing can be planned or applied until it answers: check the server's log for request %s, and try again.",
				src.endpoint, endpointFrom, apiErr, apiErr.RequestID))
	case errors.As(err, new(*tls.CertificateVerificationError)):
		resp.Diagnostics.AddAttributeError(path.Root("ca_certificate"), "Warden API Certificate Not Trusted",
			fmt.Sprintf("The Warden API at %s (from %s) presented a certificate that this provider does not trust: %s. If the server's "+
				"certificate comes from a private certificate authority (or is self-signed), set ca_certificate in the provider block, or "+
				"the %s environment variable, to that authority's PEM certificate.", src.endpoint, endpointFrom, err, envCACertificate))
	case err != nil:
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Warden API Unreachable",
			fmt.Sprintf("The provider could not reach the Warden API at %s (from %s): %s. Check that the server is running "+
				"and that endpoint (in the provider block, or %s) names its address, e.g. http://127.0.0.1:8080.",
				src.endpoint, endpointFrom, unreachableReason(err), envEndpoint))
	case m.Version != access.MatrixVersion:
		resp.Diagnostics.AddWarning("Permission Matrix Version Differs",
			fmt.Sprintf("The Warden server uses permission matrix %s; this provider was built with %s. "+
				"Plan-time validation follows the provider's matrix, and the server judges anything it cannot see. "+
				"Upgrade the provider to match the server, or set matrix_validation = false in the provider block so that names "+
				"this provider does not know draw warnings instead of errors.", m.Version, access.MatrixVersion))
	}
}

// unreachableReason is the client's error for a request that got no answer, with the
// deadline said in words.
func unreachableReason(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer within " + configureCheckTimeout.String() + " (" + err.Error() + ")"
	}
	return err.Error()
}

func (p *wardenProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewEnvironmentResource,
		NewUserResource,
		NewGroupResource,
		NewGroupMemberResource,
		NewRoleResource,
		NewRoleAssignmentResource,
		NewEnvironmentGrantResource,
		NewSupportAccessResource,
		NewAccessRequestApprovalResource,
		NewAlertRoutingResource,
		NewAlertDestinationResource,
	}
}

func (p *wardenProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewEnvironmentDataSource,
		NewUserDataSource,
		NewRoleDataSource,
		NewGroupDataSource,
		NewUsersDataSource,
		NewGroupsDataSource,
		NewRolesDataSource,
		NewEnvironmentsDataSource,
		NewSupportAccessDataSource,
		NewAlertRoutingDataSource,
		NewAlertDeliveriesDataSource,
		NewAccessRequestsDataSource,
		NewPermissionMatrixDataSource,
		NewEffectiveAccessDataSource,
		NewWhoCanDataSource,
	}
}

// EphemeralResources need Terraform 1.10 or OpenTofu 1.11; older CLIs never ask for them.
func (p *wardenProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewTokenEphemeralResource,
	}
}

// ListResources are what `terraform query` lists (Terraform 1.14 and later): each has the
// type name of the resource whose objects it finds.
func (p *wardenProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewEnvironmentListResource,
		NewUserListResource,
		NewGroupListResource,
		NewRoleListResource,
		NewRoleAssignmentListResource,
		NewEnvironmentGrantListResource,
		NewSupportAccessListResource,
		NewAlertRoutingListResource,
	}
}

func (p *wardenProvider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{
		NewAllowedActionsFunction,
		NewPermissionsForFunction,
	}
}

// Actions are Terraform 1.14's: run with terraform apply -invoke, or from a resource's
// lifecycle action_trigger.
func (p *wardenProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{
		NewRevokeVendorAccessAction,
		NewSendTestAlertAction,
	}
}

func stringOr(v types.String, fallback string) string {
	if v.IsNull() || v.ValueString() == "" {
		return fallback
	}
	return v.ValueString()
}

func int64Or(v types.Int64, fallback int64) int64 {
	if v.IsNull() || v.IsUnknown() {
		return fallback
	}
	return v.ValueInt64()
}
