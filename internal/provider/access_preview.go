package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// The plan says who gains and loses access. Each resource whose planned change alters access
// describes it (plannedAccess) from its state and plan in ModifyPlan; accessGuard asks the API
// for the preview of that change (POST /v1/access-preview, computed by the engine on a copy
// of the policy) and adds one warning naming who gains and loses what where, then applies
// the provider's guardrails: a protected action newly given, and not acknowledged by the
// resource, fails the plan. A plan that changes nothing describes nothing and calls nothing.

// accessGuard is the provider's preview and guardrail settings, shared by every resource.
type accessGuard struct {
	client *client.Client
	notes  *planNotes
	grants *grantReader
	// enabled is access_preview: false turns previews and guardrails off.
	enabled bool
	// protected are protected_actions, sorted; protectedEnvs protected_environments by name
	// (empty: every environment).
	protected     []string
	protectedEnvs map[string]bool
}

// plannedAccess is what one resource's planned change does to access.
type plannedAccess struct {
	// changes is the change as the preview API takes it; nil when the change alters no access.
	changes []api.AccessChange
	// pending, when set, says why the change cannot be previewed before apply (an id known
	// only then); changes are then not sent.
	pending string
	// at is the attribute whose change causes it (the resource's root for a deletion).
	at path.Path
	// guardOnly, for a pending change, leaves out the warning: only the guardrails judge it
	// (a new role gives nobody anything until something of this plan assigns it).
	guardOnly bool
	// ack is the resource's acknowledge_new_access.
	ack []string
	// could says, for a change that cannot be previewed, what it could give; nil: nothing
	// the guardrails judge (e.g. a role created in this plan gives only what its own grants,
	// judged on them, give).
	could func(ctx context.Context) (couldGive, error)
}

// couldGive is what a change that cannot be previewed could give: access names by the
// environment name they would be given in; platformScope names platform permissions and
// unknownEnvironment an environment not known yet.
type couldGive map[string][]string

const (
	platformScope      = ""
	unknownEnvironment = "\x00unknown"
)

// acknowledgeAttribute is every access-altering resource's acknowledge_new_access.
func acknowledgeAttribute() schema.SetAttribute {
	return schema.SetAttribute{
		MarkdownDescription: "Protected access this resource is meant to give: matrix actions (`databases.read_credentials`), tier capabilities " +
			"(`co_maintainer.apply_workspace`) or platform permissions (`cluster.admin`) named in the provider's `protected_actions`. " +
			"A plan in which this resource gives anyone new protected access fails unless each such name is listed here. " +
			"Checked by the provider only; never sent to the API, so changing it changes nothing there (an import leaves it null).",
		Optional:    true,
		ElementType: typesString,
		Validators:  []validator.Set{accessNamesValidator{}},
	}
}

// configOnly keeps a configuration-only set as configured, and null where a model is made
// from the API alone (an import, a list resource) or the value is not known yet.
func configOnly(s types.Set) types.Set {
	if s.IsNull() || s.IsUnknown() {
		return types.SetNull(typesString)
	}
	return s
}

// ackOf reads acknowledge_new_access (unknown elements acknowledge nothing).
func ackOf(ctx context.Context, s types.Set) []string {
	var diags diag.Diagnostics
	out, _ := setStrings(ctx, s, &diags)
	return out
}

// review previews a resource's planned change and judges it against the guardrails.
func (g *accessGuard) review(ctx context.Context, pa plannedAccess, diags *diag.Diagnostics) {
	// A plan the resource's own checks fail already says what is wrong with it.
	if g == nil || !g.enabled || g.notes.applying() || diags.HasError() || (len(pa.changes) == 0 && pa.pending == "") {
		return
	}
	if pa.pending == "" {
		p, err := g.client.PreviewAccess(ctx, pa.changes)
		if err == nil {
			if summary, detail, ok := previewWarning(p); ok {
				diags.AddAttributeWarning(pa.at, summary, detail)
			}
			if gains := protectedGains(p, g.protected, g.protectedEnvs, pa.ack); len(gains) > 0 {
				diags.AddAttributeError(pa.at, "Protected Access Not Acknowledged", guardDetail(gains))
			}
			return
		}
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnprocessableEntity || apiErr.Code != access.CodeUnknownObject {
			g.previewFailed(ctx, pa, err, diags)
			return
		}
		pa.pending = g.unknownObject(apiErr)
	}
	if !pa.guardOnly {
		diags.AddAttributeWarning(pa.at, "Access Change Not Previewed Yet",
			"Who gains and loses access through this change is known only after apply: "+pa.pending+". Plan again after apply to see it.")
	}
	g.guardPending(ctx, pa, diags)
}

