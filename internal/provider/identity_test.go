package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// Resource identity needs Terraform 1.12: under an older Terraform or OpenTofu the acceptance
// tests below skip, and the protocol-level tests at the end of the file still run.

// identityOf is what one resource's identity must be after each apply and import.
type identityOf struct {
	addr     string
	identity map[string]knownvalue.Check
	// inState names the identity attributes that equal the state attribute of the same name.
	inState []string
	// importIDs are string import ids besides the state id, each of which must plan the same
	// identity.
	importIDs []resource.ImportStateIdFunc
	// importBlock is an import block as the docs show it, planned like the generated one.
	importBlock string
}

func (w identityOf) stateChecks() []statecheck.StateCheck {
	checks := []statecheck.StateCheck{statecheck.ExpectIdentity(w.addr, w.identity)}
	for _, a := range w.inState {
		checks = append(checks, statecheck.ExpectIdentityValueMatchesState(w.addr, tfjsonpath.New(a)))
	}
	return checks
}

// identityTest applies config, checks every resource's identity, imports each one by that
// identity and by its state id (both must plan no change and the same identity), then, when
// update is set, updates the first resource in place and checks its identity again.
type identityTest struct {
	config, update string
	want           []identityOf
	destroyed      resource.TestCheckFunc
}

func (tc identityTest) run(t *testing.T, srv *acctest.Server) {
	t.Helper()
	var checks []statecheck.StateCheck
	for _, w := range tc.want {
		checks = append(checks, w.stateChecks()...)
	}
	imports := func(config string) []resource.TestStep {
		var steps []resource.TestStep
		for _, w := range tc.want {
			steps = append(steps, resource.TestStep{
				Config:          config,
				ResourceName:    w.addr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			})
			if w.importBlock != "" {
				steps = append(steps, resource.TestStep{
					Config:                 config + w.importBlock,
					ResourceName:           w.addr,
					ImportState:            true,
					ImportStateKind:        resource.ImportBlockWithResourceIdentity,
					ImportStateConfigExact: true,
				})
			}
			for _, id := range append([]resource.ImportStateIdFunc{nil}, w.importIDs...) {
				steps = append(steps, resource.TestStep{
					Config:            config,
					ResourceName:      w.addr,
					ImportState:       true,
					ImportStateKind:   resource.ImportBlockWithID,
					ImportStateIdFunc: id,
					ImportPlanChecks: resource.ImportPlanChecks{
						PreApply: []plancheck.PlanCheck{expectPlannedIdentity(w.addr, w.identity)},
					},
				})
			}
		}
		return steps
	}
	steps := append([]resource.TestStep{{Config: srv.Config(tc.config), ConfigStateChecks: checks}}, imports(srv.Config(tc.config))...)
	if tc.update != "" {
		steps = append(steps, resource.TestStep{
			Config: srv.Config(tc.update),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tc.want[0].addr, plancheck.ResourceActionUpdate)},
			},
			ConfigStateChecks: checks,
		})
		steps = append(steps, imports(srv.Config(tc.update))...)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{identityCLI()},
		CheckDestroy:             tc.destroyed,
		Steps:                    steps,
	})
}

// expectPlannedIdentity checks the identity a plan gives addr, e.g. after an import by id.
func expectPlannedIdentity(addr string, want map[string]knownvalue.Check) plancheck.PlanCheck {
	return plannedIdentity{addr: addr, want: want}
}

type plannedIdentity struct {
	addr string
	want map[string]knownvalue.Check
}

func (c plannedIdentity) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.addr || rc.Change == nil {
			continue
		}
		got, ok := rc.Change.AfterIdentity.(map[string]any)
		if !ok {
			resp.Error = fmt.Errorf("%s: the plan holds no identity (%v)", c.addr, rc.Change.AfterIdentity)
			return
		}
		if len(got) != len(c.want) {
			resp.Error = fmt.Errorf("%s: planned identity %v, want the attributes %v", c.addr, got, c.want)
			return
		}
		for name, check := range c.want {
			if err := check.CheckValue(got[name]); err != nil {
				resp.Error = fmt.Errorf("%s: planned identity attribute %s: %w", c.addr, name, err)
				return
			}
		}
		return
	}
	resp.Error = fmt.Errorf("%s: not in the plan", c.addr)
}

