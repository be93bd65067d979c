package provider

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ resource.Resource                   = (*alertRoutingResource)(nil)
	_ resource.ResourceWithConfigure      = (*alertRoutingResource)(nil)
	_ resource.ResourceWithImportState    = (*alertRoutingResource)(nil)
	_ resource.ResourceWithValidateConfig = (*alertRoutingResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*alertRoutingResource)(nil)
	_ resource.ResourceWithIdentity       = (*alertRoutingResource)(nil)
)

// NewAlertRoutingResource returns the warden_alert_routing resource.
func NewAlertRoutingResource() resource.Resource { return &alertRoutingResource{} }

type alertRoutingResource struct {
	client *client.Client
	// plan hears of the routings and environments this plan creates.
	plan *planNotes
}

type alertRoutingResourceModel struct {
	ID            types.String `tfsdk:"id"`
	EnvironmentID types.String `tfsdk:"environment_id"`
	VendorRouting types.Bool   `tfsdk:"vendor_routing"`
	Destinations  types.Set    `tfsdk:"destinations"`
	IngestURL     types.String `tfsdk:"ingest_url"`
	IngestKey     types.String `tfsdk:"ingest_key"`
	SigningSecret types.String `tfsdk:"signing_secret"`
}

type alertDestinationModel struct {
	Type        types.String `tfsdk:"type"`
	Target      types.String `tfsdk:"target"`
	MinSeverity types.String `tfsdk:"min_severity"`
}

var alertDestinationType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"type":         types.StringType,
	"target":       types.StringType,
	"min_severity": types.StringType,
}}

// fromAPI maps the routing and its credentials to the model (the resource's and the data
// source's). Destinations are only taken when this resource manages them: null destinations
// are someone else's (warden_alert_destination, the console), and reading them in would show
// their changes as this resource's drift. Without credentials (a list, which needs no
// cluster.admin) the credential attributes are null.
func (m *alertRoutingResourceModel) fromAPI(ctx context.Context, r *api.AlertRouting, creds *api.AlertCredentials, withDestinations bool) diag.Diagnostics {
	m.ID = types.StringValue(r.EnvironmentID)
	m.EnvironmentID = types.StringValue(r.EnvironmentID)
	m.VendorRouting = types.BoolValue(r.VendorRouting)
	m.IngestURL, m.IngestKey, m.SigningSecret = types.StringNull(), types.StringNull(), types.StringNull()
	if creds != nil {
		m.IngestURL, m.IngestKey, m.SigningSecret = types.StringValue(creds.IngestURL), types.StringValue(creds.IngestKey), types.StringValue(creds.SigningSecret)
	}
	if !withDestinations {
		m.Destinations = types.SetNull(alertDestinationType)
		return nil
	}
	dests := make([]alertDestinationModel, len(r.Destinations))
	for i, d := range r.Destinations {
		dests[i] = alertDestinationModel{
			Type:        types.StringValue(d.Type),
			Target:      types.StringValue(d.Target),
			MinSeverity: types.StringValue(d.MinSeverity),
		}
	}
	set, diags := types.SetValueFrom(ctx, alertDestinationType, dests)
	m.Destinations = set
	return diags
}

// toAPI maps the plan to a PUT body; null destinations are not sent, so that the routing's
// destinations are left to others.
func (m *alertRoutingResourceModel) toAPI(ctx context.Context) (api.AlertRoutingUpdate, diag.Diagnostics) {
	body := api.AlertRoutingUpdate{VendorRouting: m.VendorRouting.ValueBool()}
	if m.Destinations.IsNull() {
		return body, nil
	}
	var dests []alertDestinationModel
	diags := m.Destinations.ElementsAs(ctx, &dests, false)
	out := []api.Destination{}
	for _, d := range dests {
		out = append(out, api.Destination{
			Type:        d.Type.ValueString(),
			Target:      d.Target.ValueString(),
			MinSeverity: d.MinSeverity.ValueString(),
		})
	}
	// A set has no order; sorting keeps the request (and the audit log's before/after) stable.
	body.Destinations = &out
	slices.SortFunc(out, func(a, b api.Destination) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Target, b.Target), cmp.Compare(a.MinSeverity, b.MinSeverity))
	})
	return body, diags
}

func (m *alertRoutingResourceModel) identity() environmentIdentity {
	return environmentIdentity{EnvironmentID: m.EnvironmentID}
}

