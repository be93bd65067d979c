package provider

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// describedAttribute is what every schema attribute (resource, data source, provider) offers.
type describedAttribute interface {
	GetMarkdownDescription() string
}

// checkDescriptions reports every attribute under prefix without a MarkdownDescription,
// descending into nested attributes. The nested object's type is internal to the framework,
// so the walk goes through its exported methods by reflection.
func checkDescriptions[A any](t *testing.T, prefix string, attrs map[string]A) {
	t.Helper()
	for name, a := range attrs {
		checkAttributeDescription(t, prefix+"."+name, a)
	}
}

func checkAttributeDescription(t *testing.T, where string, a any) {
	t.Helper()
	d, ok := a.(describedAttribute)
	if !ok {
		t.Errorf("%s: %T has no MarkdownDescription", where, a)
		return
	}
	if strings.TrimSpace(d.GetMarkdownDescription()) == "" {
		t.Errorf("%s: empty MarkdownDescription", where)
	}
	get := reflect.ValueOf(a).MethodByName("GetNestedObject")
	if !get.IsValid() {
		return
	}
	nested := get.Call(nil)[0].MethodByName("GetAttributes").Call(nil)[0]
	for it := nested.MapRange(); it.Next(); {
		checkAttributeDescription(t, where+"."+it.Key().String(), it.Value().Interface())
	}
}

// TestProvider_schemas checks every registered resource, data source and function as the
// framework would at runtime (ValidateImplementation) and for documentation: tfplugindocs
// renders MarkdownDescription, so an empty one is an undocumented attribute.
func TestProvider_schemas(t *testing.T) {
	ctx := context.Background()
	p, ok := New("test")().(*wardenProvider)
	if !ok {
		t.Fatal("New does not build a *wardenProvider")
	}

	var ps provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &ps)
	assertNoDiags(t, "provider schema", ps.Diagnostics)
	assertNoDiags(t, "provider schema", ps.Schema.ValidateImplementation(ctx))
	checkDescriptions(t, "provider", ps.Schema.Attributes)

	names := map[string]bool{}
	unique := func(kind, name string) {
		if !strings.HasPrefix(name, "warden_") {
			t.Errorf("%s %q does not start with warden_", kind, name)
		}
		if names[kind+" "+name] {
			t.Errorf("%s %q is registered twice", kind, name)
		}
		names[kind+" "+name] = true
	}

	resources := p.Resources(ctx)
	if len(resources) == 0 {
		t.Fatal("no resources registered")
	}
	for _, newResource := range resources {
		r := newResource()
		var md resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "warden"}, &md)
		unique("resource", md.TypeName)
		var sr resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &sr)
		checkSchema(t, "resource", md.TypeName, sr.Diagnostics, sr.Schema.ValidateImplementation(ctx), sr.Schema.MarkdownDescription)
		checkDescriptions(t, md.TypeName, sr.Schema.Attributes)
		if len(sr.Schema.Blocks) > 0 {
			t.Errorf("resource %s: blocks are not used in this provider; use nested attributes", md.TypeName)
		}
	}

	for _, newDataSource := range p.DataSources(ctx) {
		d := newDataSource()
		var md datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "warden"}, &md)
		unique("data source", md.TypeName)
		var sr datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &sr)
		checkSchema(t, "data source", md.TypeName, sr.Diagnostics, sr.Schema.ValidateImplementation(ctx), sr.Schema.MarkdownDescription)
		checkDescriptions(t, "data."+md.TypeName, sr.Schema.Attributes)
	}

	for _, newEphemeral := range p.EphemeralResources(ctx) {
		e := newEphemeral()
		var md ephemeral.MetadataResponse
		e.Metadata(ctx, ephemeral.MetadataRequest{ProviderTypeName: "warden"}, &md)
		unique("ephemeral resource", md.TypeName)
		var sr ephemeral.SchemaResponse
		e.Schema(ctx, ephemeral.SchemaRequest{}, &sr)
		checkSchema(t, "ephemeral resource", md.TypeName, sr.Diagnostics, sr.Schema.ValidateImplementation(ctx), sr.Schema.MarkdownDescription)
		checkDescriptions(t, "ephemeral."+md.TypeName, sr.Schema.Attributes)
	}

	for _, newAction := range p.Actions(ctx) {
		a := newAction()
		var md action.MetadataResponse
		a.Metadata(ctx, action.MetadataRequest{ProviderTypeName: "warden"}, &md)
		unique("action", md.TypeName)
		var sr action.SchemaResponse
		a.Schema(ctx, action.SchemaRequest{}, &sr)
		checkSchema(t, "action", md.TypeName, sr.Diagnostics, sr.Schema.ValidateImplementation(ctx), sr.Schema.MarkdownDescription)
		checkDescriptions(t, "action."+md.TypeName, sr.Schema.Attributes)
	}

	for _, newFunction := range p.Functions(ctx) {
		f := newFunction()
		var md function.MetadataResponse
		f.Metadata(ctx, function.MetadataRequest{}, &md)
		var dr function.DefinitionResponse
		f.Definition(ctx, function.DefinitionRequest{}, &dr)
		if dr.Definition.Summary == "" || dr.Definition.MarkdownDescription == "" {
			t.Errorf("function %s: missing summary or description", md.Name)
		}
		for i, param := range dr.Definition.Parameters {
			if param.GetName() == "" || param.GetMarkdownDescription() == "" {
				t.Errorf("function %s: parameter %d lacks a name or description", md.Name, i)
			}
		}
	}
}