// unknownObject says which object of a refused preview is created in this plan: a user by
// its e-mail when a warden_user of this plan plans its id.
func (g *accessGuard) unknownObject(e *client.APIError) string {
	for _, f := range e.Findings {
		if f.Code != access.CodeUnknownObject {
			continue
		}
		if u, ok := g.notes.plannedUser(f.Value); ok {
			return fmt.Sprintf("user %s is created in this plan", u.Email)
		}
		field := f.Field[strings.LastIndexByte(f.Field, '.')+1:]
		return fmt.Sprintf("%s %q does not exist on the server yet (is it created in this plan?)", strings.TrimSuffix(field, "_id"), f.Value)
	}
	return "an object it names does not exist yet (it is created in this plan)"
}

// previewFailed reports a preview the API could not make (an older server without the
// preview, a token that may not read the access of those it reaches). Without guardrails it
// is only a warning; with them, a change that could give protected access fails, since the
// gate cannot judge it.
func (g *accessGuard) previewFailed(ctx context.Context, pa plannedAccess, err error, diags *diag.Diagnostics) {
	why := err.Error()
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
		why = "this Warden server has no access preview (POST /v1/access-preview); upgrade it"
	}
	if len(g.protected) == 0 {
		diags.AddAttributeWarning(pa.at, "Access Change Could Not Be Previewed",
			"The plan cannot say who gains and loses access through this change: "+why+". Set access_preview = false in the provider block to stop asking.")
		return
	}
	pa.pending = "the Warden API could not preview it (" + why + ")"
	g.guardPending(ctx, pa, diags)
}

// guardPending fails a change that cannot be previewed but could give protected access in a
// protected (or not yet known) environment, unless the resource acknowledges it: a gate must
// not be bypassed by creating a role, its grant and its assignment in one plan.
func (g *accessGuard) guardPending(ctx context.Context, pa plannedAccess, diags *diag.Diagnostics) {
	if len(g.protected) == 0 || pa.could == nil {
		return
	}
	could, err := pa.could(ctx)
	if err != nil {
		diags.AddAttributeError(pa.at, "Protected Access Not Judged",
			fmt.Sprintf("This change cannot be previewed (%s), and what it could give could not be read: %s. "+
				"The guardrails (protected_actions) cannot judge it; retry the plan.", pa.pending, err))
		return
	}
	var lines []string
	for _, where := range slices.Sorted(maps.Keys(could)) {
		names := protectedAmong(could[where], g.protected, pa.ack)
		if len(names) == 0 || (where != platformScope && where != unknownEnvironment && !g.envProtected(where)) {
			continue
		}
		switch where {
		case platformScope:
			lines = append(lines, bounded(names, maxActions)+" (platform permissions)")
		case unknownEnvironment:
			lines = append(lines, bounded(names, maxActions)+" in an environment not known until apply")
		default:
			lines = append(lines, bounded(names, maxActions)+" in "+where)
		}
	}
	if len(lines) == 0 {
		return
	}
	all := map[string]bool{}
	for _, names := range could {
		for _, n := range protectedAmong(names, g.protected, pa.ack) {
			all[n] = true
		}
	}
	diags.AddAttributeError(pa.at, "Protected Access Not Acknowledged",
		fmt.Sprintf("This change could give protected access (the provider's protected_actions): %s; but who gains it cannot be known until apply, "+
			"because %s. If that is intended, add acknowledge_new_access = [%s] to this resource; otherwise remove the change, "+
			"or apply what it depends on first and plan again.", strings.Join(lines, "; "), pa.pending, quotedList(slices.Sorted(maps.Keys(all)))))
}