func (r *alertRoutingResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_alert_routing"
}

func (r *alertRoutingResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An environment's alert routing. Every environment has one from its creation, with system alerts going to the vendor's on-call " +
			"and no customer destinations. This resource adopts it: creating the resource overwrites the routing with the configuration, and " +
			"destroying it restores the default (vendor routing on, no destinations) rather than deleting anything. " +
			"One per environment: the resource claims the routing when it creates it, so a second `warden_alert_routing` for the same " +
			"environment fails the plan (or, where no plan sees both, the API refuses it), and destroying the resource ends the claim. " +
			"Importing the routing takes over the claim. Changing alert routing needs the `cluster.admin` platform permission, and so does reading it " +
			"(the environment's ingest key and signing secret, made with the environment, are read with it).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The environment's id: an environment has exactly one alert routing.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"environment_id": schema.StringAttribute{
				MarkdownDescription: "The environment whose routing this manages. Changing it restores the old environment's default and adopts the new one's.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"vendor_routing": schema.BoolAttribute{
				MarkdownDescription: "Whether system alerts go to the vendor's on-call. Default `true`; set `false` to opt out explicitly. " +
					"For an environment created in the same plan, set `initial_vendor_routing = false` on its `warden_environment` too, so that it " +
					"is created opted out (the plan fails otherwise): this resource can only switch vendor routing off once the environment exists.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"destinations": schema.SetNestedAttribute{
				MarkdownDescription: "The customer's own alert destinations. When set (even to `[]`) it is complete (authoritative): " +
					"destinations set outside Terraform are removed. When left out, this resource does not manage destinations: they " +
					"stay as they are, and `warden_alert_destination` resources may add them one at a time. Use one or the other for " +
					"an environment, not both: the plan fails when the environment already has destinations from " +
					"`warden_alert_destination`. A set, so their order never causes a diff. Terraform cannot hide one element of a " +
					"set, so targets here show in plans: declare a webhook whose URL carries a secret with `warden_alert_destination`, " +
					"whose `target` is sensitive.",
				Optional: true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"type": schema.StringAttribute{
							MarkdownDescription: "Where alerts are delivered: " + mdList(access.DestinationTypeNames()) + ".",
							Required:            true,
							Validators:          []validator.String{oneOf(access.DestinationTypeNames()...)},
						},
						"target": schema.StringAttribute{
							MarkdownDescription: "For `webhook`, an absolute `http://` or `https://` URL; for `email`, a bare address such as `oncall@example.com`. Checked at plan time.",
							Required:            true,
						},
						"min_severity": schema.StringAttribute{
							MarkdownDescription: "Alerts below this severity are not sent here: " + mdList(access.AlertSeverityNames()) +
								". Default `" + access.DefaultMinSeverity + "`, so that informational alerts are opt-in.",
							Optional:   true,
							Computed:   true,
							Default:    stringdefault.StaticString(access.DefaultMinSeverity),
							Validators: []validator.String{oneOf(access.AlertSeverityNames()...)},
						},
					},
				},
			},
			"ingest_url":     ingestURLAttribute(),
			"ingest_key":     ingestKeyAttribute(),
			"signing_secret": signingSecretAttribute(),
		},
	}
}

// The credential attributes, in the words the data source uses too. Stable until rotated:
// a rotation outside Terraform shows as a change at the next refresh.
func ingestURLAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: ingestURLDescription,
		Computed:            true,
		Sensitive:           true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

func ingestKeyAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: ingestKeyDescription,
		Computed:            true,
		Sensitive:           true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

func signingSecretAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: signingSecretDescription,
		Computed:            true,
		Sensitive:           true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

const (
	ingestURLDescription = "Where the environment's monitoring system posts its alerts (an Alertmanager `webhook_config` url, a Grafana " +
		"webhook contact point), with `ingest_key` as bearer token. The server's own address (its `-public-url` when set) followed by " +
		"`/v1/environments/<id>/alerts`. Sensitive, like the key it is used with."
	ingestKeyDescription = "The bearer secret (`wik_…`) that the environment's alerts are sent with; also the `routing_key` of PagerDuty " +
		"Events v2 bodies. Made with the environment; rotated with `POST /v1/environments/<id>/alert-routing/ingest-key/rotate`, " +
		"after which the old key stops at once. Sensitive."
	signingSecretDescription = "The Standard Webhooks signing secret (`whsec_` + base64 of 32 random bytes) that the environment's webhook " +
		"deliveries are signed with; a receiver verifies the `webhook-signature` header with it. Made with the environment; rotated with " +
		"`POST /v1/environments/<id>/alert-routing/signing-secret/rotate`, after which deliveries are signed with the old secret too for 24 hours. Sensitive."
)

