package access

import (
	"slices"
	"strings"
	"testing"
)

// want is MATRIX.md transcribed independently of matrix.go, column by column, so that a typo in
// either shows up as a failing row.
var want = map[string]string{
	// action: marks in column order EA FV DE DS OP SA TU
	"environment.deprovision":                    "x..x...",
	"environment.rename":                         "x......",
	"environment.manage_backup_retention_policy": "x......",
	"apps.create":                                "x.x..x.",
	"apps.deprovision":                           "x..x...",
	"apps.read_configuration":                    "xx...x.",
	"apps.configure":                             "x.x..x.",
	"apps.rename":                                "x.x....",
	"apps.deploy":                                "x.x....",
	"apps.rebuild":                               "x.x....",
	"apps.scale":                                 "x.x.x..",
	"apps.restart":                               "x.x.x..",
	"apps.create_endpoints":                      "x.x....",
	"apps.deprovision_endpoints":                 "x..x...",
	"apps.stream_logs":                           "x.x.x..",
	"apps.ssh":                                   "x....x.",
	"apps.scan_image":                            "x.x.x..",
	"databases.create":                           "x.x....",
	"databases.deprovision":                      "x..x...",
	"databases.read_credentials":                 "x....x.",
	"databases.create_backups":                   "x.x.x..",
	"databases.restore_backups":                  "x.x....",
	"databases.purge_backups":                    "x..x...",
	"databases.rename":                           "x.x....",
	"databases.restart":                          "x.x.x..",
	"databases.create_replicas":                  "x.x....",
	"databases.create_endpoints":                 "x.x....",
	"databases.deprovision_endpoints":            "x..x...",
	"databases.create_tunnels":                   "x.....x",
	"databases.stream_logs":                      "x.x.x..",
	"drains.create":                              "x.x.x..",
	"drains.deprovision":                         "x.xxx..",
	"certificates.create":                        "x....x.",
	"certificates.delete":                        "x..x.x.",
}

var columns = []Permission{EnvironmentAdmin, FullVisibility, Deployment, Destruction, Ops, SensitiveAccess, Tunnel}

func TestMatrix_has34Actions(t *testing.T) {
	if got := len(Actions()); got != 34 || len(want) != 34 {
		t.Fatalf("matrix has %d actions, transcription %d; want 34", got, len(want))
	}
	for _, a := range Actions() {
		if _, ok := want[a]; !ok {
			t.Errorf("action %q is not in MATRIX.md", a)
		}
	}
}

// TestMatrix_everyRow checks each cell in both directions: a marked permission alone allows the
// action, an unmarked one alone does not, and basic_visibility allows no action at all.
func TestMatrix_everyRow(t *testing.T) {
	for action, marks := range want {
		t.Run(action, func(t *testing.T) {
			for i, p := range columns {
				allowed := Allows([]string{string(p)}, action)
				if marked := marks[i] == 'x'; allowed != marked {
					t.Errorf("Allows([%s], %s) = %v, MATRIX.md says %v", p, action, allowed, marked)
				}
			}
			if Allows([]string{string(BasicVisibility)}, action) {
				t.Errorf("basic_visibility allows %s", action)
			}
			got, ok := PermissionsFor(action)
			if !ok {
				t.Fatalf("PermissionsFor(%s) not found", action)
			}
			var exp []string
			for i, p := range columns {
				if marks[i] == 'x' {
					exp = append(exp, string(p))
				}
			}
			if !slices.Equal(got, exp) {
				t.Errorf("PermissionsFor(%s) = %v, want %v", action, got, exp)
			}
		})
	}
}

func TestMatrix_allowedActionsAgreesWithAllows(t *testing.T) {
	for _, p := range PermissionNames() {
		got := AllowedActions([]string{p})
		for _, a := range Actions() {
			if slices.Contains(got, a) != Allows([]string{p}, a) {
				t.Errorf("AllowedActions([%s]) and Allows disagree on %s", p, a)
			}
		}
		if !slices.IsSorted(got) {
			t.Errorf("AllowedActions([%s]) not sorted: %v", p, got)
		}
	}
	if n := len(AllowedActions([]string{"environment_admin"})); n != 34 {
		t.Errorf("environment_admin allows %d actions, want 34", n)
	}
	if n := len(AllowedActions([]string{"basic_visibility"})); n != 0 {
		t.Errorf("basic_visibility allows %d actions, want 0", n)
	}
	if got := AllowedActions([]string{"tunnel"}); !slices.Equal(got, []string{"databases.create_tunnels"}) {
		t.Errorf("tunnel allows %v", got)
	}
}

func TestMatrix_unknownNames(t *testing.T) {
	if Allows([]string{"deploy"}, "apps.deploy") {
		t.Error("an unknown permission allowed an action")
	}
	if Allows([]string{"environment_admin"}, "apps.fly") {
		t.Error("an unknown action was allowed")
	}
	if _, ok := PermissionsFor("apps.fly"); ok {
		t.Error("PermissionsFor accepted an unknown action")
	}
	if got := AllowingPermission([]string{"ops", "deployment"}, "apps.scale"); got != "ops" {
		t.Errorf("AllowingPermission picked %q, want the first listed (ops)", got)
	}
}

func TestMatrix_permissionsHaveDescriptions(t *testing.T) {
	if len(Permissions()) != 8 {
		t.Fatalf("%d permissions, want 8", len(Permissions()))
	}
	for _, p := range Permissions() {
		if strings.TrimSpace(p.Description) == "" || !IsPermission(string(p.Name)) {
			t.Errorf("permission %q: missing description or not recognised", p.Name)
		}
	}
}
