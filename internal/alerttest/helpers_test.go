package alerttest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"testing"
)

// send POSTs body to url with header and returns the answer's status, header and body; a
// request that fails (refused, timed out) returns its error.
func send(t *testing.T, c *http.Client, url string, header http.Header, body []byte) (int, http.Header, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

// mustSend is send that fails the test when the request fails, returning the status and body.
func mustSend(t *testing.T, url string, header http.Header, body []byte) (int, []byte) {
	t.Helper()
	status, _, b, err := send(t, http.DefaultClient, url, header, body)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	return status, b
}

// newSecret is a signing secret as Warden makes them: whsec_ and base64 of 32 random bytes.
func newSecret() string {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return "whsec_" + base64.StdEncoding.EncodeToString(key)
}
