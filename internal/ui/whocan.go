package ui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The "Who can" view: an environment and an action (a matrix action or a tier capability) →
// every person who may do it there and why, as GET /v1/environments/{id}/principals answers.
// The form is a GET, so that an answer is a link a reviewer can keep; a refusal or an
// unknown action is shown under the form, in the API's words.

// whoCanPage is the form, the question asked and its answer (or why there is none).
type whoCanPage struct {
	Environments []api.Environment
	Actions      []string
	Capabilities []access.Capability
	// EnvironmentID and Action are the question, as sent.
	EnvironmentID, Action string
	Answer                *api.WhoCan
	Error                 string
}

func (h *Handler) whoCan(w http.ResponseWriter, r *http.Request, ss *session) error {
	q := r.URL.Query()
	p := whoCanPage{Actions: access.Actions(), Capabilities: access.AllCapabilities(),
		EnvironmentID: strings.TrimSpace(q.Get("environment_id")), Action: strings.TrimSpace(q.Get("action"))}
	envs, err := h.src.Environments(r.Context(), ss.cred)
	if err != nil {
		return err
	}
	p.Environments = envs
	status := http.StatusOK
	switch {
	case p.EnvironmentID == "" && p.Action == "":
	case p.EnvironmentID == "" || p.Action == "":
		status, p.Error = http.StatusUnprocessableEntity, "Choose an environment and an action: both are needed."
	default:
		wc, err := h.src.WhoCan(r.Context(), ss.cred, p.EnvironmentID, p.Action)
		var pr *Problem
		switch {
		case errors.As(err, &pr):
			status, p.Error = pr.Status, pr.Detail
		case err != nil:
			return err
		default:
			p.Answer = &wc
		}
	}
	title := "Who can"
	if p.Answer != nil {
		title = "Who can " + p.Answer.Action + " in " + p.Answer.EnvironmentName
	}
	h.render(w, r, status, "who-can", page{Title: title, Nav: "/ui/who-can", Who: &ss.who, CSRF: ss.csrf, Data: p})
	return nil
}
