package provider

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// made returns v, failing the test on err: made(srv.Client.CreateRole(ctx, body))(t).
func made[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// listCase is a test case of query steps, under Terraform 1.14 or later only.
func listCase(steps ...resource.TestStep) resource.TestCase {
	return resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{terraformOnly(version1_14, "list resources")},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	}
}

// badListQuery is a query step whose list block of type typ, with config as the lines inside
// its config block, plan must reject with an error matching want.
func badListQuery(srv *acctest.Server, typ, config string, want *regexp.Regexp) resource.TestStep {
	return resource.TestStep{
		Query: true,
		Config: srv.ProviderBlock() + `
list "` + typ + `" "bad" {
  provider = warden
  config {
    ` + config + `
  }
}
`,
		ExpectError: want,
	}
}

// byID picks the result whose identity is the id of one object.
func byID(id string) queryfilter.QueryFilter {
	return queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"id": knownvalue.StringExact(id)})
}

// Every list resource example the docs show runs as a query against a server holding what
// it looks for, and finds it.
func TestAccListExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/list-resources/*/list-resource.tfquery.hcl")
	if err != nil {
		t.Fatal(err)
	}
	// The list block of each example that must find something.
	finds := map[string]string{
		"warden_environment":       "warden_environment.production",
		"warden_user":              "warden_user.staff",
		"warden_group":             "warden_group.alices",
		"warden_role":              "warden_role.custom",
		"warden_role_assignment":   "warden_role_assignment.deployers",
		"warden_environment_grant": "warden_environment_grant.deploy_in_production",
		"warden_support_access":    "warden_support_access.operator",
		"warden_alert_routing":     "warden_alert_routing.production",
	}
	if len(files) != len(finds) {
		t.Fatalf("found %d list resource examples, want %d: %v", len(files), len(finds), files)
	}
	for _, f := range files {
		name := filepath.Base(filepath.Dir(f))
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			srv := acctest.NewServer(t)
			seedListExamples(t, srv)
			resource.Test(t, listCase(resource.TestStep{
				Query:             true,
				Config:            srv.ProviderBlock() + string(raw),
				QueryResultChecks: []querycheck.QueryResultCheck{querycheck.ExpectLengthAtLeast(finds[name], 1)},
			}))
		})
	}
}

// seedListExamples creates what the list resource examples look for: seedTeam's team, with
// alice in sre, sre holding deployers, and deployers allowed to deploy in production.
func seedListExamples(t *testing.T, srv *acctest.Server) {
	t.Helper()
	ctx := context.Background()
	c := srv.Client
	seedTeam(t, srv, true, "alice@example.com")
	alice := made(c.FindUserByEmail(ctx, "alice@example.com"))(t)
	sre := made(c.FindGroupByName(ctx, "sre"))(t)
	deployers := made(c.FindRoleByName(ctx, "deployers"))(t)
	production := made(c.FindEnvironmentByName(ctx, "production"))(t)
	made(c.AddGroupMember(ctx, sre.ID, alice.ID))(t)
	made(c.CreateRoleAssignment(ctx, deployers.ID, api.RoleAssignmentCreate{GroupID: sre.ID}))(t)
	made(c.CreateGrant(ctx, production.ID, api.GrantCreate{RoleID: deployers.ID, Permissions: []string{"deployment", "tunnel"}}))(t)
}

// TestListResources_schemas checks every list resource as the framework and Terraform would:
// its schema is valid and documented, and it lists a resource of the same type that declares
// an identity (Terraform refuses list results of a type without one).
func TestListResources_schemas(t *testing.T) {
	ctx := context.Background()
	p, ok := New("test")().(*wardenProvider)
	if !ok {
		t.Fatal("New does not build a *wardenProvider")
	}
	resources := map[string]fwresource.Resource{}
	for _, f := range p.Resources(ctx) {
		r := f()
		var md fwresource.MetadataResponse
		r.Metadata(ctx, fwresource.MetadataRequest{ProviderTypeName: providerTypeName}, &md)
		resources[md.TypeName] = r
	}
	lists := p.ListResources(ctx)
	if len(lists) != 8 {
		t.Errorf("%d list resources, want 8", len(lists))
	}
	for _, f := range lists {
		l := f()
		var md fwresource.MetadataResponse
		l.Metadata(ctx, fwresource.MetadataRequest{ProviderTypeName: providerTypeName}, &md)
		r, ok := resources[md.TypeName]
		if !ok {
			t.Errorf("list resource %s lists no resource of its type", md.TypeName)
			continue
		}
		if _, ok := r.(fwresource.ResourceWithIdentity); !ok {
			t.Errorf("resource %s has no identity schema", md.TypeName)
		}
		var sr list.ListResourceSchemaResponse
		l.ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &sr)
		assertNoDiags(t, md.TypeName+" list schema", sr.Diagnostics)
		assertNoDiags(t, md.TypeName+" list schema", sr.Schema.ValidateImplementation(ctx))
		if strings.TrimSpace(sr.Schema.MarkdownDescription) == "" {
			t.Errorf("list resource %s has no MarkdownDescription", md.TypeName)
		}
		checkDescriptions(t, "list "+md.TypeName, sr.Schema.Attributes)
	}
}

// listResults stops at Terraform's limit and when Terraform stops reading; 0 is no limit.
func TestListResources_limit(t *testing.T) {
	count := func(limit int64, stopAt int) (pushed, produced int) {
		each := func(emit func(list.ListResult) bool) {
			for range 10 {
				produced++
				if !emit(list.ListResult{}) {
					return
				}
			}
		}
		for range listResults(list.ListRequest{Limit: limit}, each) {
			pushed++
			if pushed == stopAt {
				break
			}
		}
		return pushed, produced
	}
	for _, tc := range []struct {
		limit            int64
		stopAt           int
		pushed, produced int
	}{
		{limit: 3, pushed: 3, produced: 3},
		{limit: 100, pushed: 10, produced: 10},
		{limit: 0, pushed: 10, produced: 10},
		{limit: 100, stopAt: 2, pushed: 2, produced: 2},
	} {
		if pushed, produced := count(tc.limit, tc.stopAt); pushed != tc.pushed || produced != tc.produced {
			t.Errorf("limit %d, reader stops at %d: pushed %d, produced %d; want %d, %d",
				tc.limit, tc.stopAt, pushed, produced, tc.pushed, tc.produced)
		}
	}
}

// The filters on names of the permissions matrix are checked by internal/access: what cannot
// be a name always fails; an unknown name waits for the configured provider, whose
// matrix_validation makes it an error or a warning.
func TestListResources_filterValidation(t *testing.T) {
	configured := func(l list.ListResource, matrixValidation bool) list.ListResource {
		c, ok := l.(list.ListResourceWithConfigure)
		if !ok {
			t.Fatalf("%T cannot be configured", l)
		}
		c.Configure(context.Background(), fwresource.ConfigureRequest{
			ProviderData: &providerData{Client: &client.Client{}, MatrixValidation: matrixValidation},
		}, &fwresource.ConfigureResponse{})
		return l
	}
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	for _, tc := range []struct {
		name   string
		l      list.ListResource
		attrs  map[string]tftypes.Value
		sev    diag.Severity // 0: no diagnostic
		path   string
		phrase string
	}{
		{"role: unknown, unconfigured", NewRoleListResource(), map[string]tftypes.Value{"permission": str("users.reed")}, 0, "", ""},
		{"role: unknown", configured(NewRoleListResource(), true), map[string]tftypes.Value{"permission": str("users.reed")},
			diag.SeverityError, "permission", `Did you mean "users.read"?`},
		{"role: unknown, matrix_validation off", configured(NewRoleListResource(), false), map[string]tftypes.Value{"permission": str("users.reed")},
			diag.SeverityWarning, "permission", "the Warden server will judge this name"},
		{"role: an action, unconfigured", NewRoleListResource(), map[string]tftypes.Value{"permission": str("apps.deploy")},
			diag.SeverityError, "permission", "is an environment action"},
		{"role: known", configured(NewRoleListResource(), true), map[string]tftypes.Value{"permission": str("users.read")}, 0, "", ""},
		{"grant: unknown permission", configured(NewEnvironmentGrantListResource(), true), map[string]tftypes.Value{"permission": str("deploy")},
			diag.SeverityError, "permission", "is not an environment permission"},
		{"grant: unknown action", configured(NewEnvironmentGrantListResource(), true), map[string]tftypes.Value{"action": str("apps.deplyo")},
			diag.SeverityError, "action", `Did you mean "apps.deploy"?`},
		{"grant: known action", configured(NewEnvironmentGrantListResource(), true), map[string]tftypes.Value{"action": str("apps.deploy")}, 0, "", ""},
		{"grant: unknown, unconfigured", NewEnvironmentGrantListResource(), map[string]tftypes.Value{"permission": str("deploy")}, 0, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diags := validateListConfig(t, tc.l, tc.attrs)
			if tc.sev == 0 {
				if len(diags) > 0 {
					t.Errorf("diagnostics %v, want none", diags)
				}
				return
			}
			if !diagAt(diags, tc.sev, tc.path, tc.phrase) {
				t.Errorf("no %v on %s saying %q in %v", tc.sev, tc.path, tc.phrase, diags)
			}
		})
	}
}

// validateListConfig runs a list resource's ValidateListResourceConfig on a config given as
// attribute values; attributes left out are null.
func validateListConfig(t *testing.T, l list.ListResource, attrs map[string]tftypes.Value) diag.Diagnostics {
	t.Helper()
	ctx := context.Background()
	var sr list.ListResourceSchemaResponse
	l.ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &sr)
	obj, ok := sr.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("list schema is not an object")
	}
	v, ok := l.(list.ListResourceWithValidateConfig)
	if !ok {
		t.Fatalf("%T has no ValidateListResourceConfig", l)
	}
	var resp list.ValidateConfigResponse
	v.ValidateListResourceConfig(ctx, list.ValidateConfigRequest{
		Config: tfsdk.Config{Schema: sr.Schema, Raw: objectOf(obj, attrs)},
	}, &resp)
	return resp.Diagnostics
}

func TestListResources_displayNames(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{userDisplayName(&api.User{Email: "a@example.com", Name: "Alice", Kind: "member"}), "Alice <a@example.com>"},
		{userDisplayName(&api.User{Email: "a@example.com", Kind: "member"}), "a@example.com"},
		{userDisplayName(&api.User{Email: "v@vendor.example", Kind: "vendor"}), "v@vendor.example (vendor)"},
		{alertRoutingDisplayName("prod", &api.AlertRouting{VendorRouting: true}), "alert routing of prod (vendor routing on, 0 destinations)"},
		{alertRoutingDisplayName("prod", &api.AlertRouting{Destinations: []api.Destination{{}}}), "alert routing of prod (vendor routing off, 1 destination)"},
	} {
		if tc.got != tc.want {
			t.Errorf("display name %q, want %q", tc.got, tc.want)
		}
	}
}

// listWalk ends the listing at the first error, whether the walk or a visit meets it, with
// the error as the last result; a visit that says stop ends it without one.
func TestListResources_walkErrors(t *testing.T) {
	walk := func(failAt, visitFailAt, stopAt int) []string {
		objects := func(yield func(int, error) bool) {
			for i := 1; i <= 4; i++ {
				var err error
				if i == failAt {
					err = errors.New("listing failed")
				}
				if !yield(i, err) {
					return
				}
			}
		}
		visit := func(i int, emit func(list.ListResult) bool) (bool, error) {
			if i == visitFailAt {
				return false, errors.New("part failed")
			}
			return emit(list.ListResult{DisplayName: strconv.Itoa(i)}) && i != stopAt, nil
		}
		var got []string
		for r := range listWalk(list.ListRequest{}, "List Things", objects, visit) {
			if r.Diagnostics.HasError() {
				got = append(got, r.Diagnostics[0].Summary()+": "+r.Diagnostics[0].Detail())
				continue
			}
			got = append(got, r.DisplayName)
		}
		return got
	}
	for _, tc := range []struct {
		name                        string
		failAt, visitFailAt, stopAt int
		want                        []string
	}{
		{name: "all", want: []string{"1", "2", "3", "4"}},
		{name: "listing fails", failAt: 3, want: []string{"1", "2", "Unable to List Things: The Warden API could not be reached or answered unexpectedly: listing failed"}},
		{name: "visit fails", visitFailAt: 2, want: []string{"1", "Unable to List Things: The Warden API could not be reached or answered unexpectedly: part failed"}},
		{name: "visit stops", stopAt: 2, want: []string{"1", "2"}},
	} {
		if got := walk(tc.failAt, tc.visitFailAt, tc.stopAt); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