func (g *accessGuard) envProtected(name string) bool {
	return len(g.protectedEnvs) == 0 || g.protectedEnvs[name]
}

// protectedAmong is which of names are protected and not acknowledged, sorted.
func protectedAmong(names, protected, ack []string) []string {
	var out []string
	for _, n := range names {
		if slices.Contains(protected, n) && !slices.Contains(ack, n) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// protectedGain is one protected name newly given, where, to whom (e-mails, sorted).
type protectedGain struct {
	Name, Where string // Where: the environment's name, "" for a platform permission
	Emails      []string
}

// protectedGains lists the protected names the preview gives anyone, in a protected
// environment (platform permissions anywhere), that ack does not acknowledge.
func protectedGains(p *api.AccessPreview, protected []string, envs map[string]bool, ack []string) []protectedGain {
	var out []protectedGain
	add := func(name, where, email string) {
		if !slices.Contains(protected, name) || slices.Contains(ack, name) {
			return
		}
		for i := range out {
			if out[i].Name == name && out[i].Where == where {
				out[i].Emails = append(out[i].Emails, email)
				return
			}
		}
		out = append(out, protectedGain{Name: name, Where: where, Emails: []string{email}})
	}
	for _, e := range p.Environments {
		if len(envs) > 0 && !envs[e.EnvironmentName] {
			continue
		}
		for _, u := range e.Users {
			for _, g := range u.Gained {
				add(g.Action, e.EnvironmentName, u.Email)
			}
		}
	}
	for _, u := range p.Platform {
		for _, g := range u.Gained {
			add(g.Permission, "", u.Email)
		}
	}
	for i := range out {
		slices.Sort(out[i].Emails)
	}
	slices.SortFunc(out, func(a, b protectedGain) int { return strings.Compare(a.Where+"\x00"+a.Name, b.Where+"\x00"+b.Name) })
	return out
}

// guardDetail names who gains which protected access where, and the two fixes.
func guardDetail(gains []protectedGain) string {
	var lines []string
	names := map[string]bool{}
	for _, g := range gains {
		where := "in " + g.Where
		if g.Where == "" {
			where = "(a platform permission)"
		}
		lines = append(lines, fmt.Sprintf("%s %s to %s: %s", g.Name, where, users(len(g.Emails)), bounded(g.Emails, maxEmails)))
		names[g.Name] = true
	}
	return fmt.Sprintf("This change gives protected access (the provider's protected_actions): %s. "+
		"If that is intended, add acknowledge_new_access = [%s] to this resource; otherwise remove the change.",
		strings.Join(lines, "; "), quotedList(slices.Sorted(maps.Keys(names))))
}

// The bounds of the lists a warning prints.
const (
	maxEmails  = 5
	maxActions = 6
)

// previewWarning is the plan warning of a preview: the summary counts who gains and who
// loses, the detail says what, one sentence per environment (by name) and one for platform
// permissions, users by e-mail. Users who gain (or lose) the same names are listed together.
// ok is false when the change gives and takes nothing from anyone.
func previewWarning(p *api.AccessPreview) (summary, detail string, ok bool) {
	gainers, losers := map[string]bool{}, map[string]bool{}
	var sentences []string
	for _, e := range p.Environments {
		var gained, lost []nameGroup
		for _, u := range e.Users {
			gained = addToGroup(gained, actionNames(u.Gained), u.Email)
			lost = addToGroup(lost, actionNames(u.Lost), u.Email)
			if len(u.Gained) > 0 {
				gainers[u.UserID] = true
			}
			if len(u.Lost) > 0 {
				losers[u.UserID] = true
			}
		}
		sentences = append(sentences, "In "+e.EnvironmentName+", this change "+clauses(gained, lost)+".")
	}
	var gained, lost []nameGroup
	for _, u := range p.Platform {
		gained = addToGroup(gained, permissionNames(u.Gained), u.Email)
		lost = addToGroup(lost, permissionNames(u.Lost), u.Email)
		if len(u.Gained) > 0 {
			gainers[u.UserID] = true
		}
		if len(u.Lost) > 0 {
			losers[u.UserID] = true
		}
	}
	if len(gained)+len(lost) > 0 {
		sentences = append(sentences, "Outside any environment (platform permissions), this change "+clauses(gained, lost)+".")
	}
	if len(sentences) == 0 {
		return "", "", false
	}
	var counts []string
	if n := len(gainers); n > 0 {
		counts = append(counts, fmt.Sprintf("%s %s", users(n), verb(n, "gains", "gain")))
	}
	if n := len(losers); n > 0 {
		counts = append(counts, fmt.Sprintf("%s %s", users(n), verb(n, "loses", "lose")))
	}
	return "Access Change: " + strings.Join(counts, ", "), strings.Join(sentences, " "), true
}

// nameGroup is the users (e-mails, in the order met: the preview sorts them) who gain or
// lose the same names.
type nameGroup struct {
	names  []string
	emails []string
}

func addToGroup(gs []nameGroup, names []string, email string) []nameGroup {
	if len(names) == 0 {
		return gs
	}
	for i := range gs {
		if slices.Equal(gs[i].names, names) {
			gs[i].emails = append(gs[i].emails, email)
			return gs
		}
	}
	return append(gs, nameGroup{names: names, emails: []string{email}})
}

// clauses reads "gives 2 users apps.deploy and apps.scale: a@x, b@x; removes apps.ssh from
// 1 user: c@x".
func clauses(gained, lost []nameGroup) string {
	var out []string
	for _, g := range gained {
		out = append(out, fmt.Sprintf("gives %s %s: %s", users(len(g.emails)), bounded(g.names, maxActions), bounded(g.emails, maxEmails)))
	}
	for _, g := range lost {
		out = append(out, fmt.Sprintf("removes %s from %s: %s", bounded(g.names, maxActions), users(len(g.emails)), bounded(g.emails, maxEmails)))
	}
	return strings.Join(out, "; ")
}

// bounded lists at most limit of xs ("a, b and c"), then "(and N more)".
func bounded(xs []string, limit int) string {
	if len(xs) <= limit {
		return access.AndList(xs)
	}
	return fmt.Sprintf("%s (and %d more)", strings.Join(xs[:limit], ", "), len(xs)-limit)
}

func users(n int) string { return fmt.Sprintf("%d %s", n, verb(n, "user", "users")) }

func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func actionNames(items []api.AccessChangeItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Action
	}
	return out
}

func permissionNames(items []api.PlatformChangeItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Permission
	}
	return out
}

