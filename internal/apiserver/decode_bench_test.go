package apiserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// POST /v1/authorize is the hot path. huma decodes a body twice (into any for schema
// validation, then into the input struct); these compare the two decodes with
// encoding/json (before) and with decodeJSON (after), and the whole request in process.

var authorizeBody = []byte(`{"principal_id":"usr_2oqvk5aiyoaukfxhrhwpwv7ifd","environment_id":"env_y3di76tbbis6drw7syrd65gmwa","action":"operator.reboot_host","resource":"aw_cache_7"}`)

func BenchmarkDecodeAuthorizeRequest(b *testing.B) {
	for _, tc := range []struct {
		name      string
		unmarshal func([]byte, any) error
	}{{"encoding_json", json.Unmarshal}, {"strict", decodeJSON}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(authorizeBody)))
			for b.Loop() {
				var parsed any
				var req api.AuthorizeRequest
				if err := tc.unmarshal(authorizeBody, &parsed); err != nil {
					b.Fatal(err)
				}
				if err := tc.unmarshal(authorizeBody, &req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAuthorizeHandler is one POST /v1/authorize through the whole handler (auth,
// decode, validation, engine, encode), without sockets: on the fast path
// (authorize_fast.go) and through the huma operation.
func BenchmarkAuthorizeHandler(b *testing.B) {
	fx := newFuzzFixture(b)
	body, err := json.Marshal(api.AuthorizeRequest{PrincipalID: fx.userID, EnvironmentID: fx.awsEnv, Action: "apps.deploy"})
	if err != nil {
		b.Fatal(err)
	}
	h := fx.srv.Handler()
	for _, path := range []string{"fast", "huma"} {
		b.Run(path, func(b *testing.B) {
			fx.srv.noFastAuthorize.Store(path == "huma")
			defer fx.srv.noFastAuthorize.Store(false)
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequestWithContext(b.Context(), http.MethodPost, "/v1/authorize", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+ownerToken)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
