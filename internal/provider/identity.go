package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Resource identities (Terraform 1.12 and later): what names each object in the API, so that
// `import { to = … identity = { … } }` and `terraform query` results address it without an id
// string to assemble. A single-id object is named by its id; a composite by its natural key.
// Identities never change over a resource's life: every attribute here forces replacement.
//
// The models below are shared by the resources (which set the identity after Create, Read and
// import) and the list resources (which return one identity per object found).
//
// Read sets the identity from the prior state before it asks the API: the identity never
// changes, and a Read that finds the object gone must still return one. State written before
// this provider had identities has none, and the framework fails a Read that returns none
// ("Missing Resource Identity After Read").

// idIdentity names an environment, user, group or role.
type idIdentity struct {
	ID types.String `tfsdk:"id"`
}

func idIdentitySchema(noun string) identityschema.Schema {
	return identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"id": identityschema.StringAttribute{RequiredForImport: true, Description: "The " + noun + "'s id."},
	}}
}

// grantIdentity names a warden_environment_grant: one grant per role and environment.
type grantIdentity struct {
	RoleID        types.String `tfsdk:"role_id"`
	EnvironmentID types.String `tfsdk:"environment_id"`
}

func grantIdentitySchema() identityschema.Schema {
	return identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"role_id":        identityschema.StringAttribute{RequiredForImport: true, Description: "The granted role's id."},
		"environment_id": identityschema.StringAttribute{RequiredForImport: true, Description: "The environment's id."},
	}}
}

// roleAssignmentIdentity names a warden_role_assignment: a role and its principal, exactly one
// of user_id and group_id.
type roleAssignmentIdentity struct {
	RoleID  types.String `tfsdk:"role_id"`
	UserID  types.String `tfsdk:"user_id"`
	GroupID types.String `tfsdk:"group_id"`
}

func roleAssignmentIdentitySchema() identityschema.Schema {
	return identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"role_id":  identityschema.StringAttribute{RequiredForImport: true, Description: "The assigned role's id."},
		"user_id":  identityschema.StringAttribute{OptionalForImport: true, Description: "The user the role is assigned to; exactly one of `user_id` and `group_id`."},
		"group_id": identityschema.StringAttribute{OptionalForImport: true, Description: "The group the role is assigned to; exactly one of `user_id` and `group_id`."},
	}}
}

// groupMemberIdentity names a warden_group_member.
type groupMemberIdentity struct {
	GroupID types.String `tfsdk:"group_id"`
	UserID  types.String `tfsdk:"user_id"`
}

func groupMemberIdentitySchema() identityschema.Schema {
	return identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"group_id": identityschema.StringAttribute{RequiredForImport: true, Description: "The group's id."},
		"user_id":  identityschema.StringAttribute{RequiredForImport: true, Description: "The member's user id."},
	}}
}

// environmentIdentity names what an environment has at most one of: warden_support_access and
// warden_alert_routing.
type environmentIdentity struct {
	EnvironmentID types.String `tfsdk:"environment_id"`
}

func environmentIdentitySchema(what string) identityschema.Schema {
	return identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"environment_id": identityschema.StringAttribute{RequiredForImport: true, Description: "The environment's id: an environment has at most one " + what + "."},
	}}
}

// alertDestinationIdentity names a warden_alert_destination by its environment, type and the
// digest of its target (the target itself may carry a secret and never appears in an identity).
type alertDestinationIdentity struct {
	EnvironmentID types.String `tfsdk:"environment_id"`
	Type          types.String `tfsdk:"type"`
	TargetDigest  types.String `tfsdk:"target_digest"`
}

func alertDestinationIdentitySchema() identityschema.Schema {
	return identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"environment_id": identityschema.StringAttribute{RequiredForImport: true, Description: "The environment's id."},
		"type":           identityschema.StringAttribute{RequiredForImport: true, Description: "The destination's type (`email`, `webhook`, …)."},
		"target_digest": identityschema.StringAttribute{RequiredForImport: true,
			Description: "The first 16 hex digits of the SHA-256 of the destination's target, `substr(sha256(target), 0, 16)`: the last part of the resource's id. The identity never shows the target itself."},
	}}
}

// accessRequestApprovalIdentity names a warden_access_request_approval by its request.
type accessRequestApprovalIdentity struct {
	AccessRequestID types.String `tfsdk:"access_request_id"`
}

func accessRequestApprovalIdentitySchema() identityschema.Schema {
	return identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"access_request_id": identityschema.StringAttribute{RequiredForImport: true, Description: "The approved access request's id."},
	}}
}