func quotedList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

// accessNamesValidator checks acknowledge_new_access against internal/access.
type accessNamesValidator struct{}

func (accessNamesValidator) Description(context.Context) string {
	return "each element is a matrix action, a tier capability or a platform permission"
}

func (v accessNamesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (accessNamesValidator) ValidateSet(ctx context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for _, e := range req.ConfigValue.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		for _, f := range access.ValidateAccessNames("", []string{s.ValueString()}) {
			resp.Diagnostics.AddAttributeError(req.Path.AtSetValue(s), "Unknown Access Name", f.String())
		}
	}
}

// The descriptions of the change kinds a resource's plan turns into.

// supportChange is a warden_support_access as the preview takes it, whole.
func supportChange(m *supportAccessResourceModel) (api.AccessChange, bool) {
	c := api.AccessChange{Kind: string(access.ChangeSupportUpsert), EnvironmentID: m.EnvironmentID.ValueString(), Tier: m.Tier.ValueString(),
		PortForwarding: m.PortForwarding.ValueBool()}
	if m.EnvironmentID.IsUnknown() || m.Tier.IsUnknown() || m.PortForwarding.IsUnknown() || m.ExpiresAt.IsUnknown() || m.RequireApproval.IsUnknown() {
		return c, false
	}
	if t, ok := parseExpiry(m.ExpiresAt); ok {
		c.ExpiresAt = &t
	}
	if !m.RequireApproval.IsNull() {
		c.RequireApproval = m.RequireApproval.ValueBoolPointer()
	}
	return c, true
}