func TestAccIdentity_environment(t *testing.T) {
	srv := acctest.NewServer(t)
	const hcl = `
resource "warden_environment" "test" {
  name  = %q
  cloud = "gcp"
}`
	identityTest{
		config: fmt.Sprintf(hcl, "production"),
		update: fmt.Sprintf(hcl, "prod"),
		want:   []identityOf{{addr: "warden_environment.test", identity: map[string]knownvalue.Check{"id": anyID}, inState: []string{"id"}}},
		destroyed: checkDestroyed(srv, "warden_environment", func(ctx context.Context, c *client.Client, rs *terraform.ResourceState) error {
			_, err := c.GetEnvironment(ctx, rs.Primary.ID)
			return err
		}),
	}.run(t, srv)
}

func TestAccIdentity_user(t *testing.T) {
	srv := acctest.NewServer(t)
	const hcl = `
resource "warden_user" "test" {
  email = "alice@example.com"
  name  = %q
}`
	identityTest{
		config: fmt.Sprintf(hcl, "Alice"),
		update: fmt.Sprintf(hcl, "Alice Liddell"),
		want:   []identityOf{{addr: "warden_user.test", identity: map[string]knownvalue.Check{"id": anyID}, inState: []string{"id"}}},
		destroyed: checkDestroyed(srv, "warden_user", func(ctx context.Context, c *client.Client, rs *terraform.ResourceState) error {
			_, err := c.GetUser(ctx, rs.Primary.ID)
			return err
		}),
	}.run(t, srv)
}

func TestAccIdentity_group(t *testing.T) {
	srv := acctest.NewServer(t)
	const hcl = `
resource "warden_group" "test" {
  name        = "sre"
  description = %q
}`
	identityTest{
		config:    fmt.Sprintf(hcl, "On call"),
		update:    fmt.Sprintf(hcl, "On call, all week"),
		want:      []identityOf{{addr: "warden_group.test", identity: map[string]knownvalue.Check{"id": anyID}, inState: []string{"id"}}},
		destroyed: checkGroupDestroyed(srv),
	}.run(t, srv)
}

func TestAccIdentity_role(t *testing.T) {
	srv := acctest.NewServer(t)
	const hcl = `
resource "warden_role" "test" {
  name        = "deployers"
  description = %q
  permissions = ["conducts.read"]
}`
	identityTest{
		config: fmt.Sprintf(hcl, "Ship code"),
		update: fmt.Sprintf(hcl, "Ship code, read conducts"),
		want:   []identityOf{{addr: "warden_role.test", identity: map[string]knownvalue.Check{"id": anyID}, inState: []string{"id"}}},
		destroyed: checkDestroyed(srv, "warden_role", func(ctx context.Context, c *client.Client, rs *terraform.ResourceState) error {
			_, err := c.GetRole(ctx, rs.Primary.ID)
			return err
		}),
	}.run(t, srv)
}

func TestAccIdentity_environmentGrant(t *testing.T) {
	srv := acctest.NewServer(t)
	env := mustCreateEnvironment(t, srv, "production")
	role := mustCreateRole(t, srv, "deployers")
	const hcl = `
resource "warden_environment_grant" "test" {
  role_id        = %q
  environment_id = %q
  permissions    = %s
}`
	identityTest{
		config: fmt.Sprintf(hcl, role.ID, env.ID, `["deployment"]`),
		update: fmt.Sprintf(hcl, role.ID, env.ID, `["deployment", "ops"]`),
		want: []identityOf{{
			addr: "warden_environment_grant.test",
			identity: map[string]knownvalue.Check{
				"role_id":        knownvalue.StringExact(role.ID),
				"environment_id": knownvalue.StringExact(env.ID),
			},
			inState: []string{"role_id", "environment_id"},
			importIDs: []resource.ImportStateIdFunc{func(*terraform.State) (string, error) {
				return role.ID + "/" + env.ID, nil
			}},
		}},
		destroyed: checkDestroyed(srv, "warden_environment_grant", func(ctx context.Context, c *client.Client, rs *terraform.ResourceState) error {
			_, err := c.GetGrant(ctx, env.ID, role.ID)
			return err
		}),
	}.run(t, srv)
}

