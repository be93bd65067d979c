package ui

import (
	"encoding/csv"
	"net/http"
	"strings"
)

// The access review as CSV, for a quarterly review in a spreadsheet: one line per user,
// environment and allowed action, with what allows it. It is streamed as the Source emits
// rows, so that the whole organization's review needs no memory of its own.

// reviewHeader names the columns.
var reviewHeader = []string{"user_email", "user_id", "user_kind", "environment", "environment_id", "action", "permission", "via"}

func (h *Handler) environmentReview(w http.ResponseWriter, r *http.Request, ss *session) error {
	return h.review(w, r, ss, r.PathValue("id"), "", "access-review-"+safeName(r.PathValue("id"))+".csv")
}

func (h *Handler) personReview(w http.ResponseWriter, r *http.Request, ss *session) error {
	return h.review(w, r, ss, "", r.PathValue("id"), "access-review-"+safeName(r.PathValue("id"))+".csv")
}

func (h *Handler) organizationReview(w http.ResponseWriter, r *http.Request, ss *session) error {
	return h.review(w, r, ss, "", "", "access-review.csv")
}

func (h *Handler) review(w http.ResponseWriter, r *http.Request, ss *session, envID, userID, filename string) error {
	cw := csv.NewWriter(w)
	started := false
	start := func() {
		if started {
			return
		}
		started = true
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
		timing(w, r)
		_ = cw.Write(reviewHeader)
	}
	err := h.src.Review(r.Context(), ss.cred, envID, userID, func(row ReviewRow) error {
		start()
		return cw.Write([]string{cell(row.Email), row.UserID, row.Kind, cell(row.Environment), row.EnvironmentID,
			row.Action, row.Permission, cell(row.Via)})
	})
	if err != nil && !started {
		return err // nothing sent yet: the refusal is a page
	}
	if err != nil {
		// Half a file is worse than none to a reviewer; say so in its last line.
		_ = cw.Write([]string{"# the export stopped early: the server's log has why"})
		h.log.ErrorContext(r.Context(), "ui: review export", "error", err)
	}
	start()
	cw.Flush()
	return nil
}

// cell keeps a spreadsheet from reading a value as a formula (CSV injection): a value that
// starts with = + - @ or a control character is prefixed with a quote.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// safeName keeps ids to the characters ids have, for a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
