package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/apiserver"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
	"github.com/wardenhq/terraform-provider-warden/internal/testserver"
)

// These tests run the client against the real Warden API (internal/apiserver) on 127.0.0.1
// with a fresh SQLite file each, so they prove the client and the server agree on the wire.

func TestIntegration_environments(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClient(t, newServer(t), ownerToken, nil)

	env := must(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod", Cloud: "aws"}))(t)
	if env.ID == "" || env.Name != "prod" || env.Cloud != "aws" || env.ResourcePrefix != "aw_" || env.Version != 1 || env.CreatedAt.IsZero() {
		t.Errorf("created = %+v", env)
	}
	got := must(c.GetEnvironment(ctx, env.ID))(t)
	if got.ID != env.ID || got.Name != "prod" || got.Version != 1 {
		t.Errorf("get = %+v", got)
	}

	// Validation: the wrong cloud names the field.
	_, err := c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "bad", Cloud: "azure"})
	apiErr := wantStatus(t, err, 0, "")
	if apiErr.Status != 400 && apiErr.Status != 422 {
		t.Errorf("azure: status %d, want 400 or 422", apiErr.Status)
	}
	if apiErr.Field != "cloud" || apiErr.Code == "" || apiErr.RequestID == "" {
		t.Errorf("azure: APIError = %+v, want field cloud, a code and a request id", apiErr)
	}
	if !strings.Contains(err.Error(), "(field cloud)") {
		t.Errorf("azure: Error() = %q", err)
	}

	// A duplicate name is a conflict.
	_, err = c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod", Cloud: "gcp"})
	if !errors.Is(err, client.ErrConflict) {
		t.Errorf("duplicate name: err = %v, want ErrConflict", err)
	}

	// Listing: a name filter, and every page followed.
	for _, n := range []string{"a", "b", "c", "d"} {
		must(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "page-" + n, Cloud: "gcp"}))(t)
	}
	all := must(c.ListEnvironments(ctx, client.ListEnvironmentsOptions{PageSize: 2}))(t)
	if len(all) != 5 {
		t.Errorf("ListEnvironments with page size 2 returned %d, want 5", len(all))
	}
	byName := must(c.ListEnvironments(ctx, client.ListEnvironmentsOptions{Name: "prod"}))(t)
	if len(byName) != 1 || byName[0].ID != env.ID {
		t.Errorf("ListEnvironments(name=prod) = %+v", byName)
	}
	if found := must(c.FindEnvironmentByName(ctx, "page-c"))(t); found.Name != "page-c" {
		t.Errorf("FindEnvironmentByName = %+v", found)
	}
	if _, err := c.FindEnvironmentByName(ctx, "nope"); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("FindEnvironmentByName(nope): err = %v", err)
	}

	// Update with If-Match, then a stale If-Match.
	upd := must(c.UpdateEnvironment(ctx, env.ID, api.EnvironmentUpdate{Name: ptr("production")}, env.Version))(t)
	if upd.Name != "production" || upd.Version != 2 || upd.Cloud != "aws" {
		t.Errorf("updated = %+v", upd)
	}
	_, err = c.UpdateEnvironment(ctx, env.ID, api.EnvironmentUpdate{ResourcePrefix: ptr("zz_")}, env.Version)
	if !errors.Is(err, client.ErrPreconditionFailed) {
		t.Fatalf("stale If-Match update: err = %v, want ErrPreconditionFailed", err)
	}
	wantStatus(t, err, 412, "version_mismatch")
	if err := c.DeleteEnvironment(ctx, env.ID, env.Version); !errors.Is(err, client.ErrPreconditionFailed) {
		t.Errorf("stale If-Match delete: err = %v, want ErrPreconditionFailed", err)
	}
	// Without If-Match the update is unconditional.
	upd = must(c.UpdateEnvironment(ctx, env.ID, api.EnvironmentUpdate{ResourcePrefix: ptr("zz_")}, 0))(t)
	if upd.ResourcePrefix != "zz_" || upd.Version != 3 {
		t.Errorf("unconditional update = %+v", upd)
	}

	if err := c.DeleteEnvironment(ctx, env.ID, upd.Version); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = c.GetEnvironment(ctx, env.ID)
	if !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("get after delete: err = %v, want ErrNotFound", err)
	}
	wantStatus(t, err, 404, "not_found")
	if err := c.DeleteEnvironment(ctx, env.ID, 0); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("second delete: err = %v, want ErrNotFound", err)
	}
}

func TestIntegration_usersAndTokens(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := newServer(t)
	c := newClient(t, url, ownerToken, nil)

	u := must(c.CreateUser(ctx, api.UserCreate{Email: "ada@example.com", Name: "Ada"}))(t)
	if u.ID == "" || u.Email != "ada@example.com" || u.Name != "Ada" || u.Kind != "member" || u.Version != 1 {
		t.Errorf("created = %+v", u)
	}
	if found := must(c.FindUserByEmail(ctx, "ada@example.com"))(t); found.ID != u.ID {
		t.Errorf("FindUserByEmail = %+v", found)
	}
	if _, err := c.FindUserByEmail(ctx, "nobody@example.com"); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("FindUserByEmail(nobody): err = %v, want ErrNotFound", err)
	}
	if _, err := c.CreateUser(ctx, api.UserCreate{Email: "ada@example.com"}); !errors.Is(err, client.ErrConflict) {
		t.Errorf("duplicate e-mail: err = %v, want ErrConflict", err)
	}
	users := must(c.ListUsers(ctx, client.ListUsersOptions{}))(t)
	if len(users) < 2 { // the bootstrap owner and Ada
		t.Errorf("ListUsers = %d users, want the owner and Ada", len(users))
	}

	upd := must(c.UpdateUser(ctx, u.ID, api.UserUpdate{Name: ptr("Ada L.")}, u.Version))(t)
	if upd.Name != "Ada L." || upd.Version != u.Version+1 || upd.Email != u.Email {
		t.Errorf("updated = %+v", upd)
	}
	if _, err := c.UpdateUser(ctx, u.ID, api.UserUpdate{Name: ptr("x")}, u.Version); !errors.Is(err, client.ErrPreconditionFailed) {
		t.Errorf("stale update: err = %v", err)
	}

	// A token authenticates as its user; once deleted it no longer does.
	tok := must(c.CreateToken(ctx, u.ID, api.TokenCreate{Name: "ci"}))(t)
	if tok.ID == "" || tok.Secret == "" || tok.UserID != u.ID || tok.Name != "ci" {
		t.Errorf("token = %+v", tok)
	}
	asAda := newClient(t, url, tok.Secret, nil)
	if _, err := asAda.PermissionMatrix(ctx); err != nil {
		t.Errorf("PermissionMatrix with Ada's token: %v", err)
	}
	if err := c.DeleteToken(ctx, u.ID, tok.ID); err != nil {
		t.Fatalf("DeleteToken: %v", err)
	}
	_, err := asAda.PermissionMatrix(ctx)
	wantStatus(t, err, 401, "")
	if err := c.DeleteToken(ctx, u.ID, tok.ID); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("second DeleteToken: err = %v, want ErrNotFound", err)
	}

	if err := c.DeleteUser(ctx, u.ID, upd.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetUser(ctx, u.ID); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("get after delete: err = %v, want ErrNotFound", err)
	}
}