func TestAccIdentity_roleAssignment(t *testing.T) {
	srv := acctest.NewServer(t)
	f := mustCreateIdentityFixtures(t, srv)
	const userAddr, groupAddr = "warden_role_assignment.alice", "warden_role_assignment.sre"
	identityTest{
		config: fmt.Sprintf(`
resource "warden_role_assignment" "alice" {
  role_id = %[1]q
  user_id = %[2]q
}
resource "warden_role_assignment" "sre" {
  role_id  = %[1]q
  group_id = %[3]q
}`, f.role.ID, f.user.ID, f.group.ID),
		want: []identityOf{
			{
				addr: userAddr,
				identity: map[string]knownvalue.Check{
					"role_id": knownvalue.StringExact(f.role.ID), "user_id": knownvalue.StringExact(f.user.ID), "group_id": knownvalue.Null(),
				},
				inState: []string{"role_id", "user_id", "group_id"},
				// "<role_id>/<assignment_id>" leaves the principal to the Read after the import.
				importIDs: []resource.ImportStateIdFunc{assignmentImportID(userAddr), assignmentPrincipalImportID(userAddr, "user")},
			},
			{
				addr: groupAddr,
				identity: map[string]knownvalue.Check{
					"role_id": knownvalue.StringExact(f.role.ID), "user_id": knownvalue.Null(), "group_id": knownvalue.StringExact(f.group.ID),
				},
				inState:   []string{"role_id", "user_id", "group_id"},
				importIDs: []resource.ImportStateIdFunc{assignmentImportID(groupAddr), assignmentPrincipalImportID(groupAddr, "group")},
			},
		},
		destroyed: checkRoleAssignmentDestroyed(srv),
	}.run(t, srv)
}

func TestAccIdentity_groupMember(t *testing.T) {
	srv := acctest.NewServer(t)
	f := mustCreateIdentityFixtures(t, srv)
	identityTest{
		config: fmt.Sprintf(`
resource "warden_group_member" "test" {
  group_id = %q
  user_id  = %q
}`, f.group.ID, f.user.ID),
		want: []identityOf{{
			addr:     "warden_group_member.test",
			identity: map[string]knownvalue.Check{"group_id": knownvalue.StringExact(f.group.ID), "user_id": knownvalue.StringExact(f.user.ID)},
			inState:  []string{"group_id", "user_id"},
		}},
		destroyed: func(*terraform.State) error {
			g, err := srv.Client.GetGroup(context.Background(), f.group.ID)
			if err != nil {
				return err
			}
			if len(g.Members) != 0 {
				return fmt.Errorf("group %s still has members %v after destroy", g.ID, g.Members)
			}
			return nil
		},
	}.run(t, srv)
}

func TestAccIdentity_supportAccess(t *testing.T) {
	srv := acctest.NewServer(t)
	env := mustCreateEnvironment(t, srv, "production")
	const hcl = `
resource "warden_support_access" "test" {
  environment_id = %q
  tier           = %q
}`
	identityTest{
		config: fmt.Sprintf(hcl, env.ID, "support"),
		update: fmt.Sprintf(hcl, env.ID, "operator"),
		want: []identityOf{{
			addr:     "warden_support_access.test",
			identity: map[string]knownvalue.Check{"environment_id": knownvalue.StringExact(env.ID)},
			inState:  []string{"environment_id"},
			importIDs: []resource.ImportStateIdFunc{func(*terraform.State) (string, error) {
				return env.ID, nil
			}},
		}},
		destroyed: checkDestroyed(srv, "warden_support_access", func(ctx context.Context, c *client.Client, _ *terraform.ResourceState) error {
			_, err := c.GetSupportAccess(ctx, env.ID)
			return err
		}),
	}.run(t, srv)
}

func TestAccIdentity_alertRouting(t *testing.T) {
	srv := acctest.NewServer(t)
	env := mustCreateEnvironment(t, srv, "production")
	const hcl = `
resource "warden_alert_routing" "test" {
  environment_id = %q
  vendor_routing = %t
}`
	identityTest{
		config: fmt.Sprintf(hcl, env.ID, false),
		update: fmt.Sprintf(hcl, env.ID, true),
		want: []identityOf{{
			addr:     "warden_alert_routing.test",
			identity: map[string]knownvalue.Check{"environment_id": knownvalue.StringExact(env.ID)},
			inState:  []string{"environment_id"},
		}},
		// The routing belongs to the environment: destroying the resource restores the default.
		destroyed: checkRoutingRestored(srv, &env.ID),
	}.run(t, srv)
}