// The reads that say what a change that cannot be previewed could give, made only when
// guardrails are set and the change is pending.

// environmentName is an environment's name, for protected_environments.
func (g *accessGuard) environmentName(ctx context.Context, id string) (string, error) {
	e, err := g.client.GetEnvironment(ctx, id)
	if err != nil {
		return "", err
	}
	return e.Name, nil
}

// inEnvironment is what names could give in the environment envID ("" or unknown: not known yet).
func (g *accessGuard) inEnvironment(ctx context.Context, envID string, unknown bool, names []string) (couldGive, error) {
	if unknown {
		return couldGive{unknownEnvironment: names}, nil
	}
	name, err := g.environmentName(ctx, envID)
	if err != nil {
		return nil, err
	}
	return couldGive{name: names}, nil
}

// protectedEnvironments are the environments the guardrails watch (every one when
// protected_environments is empty).
func (g *accessGuard) protectedEnvironments(ctx context.Context) ([]api.Environment, error) {
	var out []api.Environment
	for e, err := range g.client.ListEnvironmentsSeq(ctx, client.ListEnvironmentsOptions{}) {
		if err != nil {
			return nil, err
		}
		if g.envProtected(e.Name) {
			out = append(out, e)
		}
	}
	return out, nil
}

// platformCould is which protected platform permissions holding perms gives.
func (g *accessGuard) platformCould(perms []string) []string {
	var out []string
	for _, p := range g.protected {
		if access.IsPlatformPermission(p) && access.PlatformAllows(perms, p) {
			out = append(out, p)
		}
	}
	return out
}

// roleCould is what holding an existing role gives: its platform permissions and, in every
// watched environment, what its grant there allows. A built-in owner role gives everything.
func (g *accessGuard) roleCould(ctx context.Context, roleID string) (couldGive, error) {
	role, err := g.client.GetRole(ctx, roleID)
	if err != nil {
		return nil, err
	}
	if role.Builtin {
		return couldGive{unknownEnvironment: g.protected, platformScope: g.protected}, nil
	}
	out := couldGive{platformScope: g.platformCould(role.Permissions)}
	envs, err := g.protectedEnvironments(ctx)
	if err != nil {
		return nil, err
	}
	for _, e := range envs {
		gr, err := g.grants.Get(ctx, e.ID, roleID)
		switch {
		case errors.Is(err, client.ErrNotFound):
		case err != nil:
			return nil, err
		default:
			out[e.Name] = access.AllowedActions(gr.Permissions)
		}
	}
	return out, nil
}

// groupCould is what joining an existing group gives: its effective access in every watched
// environment.
func (g *accessGuard) groupCould(ctx context.Context, groupID string) (couldGive, error) {
	envs, err := g.protectedEnvironments(ctx)
	if err != nil {
		return nil, err
	}
	out := couldGive{}
	for _, e := range envs {
		ea, err := g.client.EffectiveAccess(ctx, e.ID, "", groupID)
		if err != nil {
			return nil, err
		}
		out[e.Name] = ea.Actions
		for _, p := range ea.Platform {
			out[platformScope] = append(out[platformScope], p.Permission)
		}
	}
	return out, nil
}

// planModels reads a resource's prior state and plan: nil for the side that is null (a
// create has no state, a destroy no plan).
func planModels[M any](ctx context.Context, req resource.ModifyPlanRequest, diags *diag.Diagnostics) (state, plan *M) {
	if !req.State.Raw.IsNull() {
		state = new(M)
		diags.Append(req.State.Get(ctx, state)...)
	}
	if !req.Plan.Raw.IsNull() {
		plan = new(M)
		diags.Append(req.Plan.Get(ctx, plan)...)
	}
	return state, plan
}

// known reports whether every value is known.
func known(vs ...attr.Value) bool {
	return !slices.ContainsFunc(vs, attr.Value.IsUnknown)
}

// applied notes, from a resource's Create, Update or Delete, that this configuration of the
// provider applies changes (see planNotes.applied).
func (g *accessGuard) applied() {
	if g != nil {
		g.notes.changeApplied()
	}
}
