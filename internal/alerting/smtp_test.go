package alerting

import (
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/testclock"
	"github.com/wardenhq/terraform-provider-warden/internal/tlstesting"
)

// mailServer is a real SMTP server (go-smtp) on 127.0.0.1 that keeps what it accepts.
type mailServer struct {
	addr string
	cert tlstesting.Cert
	// user and pass, when set, are required (AUTH PLAIN) before MAIL FROM.
	user, pass string
	// refuse answers RCPT TO of an address with an error reply.
	refuse map[string]*smtp.SMTPError
	mu     sync.Mutex
	got    []mailMsg
}

type mailMsg struct {
	from, to   string
	data       []byte
	tls, authd bool
}

// mailOpts choose how the server speaks: STARTTLS offered, or TLS from the first byte.
type mailOpts struct{ startTLS, implicitTLS bool }

func newMailServer(t *testing.T, o mailOpts, m *mailServer) *mailServer {
	t.Helper()
	m.cert = tlstesting.SelfSigned(t)
	kp, err := tls.X509KeyPair(m.cert.CertPEM, m.cert.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{kp}, MinVersion: tls.VersionTLS12}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, isTLS := c.TLSConnectionState()
		return &mailSession{srv: m, msg: mailMsg{tls: isTLS}}, nil
	}))
	s.Domain, s.ReadTimeout, s.WriteTimeout = "localhost", 10*time.Second, 10*time.Second
	var l net.Listener
	l, err = (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.startTLS {
		s.TLSConfig = tc
	}
	if o.implicitTLS {
		l = tls.NewListener(l, tc)
	}
	m.addr = l.Addr().String()
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	return m
}

func (m *mailServer) messages() []mailMsg {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]mailMsg(nil), m.got...)
}

type mailSession struct {
	srv *mailServer
	msg mailMsg
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.srv.user || pass != s.srv.pass {
			return smtp.ErrAuthFailed
		}
		s.msg.authd = true
		return nil
	}), nil
}

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && !s.msg.authd {
		return smtp.ErrAuthRequired
	}
	s.msg.from = from
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := s.srv.refuse[to]; err != nil {
		return err
	}
	s.msg.to = to
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.data = b
	s.srv.mu.Lock()
	s.srv.got = append(s.srv.got, s.msg)
	s.srv.mu.Unlock()
	return nil
}

func (s *mailSession) Reset()        {}
func (s *mailSession) Logout() error { return nil }

// mailDispatcher is f's dispatcher sending e-mail through url, trusting m's certificate.
func mailDispatcher(t *testing.T, f *fixture, m *mailServer, url string) *Dispatcher {
	t.Helper()
	c, err := ParseSMTPURL(url, "Warden <alerts@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	return f.dispatcher(Config{SMTP: c, TLSRoots: m.cert.Pool(t)})
}

// STARTTLS, then AUTH PLAIN, then a readable message: the headers, a text part and an HTML
// part in which every value is escaped.
func TestSMTP_startTLSAuthAndMessage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testclock.New(epoch))
	m := newMailServer(t, mailOpts{startTLS: true}, &mailServer{user: "alice", pass: "pa ss"})
	dl := f.add(testAlert("alr_1", api.AlertFiring, epoch), api.RecipientEmail, "oncall@example.com")
	runOnce(t, mailDispatcher(t, f, m, "smtp://alice:pa%20ss@"+m.addr+"?starttls=required"), 1)
	if got := f.delivery(dl.ID); got.Status != api.DeliveryDelivered || got.Attempts[0].StatusCode != 250 {
		t.Fatalf("after sending: %+v", got)
	}
	msgs := m.messages()
	if len(msgs) != 1 || !msgs[0].tls || !msgs[0].authd || msgs[0].from != "alerts@example.com" || msgs[0].to != "oncall@example.com" {
		t.Fatalf("the server got %+v; want one message over TLS, authenticated, from alerts@ to oncall@", msgs)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(msgs[0].data)))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"From": `"Warden" <alerts@example.com>`, "To": "<oncall@example.com>", "Message-ID": "<" + dl.ID + "@example.com>",
		"X-Warden-Delivery-Id": dl.ID, "X-Warden-Alert-Id": "alr_1", "Auto-Submitted": "auto-generated", "MIME-Version": "1.0",
	} {
		if got := msg.Header.Get(k); got != want {
			t.Errorf("%s: %q; want %q", k, got, want)
		}
	}
	if want := "[FIRING critical] production: Disk almost full"; subject != want {
		t.Errorf("Subject: %q; want %q", subject, want)
	}
	if date, err := msg.Header.Date(); err != nil || !date.Equal(epoch) {
		t.Errorf("Date: %v (%v); want %v", date, err, epoch)
	}
	typ, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || typ != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v)", typ, err)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(p) // quoted-printable, decoded by the reader
		if err != nil {
			t.Fatal(err)
		}
		parts[p.Header.Get("Content-Type")] = string(b)
	}
	text, html := parts["text/plain; charset=utf-8"], parts["text/html; charset=utf-8"]
	if len(parts) != 2 || text == "" || html == "" {
		t.Fatalf("parts %v; want text/plain and text/html", parts)
	}
	requireContains(t, "the text part", text, "FIRING critical: Disk almost full", "Environment: production (aws, env_1)",
		"alertname = DiskFull", "description = <b>95%</b> of /var used", "delivery "+dl.ID+" (attempt 1)")
	requireContains(t, "the HTML part", html, "<h2>FIRING critical: Disk almost full</h2>", "&lt;b&gt;95%&lt;/b&gt; of /var used",
		`href="https://prometheus.example.com/graph?g0.expr=disk"`)
	if strings.Contains(html, "<b>95%") {
		t.Error("the HTML part carries an annotation unescaped")
	}
}

