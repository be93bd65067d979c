package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
)

// The identities of the resources that list resources return. `terraform query` needs the
// identity schema of every resource type it lists, and the import blocks that
// `terraform query -generate-config-out` writes name what they import by identity; a
// resource with an identity schema must in turn return its identity after every Create, Read
// and Update (the framework fails them otherwise), even from a Read that removes it (drift)
// of a state written by a Terraform without identities. Each resource below declares its
// schema here, sets its identity where it sets or removes its state, and turns an identity
// given to ImportState into the import id it already parses.
var (
	_ resource.ResourceWithIdentity = (*environmentResource)(nil)
	_ resource.ResourceWithIdentity = (*userResource)(nil)
	_ resource.ResourceWithIdentity = (*groupResource)(nil)
	_ resource.ResourceWithIdentity = (*roleResource)(nil)
	_ resource.ResourceWithIdentity = (*roleAssignmentResource)(nil)
	_ resource.ResourceWithIdentity = (*environmentGrantResource)(nil)
	_ resource.ResourceWithIdentity = (*supportAccessResource)(nil)
	_ resource.ResourceWithIdentity = (*alertRoutingResource)(nil)
)

func (r *environmentResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("environment")
}

func (r *userResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("user")
}

func (r *groupResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("group")
}

func (r *roleResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("role")
}

func (r *roleAssignmentResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = roleAssignmentIdentitySchema()
}

func (r *environmentGrantResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = grantIdentitySchema()
}

func (r *supportAccessResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = environmentIdentitySchema("support access")
}

func (r *alertRoutingResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = environmentIdentitySchema("alert routing")
}

// setIdentity records a resource's identity beside its state.
func setIdentity(ctx context.Context, id *tfsdk.ResourceIdentity, v any, diags *diag.Diagnostics) {
	if id == nil {
		return
	}
	diags.Append(id.Set(ctx, v)...)
}

// importIDFromIdentity returns the import id of req: req.ID, or, for an import by identity
// (an import block with identity, as `terraform query -generate-config-out` writes), the
// import id form that names the same object, so that ImportState parses one form only.
func importIDFromIdentity[T any](ctx context.Context, req resource.ImportStateRequest, diags *diag.Diagnostics, form func(T) string) string {
	if req.ID != "" || req.Identity == nil || req.Identity.Raw.IsNull() {
		return req.ID
	}
	var ident T
	diags.Append(req.Identity.Get(ctx, &ident)...)
	if diags.HasError() {
		return ""
	}
	return form(ident)
}

func (i idIdentity) importID() string { return i.ID.ValueString() }

func (i grantIdentity) importID() string {
	return i.RoleID.ValueString() + "/" + i.EnvironmentID.ValueString()
}

// importID is "<role_id>/user/<user_id>" or "<role_id>/group/<group_id>", which ImportState
// looks up in the API.
func (i roleAssignmentIdentity) importID() string {
	if !i.GroupID.IsNull() && i.GroupID.ValueString() != "" {
		return i.RoleID.ValueString() + "/group/" + i.GroupID.ValueString()
	}
	return i.RoleID.ValueString() + "/user/" + i.UserID.ValueString()
}

func (i environmentIdentity) importID() string { return i.EnvironmentID.ValueString() }
