package testserver

import (
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/tlstesting"
)

var hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello "+r.URL.Path) })

func TestStart_servesOnLoopbackUntilTheTestEnds(t *testing.T) {
	var url string
	t.Run("server", func(t *testing.T) {
		url = Start(t, hello)
		if !strings.HasPrefix(url, "http://127.0.0.1:") {
			t.Fatalf("URL %q, want http://127.0.0.1:port", url)
		}
		if _, got, err := Get(t, http.DefaultClient, url+"/x"); err != nil || got != "hello /x" {
			t.Fatalf("GET: %q, %v", got, err)
		}
	})
	if _, _, err := Get(t, http.DefaultClient, url+"/x"); err == nil {
		t.Error("the server still answers after its test ended")
	}
}

func TestStartTLS_presentsTheCertificate(t *testing.T) {
	cert := tlstesting.SelfSigned(t)
	url := StartTLS(t, hello, cert)
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("URL %q, want https://127.0.0.1:port", url)
	}
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool(t), MinVersion: tls.VersionTLS12}}}
	if _, got, err := Get(t, trusting, url+"/y"); err != nil || got != "hello /y" {
		t.Fatalf("GET trusting the certificate: %q, %v", got, err)
	}
	if _, _, err := Get(t, http.DefaultClient, url+"/y"); err == nil {
		t.Error("a client that does not trust the certificate got an answer")
	}
}
