package provider

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestOneOf_readsAsWords(t *testing.T) {
	cases := []struct{ value, want string }{
		{"slack", `type must be webhook or email; got "slack".`},
		{"webhok", `type must be webhook or email; got "webhok". Did you mean "webhook"?`},
	}
	for _, c := range cases {
		req := validator.StringRequest{Path: path.Root("destinations").AtSetValue(types.StringValue("x")).AtName("type"), ConfigValue: types.StringValue(c.value)}
		var resp validator.StringResponse
		oneOf("webhook", "email").ValidateString(context.Background(), req, &resp)
		if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Detail() != c.want || resp.Diagnostics[0].Summary() != "Invalid type" {
			t.Errorf("%s: got %v, want %q", c.value, resp.Diagnostics, c.want)
		}
	}
	for _, ok := range []types.String{types.StringValue("email"), types.StringNull(), types.StringUnknown()} {
		var resp validator.StringResponse
		oneOf("webhook", "email").ValidateString(context.Background(), validator.StringRequest{Path: path.Root("type"), ConfigValue: ok}, &resp)
		if resp.Diagnostics.HasError() {
			t.Errorf("%v: %v", ok, resp.Diagnostics)
		}
	}
}

func TestDurationBetween_boundsAndWords(t *testing.T) {
	v := durationBetween(time.Second, 10*time.Minute)
	for value, want := range map[string]string{
		"soon":  `timeout must be a duration from 1s to 10m, such as "90s" or "5m" (units ms, s, m, h); got "soon".`,
		"20m":   `timeout must be a duration from 1s to 10m, such as "90s" or "5m" (units ms, s, m, h); got "20m".`,
		"500ms": `timeout must be a duration from 1s to 10m, such as "90s" or "5m" (units ms, s, m, h); got "500ms".`,
		"1s":    "", "10m": "", "90s": "",
	} {
		var resp validator.StringResponse
		v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("timeout"), ConfigValue: types.StringValue(value)}, &resp)
		switch {
		case want == "" && resp.Diagnostics.HasError():
			t.Errorf("%s: %v", value, resp.Diagnostics)
		case want != "" && (len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Detail() != want || resp.Diagnostics[0].Summary() != "Invalid timeout"):
			t.Errorf("%s: got %v, want %q", value, resp.Diagnostics, want)
		}
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		10 * time.Minute: "10m", time.Hour: "1h", 90 * time.Second: "1m30s", 4800 * time.Millisecond: "5s",
		200 * time.Millisecond: "200ms", 0: "0s", 2*time.Hour + 30*time.Second: "2h0m30s",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
