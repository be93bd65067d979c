package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// modifyResourcePlan runs a resource's own ModifyPlan on a planned object (which also serves
// as the configuration) and a prior state (nil on create), both given as attribute values;
// attributes left out are null. It returns the response, whose Plan holds the modified plan.
func modifyResourcePlan(t *testing.T, r resource.Resource, planned, prior map[string]tftypes.Value) *resource.ModifyPlanResponse {
	t.Helper()
	ctx := context.Background()
	m, ok := r.(resource.ResourceWithModifyPlan)
	if !ok {
		t.Fatalf("%T has no ModifyPlan", r)
	}
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	typ, ok := sresp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatalf("schema type is not an object")
	}
	object := func(attrs map[string]tftypes.Value) tftypes.Value {
		if attrs == nil {
			return tftypes.NewValue(typ, nil)
		}
		return schemaObjectOf(t, typ, attrs)
	}
	plan := tfsdk.Plan{Schema: sresp.Schema, Raw: object(planned)}
	req := resource.ModifyPlanRequest{
		Config: tfsdk.Config{Schema: sresp.Schema, Raw: plan.Raw},
		Plan:   plan,
		State:  tfsdk.State{Schema: sresp.Schema, Raw: object(prior)},
	}
	resp := &resource.ModifyPlanResponse{Plan: plan}
	m.ModifyPlan(ctx, req, resp)
	return resp
}

// unknownString and unknownStringSet are values not yet known at plan time.
var (
	unknownString    = tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	unknownStringSet = tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, tftypes.UnknownValue)
)

func tfString(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func tfBool(b bool) tftypes.Value { return tftypes.NewValue(tftypes.Bool, b) }
