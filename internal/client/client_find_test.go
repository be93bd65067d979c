package client_test

import (
	"context"
	"errors"
	"testing"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// The Find* lookups back the import ids a user can write without knowing an object's API
// address: an assignment by its principal or its own id, a grant by its own id.
func TestIntegration_findAssignmentsAndGrants(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, newServer(t), ownerToken, nil)
	alice := must(c.CreateUser(ctx, api.UserCreate{Email: "alice@example.com", Name: "Alice", Kind: "member"}))(t)
	sre := must(c.CreateGroup(ctx, api.GroupCreate{Name: "sre", Members: &[]string{alice.ID}}))(t)
	role := must(c.CreateRole(ctx, api.RoleCreate{Name: "deployers", Permissions: []string{"conducts.read"}}))(t)
	byUser := must(c.CreateRoleAssignment(ctx, role.ID, api.RoleAssignmentCreate{UserID: alice.ID}))(t)
	byGroup := must(c.CreateRoleAssignment(ctx, role.ID, api.RoleAssignmentCreate{GroupID: sre.ID}))(t)

	if got := must(c.FindRoleAssignment(ctx, role.ID, alice.ID, ""))(t); got.ID != byUser.ID {
		t.Errorf("FindRoleAssignment(user) = %s, want %s", got.ID, byUser.ID)
	}
	if got := must(c.FindRoleAssignment(ctx, role.ID, "", sre.ID))(t); got.ID != byGroup.ID {
		t.Errorf("FindRoleAssignment(group) = %s, want %s", got.ID, byGroup.ID)
	}
	// The user holds the role through the group too, but only byUser is a direct assignment
	// to the user; a group id given as a user id finds nothing.
	if _, err := c.FindRoleAssignment(ctx, role.ID, sre.ID, ""); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("FindRoleAssignment(group id as user) = %v, want ErrNotFound", err)
	}
	if got := must(c.FindRoleAssignmentByID(ctx, byGroup.ID))(t); got.RoleID != role.ID || got.GroupID != sre.ID {
		t.Errorf("FindRoleAssignmentByID = %+v", got)
	}
	if _, err := c.FindRoleAssignmentByID(ctx, "asg_missing"); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("FindRoleAssignmentByID(missing) = %v, want ErrNotFound", err)
	}

	env := must(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "production", Cloud: "gcp"}))(t)
	_ = must(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "staging", Cloud: "aws"}))(t)
	g := must(c.CreateGrant(ctx, env.ID, api.GrantCreate{RoleID: role.ID, Permissions: []string{"deployment"}}))(t)
	if got := must(c.FindGrantByID(ctx, g.ID))(t); got.RoleID != role.ID || got.EnvironmentID != env.ID {
		t.Errorf("FindGrantByID = %+v, want role %s in %s", got, role.ID, env.ID)
	}
	if _, err := c.FindGrantByID(ctx, "grt_missing"); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("FindGrantByID(missing) = %v, want ErrNotFound", err)
	}
}
