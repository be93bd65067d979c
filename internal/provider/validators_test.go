package provider

import (
	"context"
	"testing"

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