// checkSchema checks one schema as the framework would at runtime (its diagnostics and
// ValidateImplementation's), and that it says what it is.
func checkSchema(t *testing.T, kind, name string, diags, implementation diag.Diagnostics, description string) {
	t.Helper()
	assertNoDiags(t, name, diags)
	assertNoDiags(t, name, implementation)
	if strings.TrimSpace(description) == "" {
		t.Errorf("%s %s: empty MarkdownDescription", kind, name)
	}
}

func assertNoDiags(t *testing.T, where string, diags diag.Diagnostics) {
	t.Helper()
	for _, d := range diags {
		t.Errorf("%s: %s: %s: %s", where, d.Severity(), d.Summary(), d.Detail())
	}
}

// fakeMatrixServer answers GET /v1/permission-matrix with version and records the bearer
// token of each call: Configure's version check is the one request it makes, so the recorded
// token shows which token (attribute or environment) the provider chose.
type fakeMatrixServer struct {
	*httptest.Server
	mu     sync.Mutex
	tokens []string
}

func newFakeMatrixServer(t *testing.T, version string) *fakeMatrixServer {
	t.Helper()
	return startFakeMatrixServer(t, version, false)
}

// startFakeMatrixServer is newFakeMatrixServer, over HTTPS with httptest's self-signed
// certificate (f.Certificate()) when useTLS.
func startFakeMatrixServer(t *testing.T, version string, useTLS bool) *fakeMatrixServer {
	t.Helper()
	f := &fakeMatrixServer{}
	f.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.tokens = append(f.tokens, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		f.mu.Unlock()
		if r.URL.Path != "/v1/permission-matrix" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(api.PermissionMatrix{Version: version})
	}))
	if useTLS {
		f.StartTLS()
	} else {
		f.Start()
	}
	t.Cleanup(f.Close)
	return f
}

func (f *fakeMatrixServer) seenTokens() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.tokens...)
}

// configureProvider runs the provider's Configure on a configuration given as attribute
// values (absent ones are null), as Terraform would after validation.
func configureProvider(t *testing.T, attrs map[string]tftypes.Value) provider.ConfigureResponse {
	t.Helper()
	ctx := context.Background()
	p := New("test")()
	var sr provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &sr)
	obj, ok := sr.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("provider schema is not an object")
	}
	vals := map[string]tftypes.Value{}
	for name, typ := range obj.AttributeTypes {
		vals[name] = tftypes.NewValue(typ, nil)
		if v, ok := attrs[name]; ok {
			vals[name] = v
		}
	}
	var resp provider.ConfigureResponse
	p.Configure(ctx, provider.ConfigureRequest{
		Config: tfsdk.Config{Schema: sr.Schema, Raw: tftypes.NewValue(obj, vals)},
	}, &resp)
	return resp
}

func num(n int64) tftypes.Value { return tftypes.NewValue(tftypes.Number, n) }
func unknown() tftypes.Value    { return tftypes.NewValue(tftypes.String, tftypes.UnknownValue) }

// withFastRetries turns retries off, so that a test against a closed port takes milliseconds
// (and proves that retry_max = 0 means none).
func withFastRetries(attrs map[string]tftypes.Value) map[string]tftypes.Value {
	attrs["retry_max"] = num(0)
	attrs["retry_wait_min_ms"] = num(1)
	attrs["retry_wait_max_ms"] = num(1)
	return attrs
}