func (r *alertRoutingResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = environmentIdentitySchema("alert routing")
}

// ValidateConfig checks the destinations with internal/access, as the API will: each target
// against its type, and no target twice. Each finding lands on the target of the element at
// fault. Bad types and severities are the OneOf validators' to report.
func (r *alertRoutingResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var dests types.Set
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("destinations"), &dests)...)
	if resp.Diagnostics.HasError() || dests.IsNull() || dests.IsUnknown() {
		return
	}
	var (
		elems []basetypes.ObjectValue
		ds    []access.AlertDestination
	)
	for _, elem := range dests.Elements() {
		obj, ok := elem.(basetypes.ObjectValue)
		if !ok || obj.IsNull() || obj.IsUnknown() {
			continue
		}
		typ, typOK := knownString(obj.Attributes()["type"])
		target, targetOK := knownString(obj.Attributes()["target"])
		if !typOK || !targetOK {
			continue
		}
		sev, ok := knownString(obj.Attributes()["min_severity"])
		if !ok {
			sev = access.DefaultMinSeverity
		}
		elems = append(elems, obj)
		ds = append(ds, access.AlertDestination{Type: typ, Target: target, MinSeverity: sev})
	}
	var fs []access.Finding
	for _, f := range access.ValidateAlertDestinations(ds) {
		if strings.HasSuffix(f.Field, ".target") {
			fs = append(fs, f)
		}
	}
	addFindings(&resp.Diagnostics, fs, func(f access.Finding) path.Path {
		var i int
		if _, err := fmt.Sscanf(f.Field, "destinations[%d]", &i); err != nil || i < 0 || i >= len(elems) {
			return path.Root("destinations")
		}
		return path.Root("destinations").AtSetValue(elems[i]).AtName("target")
	}, true)
}

// knownString returns a string attribute's value; ok is false while it is null or unknown.
func knownString(v attr.Value) (string, bool) {
	s, ok := v.(basetypes.StringValue)
	if !ok || s.IsNull() || s.IsUnknown() {
		return "", false
	}
	return s.ValueString(), true
}

// ModifyPlan fails, as early as the facts allow, a plan that the API would refuse or that
// would do what the configuration says it must not:
//   - a second warden_alert_routing for one environment (access.CanClaimRouting): another
//     create of this plan, or a claim the API already records for another resource;
//   - destinations made authoritative on an environment that already has destinations added by
//     warden_alert_destination: applying it would remove them. Creating this resource adopts
//     a routing that already exists, so creation is checked as well as the switch from
//     unmanaged to managed;
//   - an opt-out of vendor routing for an environment created in this plan with vendor
//     routing on: the opt-out would come only after the first moment of the environment.
func (r *alertRoutingResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.client == nil {
		return
	}
	var plan alertRoutingResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.EnvironmentID.IsUnknown() {
		if req.State.Raw.IsNull() {
			r.checkOptOutAtCreation(plan, &resp.Diagnostics)
		}
		return
	}
	env := plan.EnvironmentID.ValueString()
	if req.State.Raw.IsNull() {
		r.checkNewClaim(ctx, env, heldClaim(ctx, req.Private), plan, &resp.Diagnostics)
		return
	}
	var state alertRoutingResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.checkHeldClaim(ctx, env, req, &resp.Diagnostics)
	if !plan.Destinations.IsNull() && state.Destinations.IsNull() && !resp.Diagnostics.HasError() {
		if routing, name, ok := r.routingAndName(ctx, env); ok {
			checkDestinationsMode(routing, name, &resp.Diagnostics)
		}
	}
}

// checkOptOutAtCreation fails the opt-out of an environment whose id is not known yet when
// every environment this plan creates is created with vendor routing on: this routing's
// environment, planned before it, is one of them.
func (r *alertRoutingResource) checkOptOutAtCreation(plan alertRoutingResourceModel, diags *diag.Diagnostics) {
	if plan.VendorRouting.IsUnknown() || plan.VendorRouting.ValueBool() || !r.plan.everyNewEnvironmentRoutes() {
		return
	}
	diags.AddAttributeError(path.Root("vendor_routing"), "Vendor Routing Opt-Out Comes After the Environment's Creation",
		"This warden_alert_routing opts out of vendor routing for an environment that this plan creates with vendor routing on: "+
			"the opt-out could only be applied once the environment exists, and an alert received in between would page the "+
			"vendor's on-call. Set initial_vendor_routing = false on the warden_environment as well, so that the environment is "+
			"created opted out and never routes an alert to the vendor.")
}

