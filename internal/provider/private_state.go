package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// The object's API version lives in private state: it guards updates and deletes with
// If-Match without showing a computed attribute that changes on every apply.
const privateVersionKey = "version"

// privateReader and privateWriter are what a request's and a response's private state offer:
// the framework's own type for them is internal to it, so it cannot be named here.
type privateReader interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

type privateWriter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// savedVersion returns the version recorded by the last read or write, or 0 (no If-Match)
// when there is none, e.g. right after an upgrade of the provider.
func savedVersion(ctx context.Context, p privateReader) int64 {
	b, diags := p.GetKey(ctx, privateVersionKey)
	if diags.HasError() || len(b) == 0 {
		return 0
	}
	var v int64
	if _, err := fmt.Sscan(string(b), &v); err != nil {
		return 0
	}
	return v
}

// saveVersion records the object's version for the next If-Match.
func saveVersion(ctx context.Context, p privateWriter, v int64, diags *diag.Diagnostics) {
	diags.Append(p.SetKey(ctx, privateVersionKey, fmt.Appendf(nil, "%d", v))...)
}