func TestIntegration_groupsRolesAssignments(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClient(t, newServer(t), ownerToken, nil)

	u1 := must(c.CreateUser(ctx, api.UserCreate{Email: "u1@example.com"}))(t)
	u2 := must(c.CreateUser(ctx, api.UserCreate{Email: "u2@example.com"}))(t)

	g := must(c.CreateGroup(ctx, api.GroupCreate{Name: "ops", Description: "on call", Members: &[]string{u1.ID}}))(t)
	if g.Name != "ops" || g.Description != "on call" || !slices.Equal(g.Members, []string{u1.ID}) || g.Version != 1 {
		t.Errorf("group = %+v", g)
	}
	members := []string{u1.ID, u2.ID}
	slices.Sort(members)
	gu := must(c.UpdateGroup(ctx, g.ID, api.GroupUpdate{Members: &members}, g.Version))(t)
	if !slices.Equal(gu.Members, members) || gu.Version != 2 || gu.Description != "on call" {
		t.Errorf("updated group = %+v", gu)
	}
	if found := must(c.FindGroupByName(ctx, "ops"))(t); found.ID != g.ID {
		t.Errorf("FindGroupByName = %+v", found)
	}
	if _, err := c.UpdateGroup(ctx, g.ID, api.GroupUpdate{Name: ptr("x")}, 1); !errors.Is(err, client.ErrPreconditionFailed) {
		t.Errorf("stale group update: err = %v", err)
	}

	owner := must(c.FindRoleByName(ctx, string(access.AccountOwner)))(t)
	if !owner.Builtin {
		t.Errorf("account_owner = %+v, want builtin", owner)
	}
	r := must(c.CreateRole(ctx, api.RoleCreate{Name: "auditors", Permissions: []string{"audit.read", "users.read"}}))(t)
	if r.Builtin || !slices.Equal(r.Permissions, []string{"audit.read", "users.read"}) || r.Version != 1 {
		t.Errorf("role = %+v", r)
	}
	ru := must(c.UpdateRole(ctx, r.ID, api.RoleUpdate{Description: ptr("read only"), Permissions: &[]string{"audit.read"}}, r.Version))(t)
	if ru.Description != "read only" || !slices.Equal(ru.Permissions, []string{"audit.read"}) || ru.Version != 2 {
		t.Errorf("updated role = %+v", ru)
	}
	if found := must(c.FindRoleByName(ctx, "auditors"))(t); found.ID != r.ID {
		t.Errorf("FindRoleByName = %+v", found)
	}
	_, err := c.CreateRole(ctx, api.RoleCreate{Name: "bad", Permissions: []string{"no.such.permission"}})
	if apiErr := wantStatus(t, err, 0, ""); apiErr.Status/100 != 4 || apiErr.Field == "" {
		t.Errorf("unknown permission: %+v, want a 4xx naming the field", apiErr)
	}

	au := must(c.CreateRoleAssignment(ctx, r.ID, api.RoleAssignmentCreate{UserID: u1.ID}))(t)
	ag := must(c.CreateRoleAssignment(ctx, r.ID, api.RoleAssignmentCreate{GroupID: g.ID}))(t)
	if au.RoleID != r.ID || au.UserID != u1.ID || au.GroupID != "" || ag.GroupID != g.ID || ag.UserID != "" {
		t.Errorf("assignments = %+v, %+v", au, ag)
	}
	if got := must(c.GetRoleAssignment(ctx, r.ID, au.ID))(t); got.ID != au.ID || got.UserID != u1.ID {
		t.Errorf("GetRoleAssignment = %+v", got)
	}
	if list := must(c.ListRoleAssignments(ctx, r.ID))(t); len(list) != 2 {
		t.Errorf("ListRoleAssignments = %+v, want 2", list)
	}
	_, err = c.CreateRoleAssignment(ctx, r.ID, api.RoleAssignmentCreate{UserID: u1.ID, GroupID: g.ID})
	if apiErr := wantStatus(t, err, 0, ""); apiErr.Status/100 != 4 {
		t.Errorf("user and group: %+v, want a 4xx", apiErr)
	}
	if err := c.DeleteRoleAssignment(ctx, r.ID, au.ID, au.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetRoleAssignment(ctx, r.ID, au.ID); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("assignment after delete: err = %v", err)
	}

	if err := c.DeleteGroup(ctx, g.ID, gu.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetGroup(ctx, g.ID); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("group after delete: err = %v", err)
	}
	if err := c.DeleteRole(ctx, r.ID, ru.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetRole(ctx, r.ID); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("role after delete: err = %v", err)
	}
}

// actionFor returns a matrix action that permission allows and environment_admin is not the
// only permission for.
func actionFor(t *testing.T, m *api.PermissionMatrix, permission string) string {
	t.Helper()
	for _, a := range m.Actions {
		if slices.Contains(a.Permissions, permission) {
			return a.Action
		}
	}
	t.Fatalf("no action in the matrix allows %s", permission)
	return ""
}