// checkNewClaim fails the create of a routing that another warden_alert_routing claims, in this
// plan or (as the API records) elsewhere, and one whose destinations are managed the other way.
// held is the claim of the instance this create replaces, which is no other resource's.
func (r *alertRoutingResource) checkNewClaim(ctx context.Context, env, held string, plan alertRoutingResourceModel, diags *diag.Diagnostics) {
	twice := !r.plan.claimRouting(env)
	routing, name, ok := r.routingAndName(ctx, env)
	if twice {
		d := access.RoutingClaimedTwice(name)
		diags.AddAttributeError(path.Root("environment_id"), "Alert Routing Managed Twice", d.Message)
		return
	}
	if !ok {
		return // The apply will meet the same answer and report it.
	}
	if routing.ClaimID != held {
		if d := access.CanClaimRouting(name, routingClaimOf(routing), access.RoutingClaimNew); d != nil {
			diags.AddAttributeError(path.Root("environment_id"), "Alert Routing Managed Twice", d.Message)
			return
		}
	}
	if !plan.Destinations.IsNull() {
		checkDestinationsMode(routing, name, diags)
	}
}

// checkHeldClaim reports a routing that the last refresh saw claimed by another
// warden_alert_routing than this one: an error when this plan would write to it (the API
// would refuse the write), a warning when it would not.
func (r *alertRoutingResource) checkHeldClaim(ctx context.Context, env string, req resource.ModifyPlanRequest, diags *diag.Diagnostics) {
	held, seen := heldClaim(ctx, req.Private), privateString(ctx, req.Private, privateClaimSeenKey)
	if seen == "" || seen == held {
		return
	}
	routing, name, ok := r.routingAndName(ctx, env)
	if !ok {
		return
	}
	d := access.CanClaimRouting(name, routingClaimOf(routing), claimFor(held))
	switch {
	case d == nil:
	case req.Plan.Raw.Equal(req.State.Raw):
		diags.AddAttributeWarning(path.Root("environment_id"), "Alert Routing Managed Twice",
			d.Message+" This plan changes nothing, but any change this warden_alert_routing makes will be refused.")
	default:
		diags.AddAttributeError(path.Root("environment_id"), "Alert Routing Managed Twice", d.Message)
	}
}

// routingAndName reads env's routing and its name (for messages; the id when it cannot be
// read); ok is false when the routing cannot be read.
func (r *alertRoutingResource) routingAndName(ctx context.Context, env string) (*api.AlertRouting, string, bool) {
	name := env
	if e, err := r.client.GetEnvironment(ctx, env); err == nil {
		name = e.Name
	}
	routing, err := r.client.GetAlertRouting(ctx, env)
	return routing, name, err == nil
}

// checkDestinationsMode fails authoritative destinations on a routing whose destinations
// warden_alert_destination adds one at a time.
func checkDestinationsMode(routing *api.AlertRouting, name string, diags *diag.Diagnostics) {
	if d := access.CanWriteDestinations(name, access.ListMode(routing.DestinationsMode), access.ModeAuthoritative, len(routing.Destinations)); d != nil {
		diags.AddAttributeError(path.Root("destinations"), "Destinations Managed Two Ways", d.Message)
	}
}

func routingClaimOf(r *api.AlertRouting) access.RoutingClaim {
	return access.RoutingClaim{ID: r.ClaimID, ClaimedAt: r.ClaimedAt}
}

// The claim (access.CanClaimRouting) lives in private state: the one this resource holds,
// and the one the last read saw, which differ when another warden_alert_routing holds the
// routing.
const (
	privateClaimKey     = "claim"
	privateClaimSeenKey = "claim_seen"
)

// heldClaim is the claim this resource holds: "" before its first write (a state from an
// older provider, an import of an unclaimed routing).
func heldClaim(ctx context.Context, p privateReader) string {
	return privateString(ctx, p, privateClaimKey)
}