func TestAccIdentity_alertDestination(t *testing.T) {
	srv := acctest.NewServer(t)
	env := mustCreateEnvironment(t, srv, "production")
	// The identity names the target by its digest: the secret in the URL never shows.
	const target = "https://hooks.example.com/payments?token=s3cret"
	const hcl = `
resource "warden_alert_destination" "test" {
  environment_id = %q
  type           = "webhook"
  target         = %q
  min_severity   = %q
}`
	identityTest{
		config: fmt.Sprintf(hcl, env.ID, target, "warning"),
		update: fmt.Sprintf(hcl, env.ID, target, "info"),
		want: []identityOf{{
			addr: "warden_alert_destination.test",
			identity: map[string]knownvalue.Check{
				"environment_id": knownvalue.StringExact(env.ID),
				"type":           knownvalue.StringExact("webhook"),
				"target_digest":  knownvalue.StringExact(targetDigest(target)),
			},
			inState: []string{"environment_id", "type"},
			importIDs: []resource.ImportStateIdFunc{func(*terraform.State) (string, error) {
				return env.ID + "/webhook/" + target, nil
			}},
			// The digest computed in HCL, as examples/resources/warden_alert_destination shows.
			importBlock: fmt.Sprintf(`
import {
  to = warden_alert_destination.test
  identity = {
    environment_id = %q
    type           = "webhook"
    target_digest  = substr(sha256(%q), 0, 16)
  }
}`, env.ID, target),
		}},
		destroyed: func(*terraform.State) error { return routingIs(srv, env.ID, true) },
	}.run(t, srv)
}

func TestAccIdentity_accessRequestApproval(t *testing.T) {
	srv := acctest.NewServer(t)
	requestID := pendingRequest(t, srv)
	identityTest{
		config: fmt.Sprintf(`
resource "warden_access_request_approval" "test" {
  access_request_id = %q
}`, requestID),
		want: []identityOf{{
			addr:     "warden_access_request_approval.test",
			identity: map[string]knownvalue.Check{"access_request_id": knownvalue.StringExact(requestID)},
			inState:  []string{"access_request_id"},
		}},
		destroyed: func(*terraform.State) error {
			ar, err := srv.Client.GetAccessRequest(context.Background(), requestID)
			if err != nil {
				return err
			}
			if ar.Status != accessRequestRevoked {
				return fmt.Errorf("access request %s is %s after destroy, want revoked", requestID, ar.Status)
			}
			return nil
		},
	}.run(t, srv)
}

// TestAccIdentity_wrongIdentity imports by identities Terraform accepts but that name nothing
// the provider can look up: the plan fails, naming the identity attributes to set.
func TestAccIdentity_wrongIdentity(t *testing.T) {
	srv := acctest.NewServer(t)
	f := mustCreateIdentityFixtures(t, srv)
	env := mustCreateEnvironment(t, srv, "production")
	assignment := func(identity string) string {
		return srv.Config(fmt.Sprintf(`
resource "warden_role_assignment" "test" {
  role_id = %q
  user_id = %q
}
import {
  to       = warden_role_assignment.test
  identity = %s
}`, f.role.ID, f.user.ID, identity))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{identityCLI()},
		Steps: []resource.TestStep{
			{
				Config:      assignment(fmt.Sprintf(`{ role_id = %q, user_id = %q, group_id = %q }`, f.role.ID, f.user.ID, f.group.ID)),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("Unable to Import Role Assignment", `identity = { role_id = "<role_id>", user_id = "<user_id>" } or identity = { role_id = "<role_id>", group_id = "<group_id>" }`, "sets both user_id and group_id"),
			},
			{
				Config:      assignment(fmt.Sprintf(`{ role_id = %q }`, f.role.ID)),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("Unable to Import Role Assignment", "sets neither user_id nor group_id"),
			},
			{
				Config: srv.Config(fmt.Sprintf(`
resource "warden_environment_grant" "test" {
  role_id        = %[1]q
  environment_id = %[2]q
  permissions    = ["deployment"]
}
import {
  to       = warden_environment_grant.test
  identity = { role_id = %[1]q, environment_id = "" }
}`, f.role.ID, env.ID)),
				PlanOnly: true,
				ExpectError: wrappedRegexp("Unable to Import Environment Grant",
					`identity = { role_id = "<role_id>", environment_id = "<environment_id>" }`, "environment_id is missing or empty"),
			},
			{
				Config: srv.Config(fmt.Sprintf(`
resource "warden_alert_destination" "test" {
  environment_id = %[1]q
  type           = "email"
  target         = "oncall@example.com"
}
import {
  to       = warden_alert_destination.test
  identity = { environment_id = %[1]q, type = "email", target_digest = "oncall@example.com" }
}`, env.ID)),
				PlanOnly:    true,
				ExpectError: wrappedRegexp("Unable to Import Alert Destination", "target_digest must be 16 lowercase hex digits"),
			},
		},
	})
}

