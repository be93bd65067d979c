package access

import (
	"fmt"
	"strings"
	"testing"
)

// finding is the part of a Finding a rule test pins down.
type finding struct {
	sev   Severity
	code  string
	field string
	value string
}

func pick(fs []Finding) []finding {
	out := make([]finding, len(fs))
	for i, f := range fs {
		out[i] = finding{f.Severity, f.Code, f.Field, f.Value}
		if f.Message == "" {
			panic("finding without message: " + f.Code)
		}
	}
	return out
}

func equal(a, b []finding) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestValidate_grant(t *testing.T) {
	cases := []struct {
		name    string
		perms   []string
		require []string
		want    []finding
		fix     string
	}{
		{"ok", []string{"deployment", "ops"}, []string{"apps.deploy", "apps.scale"}, []finding{}, ""},
		{"typo", []string{"deploymnt"}, nil, []finding{{SeverityError, CodeUnknownPermission, "permissions", "deploymnt"}}, `Did you mean "deployment"?`},
		{"every unknown reported", []string{"x", "ops", "y"}, nil, []finding{
			{SeverityError, CodeUnknownPermission, "permissions", "x"},
			{SeverityError, CodeUnknownPermission, "permissions", "y"}}, ""},
		{"empty", []string{}, nil, []finding{{SeverityError, CodeEmptyPermissions, "permissions", ""}}, ""},
		{"duplicate", []string{"ops", "ops"}, nil, []finding{{SeverityError, CodeDuplicatePermission, "permissions", "ops"}}, ""},
		{"uncovered", []string{"deployment"}, []string{"databases.read_credentials"},
			[]finding{{SeverityError, CodeUncoveredAction, "require_actions", "databases.read_credentials"}},
			`Add sensitive_access or environment_admin to allow "databases.read_credentials".`},
		{"unknown action", []string{"ops"}, []string{"apps.deploi"}, []finding{{SeverityError, CodeUnknownAction, "require_actions", "apps.deploi"}}, `Did you mean "apps.deploy"?`},
		{"admin redundant", []string{"environment_admin", "ops", "tunnel"}, nil, []finding{
			{SeverityWarning, CodeRedundantPermission, "permissions", "ops"},
			{SeverityWarning, CodeRedundantPermission, "permissions", "tunnel"}}, ""},
		{"full includes basic", []string{"full_visibility", "basic_visibility"}, nil, []finding{
			{SeverityWarning, CodeRedundantPermission, "permissions", "basic_visibility"}}, ""},
		{"tunnel alone is a documented pattern", []string{"tunnel"}, []string{"databases.create_tunnels"}, []finding{}, ""},
		{"admin covers all", []string{"environment_admin"}, []string{"certificates.delete", "environment.rename"}, []finding{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := ValidateGrant(c.perms, c.require)
			if got := pick(fs); !equal(got, c.want) {
				t.Fatalf("findings = %+v, want %+v", got, c.want)
			}
			if c.fix != "" && fs[0].Fix != c.fix {
				t.Errorf("fix = %q, want %q", fs[0].Fix, c.fix)
			}
		})
	}
}

// TestValidate_uncoveredEveryAction proves, row by row, that a grant holding every permission
// except the ones that allow an action is told which to add.
func TestValidate_uncoveredEveryAction(t *testing.T) {
	for _, action := range Actions() {
		need, _ := PermissionsFor(action)
		var others []string
		for _, p := range PermissionNames() {
			if !strings.Contains(strings.Join(need, ","), p) {
				others = append(others, p)
			}
		}
		fs := Errors(ValidateGrant(others, []string{action}))
		if len(fs) != 1 || fs[0].Code != CodeUncoveredAction {
			t.Fatalf("%s: findings %+v", action, fs)
		}
		for _, p := range need {
			if !strings.Contains(fs[0].Fix, p) || strings.Contains(fs[0].String(), "`") {
				t.Errorf("%s: fix %q does not name %s", action, fs[0].Fix, p)
			}
		}
		if HasErrors(ValidateGrant([]string{need[len(need)-1]}, []string{action})) {
			t.Errorf("%s: %s alone should cover it", action, need[len(need)-1])
		}
	}
}

func TestValidate_platform(t *testing.T) {
	cases := []struct {
		name  string
		perms []string
		want  []finding
		fix   string
	}{
		{"ok", []string{"conducts.read", "conduct.abc123.admin", "invoice.create"}, []finding{}, ""},
		{"typo", []string{"users.reed"}, []finding{{SeverityError, CodeUnknownPlatformPermission, "permissions", "users.reed"}}, `Did you mean "users.read"?`},
		{"org role", []string{"account_owner"}, []finding{{SeverityError, CodeUnknownPlatformPermission, "permissions", "account_owner"}}, ""},
		{"admin beside read", []string{"users.read", "users.admin"}, []finding{{SeverityWarning, CodeRedundantPermission, "permissions", "users.read"}}, ""},
		{"integrations without cluster", []string{"integrations.admin"}, []finding{{SeverityWarning, CodeIneffectivePermission, "permissions", "integrations.admin"}}, ""},
		{"integrations with cluster", []string{"integrations.admin", "cluster.admin"}, []finding{}, ""},
		{"duplicate", []string{"audit.read", "audit.read"}, []finding{{SeverityError, CodeDuplicatePermission, "permissions", "audit.read"}}, ""},
		{"environment action", []string{"apps.create"}, []finding{{SeverityError, CodeEnvironmentAction, "permissions", "apps.create"}},
			`Grant it with warden_environment_grant using permissions deployment, sensitive_access or environment_admin.`},
		{"environment action, no create", []string{"apps.deploy"}, []finding{{SeverityError, CodeEnvironmentAction, "permissions", "apps.deploy"}},
			`Grant it with warden_environment_grant using permissions deployment or environment_admin.`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := ValidatePlatformPermissions(c.perms)
			if got := pick(fs); !equal(got, c.want) {
				t.Fatalf("findings = %+v, want %+v", got, c.want)
			}
			if c.fix != "" && fs[0].Fix != c.fix {
				t.Errorf("fix = %q, want %q", fs[0].Fix, c.fix)
			}
		})
	}
}

