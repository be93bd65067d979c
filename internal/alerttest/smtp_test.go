package alerttest

import (
	"crypto/tls"
	"errors"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"
)

const testMessage = "From: warden@example.com\r\nTo: oncall@example.com\r\nSubject: [critical] disk full\r\n\r\nThe disk is full.\r\n"

// sendMail sends testMessage through s with net/smtp: STARTTLS when s offers it (trusting
// s.Cert), and AUTH PLAIN when its URL carries credentials.
func sendMail(t *testing.T, s *SMTPServer, password string) error {
	t.Helper()
	c, err := smtp.Dial(s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: "127.0.0.1", RootCAs: s.Cert.Pool(t), MinVersion: tls.VersionTLS12}); err != nil {
			t.Fatalf("STARTTLS: %v", err)
		}
	}
	u, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	if u.User != nil {
		if err := c.Auth(smtp.PlainAuth("", u.User.Username(), password, "127.0.0.1")); err != nil {
			return err
		}
	}
	if err := c.Mail("warden@example.com"); err != nil {
		return err
	}
	if err := c.Rcpt("oncall@example.com"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(testMessage)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func smtpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

func TestSMTPServer_startTLSAndAuthPlain(t *testing.T) {
	t.Parallel()
	s := NewSMTPServer(t, SMTPOptions{STARTTLS: true, User: "alerts", Password: "p@ss:word"})
	if want := "smtp://alerts:p%40ss%3Aword@" + s.Addr; s.URL() != want {
		t.Errorf("URL() = %s, want %s", s.URL(), want)
	}
	if err := sendMail(t, s, "p@ss:word"); err != nil {
		t.Fatal(err)
	}
	m := s.WaitFor(t, 1, time.Second)[0]
	if m.From != "warden@example.com" || strings.Join(m.To, ",") != "oncall@example.com" || !m.TLS || m.User != "alerts" {
		t.Errorf("envelope %q → %q, TLS %v, user %q", m.From, m.To, m.TLS, m.User)
	}
	if m.Header.Get("Subject") != "[critical] disk full" || string(m.Body) != "The disk is full.\r\n" || string(m.Data) != testMessage {
		t.Errorf("message %q / %q", m.Header, m.Body)
	}
	if err := sendMail(t, s, "wrong"); smtpCode(err) != 535 {
		t.Errorf("wrong password: %v, want 535", err)
	}
}

func TestSMTPServer_requiresAuthBeforeMail(t *testing.T) {
	t.Parallel()
	s := NewSMTPServer(t, SMTPOptions{User: "alerts", Password: "pw"})
	c, err := smtp.Dial(s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if err := c.Mail("warden@example.com"); smtpCode(err) != 502 {
		t.Fatalf("MAIL without AUTH: %v, want 502", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered without SMTPOptions.STARTTLS")
	}
}

func TestSMTPServer_rejectsTheNextNMessages(t *testing.T) {
	t.Parallel()
	s := NewSMTPServer(t, SMTPOptions{})
	if !strings.HasPrefix(s.URL(), "smtp://127.0.0.1:") {
		t.Errorf("URL() = %s", s.URL())
	}
	s.Reject(451, 1)
	if err := sendMail(t, s, ""); smtpCode(err) != 451 {
		t.Errorf("first: %v, want 451", err)
	}
	s.Reject(550, Always)
	if err := sendMail(t, s, ""); smtpCode(err) != 550 {
		t.Errorf("second: %v, want 550", err)
	}
	s.Heal()
	if err := sendMail(t, s, ""); err != nil {
		t.Errorf("healed: %v", err)
	}
	all := s.All()
	if len(all) != 3 || all[0].Code != 451 || all[1].Code != 550 || all[2].Code != 250 || len(s.Messages()) != 1 || all[2].TLS {
		t.Errorf("recorded %+v", all)
	}
}