func TestIntegration_grantsAuthorizeEffectiveAccess(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClient(t, newServer(t), ownerToken, nil)

	m := must(c.PermissionMatrix(ctx))(t)
	if m.Version != access.MatrixVersion || len(m.Permissions) != 8 || len(m.Actions) == 0 {
		t.Fatalf("matrix version %q with %d permissions, %d actions", m.Version, len(m.Permissions), len(m.Actions))
	}
	deploy := actionFor(t, m, string(access.Deployment))

	env := must(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "stage", Cloud: "gcp"}))(t)
	u := must(c.CreateUser(ctx, api.UserCreate{Email: "dev@example.com"}))(t)
	r := must(c.CreateRole(ctx, api.RoleCreate{Name: "developers"}))(t)
	must(c.CreateRoleAssignment(ctx, r.ID, api.RoleAssignmentCreate{UserID: u.ID}))(t)

	gr := must(c.CreateGrant(ctx, env.ID, api.GrantCreate{RoleID: r.ID, Permissions: []string{"deployment", "basic_visibility"}}))(t)
	if gr.RoleID != r.ID || gr.EnvironmentID != env.ID || !slices.Equal(gr.Permissions, []string{"basic_visibility", "deployment"}) ||
		!slices.Contains(gr.AllowedActions, deploy) || gr.Version != 1 {
		t.Errorf("grant = %+v", gr)
	}
	if got := must(c.GetGrant(ctx, env.ID, r.ID))(t); got.ID != gr.ID {
		t.Errorf("GetGrant = %+v", got)
	}
	if list := must(c.ListGrants(ctx, env.ID))(t); len(list) != 1 || list[0].ID != gr.ID {
		t.Errorf("ListGrants = %+v", list)
	}
	if _, err := c.CreateGrant(ctx, env.ID, api.GrantCreate{RoleID: r.ID, Permissions: []string{"ops"}}); !errors.Is(err, client.ErrConflict) {
		t.Errorf("second grant for the role: err = %v, want ErrConflict", err)
	}
	_, err := c.CreateGrant(ctx, env.ID, api.GrantCreate{RoleID: r.ID, Permissions: []string{"root"}})
	if apiErr := wantStatus(t, err, 0, ""); apiErr.Status/100 != 4 || apiErr.Field == "" {
		t.Errorf("unknown permission: %+v", apiErr)
	}

	az := must(c.Authorize(ctx, api.AuthorizeRequest{PrincipalID: u.ID, EnvironmentID: env.ID, Action: deploy}))(t)
	if !az.Allowed || az.Via == nil || az.Via.GrantID != gr.ID || az.Via.RoleID != r.ID {
		t.Errorf("Authorize(%s) = %+v (via %+v), want allowed via the grant", deploy, az, az.Via)
	}
	ea := must(c.EffectiveAccess(ctx, env.ID, u.ID, ""))(t)
	if ea.UserID != u.ID || !slices.Contains(ea.Actions, deploy) {
		t.Errorf("EffectiveAccess = %+v", ea)
	}

	gu := must(c.UpdateGrant(ctx, env.ID, r.ID, api.GrantUpdate{Permissions: []string{"basic_visibility"}}, gr.Version))(t)
	if !slices.Equal(gu.Permissions, []string{"basic_visibility"}) || gu.Version != 2 || slices.Contains(gu.AllowedActions, deploy) {
		t.Errorf("updated grant = %+v", gu)
	}
	if _, err := c.UpdateGrant(ctx, env.ID, r.ID, api.GrantUpdate{Permissions: []string{"ops"}}, gr.Version); !errors.Is(err, client.ErrPreconditionFailed) {
		t.Errorf("stale grant update: err = %v", err)
	}
	az = must(c.Authorize(ctx, api.AuthorizeRequest{PrincipalID: u.ID, EnvironmentID: env.ID, Action: deploy}))(t)
	if az.Allowed {
		t.Errorf("Authorize after narrowing = %+v, want denied", az)
	}

	if err := c.DeleteGrant(ctx, env.ID, r.ID, gu.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetGrant(ctx, env.ID, r.ID); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("grant after delete: err = %v", err)
	}
	if err := c.DeleteGrant(ctx, env.ID, r.ID, 0); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("second grant delete: err = %v", err)
	}
}

func TestIntegration_whoCanAndPreview(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClient(t, newServer(t), ownerToken, nil)
	env := must(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "production", Cloud: "gcp"}))(t)
	u := must(c.CreateUser(ctx, api.UserCreate{Email: "dba@example.com"}))(t)
	r := must(c.CreateRole(ctx, api.RoleCreate{Name: "dbas"}))(t)
	must(c.CreateRoleAssignment(ctx, r.ID, api.RoleAssignmentCreate{UserID: u.ID}))(t)

	p := must(c.PreviewAccess(ctx, []api.AccessChange{
		{Kind: "grant_upsert", EnvironmentID: env.ID, RoleID: r.ID, Permissions: &[]string{"sensitive_access"}},
	}))(t)
	if len(p.Environments) != 1 || p.Environments[0].EnvironmentName != "production" || len(p.Environments[0].Users) != 1 ||
		p.Environments[0].Users[0].Email != "dba@example.com" || !slices.ContainsFunc(p.Environments[0].Users[0].Gained,
		func(g api.AccessChangeItem) bool { return g.Action == "databases.read_credentials" }) {
		t.Fatalf("PreviewAccess = %+v", p)
	}
	if w := must(c.WhoCan(ctx, env.ID, "databases.read_credentials"))(t); len(w.Principals) != 1 {
		t.Errorf("before the grant, WhoCan = %+v; want the owner only", w)
	}
	g := must(c.CreateGrant(ctx, env.ID, api.GrantCreate{RoleID: r.ID, Permissions: []string{"sensitive_access"}}))(t)
	w := must(c.WhoCan(ctx, env.ID, "databases.read_credentials"))(t)
	if len(w.Principals) != 2 || w.Principals[0].Email != "dba@example.com" || w.Principals[0].Via[0].GrantID != g.ID {
		t.Errorf("after the grant, WhoCan = %+v", w)
	}
	_, err := c.WhoCan(ctx, env.ID, "databases.read_credential")
	if apiErr := wantStatus(t, err, 422, access.CodeUnknownAction); apiErr.Field != "action" {
		t.Errorf("unknown action: %+v", apiErr)
	}
	_, err = c.PreviewAccess(ctx, []api.AccessChange{{Kind: "grant_delete", EnvironmentID: env.ID, RoleID: "role_nope"}})
	if apiErr := wantStatus(t, err, 422, access.CodeUnknownObject); apiErr.Field != "changes[0].role_id" {
		t.Errorf("unknown role: %+v", apiErr)
	}
}