// identityFixtures are a role, a user and a group (members unmanaged) made through the API.
type identityFixtures struct {
	role  *api.Role
	user  *api.User
	group *api.Group
}

func mustCreateIdentityFixtures(t *testing.T, srv *acctest.Server) identityFixtures {
	t.Helper()
	ctx := context.Background()
	role, err := srv.Client.CreateRole(ctx, api.RoleCreate{Name: "deployers", Permissions: []string{"conducts.read"}})
	if err != nil {
		t.Fatal(err)
	}
	user, err := srv.Client.CreateUser(ctx, api.UserCreate{Email: "alice@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	group, err := srv.Client.CreateGroup(ctx, api.GroupCreate{Name: "sre"})
	if err != nil {
		t.Fatal(err)
	}
	return identityFixtures{role: role, user: user, group: group}
}

func mustCreateEnvironment(t *testing.T, srv *acctest.Server, name string) *api.Environment {
	t.Helper()
	env, err := srv.Client.CreateEnvironment(context.Background(), api.EnvironmentCreate{Name: name, Cloud: "gcp"})
	if err != nil {
		t.Fatalf("create environment %q: %v", name, err)
	}
	return env
}

// The tests below talk to the provider as Terraform does, over the plugin protocol, so that
// they run under any Terraform (or none) and reach what an acceptance test cannot: state
// written before this provider had identities, and identities Terraform would refuse.

// protoProvider is this provider served over the plugin protocol and configured against srv.
type protoProvider struct {
	t          *testing.T
	server     tfprotov6.ProviderServer
	schemas    *tfprotov6.GetProviderSchemaResponse
	identities *tfprotov6.GetResourceIdentitySchemasResponse
}

func newProtoProvider(t *testing.T, srv *acctest.Server) *protoProvider {
	t.Helper()
	ctx := context.Background()
	s, err := NewProtocol6ServerWithError("test")()
	if err != nil {
		t.Fatal(err)
	}
	p := &protoProvider{t: t, server: s}
	if p.schemas, err = s.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{}); err != nil {
		t.Fatal(err)
	}
	if p.identities, err = s.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{}); err != nil {
		t.Fatal(err)
	}
	p.noErrors("GetProviderSchema", p.schemas.Diagnostics)
	// The framework validates every identity schema here.
	p.noErrors("GetResourceIdentitySchemas", p.identities.Diagnostics)
	for typeName := range p.schemas.ResourceSchemas {
		if _, ok := p.identities.IdentitySchemas[typeName]; !ok {
			t.Errorf("%s has no identity schema", typeName)
		}
	}
	resp, err := s.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		Config: p.value(p.schemas.Provider.ValueType(), map[string]string{"endpoint": srv.URL, "token": srv.Token}),
	})
	if err != nil {
		t.Fatal(err)
	}
	p.noErrors("ConfigureProvider", resp.Diagnostics)
	return p
}

// with is p reporting to t, e.g. a subtest's.
func (p *protoProvider) with(t *testing.T) *protoProvider {
	q := *p
	q.t = t
	return &q
}

// object builds a value of the object type typ from string attributes; the others are null.
func (p *protoProvider) object(typ tftypes.Type, attrs map[string]string) tftypes.Value {
	p.t.Helper()
	obj, ok := typ.(tftypes.Object)
	if !ok {
		p.t.Fatalf("%v is not an object type", typ)
	}
	vals := map[string]tftypes.Value{}
	for name, at := range obj.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range attrs {
		if _, ok := obj.AttributeTypes[name]; !ok {
			p.t.Fatalf("no attribute %q in %v", name, typ)
		}
		vals[name] = tftypes.NewValue(tftypes.String, v)
	}
	return tftypes.NewValue(obj, vals)
}

func (p *protoProvider) value(typ tftypes.Type, attrs map[string]string) *tfprotov6.DynamicValue {
	p.t.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, p.object(typ, attrs))
	if err != nil {
		p.t.Fatal(err)
	}
	return &dv
}

