package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/ui"
)

// The review page's Source (internal/ui): each question is answered by the API's own
// handlers, called for the signed-in token as if it had sent the matching API request. The
// token is authenticated and the route's check (access.Routes) taken exactly as authenticate
// does, then the handler runs with its rechecks and redactions; nothing here compares a
// permission. A refused page (the object asked for) is audited as the API audits a refused
// request; a refused section of a page is shown as refused, and not audited: the page asks
// for it on its own account, not the reader.

// uiSource answers for the page.
type uiSource struct{ s *Server }

var _ ui.Source = uiSource{}

// uiPage is the size of the pages the source reads lists in.
const uiPage = 1000

// as returns ctx carrying the credential's principal, authorized for the API route method
// path with params (path and query parameters) as authenticate authorizes a request. A
// refusal is returned as the engine's *access.Denial, audited when audit is set; a token
// that no longer authenticates is ui.ErrSignedOut.
func (u uiSource) as(ctx context.Context, c ui.Credential, method, path string, params map[string]string, audit bool) (context.Context, error) {
	s := u.s
	route, ok := access.RouteFor(method, path)
	if !ok {
		panic("apiserver: the review page reads " + method + " " + path + ", which is missing from access.Routes")
	}
	if params == nil {
		params = map[string]string{}
	}
	a := &authState{hash: string(c), route: route, params: params}
	var denial *access.Denial
	if err := s.read(ctx, func(pol *access.Policy) error {
		if p, ok := pol.Authenticate(a.hash, s.now()); ok {
			a.p, a.gen = p, s.state.gen
			denial = route.Check(pol, p, func(name string) string { return params[name] })
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if a.p == nil {
		return nil, ui.ErrSignedOut
	}
	rctx := context.WithValue(ctx, principalKey{}, a)
	if denial != nil {
		if audit {
			s.auditRefusal(withUIRequest(rctx, method, path), denial)
		}
		return nil, denial
	}
	return rctx, nil
}

// withUIRequest names the API route a refused page stood for in the audit event, beside the
// page's own path.
func withUIRequest(ctx context.Context, method, path string) context.Context {
	ri := requestInfoFrom(ctx)
	if ri == nil {
		return ctx
	}
	cp := *ri
	cp.method, cp.path = method, path+" (review page "+ri.path+")"
	return context.WithValue(ctx, requestInfoKey{}, &cp)
}

// uiErr turns a handler's error into what the page shows.
func uiErr(err error) error {
	var d *access.Denial
	var pe *problemError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ui.ErrSignedOut):
		return err
	case errors.As(err, &d):
		if d.Kind == access.Unauthenticated {
			return ui.ErrSignedOut
		}
		p := denialProblem(d)
		return &ui.Problem{Status: p.Status, Detail: p.Detail}
	case errors.As(err, &pe):
		if pe.Status == http.StatusUnauthorized {
			return ui.ErrSignedOut
		}
		return &ui.Problem{Status: pe.Status, Detail: pe.Detail}
	}
	return err
}

// refusal is why a section is not shown, or "" when err is not a refusal.
func refusal(err error) string {
	var d *access.Denial
	var pe *problemError
	switch {
	case errors.As(err, &d) && d.Kind != access.Unauthenticated:
		return d.Message
	case errors.As(err, &pe) && pe.Status == http.StatusForbidden:
		return pe.Detail
	}
	return ""
}

// section is v, or the refusal that err is; any other error fails the page.
func section[T any](v T, err error) (ui.Section[T], error) {
	if err == nil {
		return ui.Section[T]{Value: v}, nil
	}
	if why := refusal(err); why != "" {
		return ui.Section[T]{Refused: why}, nil
	}
	return ui.Section[T]{}, uiErr(err)
}

// all reads every page of a list.
func all[T any](fetch func(cursor string) (*listOutput[T], error)) ([]T, error) {
	var out []T
	cursor := ""
	for {
		o, err := fetch(cursor)
		if err != nil {
			return nil, err
		}
		out = append(out, o.Body.Items...)
		if o.Body.NextCursor == "" {
			return out, nil
		}
		cursor = o.Body.NextCursor
	}
}

func page(cursor string) PageParams { return PageParams{Limit: uiPage, Cursor: cursor} }

func (u uiSource) SignIn(ctx context.Context, token string) (ui.Credential, ui.Principal, error) {
	c := ui.Credential(hashToken(token))
	var who ui.Principal
	if err := u.s.read(ctx, func(pol *access.Policy) error {
		if p, ok := pol.Authenticate(string(c), u.s.now()); ok {
			who = ui.Principal{UserID: p.User.ID, Email: p.User.Email, Kind: string(p.User.Kind)}
		}
		return nil
	}); err != nil {
		return "", ui.Principal{}, err
	}
	if who.UserID == "" {
		return "", ui.Principal{}, ui.ErrSignedOut
	}
	if usr, err := u.user(ctx, c, who.UserID); err == nil {
		who.Name = usr.Name
	}
	return c, who, nil
}

func (u uiSource) user(ctx context.Context, c ui.Credential, id string) (api.User, error) {
	ctx, err := u.as(ctx, c, http.MethodGet, "/v1/users/{id}", map[string]string{"id": id}, true)
	if err != nil {
		return api.User{}, err
	}
	out, err := u.s.getUser(ctx, &userIDInput{ID: id})
	if err != nil {
		return api.User{}, err
	}
	return out.Body, nil
}

func (u uiSource) environments(ctx context.Context, c ui.Credential, audit bool) ([]api.Environment, error) {
	ctx, err := u.as(ctx, c, http.MethodGet, "/v1/environments", nil, audit)
	if err != nil {
		return nil, err
	}
	return all(func(cursor string) (*listOutput[api.Environment], error) {
		return u.s.listEnvironments(ctx, &envListInput{PageParams: page(cursor)})
	})
}

func (u uiSource) Environments(ctx context.Context, c ui.Credential) ([]api.Environment, error) {
	envs, err := u.environments(ctx, c, true)
	return envs, uiErr(err)
}

func (u uiSource) environment(ctx context.Context, c ui.Credential, id string) (api.Environment, error) {
	ctx, err := u.as(ctx, c, http.MethodGet, "/v1/environments/{id}", map[string]string{"id": id}, true)
	if err != nil {
		return api.Environment{}, err
	}
	out, err := u.s.getEnvironment(ctx, &envIDInput{ID: id})
	if err != nil {
		return api.Environment{}, err
	}
	return out.Body, nil
}

func (u uiSource) Environment(ctx context.Context, c ui.Credential, id string) (ui.EnvironmentView, error) {
	var v ui.EnvironmentView
	env, err := u.environment(ctx, c, id)
	if err != nil {
		return v, uiErr(err)
	}
	v.Environment = env
	params := map[string]string{"id": id}
	if v.Grants, err = section(u.grants(ctx, c, id)); err != nil {
		return v, err
	}
	if v.Support, err = section(u.support(ctx, c, id)); err != nil {
		return v, err
	}
	if v.Routing, err = section(func() (api.AlertRouting, error) {
		ctx, err := u.as(ctx, c, http.MethodGet, "/v1/environments/{id}/alert-routing", params, false)
		if err != nil {
			return api.AlertRouting{}, err
		}
		out, err := u.s.getAlertRouting(ctx, &routingIDInput{ID: id})
		if err != nil {
			return api.AlertRouting{}, err
		}
		return out.Body, nil
	}()); err != nil {
		return v, err
	}
	v.Deliveries, err = section(u.recentDeliveries(ctx, c, id, 20))
	return v, err
}

// grants is an environment's grants with their roles' names.
func (u uiSource) grants(ctx context.Context, c ui.Credential, envID string) ([]ui.GrantRow, error) {
	gctx, err := u.as(ctx, c, http.MethodGet, "/v1/environments/{id}/grants", map[string]string{"id": envID}, false)
	if err != nil {
		return nil, err
	}
	grants, err := all(func(cursor string) (*listOutput[api.Grant], error) {
		return u.s.listGrants(gctx, &grantListInput{ID: envID, PageParams: page(cursor)})
	})
	if err != nil {
		return nil, err
	}
	rctx, err := u.as(ctx, c, http.MethodGet, "/v1/roles", nil, false)
	if err != nil {
		return nil, err
	}
	roles, err := all(func(cursor string) (*listOutput[api.Role], error) {
		return u.s.listRoles(rctx, &roleListInput{PageParams: page(cursor)})
	})
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(roles))
	for _, r := range roles {
		names[r.ID] = r.Name
	}
	rows := make([]ui.GrantRow, 0, len(grants))
	for _, g := range grants {
		rows = append(rows, ui.GrantRow{GrantID: g.ID, RoleID: g.RoleID, RoleName: cmpOr(names[g.RoleID], g.RoleID),
			Permissions: g.Permissions, Actions: len(g.AllowedActions)})
	}
	return rows, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// support is an environment's support access, nil when it has none.
func (u uiSource) support(ctx context.Context, c ui.Credential, envID string) (*api.SupportAccess, error) {
	ctx, err := u.as(ctx, c, http.MethodGet, "/v1/environments/{id}/support-access", map[string]string{"id": envID}, false)
	if err != nil {
		return nil, err
	}
	out, err := u.s.getSupportAccess(ctx, &supportIDInput{ID: envID})
	var pe *problemError
	if errors.As(err, &pe) && pe.Status == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &out.Body, nil
}

// recentDeliveries is an environment's last n alert deliveries, newest first.
func (u uiSource) recentDeliveries(ctx context.Context, c ui.Credential, envID string, n int) ([]api.AlertDelivery, error) {
	ctx, err := u.as(ctx, c, http.MethodGet, "/v1/environments/{id}/alert-deliveries", map[string]string{"id": envID}, false)
	if err != nil {
		return nil, err
	}
	ds, err := all(func(cursor string) (*listOutput[api.AlertDelivery], error) {
		return u.s.listDeliveries(ctx, &deliveriesListInput{ID: envID, PageParams: page(cursor)})
	})
	if err != nil {
		return nil, err
	}
	ds = ds[max(0, len(ds)-n):]
	slices.Reverse(ds)
	return ds, nil
}

func (u uiSource) People(ctx context.Context, c ui.Credential) ([]api.User, error) {
	users, err := u.users(ctx, c, true)
	return users, uiErr(err)
}

func (u uiSource) users(ctx context.Context, c ui.Credential, audit bool) ([]api.User, error) {
	ctx, err := u.as(ctx, c, http.MethodGet, "/v1/users", nil, audit)
	if err != nil {
		return nil, err
	}
	return all(func(cursor string) (*listOutput[api.User], error) {
		return u.s.listUsers(ctx, &userListInput{PageParams: page(cursor)})
	})
}

func (u uiSource) Person(ctx context.Context, c ui.Credential, id string) (ui.PersonView, error) {
	var v ui.PersonView
	usr, err := u.user(ctx, c, id)
	if err != nil {
		return v, uiErr(err)
	}
	v.User = usr
	// A user's tokens are read under the rule of reading the user (the user itself, or
	// users.read): names and expiries, never the secret or its hash.
	if v.Tokens, err = section(func() ([]api.Token, error) {
		ctx, err := u.as(ctx, c, http.MethodGet, "/v1/users/{id}", map[string]string{"id": id}, false)
		if err != nil {
			return nil, err
		}
		recs, err := view(ctx, u.s, func(tx Tx) ([]TokenRecord, error) { return tx.UserTokens(id) })
		if err != nil {
			return nil, err
		}
		out := make([]api.Token, len(recs))
		for i, r := range recs {
			out[i] = r.Token
			out[i].Secret = ""
		}
		return out, nil
	}()); err != nil {
		return v, err
	}
	if v.Groups, err = section(func() ([]api.Group, error) {
		ctx, err := u.as(ctx, c, http.MethodGet, "/v1/groups", nil, false)
		if err != nil {
			return nil, err
		}
		groups, err := all(func(cursor string) (*listOutput[api.Group], error) {
			return u.s.listGroups(ctx, &groupListInput{PageParams: page(cursor)})
		})
		return slices.DeleteFunc(groups, func(g api.Group) bool { return !slices.Contains(g.Members, id) }), err
	}()); err != nil {
		return v, err
	}
	envs, err := u.environments(ctx, c, false)
	if err != nil {
		return v, uiErr(err)
	}
	v.Environments = len(envs)
	var rows []ui.EnvironmentAccess
	var aerr error
	for _, e := range envs {
		ea, err := u.effective(ctx, c, e.ID, id)
		if err != nil {
			aerr = err
			break
		}
		if len(v.Platform) == 0 {
			v.Platform = ea.Platform
		}
		rows = append(rows, ui.EnvironmentAccess{Environment: e, Effective: ea})
	}
	if v.Access, err = section(rows, aerr); err != nil {
		return v, err
	}
	if usr.Kind == string(access.KindVendor) {
		v.Requests, err = section(u.requests(ctx, c, "", id))
	}
	return v, err
}

// effective is a user's effective access in an environment.
func (u uiSource) effective(ctx context.Context, c ui.Credential, envID, userID string) (api.EffectiveAccess, error) {
	ctx, err := u.as(ctx, c, http.MethodGet, "/v1/environments/{id}/effective-access", map[string]string{"id": envID, "user_id": userID}, false)
	if err != nil {
		return api.EffectiveAccess{}, err
	}
	out, err := u.s.getEffectiveAccess(ctx, &effectiveInput{ID: envID, UserID: userID})
	if err != nil {
		return api.EffectiveAccess{}, err
	}
	return out.Body, nil
}

// requests lists the access requests the reader may see, of one environment or requester.
func (u uiSource) requests(ctx context.Context, c ui.Credential, envID, requesterID string) ([]api.AccessRequest, error) {
	ctx, err := u.as(ctx, c, http.MethodGet, "/v1/access-requests", nil, false)
	if err != nil {
		return nil, err
	}
	return all(func(cursor string) (*listOutput[api.AccessRequest], error) {
		return u.s.listAccessRequests(ctx, &requestListInput{PageParams: page(cursor), EnvironmentID: envID, RequesterID: requesterID})
	})
}

func (u uiSource) VendorAccess(ctx context.Context, c ui.Credential) (ui.VendorAccessView, error) {
	var v ui.VendorAccessView
	envs, err := u.environments(ctx, c, true)
	if err != nil {
		return v, uiErr(err)
	}
	active := map[string]int{}
	reqs, err := u.requests(ctx, c, "", "")
	if why := refusal(err); why != "" {
		v.RequestsRefused = why
	} else if err != nil {
		return v, uiErr(err)
	}
	for _, r := range reqs {
		if r.Status == access.RequestApproved {
			active[r.EnvironmentID]++
		}
	}
	for _, e := range envs {
		sa, err := u.support(ctx, c, e.ID)
		if err != nil {
			return v, uiErr(err)
		}
		v.Environments = append(v.Environments, ui.VendorEnvironment{Environment: e, Support: sa, Active: active[e.ID]})
	}
	return v, nil
}

func (u uiSource) Timeline(ctx context.Context, c ui.Credential, envID string) (ui.TimelineView, error) {
	var v ui.TimelineView
	env, err := u.environment(ctx, c, envID)
	if err != nil {
		return v, uiErr(err)
	}
	v.Environment = env
	if v.Support, err = section(u.support(ctx, c, envID)); err != nil {
		return v, err
	}
	now := u.s.now()
	events, auditErr := u.auditAll(ctx, c, ui.AuditQuery{EnvironmentID: envID})
	switch {
	case auditErr == nil:
		v.From = "the audit log"
		v.Events = timelineFromAudit(events, now)
	case refusal(auditErr) != "":
		reqs, err := u.requests(ctx, c, envID, "")
		if err != nil && refusal(err) == "" {
			return v, uiErr(err)
		}
		if err != nil {
			v.Note = "Neither the audit log nor the access requests may be read with this token: " + refusal(auditErr) + " " + refusal(err)
			break
		}
		v.From = "the access requests"
		v.Note = "Support access changes and standing access switches are read from the audit log, which needs audit.read: " + refusal(auditErr)
		v.Events = timelineFromRequests(reqs, now)
	default:
		return v, uiErr(auditErr)
	}
	if sa := v.Support.Value; sa != nil && sa.ExpiresAt != nil && !now.Before(*sa.ExpiresAt) && auditErr != nil {
		v.Events = append(v.Events, ui.TimelineEvent{At: *sa.ExpiresAt, What: "support access expired", Tier: sa.Tier})
	}
	names := u.names(ctx, c)
	for i := range v.Events {
		v.Events[i].Actor, v.Events[i].Subject = names(v.Events[i].Actor), names(v.Events[i].Subject)
	}
	return v, nil
}

// names returns the e-mail of each user id the reader may read (the rule of GET
// /v1/users/{id}), else the id.
func (u uiSource) names(ctx context.Context, c ui.Credential) func(string) string {
	route, _ := access.RouteFor(http.MethodGet, "/v1/users/{id}")
	cache := map[string]string{}
	return func(id string) string {
		if id == "" || id == "system" || strings.HasPrefix(id, "warden-") {
			return id
		}
		if n, ok := cache[id]; ok {
			return n
		}
		name := id
		_ = u.s.read(ctx, func(pol *access.Policy) error {
			p, ok := pol.Authenticate(string(c), u.s.now())
			if !ok || route.Check(pol, p, func(string) string { return id }) != nil {
				return nil
			}
			if usr, ok := pol.UserByID(id); ok {
				name = usr.Email
			}
			return nil
		})
		cache[id] = name
		return name
	}
}

// auditAll reads every audit event that q selects.
func (u uiSource) auditAll(ctx context.Context, c ui.Credential, q ui.AuditQuery) ([]api.AuditEvent, error) {
	ctx, err := u.as(ctx, c, http.MethodGet, "/v1/audit-events", nil, false)
	if err != nil {
		return nil, err
	}
	return all(func(cursor string) (*listOutput[api.AuditEvent], error) {
		q.Cursor = cursor
		return u.s.listAuditEvents(ctx, auditQuery(q, uiPage))
	})
}

func auditQuery(q ui.AuditQuery, limit int) *auditInput {
	in := &auditInput{PageParams: PageParams{Limit: limit, Cursor: q.Cursor}, ActorID: q.ActorID,
		EnvironmentID: q.EnvironmentID, ObjectID: q.ObjectID, since: q.Since, until: q.Until}
	return in
}

// timelineFromAudit reads vendor access events from an environment's audit events (oldest
// first): access requests filed and decided, support access granted, changed and removed
// (standing access switched on and off among them), break-glass revokes; then the expiries
// that no event records.
func timelineFromAudit(events []api.AuditEvent, now time.Time) []ui.TimelineEvent {
	var out []ui.TimelineEvent
	last := map[string]api.AccessRequest{}
	var order []string
	var support *api.SupportAccess
	for _, e := range events {
		switch {
		case e.ObjectType == string(objectAccessRequest):
			var before, after api.AccessRequest
			_ = json.Unmarshal(e.Before, &before)
			_ = json.Unmarshal(e.After, &after)
			r := after
			if e.After == nil {
				r = before
			}
			if _, seen := last[e.ObjectID]; !seen {
				order = append(order, e.ObjectID)
			}
			last[e.ObjectID] = r
			ev := ui.TimelineEvent{At: e.At, Actor: e.ActorID, Subject: r.RequesterID, Tier: r.Tier}
			switch verb := strings.TrimPrefix(e.Action, "access_request."); verb {
			case "create":
				ev.What = "requested"
				ev.Detail = "for " + duration(r.DurationSeconds)
				if r.Reason != "" {
					ev.Detail += ": " + r.Reason
				}
			case "approve":
				ev.What = "approved"
				if r.ExpiresAt != nil {
					ev.Detail = "until " + r.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC")
				}
			case "deny":
				ev.What = "denied"
			case "revoke":
				ev.What = "revoked"
				if before.Status == access.RequestPending {
					ev.Detail = "while pending"
				}
			case "delete":
				ev.What = "removed"
				ev.Detail = "with " + deletedWith(e.Before)
			default:
				ev.What = verb
			}
			out = append(out, ev)
		case e.ObjectType == string(objectSupportAccess):
			var before, after *api.SupportAccess
			if e.Before != nil {
				before = &api.SupportAccess{}
				_ = json.Unmarshal(e.Before, before)
			}
			if e.After != nil {
				after = &api.SupportAccess{}
				_ = json.Unmarshal(e.After, after)
			}
			out = append(out, supportEvents(e, before, after)...)
			support = after
		case e.Action == "vendor_access.revoke":
			var res api.VendorAccessRevocation
			_ = json.Unmarshal(e.After, &res)
			ev := ui.TimelineEvent{At: e.At, What: "break-glass revoke", Actor: e.ActorID, Subject: res.UserID,
				Detail: fmt.Sprintf("%d approvals and %d pending requests ended", len(res.RevokedApprovals), len(res.RevokedPending))}
			if res.Reason != "" {
				ev.Detail += ": " + res.Reason
			}
			out = append(out, ev)
		}
	}
	for _, id := range order {
		r := last[id]
		if r.Status == access.RequestApproved && r.ExpiresAt != nil && !now.Before(*r.ExpiresAt) {
			out = append(out, ui.TimelineEvent{At: *r.ExpiresAt, What: "expired", Subject: r.RequesterID, Tier: r.Tier})
		}
	}
	if support != nil && support.ExpiresAt != nil && !now.Before(*support.ExpiresAt) {
		out = append(out, ui.TimelineEvent{At: *support.ExpiresAt, What: "support access expired", Tier: support.Tier})
	}
	return out
}

// duration reads seconds as a request's duration: 4h, 90m, 45s.
func duration(seconds int64) string {
	d := (time.Duration(seconds) * time.Second).String()
	for _, zero := range []string{"0s", "0m"} {
		if len(d) > 2 && strings.HasSuffix(d, zero) && d != "0s" {
			d = strings.TrimSuffix(d, zero)
		}
	}
	return d
}

func deletedWith(raw json.RawMessage) string {
	var m map[string]string
	_ = json.Unmarshal(raw, &m)
	return cmpOr(m["deleted_with"], "its parent")
}

// supportEvents are the timeline's events for one change of support access.
func supportEvents(e api.AuditEvent, before, after *api.SupportAccess) []ui.TimelineEvent {
	at := func(what, tier, detail string) ui.TimelineEvent {
		return ui.TimelineEvent{At: e.At, What: what, Actor: e.ActorID, Tier: tier, Detail: detail}
	}
	expiry := func(a *api.SupportAccess) string {
		if a.ExpiresAt == nil {
			return "no expiry"
		}
		return "expires " + a.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC")
	}
	var out []ui.TimelineEvent
	switch {
	case before == nil && after != nil:
		out = append(out, at("support access granted", after.Tier, expiry(after)))
		if !after.RequireApproval {
			out = append(out, at("standing access on", after.Tier, "every vendor user holds the tier, no request needed"))
		}
	case before != nil && after == nil:
		detail := "every approval here ended"
		if e.Before != nil && strings.Contains(string(e.Before), "deleted_with") {
			detail = "with " + deletedWith(e.Before)
		}
		if !before.RequireApproval && before.Tier != "" {
			out = append(out, at("standing access off", before.Tier, "support access removed"))
		}
		out = append(out, at("support access removed", before.Tier, detail))
	case before != nil && after != nil:
		if before.RequireApproval && !after.RequireApproval {
			out = append(out, at("standing access on", after.Tier, "every vendor user holds the tier, no request needed"))
		}
		if !before.RequireApproval && after.RequireApproval {
			out = append(out, at("standing access off", after.Tier, "requests and approvals again"))
		}
		var changes []string
		if before.Tier != after.Tier {
			changes = append(changes, "tier "+before.Tier+" → "+after.Tier)
		}
		if !sameTime(before.ExpiresAt, after.ExpiresAt) {
			changes = append(changes, expiry(after))
		}
		if before.PortForwarding != after.PortForwarding {
			changes = append(changes, fmt.Sprintf("port forwarding %s", onOff(after.PortForwarding)))
		}
		if len(changes) > 0 {
			out = append(out, at("support access changed", after.Tier, strings.Join(changes, "; ")))
		}
	}
	return out
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// timelineFromRequests reads the events of access requests from their current state (the
// reader may list requests but not the audit log): filed, decided, expired.
func timelineFromRequests(reqs []api.AccessRequest, now time.Time) []ui.TimelineEvent {
	var out []ui.TimelineEvent
	for _, r := range reqs {
		out = append(out, ui.TimelineEvent{At: r.CreatedAt, What: "requested", Actor: r.RequesterID, Subject: r.RequesterID, Tier: r.Tier,
			Detail: strings.TrimSuffix("for "+duration(r.DurationSeconds)+": "+r.Reason, ": ")})
		if r.DecidedAt != nil {
			what := map[string]string{access.RequestApproved: "approved", access.RequestDenied: "denied", access.RequestRevoked: "revoked",
				access.StatusExpired: "approved"}[r.Status]
			if what != "" {
				out = append(out, ui.TimelineEvent{At: *r.DecidedAt, What: what, Actor: r.DecidedBy, Subject: r.RequesterID, Tier: r.Tier})
			}
		}
		if r.Status == access.StatusExpired && r.ExpiresAt != nil && !now.Before(*r.ExpiresAt) {
			out = append(out, ui.TimelineEvent{At: *r.ExpiresAt, What: "expired", Subject: r.RequesterID, Tier: r.Tier})
		}
	}
	slices.SortStableFunc(out, func(a, b ui.TimelineEvent) int { return a.At.Compare(b.At) })
	return out
}

func (u uiSource) Audit(ctx context.Context, c ui.Credential, q ui.AuditQuery) (ui.AuditView, error) {
	var v ui.AuditView
	ctx, err := u.as(ctx, c, http.MethodGet, "/v1/audit-events", nil, true)
	if err != nil {
		return v, uiErr(err)
	}
	out, err := u.s.listAuditEvents(ctx, auditQuery(q, 100))
	if err != nil {
		return v, uiErr(err)
	}
	v.Events, v.NextCursor = out.Body.Items, out.Body.NextCursor
	names := u.names(ctx, c)
	v.Names = map[string]string{}
	for _, e := range v.Events {
		if _, ok := v.Names[e.ActorID]; !ok {
			v.Names[e.ActorID] = names(e.ActorID)
		}
	}
	return v, nil
}

func (u uiSource) WhoCan(ctx context.Context, c ui.Credential, envID, action string) (api.WhoCan, error) {
	ctx, err := u.as(ctx, c, http.MethodGet, "/v1/environments/{id}/principals", map[string]string{"id": envID, "action": action}, true)
	if err != nil {
		return api.WhoCan{}, uiErr(err)
	}
	out, err := u.s.whoCan(ctx, &whoCanInput{ID: envID, Action: action})
	if err != nil {
		return api.WhoCan{}, uiErr(err)
	}
	return out.Body, nil
}

// uiDecisionPage is how many decisions one page of the vendor activity view shows.
const uiDecisionPage = 100

func (u uiSource) Decisions(ctx context.Context, c ui.Credential, q ui.DecisionQuery) (ui.DecisionsView, error) {
	var v ui.DecisionsView
	dctx, err := u.as(ctx, c, http.MethodGet, "/v1/authorization-decisions", map[string]string{"principal_id": q.PrincipalID}, true)
	if err != nil {
		return v, uiErr(err)
	}
	in := &decisionsInput{PageParams: PageParams{Limit: uiDecisionPage, Cursor: q.Cursor}, PrincipalID: q.PrincipalID,
		EnvironmentID: q.EnvironmentID, AccessRequestID: q.AccessRequestID, since: q.Since, until: q.Until}
	if q.Allowed != nil {
		in.Allowed = strconv.FormatBool(*q.Allowed)
	}
	out, err := u.s.listDecisions(dctx, in)
	if err != nil {
		return v, uiErr(err)
	}
	v.Decisions, v.NextCursor = out.Body.Items, out.Body.NextCursor
	names := u.names(ctx, c)
	v.Names = map[string]string{}
	for _, d := range v.Decisions {
		if _, ok := v.Names[d.PrincipalID]; !ok {
			v.Names[d.PrincipalID] = names(d.PrincipalID)
		}
	}
	// The filter offers the vendor users the reader may list (GET /v1/users).
	v.Vendors, err = section(func() ([]api.User, error) {
		users, err := u.users(ctx, c, false)
		return slices.DeleteFunc(users, func(usr api.User) bool { return usr.Kind != string(access.KindVendor) }), err
	}())
	return v, err
}

func (u uiSource) Review(ctx context.Context, c ui.Credential, envID, userID string, emit func(ui.ReviewRow) error) error {
	var envs []api.Environment
	if envID != "" {
		env, err := u.environment(ctx, c, envID)
		if err != nil {
			return uiErr(err)
		}
		envs = []api.Environment{env}
	} else {
		var err error
		if envs, err = u.environments(ctx, c, true); err != nil {
			return uiErr(err)
		}
	}
	var users []api.User
	if userID != "" {
		usr, err := u.user(ctx, c, userID)
		if err != nil {
			return uiErr(err)
		}
		users = []api.User{usr}
	} else {
		var err error
		if users, err = u.users(ctx, c, true); err != nil {
			return uiErr(err)
		}
	}
	for _, e := range envs {
		for _, usr := range users {
			ea, err := u.effective(ctx, c, e.ID, usr.ID)
			if refusal(err) != "" && userID == "" {
				continue // a vendor user's access, say, needs cluster.admin: left out
			}
			if err != nil {
				return uiErr(err)
			}
			row := ui.ReviewRow{UserID: usr.ID, Email: usr.Email, Kind: usr.Kind, EnvironmentID: e.ID, Environment: e.Name}
			for _, src := range ea.Grants {
				row.Action, row.Permission = src.Action, src.Permission
				row.Via = "role " + src.RoleName
				if src.GroupName != "" {
					row.Via += " through group " + src.GroupName
				}
				if src.GrantID != "" {
					row.Via += " (grant " + src.GrantID + ")"
				}
				if err := emit(row); err != nil {
					return err
				}
			}
			for _, capability := range ea.Support {
				row.Action, row.Permission = capability, strings.SplitN(capability, ".", 2)[0]
				row.Via = "vendor support tier"
				if err := emit(row); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
