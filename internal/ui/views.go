package ui

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The views: each one a route pattern, the nav entry it sits under, and a handler that asks
// the Source and renders one template.

type view struct {
	pattern string
	nav     string
	serve   func(h *Handler, w http.ResponseWriter, r *http.Request, ss *session) error
}

var views = []view{
	{"/ui/environments", "/ui/environments", (*Handler).environments},
	{"/ui/environments/{id}", "/ui/environments", (*Handler).environment},
	{"/ui/environments/{id}/vendor-access", "/ui/vendor-access", (*Handler).timeline},
	{"/ui/environments/{id}/review.csv", "/ui/environments", (*Handler).environmentReview},
	{"/ui/people", "/ui/people", (*Handler).people},
	{"/ui/people/{id}", "/ui/people", (*Handler).person},
	{"/ui/people/{id}/review.csv", "/ui/people", (*Handler).personReview},
	{"/ui/vendor-access", "/ui/vendor-access", (*Handler).vendorAccess},
	{"/ui/audit", "/ui/audit", (*Handler).audit},
	{"/ui/who-can", "/ui/who-can", (*Handler).whoCan},
	{"/ui/vendor-activity", "/ui/vendor-activity", (*Handler).vendorActivity},
	{"/ui/review.csv", "/ui/environments", (*Handler).organizationReview},
}

// show renders a signed-in page.
func (h *Handler) show(w http.ResponseWriter, r *http.Request, ss *session, nav, tmpl, title string, data any) error {
	h.render(w, r, http.StatusOK, tmpl, page{Title: title, Nav: nav, Who: &ss.who, CSRF: ss.csrf, Data: data})
	return nil
}

func (h *Handler) environments(w http.ResponseWriter, r *http.Request, ss *session) error {
	envs, err := h.src.Environments(r.Context(), ss.cred)
	if err != nil {
		return err
	}
	return h.show(w, r, ss, "/ui/environments", "environments", "Environments", envs)
}

// matrixView is an environment's page: the grants as roles × the eight permissions.
type matrixView struct {
	EnvironmentView
	Permissions []string
}

func (h *Handler) environment(w http.ResponseWriter, r *http.Request, ss *session) error {
	ev, err := h.src.Environment(r.Context(), ss.cred, r.PathValue("id"))
	if err != nil {
		return err
	}
	slices.SortFunc(ev.Grants.Value, func(a, b GrantRow) int { return cmp.Compare(a.RoleName, b.RoleName) })
	return h.show(w, r, ss, "/ui/environments", "environment", ev.Environment.Name,
		matrixView{EnvironmentView: ev, Permissions: access.PermissionNames()})
}

func (h *Handler) timeline(w http.ResponseWriter, r *http.Request, ss *session) error {
	tv, err := h.src.Timeline(r.Context(), ss.cred, r.PathValue("id"))
	if err != nil {
		return err
	}
	// Newest first; simultaneous events keep the order they were recorded in, reversed.
	slices.Reverse(tv.Events)
	slices.SortStableFunc(tv.Events, func(a, b TimelineEvent) int { return b.At.Compare(a.At) })
	return h.show(w, r, ss, "/ui/vendor-access", "timeline", "Vendor access: "+tv.Environment.Name, tv)
}

func (h *Handler) vendorAccess(w http.ResponseWriter, r *http.Request, ss *session) error {
	envs, err := h.src.VendorAccess(r.Context(), ss.cred)
	if err != nil {
		return err
	}
	return h.show(w, r, ss, "/ui/vendor-access", "vendor-access", "Vendor access", envs)
}

// peopleView is the people list, narrowed by Query (a substring of e-mail or name).
type peopleView struct {
	Query  string
	People []api.User
	Total  int
}

func (h *Handler) people(w http.ResponseWriter, r *http.Request, ss *session) error {
	users, err := h.src.People(r.Context(), ss.cred)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	v := peopleView{Query: q, Total: len(users)}
	for _, u := range users {
		if q == "" || strings.Contains(strings.ToLower(u.Email+" "+u.Name), strings.ToLower(q)) {
			v.People = append(v.People, u)
		}
	}
	return h.show(w, r, ss, "/ui/people", "people", "People", v)
}

// personPage is a person's page with each environment's access gathered by what gives it.
type personPage struct {
	PersonView
	Rows []accessRow
	// Without counts the environments where the person may do nothing.
	Without int
}