func (p *protoProvider) stateType(typeName string) tftypes.Type {
	p.t.Helper()
	s, ok := p.schemas.ResourceSchemas[typeName]
	if !ok {
		p.t.Fatalf("no resource %s", typeName)
	}
	return s.ValueType()
}

func (p *protoProvider) identityType(typeName string) tftypes.Type {
	p.t.Helper()
	s, ok := p.identities.IdentitySchemas[typeName]
	if !ok {
		p.t.Fatalf("no identity schema for %s", typeName)
	}
	return s.ValueType()
}

func (p *protoProvider) noErrors(op string, diags []*tfprotov6.Diagnostic) {
	p.t.Helper()
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			p.t.Fatalf("%s: %s: %s", op, d.Summary, d.Detail)
		}
	}
}

// read refreshes a state holding attrs with no prior identity, as Terraform does for state
// written by a provider without identities; it returns the new state and identity.
func (p *protoProvider) read(typeName string, attrs map[string]string) (state, identity tftypes.Value) {
	p.t.Helper()
	resp, err := p.server.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{
		TypeName:     typeName,
		CurrentState: p.value(p.stateType(typeName), attrs),
	})
	if err != nil {
		p.t.Fatal(err)
	}
	p.noErrors("ReadResource "+typeName, resp.Diagnostics)
	if resp.NewIdentity == nil || resp.NewIdentity.IdentityData == nil {
		p.t.Fatalf("ReadResource %s returned no identity", typeName)
	}
	if state, err = resp.NewState.Unmarshal(p.stateType(typeName)); err != nil {
		p.t.Fatal(err)
	}
	if identity, err = resp.NewIdentity.IdentityData.Unmarshal(p.identityType(typeName)); err != nil {
		p.t.Fatal(err)
	}
	return state, identity
}

// importByIdentity imports typeName by an identity of string attributes (absent ones null).
func (p *protoProvider) importByIdentity(typeName string, identity map[string]string) *tfprotov6.ImportResourceStateResponse {
	p.t.Helper()
	resp, err := p.server.ImportResourceState(context.Background(), &tfprotov6.ImportResourceStateRequest{
		TypeName: typeName,
		Identity: &tfprotov6.ResourceIdentityData{IdentityData: p.value(p.identityType(typeName), identity)},
	})
	if err != nil {
		p.t.Fatal(err)
	}
	return resp
}