func TestIntegration_supportAccessAlertRouting(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClient(t, newServer(t), ownerToken, nil)
	env := must(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod", Cloud: "aws"}))(t)

	if _, err := c.GetSupportAccess(ctx, env.ID); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("support access before create: err = %v, want ErrNotFound", err)
	}
	sa := must(c.CreateSupportAccess(ctx, env.ID, api.SupportAccessCreate{Tier: "support"}))(t)
	if sa.EnvironmentID != env.ID || sa.Tier != "support" || sa.Status != "active" || sa.PortForwarding || len(sa.Capabilities) == 0 || sa.Version != 1 {
		t.Errorf("support access = %+v", sa)
	}
	exp := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	su := must(c.UpdateSupportAccess(ctx, env.ID, api.SupportAccessUpdate{Tier: ptr("operator"), PortForwarding: ptr(true), ExpiresAt: &exp}, sa.Version))(t)
	if su.Tier != "operator" || !su.PortForwarding || su.ExpiresAt == nil || !su.ExpiresAt.Equal(exp) || su.Version != 2 {
		t.Errorf("updated support access = %+v", su)
	}
	if _, err := c.UpdateSupportAccess(ctx, env.ID, api.SupportAccessUpdate{ClearExpiry: true}, sa.Version); !errors.Is(err, client.ErrPreconditionFailed) {
		t.Errorf("stale support access update: err = %v", err)
	}
	if got := must(c.GetSupportAccess(ctx, env.ID))(t); got.Tier != "operator" || got.Version != 2 {
		t.Errorf("GetSupportAccess = %+v", got)
	}
	_, err := c.CreateSupportAccess(ctx, env.ID, api.SupportAccessCreate{Tier: "support"})
	if !errors.Is(err, client.ErrConflict) {
		t.Errorf("second support access: err = %v, want ErrConflict", err)
	}
	if err := c.DeleteSupportAccess(ctx, env.ID, su.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSupportAccess(ctx, env.ID); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("support access after delete: err = %v", err)
	}

	ar := must(c.GetAlertRouting(ctx, env.ID))(t)
	if ar.EnvironmentID != env.ID || !ar.VendorRouting || len(ar.Destinations) != 0 {
		t.Errorf("default routing = %+v", ar)
	}
	dests := []api.Destination{{Type: "webhook", Target: "https://hooks.example.com/warden", MinSeverity: "warning"}}
	put := must(c.PutAlertRouting(ctx, env.ID, api.AlertRoutingUpdate{VendorRouting: false, Destinations: &dests}, ar.Version))(t)
	if put.VendorRouting || !slices.Equal(put.Destinations, dests) || put.Version != ar.Version+1 {
		t.Errorf("put routing = %+v", put)
	}
	if _, err := c.PutAlertRouting(ctx, env.ID, api.AlertRoutingUpdate{VendorRouting: true}, ar.Version); !errors.Is(err, client.ErrPreconditionFailed) {
		t.Errorf("stale routing put: err = %v", err)
	}
	_, err = c.PutAlertRouting(ctx, env.ID, api.AlertRoutingUpdate{Destinations: &[]api.Destination{{Type: "sms", Target: "+15550100", MinSeverity: "info"}}}, 0)
	if apiErr := wantStatus(t, err, 422, ""); apiErr.Field != "destinations[0].type" {
		t.Errorf("sms destination: %+v, want the field destinations[0].type", apiErr)
	}
	if err := c.ResetAlertRouting(ctx, env.ID, "", put.Version); err != nil {
		t.Fatal(err)
	}
	reset := must(c.GetAlertRouting(ctx, env.ID))(t)
	if !reset.VendorRouting || len(reset.Destinations) != 0 {
		t.Errorf("routing after reset = %+v", reset)
	}
}

func TestIntegration_alertCredentials(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := newServer(t)
	c := newClient(t, url, ownerToken, nil)
	env := must(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod", Cloud: "aws"}))(t)

	cr := must(c.AlertCredentials(ctx, env.ID))(t)
	if cr.IngestURL != url+"/v1/environments/"+env.ID+"/alerts" || !strings.HasPrefix(cr.IngestKey, "wik_") || !strings.HasPrefix(cr.SigningSecret, "whsec_") {
		t.Errorf("credentials = %+v", cr)
	}
	k := must(c.RotateIngestKey(ctx, env.ID))(t)
	if k.IngestKey == cr.IngestKey || k.SigningSecret != cr.SigningSecret {
		t.Errorf("after RotateIngestKey = %+v", k)
	}
	s := must(c.RotateSigningSecret(ctx, env.ID))(t)
	if s.SigningSecret == cr.SigningSecret || s.PreviousSigningSecret != cr.SigningSecret || s.PreviousSigningSecretExpiresAt == nil || s.IngestKey != k.IngestKey {
		t.Errorf("after RotateSigningSecret = %+v", s)
	}
	if got := must(c.AlertCredentials(ctx, env.ID))(t); got.IngestKey != k.IngestKey || got.SigningSecret != s.SigningSecret {
		t.Errorf("read after rotations = %+v", got)
	}

	member := must(c.CreateUser(ctx, api.UserCreate{Email: "member@example.com"}))(t)
	tok := must(c.CreateToken(ctx, member.ID, api.TokenCreate{Name: "t"}))(t)
	_, err := newClient(t, url, tok.Secret, nil).AlertCredentials(ctx, env.ID)
	wantStatus(t, err, 403, "forbidden")
	if _, err := c.AlertCredentials(ctx, "env_missing"); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("credentials of no environment: %v", err)
	}
}