// accessRow is a person's access in one environment.
type accessRow struct {
	Environment api.Environment
	Actions     []string
	Support     []string
	Via         []viaRow
}

// viaRow is one way a person holds access: a role's grant, held directly or through a group,
// with the permissions that grant gives and the actions they allow.
type viaRow struct {
	RoleName, GroupName, GrantID string
	Permissions, Actions         []string
}

func (h *Handler) person(w http.ResponseWriter, r *http.Request, ss *session) error {
	pv, err := h.src.Person(r.Context(), ss.cred, r.PathValue("id"))
	if err != nil {
		return err
	}
	p := personPage{PersonView: pv}
	for _, ea := range pv.Access.Value {
		row := accessRow{Environment: ea.Environment, Actions: ea.Effective.Actions, Support: ea.Effective.Support}
		row.Via = gatherVia(ea.Effective.Grants)
		if len(row.Actions) == 0 && len(row.Support) == 0 {
			p.Without++
			continue
		}
		p.Rows = append(p.Rows, row)
	}
	p.Without += pv.Environments - len(pv.Access.Value)
	return h.show(w, r, ss, "/ui/people", "person", or(pv.User.Name, pv.User.Email), p)
}

// gatherVia groups the sources of a person's actions by grant and holder.
func gatherVia(srcs []api.ActionSource) []viaRow {
	type key struct{ role, group, grant string }
	idx := map[key]int{}
	var out []viaRow
	for _, s := range srcs {
		k := key{s.RoleName, s.GroupName, s.GrantID}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, viaRow{RoleName: s.RoleName, GroupName: s.GroupName, GrantID: s.GrantID})
		}
		v := &out[i]
		if !slices.Contains(v.Permissions, s.Permission) {
			v.Permissions = append(v.Permissions, s.Permission)
		}
		if !slices.Contains(v.Actions, s.Action) {
			v.Actions = append(v.Actions, s.Action)
		}
	}
	for i := range out {
		slices.Sort(out[i].Permissions)
		slices.Sort(out[i].Actions)
	}
	slices.SortFunc(out, func(a, b viaRow) int {
		return cmp.Or(cmp.Compare(a.RoleName, b.RoleName), cmp.Compare(a.GroupName, b.GroupName))
	})
	return out
}

// auditPage is a page of the audit log with the filters it was asked with.
type auditPage struct {
	AuditView
	Filter              AuditQuery
	Since, Until, Error string
	NextURL             string
}

// auditFilters are the audit log's filters as the form names them (the API's names).
var auditFilters = []string{"actor_id", "environment_id", "object_id", "since", "until"}

func (h *Handler) audit(w http.ResponseWriter, r *http.Request, ss *session) error {
	q := r.URL.Query()
	p := auditPage{Since: q.Get("since"), Until: q.Get("until")}
	p.Filter = AuditQuery{ActorID: strings.TrimSpace(q.Get("actor_id")), EnvironmentID: strings.TrimSpace(q.Get("environment_id")),
		ObjectID: strings.TrimSpace(q.Get("object_id")), Cursor: q.Get("cursor")}
	for _, b := range []struct {
		name, raw string
		dst       **time.Time
	}{{"since", p.Since, &p.Filter.Since}, {"until", p.Until, &p.Filter.Until}} {
		if b.raw == "" {
			continue
		}
		t, err := parseInstant(b.raw)
		if err != nil {
			p.Error = b.name + " is not a time: give RFC 3339 (2026-01-31T09:00:00Z) or a date (2026-01-31)."
			return h.show(w, r, ss, "/ui/audit", "audit", "Audit log", p)
		}
		*b.dst = &t
	}
	av, err := h.src.Audit(r.Context(), ss.cred, p.Filter)
	if err != nil {
		return err
	}
	p.AuditView = av
	if av.NextCursor != "" {
		next := q
		next.Set("cursor", av.NextCursor)
		for _, name := range auditFilters {
			if next.Get(name) == "" {
				next.Del(name)
			}
		}
		p.NextURL = "/ui/audit?" + next.Encode()
	}
	return h.show(w, r, ss, "/ui/audit", "audit", "Audit log", p)
}

// parseInstant reads an RFC 3339 instant, or a date (its midnight UTC), or the
// datetime-local form a browser's date-time field sends (UTC).
func parseInstant(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	_, err := time.Parse(time.RFC3339, s)
	return time.Time{}, err
}

// permLabel is a permission's name as a column header reads it.
func permLabel(p string) string { return strings.ReplaceAll(p, "_", " ") }