// TestIdentity_readWithoutPriorIdentity is the upgrade path: state written before identities
// has none, and every Read must return one, also when it finds the object gone (the framework
// fails a Read that returns no identity, which would block the plan that re-creates it).
func TestIdentity_readWithoutPriorIdentity(t *testing.T) {
	srv := acctest.NewServer(t)
	p := newProtoProvider(t, srv)

	// Objects that exist: the identity is read from the API's answer.
	env := mustCreateEnvironment(t, srv, "production")
	f := mustCreateIdentityFixtures(t, srv)
	ctx := context.Background()
	asg, err := srv.Client.CreateRoleAssignment(ctx, f.role.ID, api.RoleAssignmentCreate{GroupID: f.group.ID})
	if err != nil {
		t.Fatal(err)
	}
	const target = "https://hooks.example.com/x?token=s3cret"
	if _, err := srv.Client.AddAlertDestination(ctx, env.ID, api.Destination{Type: "webhook", Target: target, MinSeverity: "warning"}); err != nil {
		t.Fatal(err)
	}
	existing := []struct {
		typeName string
		state    map[string]string
		identity map[string]string
	}{
		{"warden_environment", map[string]string{"id": env.ID, "name": "production", "cloud": "gcp"}, map[string]string{"id": env.ID}},
		// As "<role_id>/<assignment_id>" imports it: the principal comes from the API.
		{"warden_role_assignment", map[string]string{"id": asg.ID, "role_id": f.role.ID},
			map[string]string{"role_id": f.role.ID, "group_id": f.group.ID}},
		{"warden_alert_destination", map[string]string{"environment_id": env.ID, "type": "webhook", "target": target},
			map[string]string{"environment_id": env.ID, "type": "webhook", "target_digest": targetDigest(target)}},
	}
	for _, tc := range existing {
		t.Run("existing "+tc.typeName, func(t *testing.T) {
			p := p.with(t)
			state, identity := p.read(tc.typeName, tc.state)
			if state.IsNull() {
				t.Fatalf("%s was removed from the state", tc.typeName)
			}
			if want := p.object(p.identityType(tc.typeName), tc.identity); !identity.Equal(want) {
				t.Errorf("identity %v, want %v", identity, want)
			}
		})
	}

	// Objects gone: the state is removed, and the identity still comes from the prior state.
	gone := []struct {
		typeName string
		state    map[string]string
		identity map[string]string
	}{
		{"warden_environment", map[string]string{"id": "env_gone"}, map[string]string{"id": "env_gone"}},
		{"warden_user", map[string]string{"id": "usr_gone"}, map[string]string{"id": "usr_gone"}},
		{"warden_group", map[string]string{"id": "grp_gone"}, map[string]string{"id": "grp_gone"}},
		{"warden_role", map[string]string{"id": "role_gone"}, map[string]string{"id": "role_gone"}},
		{"warden_environment_grant", map[string]string{"id": "grt_gone", "role_id": f.role.ID, "environment_id": env.ID},
			map[string]string{"role_id": f.role.ID, "environment_id": env.ID}},
		{"warden_role_assignment", map[string]string{"id": "asg_gone", "role_id": f.role.ID, "user_id": f.user.ID},
			map[string]string{"role_id": f.role.ID, "user_id": f.user.ID}},
		{"warden_group_member", map[string]string{"id": f.group.ID + "/" + f.user.ID, "group_id": f.group.ID, "user_id": f.user.ID},
			map[string]string{"group_id": f.group.ID, "user_id": f.user.ID}},
		{"warden_support_access", map[string]string{"environment_id": env.ID}, map[string]string{"environment_id": env.ID}},
		{"warden_alert_routing", map[string]string{"id": "env_gone", "environment_id": "env_gone"}, map[string]string{"environment_id": "env_gone"}},
		{"warden_alert_destination", map[string]string{"environment_id": env.ID, "type": "email", "target": "gone@example.com"},
			map[string]string{"environment_id": env.ID, "type": "email", "target_digest": targetDigest("gone@example.com")}},
		{"warden_access_request_approval", map[string]string{"id": "arq_gone", "access_request_id": "arq_gone"},
			map[string]string{"access_request_id": "arq_gone"}},
	}
	if n := len(p.schemas.ResourceSchemas); n != len(gone) {
		t.Fatalf("the provider has %d resources and this test covers %d: add the new one", n, len(gone))
	}
	for _, tc := range gone {
		t.Run("gone "+tc.typeName, func(t *testing.T) {
			p := p.with(t)
			state, identity := p.read(tc.typeName, tc.state)
			if !state.IsNull() {
				t.Fatalf("%s is gone from the API but stays in the state: %v", tc.typeName, state)
			}
			if want := p.object(p.identityType(tc.typeName), tc.identity); !identity.Equal(want) {
				t.Errorf("identity %v, want %v", identity, want)
			}
		})
	}
}