func TestValidate_supportAccess(t *testing.T) {
	cases := []struct {
		name, tier, cloud string
		pf                bool
		want              []finding
	}{
		{"operator aws", "operator", "aws", true, []finding{}},
		{"co_maintainer gcp", "co_maintainer", "gcp", false, []finding{}},
		{"co_maintainer aws", "co_maintainer", "aws", false, []finding{{SeverityError, CodeTierRequiresGCP, "tier", "co_maintainer"}}},
		{"co_maintainer cloud unknown", "co_maintainer", "", false, []finding{}},
		{"support port forwarding", "support", "gcp", true, []finding{{SeverityError, CodePortForwardingTier, "port_forwarding", "true"}}},
		{"unknown tier", "operater", "aws", false, []finding{{SeverityError, CodeUnknownTier, "tier", "operater"}}},
		{"unknown cloud", "support", "azure", false, []finding{{SeverityError, CodeUnknownCloud, "cloud", "azure"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := pick(ValidateSupportAccess(c.tier, c.pf, c.cloud)); !equal(got, c.want) {
				t.Fatalf("findings = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestValidate_unknownNameFindings(t *testing.T) {
	for _, code := range []string{CodeUnknownPermission, CodeUnknownAction, CodeUnknownPlatformPermission} {
		if !(Finding{Code: code}).IsUnknownName() {
			t.Errorf("%s should count as an unknown name", code)
		}
	}
	if (Finding{Code: CodeUncoveredAction}).IsUnknownName() {
		t.Error("uncovered_action is not about an unknown name")
	}
}

// A list of thousands of bogus names costs a bounded amount of work and returns a bounded
// answer: the first MaxFindings findings and one counting the rest.
func TestValidate_boundedFindings(t *testing.T) {
	bogus := make([]string, 45000)
	for i := range bogus {
		bogus[i] = fmt.Sprintf("bogus.permission.%d", i)
	}
	for name, fs := range map[string][]Finding{
		"platform": ValidatePlatformPermissions(bogus),
		"grant":    ValidateGrant(bogus, nil),
		"actions":  ValidateGrant([]string{"ops"}, bogus),
	} {
		last := fs[len(fs)-1]
		if len(fs) != MaxFindings+1 || last.Code != CodeTooManyFindings || !strings.Contains(last.Message, "more elements") {
			t.Errorf("%s: %d findings, last %+v", name, len(fs), last)
		}
	}
}

// Every action of the matrix is refused in a role, however much it looks like <model>.create,
// and the fix names the permissions that allow it, in plain words.
func TestValidate_platformRefusesEveryMatrixAction(t *testing.T) {
	for _, a := range Actions() {
		fs := ValidatePlatformPermissions([]string{"conducts.read", a})
		if len(fs) != 1 || fs[0].Code != CodeEnvironmentAction || fs[0].Value != a || fs[0].Severity != SeverityError {
			t.Errorf("%s: findings = %+v, want one environment_action error", a, fs)
			continue
		}
		if !strings.Contains(fs[0].Message, "is an environment action") || strings.Contains(fs[0].String(), "`") {
			t.Errorf("%s: %q", a, fs[0].String())
		}
		need, _ := PermissionsFor(a)
		for _, p := range need {
			if !strings.Contains(fs[0].Fix, p) {
				t.Errorf("%s: fix %q does not name %q", a, fs[0].Fix, p)
			}
		}
		if fs[0].IsUnknownName() {
			t.Errorf("%s: an environment action is no unknown name a newer server might know", a)
		}
	}
}

func TestValidate_listsReadAsWords(t *testing.T) {
	cases := map[string]string{
		OrList(nil):                "",
		OrList([]string{"a"}):      "a",
		OrList([]string{"a", "b"}): "a or b",
		OrList(TierNames()):        "support, operator or co_maintainer",
		andList([]string{"ops", "tunnel", "deployment"}): "ops, tunnel and deployment",
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	fs := ValidateGrant([]string{"ops", "tunnel"}, []string{"apps.deploy"})
	if len(fs) != 1 || fs[0].String() != `The permissions ops and tunnel do not allow "apps.deploy". Add deployment or environment_admin to allow "apps.deploy".` {
		t.Errorf("uncovered action reads %+v", fs)
	}
	fs = ValidateSupportAccess("oprator", false, "")
	if len(fs) != 1 || fs[0].Fix != `Did you mean "operator"?` {
		t.Errorf("tier typo: %+v", fs)
	}
	fs = ValidateSupportAccess("xyzzy-unrelated", false, "")
	if len(fs) != 1 || fs[0].Fix != "One of support, operator or co_maintainer." {
		t.Errorf("unknown tier: %+v", fs)
	}
}