func TestIntegration_accessRequestsAndAudit(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := newServer(t)
	c := newClient(t, url, ownerToken, nil)
	start := time.Now().Add(-time.Minute)

	env := must(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod", Cloud: "aws"}))(t)
	must(c.CreateSupportAccess(ctx, env.ID, api.SupportAccessCreate{Tier: "operator"}))(t)
	vendor := must(c.CreateUser(ctx, api.UserCreate{Email: "oncall@vendor.example", Kind: "vendor"}))(t)
	tok := must(c.CreateToken(ctx, vendor.ID, api.TokenCreate{Name: "pager"}))(t)
	v := newClient(t, url, tok.Secret, nil)

	req := must(v.CreateAccessRequest(ctx, api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "support", DurationSeconds: 3600, Reason: "incident 7"}))(t)
	if req.Status != "pending" || req.RequesterID != vendor.ID || req.EnvironmentID != env.ID || req.DurationSeconds != 3600 {
		t.Errorf("request = %+v", req)
	}
	_, err := v.CreateAccessRequest(ctx, api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "co_maintainer", DurationSeconds: 3600})
	if apiErr := wantStatus(t, err, 0, ""); apiErr.Status/100 != 4 {
		t.Errorf("tier above the ceiling: %+v, want a 4xx", apiErr)
	}
	pending := must(c.ListAccessRequests(ctx, client.ListAccessRequestsOptions{Status: "pending", EnvironmentID: env.ID, RequesterID: vendor.ID}))(t)
	if len(pending) != 1 || pending[0].ID != req.ID {
		t.Errorf("pending = %+v", pending)
	}

	ap := must(c.ApproveAccessRequest(ctx, req.ID))(t)
	if ap.Status != "approved" || ap.ExpiresAt == nil || ap.DecidedAt == nil || ap.DecidedBy == "" {
		t.Errorf("approved = %+v", ap)
	}
	if got := must(c.GetAccessRequest(ctx, req.ID))(t); got.Status != "approved" {
		t.Errorf("GetAccessRequest = %+v", got)
	}
	rv := must(c.RevokeAccessRequest(ctx, req.ID))(t)
	if rv.Status != "revoked" {
		t.Errorf("revoked = %+v", rv)
	}
	_, err = c.ApproveAccessRequest(ctx, req.ID)
	if apiErr := wantStatus(t, err, 0, ""); apiErr.Status/100 != 4 {
		t.Errorf("approving a revoked request: %+v, want a 4xx", apiErr)
	}

	req2 := must(v.CreateAccessRequest(ctx, api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "operator", DurationSeconds: 600}))(t)
	if dn := must(c.DenyAccessRequest(ctx, req2.ID))(t); dn.Status != "denied" {
		t.Errorf("denied = %+v", dn)
	}
	if _, err := c.GetAccessRequest(ctx, "no-such-request"); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("unknown request: err = %v", err)
	}

	// The audit log saw all of it.
	evs := must(c.ListAuditEvents(ctx, client.AuditFilter{ObjectID: env.ID}))(t)
	if len(evs) == 0 || evs[0].ObjectID != env.ID || evs[0].ActorID == "" {
		t.Fatalf("audit events for the environment = %+v", evs)
	}
	if !slices.ContainsFunc(evs, func(e api.AuditEvent) bool { return e.Action == "environment.create" }) {
		t.Errorf("no environment.create among %+v", evs)
	}
	byEnv := must(c.ListAuditEvents(ctx, client.AuditFilter{EnvironmentID: env.ID, Since: start, Until: time.Now().Add(time.Minute)}))(t)
	if len(byEnv) < 5 {
		t.Errorf("%d audit events in the environment, want at least 5", len(byEnv))
	}
	if two := must(c.ListAuditEvents(ctx, client.AuditFilter{EnvironmentID: env.ID, Limit: 2}))(t); len(two) != 2 {
		t.Errorf("Limit 2 returned %d events", len(two))
	}
	if none := must(c.ListAuditEvents(ctx, client.AuditFilter{EnvironmentID: env.ID, Since: time.Now().Add(time.Hour)}))(t); len(none) != 0 {
		t.Errorf("events from the future: %+v", none)
	}
	// Two requests filed, and the refused one above the ceiling: refusals are audited too.
	mine := must(c.ListAuditEvents(ctx, client.AuditFilter{ActorID: vendor.ID}))(t)
	var actions []string
	for _, e := range mine {
		actions = append(actions, e.Action)
	}
	if want := []string{"access_request.create", "request.denied", "access_request.create"}; !slices.Equal(actions, want) {
		t.Errorf("events by the vendor %v, want %v", actions, want)
	}
}

// faultInjector sits between the client and the real server. While armed, a change (POST,
// PUT, PATCH, DELETE) is spoiled according to mode; every change's Idempotency-Key is
// recorded.
// faultyClients starts a server and returns its URL, an owner's client, and an owner's client
// whose requests pass through fi, a fault injector in mode.
func faultyClients(t *testing.T, mode string) (url string, plain, faulty *client.Client, fi *faultInjector) {
	t.Helper()
	url = newServer(t)
	fi = &faultInjector{next: http.DefaultTransport, mode: mode}
	return url, newClient(t, url, ownerToken, nil), newClient(t, url, ownerToken, fi), fi
}

type faultInjector struct {
	next http.RoundTripper
	mode string // "drop": the server commits, the response is lost as a reset connection
	// "503": the server commits, the client sees a 503 instead
	// "429": the request never reaches the server, which answers 429 Retry-After: 1
	armed atomic.Int32 // changes still to spoil

	mu   sync.Mutex
	keys []string
}

func (f *faultInjector) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return f.next.RoundTrip(r)
	}
	f.mu.Lock()
	f.keys = append(f.keys, r.Header.Get("Idempotency-Key"))
	f.mu.Unlock()
	if f.armed.Add(-1) < 0 {
		return f.next.RoundTrip(r)
	}

	if f.mode == "429" {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return synthesize(r, http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}}), nil
	}
	resp, err := f.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	// Read the committed answer to the end, then throw it away.
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, errors.New("fault injector: the spoiled request itself failed with " + resp.Status)
	}
	if f.mode == "503" {
		return synthesize(r, http.StatusServiceUnavailable, nil), nil
	}
	return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
}

func (f *faultInjector) changeKeys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.keys)
}

func synthesize(r *http.Request, status int, h http.Header) *http.Response {
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", "application/problem+json")
	body := `{"title":"` + http.StatusText(status) + `","status":` + strconv.Itoa(status) + `,"code":"injected"}`
	return &http.Response{
		Status: strconv.Itoa(status) + " " + http.StatusText(status), StatusCode: status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r,
	}
}