// A 4xx reply to RCPT TO is retried on the schedule; a 5xx fails the delivery at once.
func TestSMTP_rcptReplies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		reply   *smtp.SMTPError
		status  string
		outcome string
		due     bool
	}{
		{&smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "Mailbox full"}, api.DeliveryPending, api.AttemptRetry, true},
		{&smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}, api.DeliveryFailed, api.AttemptFailed, false},
	} {
		t.Run(tc.reply.Message, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, testclock.New(epoch))
			m := newMailServer(t, mailOpts{startTLS: true}, &mailServer{refuse: map[string]*smtp.SMTPError{"oncall@example.com": tc.reply}})
			dl := f.add(testAlert("alr_1", api.AlertFiring, epoch), api.RecipientEmail, "oncall@example.com")
			runOnce(t, mailDispatcher(t, f, m, "smtp://"+m.addr), 1)
			got := f.delivery(dl.ID)
			a := got.Attempts[0]
			if got.Status != tc.status || a.Outcome != tc.outcome || a.StatusCode != tc.reply.Code || (got.NextAttemptAt != nil) != tc.due {
				t.Errorf("after %d: %+v", tc.reply.Code, got)
			}
			requireContains(t, "the error", a.Error, "SMTP RCPT TO: ", tc.reply.Message)
			if n := len(m.messages()); n != 0 {
				t.Errorf("the server accepted %d messages", n)
			}
		})
	}
}

// smtps:// speaks TLS from the first byte; smtp:// to a server without STARTTLS sends in the
// clear unless ?starttls=required, which refuses (and retries).
func TestSMTP_transportSecurity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, scheme, query string
		opts                mailOpts
		delivered, tls      bool
	}{
		{name: "implicit TLS", scheme: "smtps", opts: mailOpts{implicitTLS: true}, delivered: true, tls: true},
		{name: "opportunistic, none offered", scheme: "smtp", delivered: true},
		{name: "required, none offered", scheme: "smtp", query: "?starttls=required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, testclock.New(epoch))
			m := newMailServer(t, tc.opts, &mailServer{})
			dl := f.add(testAlert("alr_1", api.AlertFiring, epoch), api.RecipientEmail, "oncall@example.com")
			runOnce(t, mailDispatcher(t, f, m, tc.scheme+"://"+m.addr+tc.query), 1)
			got, msgs := f.delivery(dl.ID), m.messages()
			if delivered := got.Status == api.DeliveryDelivered; delivered != tc.delivered || len(msgs) != map[bool]int{true: 1}[tc.delivered] {
				t.Fatalf("delivery %+v, %d messages; want delivered %v", got, len(msgs), tc.delivered)
			}
			if tc.delivered && msgs[0].tls != tc.tls {
				t.Errorf("TLS %v; want %v", msgs[0].tls, tc.tls)
			}
			if !tc.delivered {
				requireContains(t, "the error", got.LastError, "SMTP STARTTLS: ", "starttls=required")
			}
		})
	}
}

func TestParseSMTPURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url, from string
		want      SMTPConfig // Host "" when an error is wanted
		err       string
	}{
		{url: "smtp://mail.example.com", want: SMTPConfig{Host: "mail.example.com", Port: "25", Security: SMTPStartTLS, Hello: "localhost"}},
		{url: "smtp://u%40x:p%3Ass@mail.example.com:587?starttls=required&helo=warden.example.com",
			want: SMTPConfig{Host: "mail.example.com", Port: "587", Username: "u@x", Password: "p:ss", Security: SMTPStartTLSRequired, Hello: "warden.example.com"}},
		{url: "smtp://mail.example.com?starttls=opportunistic", want: SMTPConfig{Host: "mail.example.com", Port: "25", Security: SMTPStartTLS, Hello: "localhost"}},
		{url: "smtps://u:pw@[::1]", want: SMTPConfig{Host: "::1", Port: "465", Username: "u", Password: "pw", Security: SMTPImplicitTLS, Hello: "localhost"}},
		{url: "smtps://mail.example.com?starttls=required", err: "starttls=required is not known"},
		{url: "smtp://mail.example.com?startls=required", err: "startls=required is not known"},
		{url: "http://mail.example.com", err: `scheme "http"`},
		{url: "smtp://u:pw-s3cret@", err: "has no host"},
		{url: "smtp://u:pw-s3cret@bad host:25", err: "is not a URL"},
		{url: "smtp://mail.example.com", from: "not an address", err: FlagSMTPFrom},
	} {
		from := tc.from
		if from == "" {
			from = "alerts@example.com"
		}
		got, err := ParseSMTPURL(tc.url, from)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("ParseSMTPURL(%s) = %+v, %v; want an error with %q and no password", tc.url, got, err, tc.err)
			}
			continue
		}
		tc.want.From = mail.Address{Address: "alerts@example.com"}
		if err != nil || *got != tc.want {
			t.Errorf("ParseSMTPURL(%s) = %+v, %v; want %+v", tc.url, got, err, tc.want)
		}
	}
}