// TestIdentity_importRejectsWrongIdentity checks the identities the import refuses before it
// asks the API, and that each error names the identity attributes to set.
func TestIdentity_importRejectsWrongIdentity(t *testing.T) {
	srv := acctest.NewServer(t)
	p := newProtoProvider(t, srv)
	assignmentForms := `identity = { role_id = "<role_id>", user_id = "<user_id>" } or identity = { role_id = "<role_id>", group_id = "<group_id>" }`
	cases := []struct {
		name, typeName string
		identity       map[string]string
		summary        string
		detail         []string
	}{
		{"both principals", "warden_role_assignment", map[string]string{"role_id": "role_1", "user_id": "usr_1", "group_id": "grp_1"},
			"Unable to Import Role Assignment", []string{assignmentForms, "sets both user_id and group_id"}},
		{"no principal", "warden_role_assignment", map[string]string{"role_id": "role_1"},
			"Unable to Import Role Assignment", []string{assignmentForms, "sets neither user_id nor group_id"}},
		{"empty principal", "warden_role_assignment", map[string]string{"role_id": "role_1", "user_id": "", "group_id": ""},
			"Unable to Import Role Assignment", []string{assignmentForms, "sets neither user_id nor group_id"}},
		{"empty role", "warden_role_assignment", map[string]string{"role_id": "", "user_id": "usr_1"},
			"Unable to Import Role Assignment", []string{assignmentForms, "role_id is missing or empty"}},
		{"empty id", "warden_environment", map[string]string{"id": ""},
			"Unable to Import Environment", []string{`identity = { id = "<id>" }`, "id is missing or empty"}},
		{"empty access request", "warden_access_request_approval", map[string]string{"access_request_id": ""},
			"Unable to Import Access Request Approval", []string{`identity = { access_request_id = "<access_request_id>" }`}},
		{"grant without environment", "warden_environment_grant", map[string]string{"role_id": "role_1"},
			"Unable to Import Environment Grant", []string{`identity = { role_id = "<role_id>", environment_id = "<environment_id>" }`, "environment_id is missing or empty"}},
		{"member without either", "warden_group_member", map[string]string{},
			"Unable to Import Group Member", []string{`identity = { group_id = "<group_id>", user_id = "<user_id>" }`, "group_id and user_id are missing or empty"}},
		{"destination by target", "warden_alert_destination", map[string]string{"environment_id": "env_1", "type": "email", "target_digest": "oncall@example.com"},
			"Unable to Import Alert Destination", []string{"target_digest must be 16 lowercase hex digits", `"oncall@example.com"`}},
		{"destination without type", "warden_alert_destination", map[string]string{"environment_id": "env_1", "target_digest": "0123456789abcdef"},
			"Unable to Import Alert Destination", []string{`identity = { environment_id = "<environment_id>", type = "<type>", target_digest = "<target_digest>" }`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := p.with(t).importByIdentity(tc.typeName, tc.identity)
			if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Severity != tfprotov6.DiagnosticSeverityError || resp.Diagnostics[0].Summary != tc.summary {
				t.Fatalf("want one error %q, got %v", tc.summary, resp.Diagnostics)
			}
			for _, want := range tc.detail {
				if d := resp.Diagnostics[0].Detail; !strings.Contains(d, want) {
					t.Errorf("detail %q does not contain %q", d, want)
				}
			}
		})
	}

	// Neither an id nor an identity: Terraform never sends that, but the error says what to set.
	for _, typeName := range []string{"warden_environment", "warden_environment_grant"} {
		resp, err := p.server.ImportResourceState(context.Background(), &tfprotov6.ImportResourceStateRequest{TypeName: typeName})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Diagnostics) != 1 || !strings.Contains(resp.Diagnostics[0].Detail, "neither an id nor an identity") {
			t.Errorf("%s: want the neither-id-nor-identity error, got %v", typeName, resp.Diagnostics)
		}
	}
}

// TestIdentity_importByIdentitySetsIdentity imports objects that exist by identity: the state
// holds what Read needs, and the identity is the one given.
func TestIdentity_importByIdentitySetsIdentity(t *testing.T) {
	srv := acctest.NewServer(t)
	p := newProtoProvider(t, srv)
	ctx := context.Background()
	f := mustCreateIdentityFixtures(t, srv)
	asg, err := srv.Client.CreateRoleAssignment(ctx, f.role.ID, api.RoleAssignmentCreate{UserID: f.user.ID})
	if err != nil {
		t.Fatal(err)
	}
	identity := map[string]string{"role_id": f.role.ID, "user_id": f.user.ID}
	resp := p.importByIdentity("warden_role_assignment", identity)
	p.noErrors("ImportResourceState", resp.Diagnostics)
	if len(resp.ImportedResources) != 1 {
		t.Fatalf("imported %d resources", len(resp.ImportedResources))
	}
	got := resp.ImportedResources[0]
	state, err := got.State.Unmarshal(p.stateType("warden_role_assignment"))
	if err != nil {
		t.Fatal(err)
	}
	if want := p.object(p.stateType("warden_role_assignment"), map[string]string{"id": asg.ID, "role_id": f.role.ID}); !state.Equal(want) {
		t.Errorf("state %v, want %v", state, want)
	}
	ident, err := got.Identity.IdentityData.Unmarshal(p.identityType("warden_role_assignment"))
	if err != nil {
		t.Fatal(err)
	}
	if want := p.object(p.identityType("warden_role_assignment"), identity); !ident.Equal(want) {
		t.Errorf("identity %v, want %v", ident, want)
	}

	// A group that holds no such assignment: the API's not-found, not an identity error.
	resp = p.importByIdentity("warden_role_assignment", map[string]string{"role_id": f.role.ID, "group_id": f.group.ID})
	if len(resp.Diagnostics) == 0 || !strings.Contains(resp.Diagnostics[0].Summary+resp.Diagnostics[0].Detail, "Import Role Assignment") {
		t.Fatalf("want the lookup's error, got %v", resp.Diagnostics)
	}
}