// TestIntegration_retriedCreateMakesOneObject is the reason the Idempotency-Key exists: the
// server commits a create, the answer is lost (a reset connection, or a 503 from a proxy),
// the client retries, and there must still be exactly one object, the one the first
// attempt made.
func TestIntegration_revokeVendorAccess(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := newServer(t)
	c := newClient(t, url, ownerToken, nil)
	env := must(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod", Cloud: "aws"}))(t)
	standing := false
	must(c.CreateSupportAccess(ctx, env.ID, api.SupportAccessCreate{Tier: "operator", RequireApproval: &standing}))(t)
	vendor := must(c.CreateUser(ctx, api.UserCreate{Email: "oncall@vendor.example", Kind: "vendor"}))(t)
	tok := must(c.CreateToken(ctx, vendor.ID, api.TokenCreate{Name: "pager"}))(t)
	v := newClient(t, url, tok.Secret, nil)
	req := must(v.CreateAccessRequest(ctx, api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "operator", DurationSeconds: 3600}))(t)
	must(c.ApproveAccessRequest(ctx, req.ID))(t)

	// The vendor may not pull the break-glass on itself.
	_, err := v.RevokeVendorAccess(ctx, env.ID, api.VendorAccessRevoke{})
	if apiErr := wantStatus(t, err, http.StatusForbidden, access.CodeForbidden); apiErr.Detail == "" {
		t.Errorf("vendor revoke: %+v", apiErr)
	}
	got := must(c.RevokeVendorAccess(ctx, env.ID, api.VendorAccessRevoke{UserID: vendor.ID, Reason: "INC-9"}))(t)
	if len(got.RevokedApprovals) != 1 || got.RevokedApprovals[0].ID != req.ID || got.RevokedApprovals[0].Status != "revoked" ||
		!got.StandingAccessEnded || got.SupportAccess == nil || !got.SupportAccess.RequireApproval || got.UserID != vendor.ID {
		t.Fatalf("revocation = %+v", got)
	}
	dec := must(c.Authorize(ctx, api.AuthorizeRequest{PrincipalID: vendor.ID, EnvironmentID: env.ID, Action: "operator.reboot_host", Resource: "aw_h"}))(t)
	if dec.Allowed {
		t.Errorf("vendor still allowed: %+v", dec)
	}
	again := must(c.RevokeVendorAccess(ctx, env.ID, api.VendorAccessRevoke{}))(t)
	if len(again.RevokedApprovals)+len(again.RevokedPending) != 0 || again.StandingAccessEnded {
		t.Errorf("second revoke = %+v", again)
	}
	if _, err := c.RevokeVendorAccess(ctx, "env_missing", api.VendorAccessRevoke{}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("unknown environment: err = %v", err)
	}
}

func TestIntegration_retriedCreateMakesOneObject(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"drop", "503"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			_, plain, faulty, fi := faultyClients(t, mode)

			// createOne spoils the first attempt of create and checks that a retry happened
			// with the same key and that list finds exactly the object create returned.
			createOne := func(t *testing.T, create func() (string, error), list func() ([]string, error)) {
				t.Helper()
				before := len(fi.changeKeys())
				fi.armed.Store(1)
				id, err := create()
				if err != nil {
					t.Fatalf("create through %s fault: %v", mode, err)
				}
				keys := fi.changeKeys()[before:]
				if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
					t.Fatalf("POST attempts carried keys %q; want two attempts with one key", keys)
				}
				ids, err := list()
				if err != nil {
					t.Fatal(err)
				}
				if len(ids) != 1 || ids[0] != id {
					t.Fatalf("after a retried create the server holds %v; want exactly [%s]", ids, id)
				}
			}
			ids := func(n int, id func(int) string) []string {
				out := make([]string, n)
				for i := range out {
					out[i] = id(i)
				}
				return out
			}

			var env *api.Environment
			t.Run("environment", func(t *testing.T) {
				createOne(t, func() (string, error) {
					e, err := faulty.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod", Cloud: "aws"})
					if err == nil {
						env = e
						return e.ID, nil
					}
					return "", err
				}, func() ([]string, error) {
					l, err := plain.ListEnvironments(ctx, client.ListEnvironmentsOptions{})
					return ids(len(l), func(i int) string { return l[i].ID }), err
				})
			})
			if env == nil {
				t.FailNow()
			}
			var user *api.User
			t.Run("user", func(t *testing.T) {
				createOne(t, func() (string, error) {
					u, err := faulty.CreateUser(ctx, api.UserCreate{Email: "ada@example.com"})
					if err == nil {
						user = u
						return u.ID, nil
					}
					return "", err
				}, func() ([]string, error) {
					l, err := plain.ListUsers(ctx, client.ListUsersOptions{Email: "ada@example.com"})
					return ids(len(l), func(i int) string { return l[i].ID }), err
				})
			})
			t.Run("group", func(t *testing.T) {
				createOne(t, func() (string, error) {
					g, err := faulty.CreateGroup(ctx, api.GroupCreate{Name: "ops"})
					if err != nil {
						return "", err
					}
					return g.ID, nil
				}, func() ([]string, error) {
					l, err := plain.ListGroups(ctx, client.ListGroupsOptions{})
					return ids(len(l), func(i int) string { return l[i].ID }), err
				})
			})
			var role *api.Role
			t.Run("role", func(t *testing.T) {
				createOne(t, func() (string, error) {
					r, err := faulty.CreateRole(ctx, api.RoleCreate{Name: "devs", Permissions: []string{"audit.read"}})
					if err == nil {
						role = r
						return r.ID, nil
					}
					return "", err
				}, func() ([]string, error) {
					l, err := plain.ListRoles(ctx, client.ListRolesOptions{Name: "devs"})
					return ids(len(l), func(i int) string { return l[i].ID }), err
				})
			})
			if user == nil || role == nil {
				t.FailNow()
			}
			t.Run("role assignment", func(t *testing.T) {
				createOne(t, func() (string, error) {
					a, err := faulty.CreateRoleAssignment(ctx, role.ID, api.RoleAssignmentCreate{UserID: user.ID})
					if err != nil {
						return "", err
					}
					return a.ID, nil
				}, func() ([]string, error) {
					l, err := plain.ListRoleAssignments(ctx, role.ID)
					return ids(len(l), func(i int) string { return l[i].ID }), err
				})
			})
			// A grant is unique per role and environment: without the key the retry would
			// not make a duplicate but fail with 409, which is just as wrong for Terraform.
			t.Run("grant", func(t *testing.T) {
				createOne(t, func() (string, error) {
					g, err := faulty.CreateGrant(ctx, env.ID, api.GrantCreate{RoleID: role.ID, Permissions: []string{"deployment"}})
					if err != nil {
						return "", err
					}
					return g.ID, nil
				}, func() ([]string, error) {
					l, err := plain.ListGrants(ctx, env.ID)
					return ids(len(l), func(i int) string { return l[i].ID }), err
				})
			})

			// One create in the audit log per object, whatever the retries.
			evs := must(plain.ListAuditEvents(ctx, client.AuditFilter{ObjectID: env.ID}))(t)
			creates := 0
			for _, e := range evs {
				if e.Action == "environment.create" {
					creates++
				}
			}
			if creates != 1 {
				t.Errorf("%d environment.create audit events, want 1", creates)
			}
		})
	}
}

