package ui

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The "Vendor activity" view: the decision log (GET /v1/authorization-decisions), newest
// first: what POST /v1/authorize answered about the vendor's engineers — what they tried,
// where, on which resource, whether it was allowed, and through which access request or
// standing access. It pages with the API's cursor and filters with the API's filters; a
// vendor's token reads only its own decisions, as the API narrows them.

// activityFilters are the view's filters as the form names them (the API's names).
var activityFilters = []string{"principal_id", "environment_id", "access_request_id", "allowed", "since", "until"}

// activityPage is a page of the decision log with the filters it was asked with.
type activityPage struct {
	DecisionsView
	Filter DecisionQuery
	// Allowed, Since and Until are the filters as sent; Error says why they were not taken.
	Allowed, Since, Until, Error string
	Environments                 []api.Environment
	// EnvNames are the environments' names by id.
	EnvNames map[string]string
	// PrincipalKnown says the principal filter is among the vendor users offered.
	PrincipalKnown bool
	NextURL        string
}

func (h *Handler) vendorActivity(w http.ResponseWriter, r *http.Request, ss *session) error {
	q := r.URL.Query()
	p := activityPage{Allowed: q.Get("allowed"), Since: q.Get("since"), Until: q.Get("until")}
	p.Filter = DecisionQuery{PrincipalID: strings.TrimSpace(q.Get("principal_id")), EnvironmentID: strings.TrimSpace(q.Get("environment_id")),
		AccessRequestID: strings.TrimSpace(q.Get("access_request_id")), Cursor: q.Get("cursor")}
	envs, err := h.src.Environments(r.Context(), ss.cred)
	if err != nil {
		return err
	}
	p.Environments, p.EnvNames = envs, make(map[string]string, len(envs))
	for _, e := range envs {
		p.EnvNames[e.ID] = e.Name
	}
	show := func(status int) error {
		h.render(w, r, status, "vendor-activity", page{Title: "Vendor activity", Nav: "/ui/vendor-activity", Who: &ss.who, CSRF: ss.csrf, Data: p})
		return nil
	}
	switch p.Allowed {
	case "":
	case "true", "false":
		allowed := p.Allowed == "true"
		p.Filter.Allowed = &allowed
	default:
		p.Error = "allowed is true (allowed only) or false (denied only); leave it out for both."
		return show(http.StatusUnprocessableEntity)
	}
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
			return show(http.StatusUnprocessableEntity)
		}
		*b.dst = &t
	}
	dv, err := h.src.Decisions(r.Context(), ss.cred, p.Filter)
	var pr *Problem
	switch {
	case errors.As(err, &pr):
		p.Error = pr.Detail
		return show(pr.Status)
	case err != nil:
		return err
	}
	p.DecisionsView = dv
	// Without the vendor users' list, the filter offers the reader itself.
	p.PrincipalKnown = dv.Vendors.Refused != "" && p.Filter.PrincipalID == ss.who.UserID
	for _, u := range dv.Vendors.Value {
		p.PrincipalKnown = p.PrincipalKnown || u.ID == p.Filter.PrincipalID
	}
	if dv.NextCursor != "" {
		next := q
		next.Set("cursor", dv.NextCursor)
		for _, name := range activityFilters {
			if next.Get(name) == "" {
				next.Del(name)
			}
		}
		p.NextURL = "/ui/vendor-activity?" + next.Encode()
	}
	return show(http.StatusOK)
}