func configuredEndpoint(t *testing.T, resp provider.ConfigureResponse) string {
	t.Helper()
	assertNoErrors(t, resp.Diagnostics)
	pd, ok := resp.ResourceData.(*providerData)
	if !ok || pd.Client == nil {
		t.Fatalf("ResourceData is %T, want *providerData with a client", resp.ResourceData)
	}
	if dd, ok := resp.DataSourceData.(*providerData); !ok || dd != pd {
		t.Fatalf("DataSourceData is %T, want the same *providerData", resp.DataSourceData)
	}
	return pd.Client.Endpoint()
}

func assertNoErrors(t *testing.T, diags diag.Diagnostics) {
	t.Helper()
	for _, d := range diags.Errors() {
		t.Fatalf("unexpected error: %s: %s", d.Summary(), d.Detail())
	}
}

// Not parallel: t.Setenv.
func TestProvider_configPrecedence(t *testing.T) {
	fromAttr := newFakeMatrixServer(t, access.MatrixVersion)
	fromEnv := newFakeMatrixServer(t, access.MatrixVersion)

	t.Run("attributes win over environment", func(t *testing.T) {
		t.Setenv(envEndpoint, fromEnv.URL)
		t.Setenv(envToken, "env-token")
		resp := configureProvider(t, withFastRetries(map[string]tftypes.Value{
			"endpoint": tfString(fromAttr.URL),
			"token":    tfString("attr-token"),
		}))
		if got := configuredEndpoint(t, resp); got != fromAttr.URL {
			t.Errorf("endpoint %q, want the attribute's %q", got, fromAttr.URL)
		}
		if got := fromAttr.seenTokens(); len(got) != 1 || got[0] != "attr-token" {
			t.Errorf("attribute server saw tokens %q, want [attr-token]", got)
		}
		if got := fromEnv.seenTokens(); len(got) != 0 {
			t.Errorf("environment server was called with %q", got)
		}
		if len(resp.Diagnostics) != 0 {
			t.Errorf("matching matrix versions drew diagnostics: %v", resp.Diagnostics)
		}
	})

	t.Run("environment fills what the block leaves out", func(t *testing.T) {
		t.Setenv(envEndpoint, fromEnv.URL)
		t.Setenv(envToken, "env-token")
		resp := configureProvider(t, withFastRetries(map[string]tftypes.Value{}))
		if got := configuredEndpoint(t, resp); got != fromEnv.URL {
			t.Errorf("endpoint %q, want the environment's %q", got, fromEnv.URL)
		}
		if got := fromEnv.seenTokens(); len(got) != 1 || got[0] != "env-token" {
			t.Errorf("environment server saw tokens %q, want [env-token]", got)
		}
	})

	t.Run("mixed: endpoint from the block, token from the environment", func(t *testing.T) {
		t.Setenv(envEndpoint, "")
		t.Setenv(envToken, "env-token-2")
		before := len(fromAttr.seenTokens())
		resp := configureProvider(t, withFastRetries(map[string]tftypes.Value{"endpoint": tfString(fromAttr.URL)}))
		if got := configuredEndpoint(t, resp); got != fromAttr.URL {
			t.Errorf("endpoint %q, want %q", got, fromAttr.URL)
		}
		if got := fromAttr.seenTokens()[before:]; len(got) != 1 || got[0] != "env-token-2" {
			t.Errorf("server saw tokens %q, want [env-token-2]", got)
		}
	})

	t.Run("missing both: errors on each attribute", func(t *testing.T) {
		t.Setenv(envEndpoint, "")
		t.Setenv(envToken, "")
		resp := configureProvider(t, map[string]tftypes.Value{})
		if !diagAt(resp.Diagnostics, diag.SeverityError, "endpoint", envEndpoint) {
			t.Errorf("no error on endpoint naming %s: %v", envEndpoint, resp.Diagnostics)
		}
		if !diagAt(resp.Diagnostics, diag.SeverityError, "token", envToken) {
			t.Errorf("no error on token naming %s: %v", envToken, resp.Diagnostics)
		}
		if resp.ResourceData != nil {
			t.Error("a failed configuration still handed out provider data")
		}
	})

	t.Run("unknown endpoint: error on the attribute", func(t *testing.T) {
		t.Setenv(envEndpoint, fromEnv.URL)
		t.Setenv(envToken, "env-token")
		resp := configureProvider(t, map[string]tftypes.Value{"endpoint": unknown()})
		if !diagAt(resp.Diagnostics, diag.SeverityError, "endpoint", "known only after apply") {
			t.Errorf("no error on endpoint: %v", resp.Diagnostics)
		}
	})

	// Terraform configures a provider with an unknown token when the token is an ephemeral
	// value whose arguments are unknown (a destroy plan, say): no error, no request sent,
	// and a call that needs the API says why it cannot be made.
	t.Run("unknown token: configured, and every call refused without a request", func(t *testing.T) {
		t.Setenv(envEndpoint, "")
		t.Setenv(envToken, "env-token")
		before := len(fromAttr.seenTokens())
		resp := configureProvider(t, map[string]tftypes.Value{"endpoint": tfString(fromAttr.URL), "token": unknown()})
		if got := configuredEndpoint(t, resp); got != fromAttr.URL {
			t.Errorf("endpoint %q, want %q", got, fromAttr.URL)
		}
		if len(resp.Diagnostics) != 0 {
			t.Errorf("diagnostics: %v", resp.Diagnostics)
		}
		pd, _ := resp.ResourceData.(*providerData)
		if ed, ok := resp.EphemeralResourceData.(*providerData); !ok || ed != pd {
			t.Fatalf("EphemeralResourceData is %T, want the same *providerData", resp.EphemeralResourceData)
		}
		_, err := pd.Client.PermissionMatrix(context.Background())
		if err == nil || !strings.Contains(err.Error(), "token was unknown when Terraform configured the provider") {
			t.Errorf("call with an unknown token: err = %v", err)
		}
		if got := fromAttr.seenTokens()[before:]; len(got) != 0 {
			t.Errorf("server saw tokens %q, want no request at all", got)
		}
	})

	t.Run("endpoint that is not a URL: error on the attribute", func(t *testing.T) {
		t.Setenv(envEndpoint, "")
		t.Setenv(envToken, "env-token")
		resp := configureProvider(t, map[string]tftypes.Value{"endpoint": tfString("warden.example.com")})
		if !diagAt(resp.Diagnostics, diag.SeverityError, "endpoint", "http://") {
			t.Errorf("no error on endpoint: %v", resp.Diagnostics)
		}
	})
}