// TestIntegration_retriedChangeActsOnce is the update and delete side of the Idempotency-Key:
// the server commits a PATCH, PUT or DELETE, the answer is lost, the client retries. Without
// the key the retry would meet its own effect (412 for the If-Match its first attempt made
// stale, 404 for what it deleted) and report a failure for a change that happened; with it,
// the caller gets the first response and the change happens exactly once.
func TestIntegration_retriedChangeActsOnce(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"drop", "503"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			_, plain, faulty, fi := faultyClients(t, mode)

			// spoilOnce runs change with its first attempt spoiled and checks that it was
			// retried under one key.
			spoilOnce := func(t *testing.T, change func() error) {
				t.Helper()
				before := len(fi.changeKeys())
				fi.armed.Store(1)
				if err := change(); err != nil {
					t.Fatalf("change through %s fault: %v (a retry must get the first response, not a 412 or 404)", mode, err)
				}
				keys := fi.changeKeys()[before:]
				if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
					t.Fatalf("attempts carried keys %q; want two attempts with one key", keys)
				}
			}
			// audited counts the audit events about objectID with action.
			audited := func(t *testing.T, objectID, action string) int {
				t.Helper()
				n := 0
				for _, e := range must(plain.ListAuditEvents(ctx, client.AuditFilter{ObjectID: objectID}))(t) {
					if e.Action == action {
						n++
					}
				}
				return n
			}

			env := must(plain.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod", Cloud: "aws"}))(t)
			role := must(plain.CreateRole(ctx, api.RoleCreate{Name: "devs"}))(t)
			grant := must(plain.CreateGrant(ctx, env.ID, api.GrantCreate{RoleID: role.ID, Permissions: []string{"deployment"}}))(t)

			t.Run("UpdateEnvironment with ifMatch", func(t *testing.T) {
				var upd *api.Environment
				spoilOnce(t, func() (err error) {
					upd, err = faulty.UpdateEnvironment(ctx, env.ID, api.EnvironmentUpdate{Name: ptr("production")}, env.Version)
					return err
				})
				if upd.Name != "production" || upd.Version != env.Version+1 {
					t.Errorf("update returned %+v, want production at version %d", upd, env.Version+1)
				}
				if got := must(plain.GetEnvironment(ctx, env.ID))(t); got.Version != env.Version+1 || got.Name != "production" {
					t.Errorf("stored %+v, want version %d (bumped once)", got, env.Version+1)
				}
				if n := audited(t, env.ID, "environment.update"); n != 1 {
					t.Errorf("%d environment.update audit events, want 1", n)
				}
			})

			t.Run("PutAlertRouting", func(t *testing.T) {
				cur := must(plain.GetAlertRouting(ctx, env.ID))(t)
				want := api.AlertRoutingUpdate{VendorRouting: false, Destinations: &[]api.Destination{
					{Type: "webhook", Target: "https://hooks.example.com/warden", MinSeverity: "warning"},
				}}
				var put *api.AlertRouting
				spoilOnce(t, func() (err error) {
					put, err = faulty.PutAlertRouting(ctx, env.ID, want, cur.Version)
					return err
				})
				if put.VendorRouting || len(put.Destinations) != 1 || put.Version != cur.Version+1 {
					t.Errorf("put returned %+v, want the new routing at version %d", put, cur.Version+1)
				}
				if got := must(plain.GetAlertRouting(ctx, env.ID))(t); got.Version != cur.Version+1 {
					t.Errorf("stored version %d, want %d (bumped once)", got.Version, cur.Version+1)
				}
				if n := audited(t, cur.ID, "alert_routing.update"); n != 1 {
					t.Errorf("%d alert_routing.update audit events, want 1", n)
				}
			})

			t.Run("UpdateGrant", func(t *testing.T) {
				var upd *api.Grant
				spoilOnce(t, func() (err error) {
					upd, err = faulty.UpdateGrant(ctx, env.ID, role.ID, api.GrantUpdate{Permissions: []string{"deployment", "ops"}}, grant.Version)
					return err
				})
				if !slices.Equal(upd.Permissions, []string{"deployment", "ops"}) || upd.Version != grant.Version+1 || len(upd.AllowedActions) == 0 {
					t.Errorf("update returned %+v, want deployment+ops at version %d", upd, grant.Version+1)
				}
				if got := must(plain.GetGrant(ctx, env.ID, role.ID))(t); got.Version != grant.Version+1 {
					t.Errorf("stored version %d, want %d (bumped once)", got.Version, grant.Version+1)
				}
				if n := audited(t, grant.ID, "grant.update"); n != 1 {
					t.Errorf("%d grant.update audit events, want 1", n)
				}
			})

			t.Run("DeleteEnvironment", func(t *testing.T) {
				cur := must(plain.GetEnvironment(ctx, env.ID))(t)
				spoilOnce(t, func() error { return faulty.DeleteEnvironment(ctx, env.ID, cur.Version) })
				if _, err := plain.GetEnvironment(ctx, env.ID); !errors.Is(err, client.ErrNotFound) {
					t.Errorf("get after delete: err = %v, want ErrNotFound", err)
				}
				if n := audited(t, env.ID, "environment.delete"); n != 1 {
					t.Errorf("%d environment.delete audit events, want 1", n)
				}
			})
		})
	}
}

