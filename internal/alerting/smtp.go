package alerting

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// SMTPSecurity is how the connection to the SMTP server is protected.
type SMTPSecurity string

// The SMTP connection securities: see ParseSMTPURL.
const (
	SMTPStartTLS         SMTPSecurity = "starttls"
	SMTPStartTLSRequired SMTPSecurity = "starttls-required"
	SMTPImplicitTLS      SMTPSecurity = "tls"
)

// SMTPConfig is how e-mail deliveries are sent; ParseSMTPURL makes one.
type SMTPConfig struct {
	Host, Port         string
	Username, Password string
	Security           SMTPSecurity
	Hello              string // the EHLO name
	From               mail.Address
}

// ParseSMTPURL reads the -smtp-url and -smtp-from flags. The URL forms:
//
//	smtp://[user:password@]host[:port][?starttls=required][&helo=name]
//	smtps://[user:password@]host[:port][?helo=name]
//
// smtp:// (port 25 by default) upgrades with STARTTLS whenever the server offers it;
// ?starttls=required refuses to send without it (?starttls=opportunistic is the default,
// said out loud). smtps:// (port 465 by default) is TLS from the first byte. The user and
// password, percent-encoded, authenticate with AUTH PLAIN, which is sent only over TLS or
// to a loopback host. helo names this host in EHLO (default localhost). from is an address,
// with a display name or without ("Warden <alerts@example.com>"). Errors never quote the
// password.
func ParseSMTPURL(rawURL, from string) (*SMTPConfig, error) {
	u, err := url.Parse(rawURL)
	if err != nil { // url.Parse's error quotes the URL, password and all
		return nil, errors.New(FlagSMTPURL + " is not a URL: use smtp://[user:password@]host:port or smtps://…")
	}
	c := &SMTPConfig{Host: u.Hostname(), Port: u.Port(), Hello: "localhost"}
	switch u.Scheme {
	case "smtp":
		c.Security, c.Port = SMTPStartTLS, cmp.Or(c.Port, "25")
	case "smtps":
		c.Security, c.Port = SMTPImplicitTLS, cmp.Or(c.Port, "465")
	default:
		return nil, fmt.Errorf("%s: the scheme %q is not smtp or smtps", FlagSMTPURL, u.Scheme)
	}
	if c.Host == "" {
		return nil, errors.New(FlagSMTPURL + " has no host")
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, errors.New(FlagSMTPURL + ": the query is not of the form name=value&…")
	}
	for name, vs := range q {
		// An unknown or misspelt parameter is refused, so that ?startls=required never
		// sends in the clear unnoticed.
		switch v := vs[len(vs)-1]; {
		case name == "helo" && v != "":
			c.Hello = v
		case name == "starttls" && u.Scheme == "smtp" && v == "required":
			c.Security = SMTPStartTLSRequired
		case name == "starttls" && u.Scheme == "smtp" && v == "opportunistic":
		default:
			return nil, fmt.Errorf("%s: the parameter %s=%s is not known: use starttls=required|opportunistic (smtp:// only) or helo=<name>", FlagSMTPURL, name, v)
		}
	}
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("%s %q is not an e-mail address: %w", FlagSMTPFrom, from, err)
	}
	c.From = *addr
	return c, nil
}

// The steps of an SMTP conversation, which classifySMTP tells apart.
const (
	smtpConnect  = "connect"
	smtpHello    = "EHLO"
	smtpStartTLS = "STARTTLS"
	smtpAuth     = "AUTH"
	smtpMail     = "MAIL FROM"
	smtpRcpt     = "RCPT TO"
	smtpData     = "DATA"
)

type smtpError struct {
	step string
	err  error
}

func (e *smtpError) Error() string { return e.step + ": " + e.err.Error() }
func (e *smtpError) Unwrap() error { return e.err }

// send delivers msg to rcpt in one SMTP conversation, bounded by ctx (net/smtp takes no
// context: the connection's deadline is ctx's, and ctx's end closes it).
func (c *SMTPConfig) send(ctx context.Context, roots *x509.CertPool, rcpt string, msg []byte) error {
	addr := net.JoinHostPort(c.Host, c.Port)
	tc := &tls.Config{ServerName: c.Host, RootCAs: roots, MinVersion: tls.VersionTLS12}
	var dialer interface {
		DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	} = &net.Dialer{}
	if c.Security == SMTPImplicitTLS {
		dialer = &tls.Dialer{Config: tc}
	}
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return &smtpError{smtpConnect, err}
	}
	defer context.AfterFunc(ctx, func() { _ = conn.Close() })()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl) // an error here surfaces on the first read
	}
	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		_ = conn.Close()
		return &smtpError{smtpConnect, err}
	}
	defer func() { _ = cl.Close() }()
	steps := []struct {
		name string
		run  func() error
	}{
		{smtpHello, func() error { return cl.Hello(c.Hello) }},
		{smtpStartTLS, func() error { return c.startTLS(cl, tc) }},
		{smtpAuth, func() error {
			if c.Username == "" {
				return nil
			}
			return cl.Auth(smtp.PlainAuth("", c.Username, c.Password, c.Host))
		}},
		{smtpMail, func() error { return cl.Mail(c.From.Address) }},
		{smtpRcpt, func() error { return cl.Rcpt(rcpt) }},
		{smtpData, func() error {
			w, err := cl.Data()
			if err != nil {
				return err
			}
			if _, err := w.Write(msg); err != nil {
				_ = w.Close()
				return err
			}
			return w.Close() // the server's verdict on the message
		}},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			return &smtpError{s.name, err}
		}
	}
	// The message is accepted; a failed QUIT changes nothing.
	_ = cl.Quit()
	return nil
}

func (c *SMTPConfig) startTLS(cl *smtp.Client, tc *tls.Config) error {
	if c.Security == SMTPImplicitTLS {
		return nil
	}
	if ok, _ := cl.Extension("STARTTLS"); ok {
		return cl.StartTLS(tc)
	}
	if c.Security == SMTPStartTLSRequired {
		return errors.New("the server does not offer STARTTLS, and " + FlagSMTPURL + " has ?starttls=required")
	}
	return nil
}

// classifySMTP: a 5xx to RCPT TO or to the message fails at once, without retries, since
// the same message to the same address is refused again; a 5xx elsewhere (EHLO, AUTH,
// MAIL FROM) is the server's configuration, which the operator can fix, and is retried
// like a 4xx or a broken connection.
func classifySMTP(err error) result {
	if err == nil {
		return result{Outcome: api.AttemptDelivered, StatusCode: 250}
	}
	step := smtpConnect
	if se, ok := errors.AsType[*smtpError](err); ok {
		step = se.step
	}
	te, ok := errors.AsType[*textproto.Error](err)
	if !ok {
		return result{Outcome: api.AttemptRetry, Err: "SMTP " + step + ": " + transportError(err)}
	}
	r := result{Outcome: api.AttemptRetry, StatusCode: te.Code, Err: fmt.Sprintf("SMTP %s: %d %s", step, te.Code, excerpt([]byte(te.Msg)))}
	if te.Code >= 500 && (step == smtpRcpt || step == smtpData) {
		r.Outcome = api.AttemptFailed
	}
	return r
}

func (d *Dispatcher) sendEmail(ctx context.Context, j *job, n int, at time.Time) result {
	msg, err := emailMessage(j, d.cfg.SMTP.From, n, at)
	if err != nil {
		return result{Outcome: api.AttemptFailed, Err: err.Error()}
	}
	return classifySMTP(d.cfg.SMTP.send(ctx, d.cfg.TLSRoots, j.d.Target, msg))
}