// A server that is down fails the configuration once, on the endpoint, naming it and where
// it came from, instead of failing every resource after its own retries
// (provider_check_test.go has the rest of the check).
func TestProvider_configureServerUnreachable(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	url := closed.URL
	closed.Close()
	t.Setenv(envEndpoint, "")
	t.Setenv(envToken, "")

	resp := configureProvider(t, withFastRetries(map[string]tftypes.Value{
		"endpoint": tfString(url),
		"token":    tfString("t"),
	}))
	p, detail := detailOf(t, resp.Diagnostics)
	if p != "endpoint" || resp.Diagnostics[0].Summary() != "Warden API Unreachable" {
		t.Errorf("error %q on %q, want Warden API Unreachable on endpoint", resp.Diagnostics[0].Summary(), p)
	}
	requireAll(t, detail, url, "endpoint in the provider block", "connection refused", "Check that the server is running", envEndpoint)
	if resp.ResourceData != nil {
		t.Error("a failed check still handed out provider data")
	}
}

func TestProvider_configureMatrixVersionDiffers(t *testing.T) {
	newer := newFakeMatrixServer(t, "2099.1.0")
	t.Setenv(envEndpoint, "")
	t.Setenv(envToken, "")
	resp := configureProvider(t, withFastRetries(map[string]tftypes.Value{
		"endpoint":          tfString(newer.URL),
		"token":             tfString("t"),
		"matrix_validation": tftypes.NewValue(tftypes.Bool, false),
	}))
	configuredEndpoint(t, resp)
	warnings := resp.Diagnostics.Warnings()
	if len(warnings) != 1 || warnings[0].Summary() != "Permission Matrix Version Differs" ||
		!strings.Contains(warnings[0].Detail(), "2099.1.0") || !strings.Contains(warnings[0].Detail(), access.MatrixVersion) ||
		!strings.Contains(warnings[0].Detail(), "matrix_validation = false") {
		t.Errorf("want one version warning naming both versions and the fix, got %v", resp.Diagnostics)
	}
	pd, ok := resp.ResourceData.(*providerData)
	if !ok || pd.MatrixValidation {
		t.Errorf("matrix_validation = false was not passed on: %+v", resp.ResourceData)
	}
}