// claimFor is the claim a write is made under: the one held, or a new one.
func claimFor(held string) string { return cmp.Or(held, access.RoutingClaimNew) }

// privateString reads a string that setPrivateString recorded; "" when there is none.
func privateString(ctx context.Context, p privateReader, key string) string {
	b, diags := p.GetKey(ctx, key)
	var v string
	if diags.HasError() || len(b) == 0 || json.Unmarshal(b, &v) != nil {
		return ""
	}
	return v
}

// setPrivateString records v under key, as JSON (private state holds JSON values only).
func setPrivateString(ctx context.Context, p privateWriter, key, v string, diags *diag.Diagnostics) {
	b, err := json.Marshal(v)
	if err != nil {
		diags.AddError("Unable to Record Private State", err.Error())
		return
	}
	diags.Append(p.SetKey(ctx, key, b)...)
}

// saveClaim records routing's claim as held (after this resource's own write, or an import,
// which takes over the claim it finds) and as seen.
func saveClaim(ctx context.Context, p privateWriter, routing *api.AlertRouting, held bool, diags *diag.Diagnostics) {
	if held {
		setPrivateString(ctx, p, privateClaimKey, routing.ClaimID, diags)
	}
	setPrivateString(ctx, p, privateClaimSeenKey, routing.ClaimID, diags)
}

func (r *alertRoutingResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		r.client = d.Client
		r.plan = d.Plan
	}
}

// Create adopts the routing the environment already has: there is nothing to create, so it
// overwrites whatever is there with the plan, without If-Match, under a new claim, which
// the API grants only while no other warden_alert_routing holds one.
func (r *alertRoutingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan alertRoutingResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.put(ctx, plan, 0, false, access.RoutingClaimNew, "Create Alert Routing", &resp.State, resp.Private, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

func (r *alertRoutingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state alertRoutingResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Identity.Set(ctx, state.identity())...)
	routing, err := r.client.GetAlertRouting(ctx, state.EnvironmentID.ValueString())
	// NotFound: only a deleted environment takes its routing with it.
	if !readFound(ctx, err, resp, "Read Alert Routing") {
		return
	}
	// Just imported, destinations belong in the state when they are owned as a whole (a
	// configuration importing such a routing lists them); otherwise they are someone else's.
	imported, diags := req.Private.GetKey(ctx, privateImportKey)
	resp.Diagnostics.Append(diags...)
	withDests := !state.Destinations.IsNull() || (len(imported) > 0 && routing.DestinationsMode == string(access.ModeAuthoritative))
	if len(imported) > 0 {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImportKey, nil)...)
		warnImportedClaim(routing, &resp.Diagnostics)
	}
	creds, ok := r.credentials(ctx, state.EnvironmentID.ValueString(), "Read Alert Routing", &resp.Diagnostics)
	if !ok {
		return
	}
	resp.Diagnostics.Append(state.fromAPI(ctx, routing, creds, withDests)...)
	saveVersion(ctx, resp.Private, routing.Version, &resp.Diagnostics)
	saveClaim(ctx, resp.Private, routing, len(imported) > 0, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// warnImportedClaim says, of an import, that it takes over the claim of the
// warden_alert_routing that manages the routing: the fix of a claim whose resource is gone, and
// a surprise when that resource still exists elsewhere.
func warnImportedClaim(routing *api.AlertRouting, diags *diag.Diagnostics) {
	if routing.ClaimID == "" {
		return
	}
	since := ""
	if routing.ClaimedAt != nil {
		since = " since " + routing.ClaimedAt.UTC().Format(time.RFC3339)
	}
	diags.AddAttributeWarning(path.Root("environment_id"), "Imported Alert Routing Was Managed",
		fmt.Sprintf("Environment %s's alert routing has been managed by a warden_alert_routing%s (claim %s), and this import takes "+
			"over its claim. If that resource still exists in another configuration, remove it there without destroying it "+
			"(a removed block with lifecycle { destroy = false }), or the two will overwrite each other's settings.",
			routing.EnvironmentID, since, routing.ClaimID))
}

func (r *alertRoutingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state alertRoutingResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Destinations left out of a configuration that listed them: they stay, but are no
	// longer this resource's, so warden_alert_destination may add to them.
	release := plan.Destinations.IsNull() && !state.Destinations.IsNull()
	r.put(ctx, plan, savedVersion(ctx, req.Private), release, claimFor(heldClaim(ctx, req.Private)), "Update Alert Routing",
		&resp.State, resp.Private, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, plan.identity())...)
}

