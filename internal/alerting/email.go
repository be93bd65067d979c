package alerting

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"maps"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// An e-mail delivery is one message, multipart/alternative: a text/plain part and a
// text/html part saying the same. Its Message-ID is made of the delivery's id, the same on
// every attempt, so a mail client shows a message that a retry sent twice once.

type emailView struct {
	Subject, Status   string
	Alert             api.Alert
	Env               api.Environment
	Labels, Annots    []pair
	DeliveryID        string
	Attempt           int
	StartsAt, EndsAt  string
	Generator, Source string
}

type pair struct{ Key, Value string }

func sortedPairs(m map[string]string) []pair {
	ps := make([]pair, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		ps = append(ps, pair{k, m[k]})
	}
	return ps
}

var (
	textPart = template.Must(template.New("text").Parse(`{{.Status}} {{.Alert.Severity}}: {{.Alert.Summary}}

Environment: {{.Env.Name}} ({{.Env.Cloud}}, {{.Env.ID}})
Started:     {{.StartsAt}}
{{- if .EndsAt}}
Ended:       {{.EndsAt}}{{end}}
Source:      {{.Source}}
{{- if .Generator}}
Link:        {{.Generator}}{{end}}
{{- if .Labels}}

Labels:
{{- range .Labels}}
  {{.Key}} = {{.Value}}{{end}}{{end}}
{{- if .Annots}}

Annotations:
{{- range .Annots}}
  {{.Key}} = {{.Value}}{{end}}{{end}}

Alert {{.Alert.ID}}, delivery {{.DeliveryID}} (attempt {{.Attempt}}), sent by Warden.
`))
	htmlPart = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: sans-serif">
<h2>{{.Status}} {{.Alert.Severity}}: {{.Alert.Summary}}</h2>
<table>
<tr><th align="left">Environment</th><td>{{.Env.Name}} ({{.Env.Cloud}}, {{.Env.ID}})</td></tr>
<tr><th align="left">Started</th><td>{{.StartsAt}}</td></tr>
{{- if .EndsAt}}
<tr><th align="left">Ended</th><td>{{.EndsAt}}</td></tr>{{end}}
<tr><th align="left">Source</th><td>{{.Source}}</td></tr>
{{- if .Generator}}
<tr><th align="left">Link</th><td><a href="{{.Generator}}">{{.Generator}}</a></td></tr>{{end}}
</table>
{{- if .Labels}}
<h3>Labels</h3>
<table>{{range .Labels}}<tr><th align="left">{{.Key}}</th><td>{{.Value}}</td></tr>{{end}}</table>{{end}}
{{- if .Annots}}
<h3>Annotations</h3>
<table>{{range .Annots}}<tr><th align="left">{{.Key}}</th><td>{{.Value}}</td></tr>{{end}}</table>{{end}}
<p style="color: #666">Alert {{.Alert.ID}}, delivery {{.DeliveryID}} (attempt {{.Attempt}}), sent by Warden.</p>
</body></html>
`))
)

// emailSubject is e.g. "[FIRING critical] production: Disk almost full".
func emailSubject(a api.Alert, env string) string {
	s := fmt.Sprintf("[%s %s] %s: %s", strings.ToUpper(a.Status), a.Severity, env, a.Summary)
	if a.Test {
		s = "[TEST] " + s
	}
	return strings.Join(strings.Fields(s), " ")
}

func emailMessage(j *job, from mail.Address, n int, at time.Time) ([]byte, error) {
	to, err := mail.ParseAddress(j.d.Target)
	if err != nil {
		return nil, fmt.Errorf("the e-mail target %q is not an address: %w", j.d.Target, err)
	}
	a := j.alert
	v := emailView{Subject: emailSubject(a, j.env.Name), Status: strings.ToUpper(a.Status), Alert: a, Env: j.env,
		Labels: sortedPairs(a.Labels), Annots: sortedPairs(a.Annotations), DeliveryID: j.d.ID, Attempt: n,
		StartsAt: a.StartsAt.UTC().Format(time.RFC1123), Generator: a.GeneratorURL, Source: a.Source}
	if a.EndsAt != nil {
		v.EndsAt = a.EndsAt.UTC().Format(time.RFC1123)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range []struct {
		typ    string
		render func(*quotedprintable.Writer) error
	}{
		{"text/plain", func(w *quotedprintable.Writer) error { return textPart.Execute(w, v) }},
		{"text/html", func(w *quotedprintable.Writer) error { return htmlPart.Execute(w, v) }},
	} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(pw)
		if err := p.render(qp); err != nil {
			return nil, fmt.Errorf("rendering the %s part: %w", p.typ, err)
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	var msg bytes.Buffer
	for _, h := range [][2]string{
		{"From", from.String()},
		{"To", (&mail.Address{Address: to.Address}).String()},
		{"Subject", mime.QEncoding.Encode("utf-8", v.Subject)},
		{"Date", at.Format(time.RFC1123Z)},
		{"Message-ID", "<" + j.d.ID + "@" + domain + ">"},
		{"MIME-Version", "1.0"},
		{"Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()})},
		// RFC 3834: out-of-office replies and the like are not sent back.
		{"Auto-Submitted", "auto-generated"},
		{"X-Warden-Delivery-Id", j.d.ID},
		{"X-Warden-Alert-Id", a.ID},
	} {
		fmt.Fprintf(&msg, "%s: %s\r\n", h[0], h[1])
	}
	msg.WriteString("\r\n")
	msg.Write(body.Bytes())
	return msg.Bytes(), nil
}