// TestIntegration_warnings: the warnings a plan shows reach API users in the responses.
func TestIntegration_warnings(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClient(t, newServer(t), ownerToken, nil)

	role := must(c.CreateRole(ctx, api.RoleCreate{Name: "admins", Permissions: []string{"users.admin", "users.read"}}))(t)
	if len(role.Warnings) != 1 || role.Warnings[0].Severity != "warning" || role.Warnings[0].Value != "users.read" {
		t.Errorf("role warnings = %+v, want users.read redundant", role.Warnings)
	}
	if got := must(c.GetRole(ctx, role.ID))(t); got.Warnings != nil {
		t.Errorf("GetRole warnings = %+v, want none (they are not stored)", got.Warnings)
	}
	env := must(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod", Cloud: "aws"}))(t)
	g := must(c.CreateGrant(ctx, env.ID, api.GrantCreate{RoleID: role.ID, Permissions: []string{"environment_admin", "tunnel"}}))(t)
	if len(g.Warnings) != 1 || g.Warnings[0].Value != "tunnel" {
		t.Errorf("grant warnings = %+v, want tunnel redundant beside environment_admin", g.Warnings)
	}
}

// TestIntegration_retriedTokenAndDecision covers the two POSTs whose retry is special: a
// replayed token create comes back without its secret (the server keeps only a hash), and a
// replayed approval must not fail because the request is no longer pending.
func TestIntegration_retriedTokenAndDecision(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url, plain, faulty, fi := faultyClients(t, "drop")

	u := must(plain.CreateUser(ctx, api.UserCreate{Email: "oncall@vendor.example", Kind: "vendor"}))(t)
	fi.armed.Store(1)
	tok := must(faulty.CreateToken(ctx, u.ID, api.TokenCreate{Name: "pager"}))(t)
	if tok.Secret == "" || tok.UserID != u.ID {
		t.Fatalf("token after a lost response = %+v, want one with its secret", tok)
	}
	// Two tokens were issued for the user: the one whose secret was lost, since revoked, and
	// the one returned.
	var issued []string
	for _, e := range must(plain.ListAuditEvents(ctx, client.AuditFilter{}))(t) {
		var after api.Token
		if e.Action == "token.create" && json.Unmarshal(e.After, &after) == nil && after.UserID == u.ID {
			issued = append(issued, e.ObjectID)
		}
	}
	if len(issued) != 2 || !slices.Contains(issued, tok.ID) {
		t.Fatalf("tokens issued for the user: %v; want the lost one and %s", issued, tok.ID)
	}
	lost := issued[0]
	if lost == tok.ID {
		lost = issued[1]
	}
	if err := plain.DeleteToken(ctx, u.ID, lost); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("the token %s whose secret was lost is still live: DeleteToken err = %v", lost, err)
	}

	vendor := newClient(t, url, tok.Secret, nil)
	env := must(plain.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod", Cloud: "aws"}))(t)
	must(plain.CreateSupportAccess(ctx, env.ID, api.SupportAccessCreate{Tier: "operator"}))(t)
	req := must(vendor.CreateAccessRequest(ctx, api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "support", DurationSeconds: 600}))(t)

	fi.armed.Store(1)
	ap := must(faulty.ApproveAccessRequest(ctx, req.ID))(t)
	if ap.Status != "approved" || ap.ID != req.ID {
		t.Errorf("approval after a lost response = %+v", ap)
	}
}

func TestIntegration_429RetryAfter(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := newServer(t)
	fi := &faultInjector{next: http.DefaultTransport, mode: "429"}
	fi.armed.Store(1)
	c := newClient(t, url, ownerToken, fi)

	start := time.Now()
	env, err := c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod", Cloud: "aws"})
	if err != nil {
		t.Fatalf("create after a 429: %v", err)
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Errorf("retried after %s; Retry-After: 1 asked for a second", el)
	}
	keys := fi.changeKeys()
	if len(keys) != 2 || keys[0] != keys[1] {
		t.Errorf("keys = %q, want two attempts with one key", keys)
	}
	if l := must(c.ListEnvironments(ctx, client.ListEnvironmentsOptions{}))(t); len(l) != 1 || l[0].ID != env.ID {
		t.Errorf("environments = %+v", l)
	}
}

func TestIntegration_concurrentUse(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClient(t, newServer(t), ownerToken, nil)

	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := c.CreateGroup(ctx, api.GroupCreate{Name: "g" + strconv.Itoa(i)})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent create: %v", err)
		}
	}
	if l := must(c.ListGroups(ctx, client.ListGroupsOptions{PageSize: 5}))(t); len(l) != n {
		t.Errorf("%d groups, want %d", len(l), n)
	}
}

// ListAuthorizationDecisions reads the decision log with every filter, across pages.
func TestIntegration_authorizationDecisions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, err := apiserver.New(context.Background(), apiserver.Config{DB: filepath.Join(t.TempDir(), "warden.db"), BootstrapToken: ownerToken})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	url := testserver.Start(t, srv.Handler())
	c := newClient(t, url, ownerToken, nil)
	env := must(c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "prod", Cloud: "aws"}))(t)
	must(c.CreateSupportAccess(ctx, env.ID, api.SupportAccessCreate{Tier: "operator"}))(t)
	vendor := must(c.CreateUser(ctx, api.UserCreate{Email: "oncall@vendor.example", Kind: "vendor"}))(t)
	tok := must(c.CreateToken(ctx, vendor.ID, api.TokenCreate{Name: "t"}))(t)
	v := newClient(t, url, tok.Secret, nil)
	req := must(v.CreateAccessRequest(ctx, api.AccessRequestCreate{EnvironmentID: env.ID, Tier: "operator", DurationSeconds: 600}))(t)
	must(c.ApproveAccessRequest(ctx, req.ID))(t)
	start := time.Now().Add(-time.Minute)
	for _, resource := range []string{"aw_a", "other", "aw_b"} {
		must(v.Authorize(ctx, api.AuthorizeRequest{PrincipalID: vendor.ID, EnvironmentID: env.ID, Action: "operator.reboot_host", Resource: resource}))(t)
	}
	if err := srv.FlushDecisions(ctx); err != nil {
		t.Fatal(err)
	}

	all := must(c.ListAuthorizationDecisions(ctx, client.DecisionFilter{PrincipalID: vendor.ID, EnvironmentID: env.ID, Since: start}))(t)
	if len(all) != 3 || all[0].Resource != "aw_b" || all[2].Resource != "aw_a" {
		t.Fatalf("decisions = %+v, want three, newest first", all)
	}
	no := false
	denied := must(c.ListAuthorizationDecisions(ctx, client.DecisionFilter{Allowed: &no}))(t)
	if len(denied) != 1 || denied[0].Resource != "other" || denied[0].Via != nil {
		t.Errorf("denied = %+v", denied)
	}
	viaReq := must(c.ListAuthorizationDecisions(ctx, client.DecisionFilter{AccessRequestID: req.ID, Limit: 1}))(t)
	if len(viaReq) != 1 || viaReq[0].Resource != "aw_b" || viaReq[0].Via.AccessRequestID != req.ID {
		t.Errorf("via the request, limit 1 = %+v", viaReq)
	}
	if none := must(c.ListAuthorizationDecisions(ctx, client.DecisionFilter{Until: start}))(t); len(none) != 0 {
		t.Errorf("decisions before the start: %+v", none)
	}
	// The vendor reads its own, and is refused another's.
	if mine := must(v.ListAuthorizationDecisions(ctx, client.DecisionFilter{}))(t); len(mine) != 3 {
		t.Errorf("the vendor reads %d of its decisions", len(mine))
	}
	owner := must(c.ListUsers(ctx, client.ListUsersOptions{Email: apiserver.BootstrapEmail}))(t)
	_, err = v.ListAuthorizationDecisions(ctx, client.DecisionFilter{PrincipalID: owner[0].ID})
	wantStatus(t, err, 403, "forbidden")
}