// put writes plan as the environment's complete routing under claim and records the result.
func (r *alertRoutingResource) put(ctx context.Context, plan alertRoutingResourceModel, ifMatch int64, release bool, claim, op string,
	state *tfsdk.State, private privateWriter, diags *diag.Diagnostics,
) {
	body, d := plan.toAPI(ctx)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	body.ReleaseDestinations = release
	body.Claim = claim
	routing, err := r.client.PutAlertRouting(ctx, plan.EnvironmentID.ValueString(), body, ifMatch)
	if err != nil {
		addAPIError(diags, op, err)
		return
	}
	creds, ok := r.credentials(ctx, plan.EnvironmentID.ValueString(), op, diags)
	if !ok {
		return
	}
	diags.Append(plan.fromAPI(ctx, routing, creds, body.Destinations != nil)...)
	saveVersion(ctx, private, routing.Version, diags)
	saveClaim(ctx, private, routing, true, diags)
	diags.Append(state.Set(ctx, &plan)...)
}

// credentials reads the environment's alert credentials for op, explaining a refusal.
func (r *alertRoutingResource) credentials(ctx context.Context, envID, op string, diags *diag.Diagnostics) (*api.AlertCredentials, bool) {
	return readAlertCredentials(ctx, r.client, envID, op, diags)
}

// readAlertCredentials is the resource's read of an environment's credentials; a 403 gets
// advice on the permission it needs.
func readAlertCredentials(ctx context.Context, c *client.Client, envID, op string, diags *diag.Diagnostics) (*api.AlertCredentials, bool) {
	creds, err := c.AlertCredentials(ctx, envID)
	if err != nil {
		addAPIErrorAt(diags, op, err, credentialsAdvice)
		return nil, false
	}
	return creds, true
}

// credentialsAdvice says, of a 403, that reading the alert credentials needs cluster.admin.
var credentialsAdvice = clusterAdminAdvice("warden_alert_routing reads the environment's ingest key and signing secret, " +
	"which only a holder of the cluster.admin platform permission may read.")

// clusterAdminAdvice is addAPIErrorAt's advice for an operation only cluster.admin may make:
// on a 403, why it needs that permission and how to configure a token that holds it.
func clusterAdminAdvice(why string) func(*client.APIError) (path.Path, string) {
	return func(e *client.APIError) (path.Path, string) {
		if e.Status == http.StatusForbidden {
			return path.Empty(), why + " Configure the provider with the token of a user holding cluster.admin (directly or through a group's role)."
		}
		return path.Empty(), ""
	}
}

// Delete restores the default routing and ends this resource's claim: the routing belongs to
// the environment and cannot be deleted, and an environment without the resource gets the
// default again. Destinations this resource did not manage are not its to remove: then only
// vendor routing is restored. A routing that another warden_alert_routing claims is that
// one's: it is left as it is.
func (r *alertRoutingResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state alertRoutingResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	env, claim := state.EnvironmentID.ValueString(), claimFor(heldClaim(ctx, req.Private))
	var err error
	if state.Destinations.IsNull() {
		_, err = r.client.PutAlertRouting(ctx, env, api.AlertRoutingUpdate{VendorRouting: true, Claim: claim, EndClaim: true},
			savedVersion(ctx, req.Private))
	} else {
		err = r.client.ResetAlertRouting(ctx, env, claim, savedVersion(ctx, req.Private))
	}
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && apiErr.Code == access.CodeRoutingClaimed {
		resp.Diagnostics.AddWarning("Alert Routing Left to Another Resource",
			fmt.Sprintf("Environment %s's alert routing is managed by another warden_alert_routing (the API answered 409 %s, "+
				"request %s), so destroying this one leaves the routing as that one set it instead of restoring the default.",
				env, apiErr.Code, apiErr.RequestID))
		return
	}
	addDeleteError(&resp.Diagnostics, "Restore Default Alert Routing", err)
}

// ImportState takes the environment's id, as the import id or as the identity's environment_id.
func (r *alertRoutingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	envID, ok := importedID(ctx, req, "environment_id", "<environment_id>", "Unable to Import Alert Routing", &resp.Diagnostics)
	if !ok {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), envID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("environment_id"), envID)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, environmentIdentity{EnvironmentID: types.StringValue(envID)})...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImportKey, []byte("1"))...)
}
