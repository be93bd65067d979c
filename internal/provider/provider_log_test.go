package provider

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// With TF_LOG=debug, a retry shows up in Terraform's log: the attempt, what the previous one
// met, how long it waited, and the request ids.
func TestProvider_clientLogsRetriesThroughTflog(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("X-Request-Id", "req_busy")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("X-Request-Id", "req_ok")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"version":"v"}`))
	}))
	defer srv.Close()
	c, err := client.New(client.Config{Endpoint: srv.URL, Token: "t", RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond, Log: clientLog})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(t.Context(), &buf)
	if _, err := c.PermissionMatrix(ctx); err != nil {
		t.Fatal(err)
	}
	entries, err := tflogtest.MultilineJSONDecode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var retry, done map[string]any
	for _, e := range entries {
		switch e["@message"] {
		case "retrying Warden API request":
			retry = e
		case "Warden API response":
			done = e
		}
	}
	if retry == nil || retry["@level"] != "debug" || retry["attempt"] != json.Number("2") && retry["attempt"] != float64(2) ||
		retry["request_id"] != "req_busy" || retry["waited"] == nil {
		t.Errorf("retry entry %v (all: %v)", retry, entries)
	}
	if done == nil || done["request_id"] != "req_ok" {
		t.Errorf("response entry %v", done)
	}
}
