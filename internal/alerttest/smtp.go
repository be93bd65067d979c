package alerttest

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net/mail"
	"net/url"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/wardenhq/terraform-provider-warden/internal/tlstesting"
)

// SMTPOptions chooses what an SMTPServer asks of its clients.
type SMTPOptions struct {
	// STARTTLS offers STARTTLS with a self-signed certificate (SMTPServer.Cert); AUTH is then
	// offered only once the connection is encrypted, as real servers do.
	STARTTLS bool
	// User and Password, when User is set, require AUTH PLAIN with them before MAIL.
	User, Password string
}

// Message is one message an SMTPServer got to the end of DATA.
type Message struct {
	At   time.Time
	From string
	To   []string
	// Data is the message as sent; Header and Body are it parsed by net/mail (Header nil and
	// Body empty when it does not parse).
	Data   []byte
	Header mail.Header
	Body   []byte
	// TLS says the message came over STARTTLS; User is who authenticated, if anyone did.
	TLS  bool
	User string
	// Code is the reply to the DATA: 250, or the injected failure.
	Code int
}

func (m Message) accepted() bool { return m.Code == 250 }

// SMTPServer is an SMTP server on a free 127.0.0.1 port (github.com/emersion/go-smtp) that
// records every message and can be made to refuse them with a temporary (451) or permanent
// (550) failure.
type SMTPServer struct {
	Journal[Message]
	// Cert is the certificate STARTTLS presents, for the client to trust (Cert.Pool); zero
	// without SMTPOptions.STARTTLS.
	Cert tlstesting.Cert
	Addr string

	opts   SMTPOptions
	faults faults[int]
}

// NewSMTPServer starts a server with opts; it stops when the test ends.
func NewSMTPServer(t testing.TB, opts SMTPOptions) *SMTPServer {
	t.Helper()
	s := &SMTPServer{opts: opts}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "alerttest.localhost"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	// Without STARTTLS there is nothing to wait for before AUTH; with it, AUTH waits for it.
	srv.AllowInsecureAuth = !opts.STARTTLS
	if opts.STARTTLS {
		s.Cert = tlstesting.SelfSigned(t)
		pair, err := tls.X509KeyPair(s.Cert.CertPEM, s.Cert.KeyPEM)
		if err != nil {
			t.Fatalf("alerttest: SMTP certificate: %v", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	}
	ln := listen(t, "127.0.0.1:0")
	s.Addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// URL is smtp://user:password@127.0.0.1:port (without the user part when there is none).
func (s *SMTPServer) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.Addr}
	if s.opts.User != "" {
		u.User = url.UserPassword(s.opts.User, s.opts.Password)
	}
	return u.String()
}

// Messages is every accepted message, in arrival order.
func (s *SMTPServer) Messages() []Message { return s.Accepted() }

// Reject answers code (451, 550…) to the DATA of the next n messages (Always: until Heal).
func (s *SMTPServer) Reject(code, n int) { s.faults.set(code, n) }

// Heal ends Reject: messages are accepted again.
func (s *SMTPServer) Heal() { s.faults.clear() }

func (s *SMTPServer) newSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	sess := &smtpSession{server: s, tls: isTLS}
	if s.opts.User == "" {
		return sess, nil
	}
	return &smtpAuthSession{sess}, nil
}

// smtpSession is one connection's state; a new one begins after STARTTLS.
type smtpSession struct {
	server *SMTPServer
	tls    bool
	user   string
	from   string
	to     []string
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.server.opts.User != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{At: time.Now(), From: ss.from, To: ss.to, Data: data, TLS: ss.tls, User: ss.user, Code: 250}
	if parsed, err := mail.ReadMessage(bytes.NewReader(data)); err == nil {
		m.Header = parsed.Header
		m.Body, _ = io.ReadAll(parsed.Body)
	}
	code, faulted := ss.server.faults.take()
	if faulted {
		m.Code = code
	}
	ss.server.add(m)
	if !faulted {
		return nil
	}
	return &smtp.SMTPError{
		Code:         code,
		EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0},
		Message:      fmt.Sprintf("alerttest: injected %d", code),
	}
}

func (ss *smtpSession) Reset() { ss.from, ss.to = "", nil }

func (ss *smtpSession) Logout() error { return nil }

// smtpAuthSession is a session that offers AUTH PLAIN: go-smtp offers AUTH exactly when a
// session implements it.
type smtpAuthSession struct{ *smtpSession }

func (ss *smtpAuthSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *smtpAuthSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, password string) error {
		if user != ss.server.opts.User || password != ss.server.opts.Password {
			// 535, permanent: go-smtp answers any other error with a temporary 454.
			return smtp.ErrAuthFailed
		}
		ss.user = user
		return nil
	}), nil
}
