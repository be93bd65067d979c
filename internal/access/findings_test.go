package access

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// The findings of one validation are every finding, not the first: a typo and an uncovered
// action come together, each on its element, and the uncovered action says which unknown
// name it was judged without.
func TestFindings_grantReportsEveryFinding(t *testing.T) {
	fs := ValidateGrant([]string{"deploymnt", "basic_visibility"}, []string{"apps.deploy"})
	want := []finding{
		{SeverityError, CodeUnknownPermission, "permissions", "deploymnt"},
		{SeverityError, CodeUncoveredAction, "require_actions", "apps.deploy"},
	}
	if got := pick(fs); !equal(got, want) {
		t.Fatalf("findings = %+v, want %+v", got, want)
	}
	if fs[0].Fix != `Did you mean "deployment"?` {
		t.Errorf("typo fix = %q", fs[0].Fix)
	}
	if got, want := fs[1].Message, `The permission basic_visibility does not allow "apps.deploy". "deploymnt" is not an environment permission and was ignored.`; got != want {
		t.Errorf("uncovered message = %q, want %q", got, want)
	}
	if !slices.Equal(fs[1].Ignored, []string{"deploymnt"}) || !fs[1].DependsOnUnknownNames() || fs[1].IsUnknownName() {
		t.Errorf("uncovered finding ignores %v; DependsOnUnknownNames %v", fs[1].Ignored, fs[1].DependsOnUnknownNames())
	}
	if fs[0].Ignored != nil || !fs[0].DependsOnUnknownNames() {
		t.Errorf("the typo is itself an unknown name: %+v", fs[0])
	}
}

func TestFindings_grantIgnoredNames(t *testing.T) {
	fs := Errors(ValidateGrant([]string{"deploymnt", "opps"}, []string{"apps.scale"}))
	last := fs[len(fs)-1]
	if last.Code != CodeUncoveredAction ||
		last.Message != `No environment permission given allows "apps.scale". "deploymnt" and "opps" are not environment permissions and were ignored.` {
		t.Fatalf("uncovered with only unknown names: %+v", last)
	}
	// Nothing unknown: nothing ignored, and the message says so by saying nothing.
	fs = ValidateGrant([]string{"ops"}, []string{"apps.deploy"})
	if len(fs) != 1 || fs[0].Ignored != nil || fs[0].DependsOnUnknownNames() || strings.Contains(fs[0].Message, "ignored") {
		t.Fatalf("uncovered with known names only: %+v", fs)
	}
	if fs[0].Message != `The permission ops does not allow "apps.deploy".` {
		t.Errorf("one permission reads %q", fs[0].Message)
	}
}

// basic_visibility beside any other permission is redundant, as beside full_visibility: every
// permission allows the basic reads.
func TestFindings_basicVisibilityBesideAnotherIsRedundant(t *testing.T) {
	cases := []struct {
		perms []string
		why   string
	}{
		{[]string{"basic_visibility", "deployment"}, `"basic_visibility" is redundant: deployment includes it: every permission allows the basic reads.`},
		{[]string{"ops", "basic_visibility", "tunnel"}, `"basic_visibility" is redundant: ops and tunnel include it: every permission allows the basic reads.`},
		{[]string{"basic_visibility", "full_visibility", "ops"}, `"basic_visibility" is redundant: full_visibility includes it.`},
	}
	for _, c := range cases {
		fs := ValidateGrant(c.perms, nil)
		if got := pick(fs); !equal(got, []finding{{SeverityWarning, CodeRedundantPermission, "permissions", "basic_visibility"}}) {
			t.Errorf("%v: findings %+v", c.perms, got)
			continue
		}
		if fs[0].Message != c.why || fs[0].Fix != `Remove "basic_visibility".` {
			t.Errorf("%v: %q / %q", c.perms, fs[0].Message, fs[0].Fix)
		}
	}
	for _, perms := range [][]string{{"basic_visibility"}, {"basic_visibility", "deploymnt"}} {
		if fs := ValidateGrant(perms, nil); slices.ContainsFunc(fs, func(f Finding) bool { return f.Code == CodeRedundantPermission }) {
			t.Errorf("%v: basic_visibility alone (or beside an unknown name) is not redundant: %+v", perms, fs)
		}
	}
}

// A role with a typo, a valid permission and an environment action is told about the typo and
// the environment action in one answer.
func TestFindings_platformReportsEveryFinding(t *testing.T) {
	fs := ValidatePlatformPermissions([]string{"cluster.admn", "audit.read", "apps.deploy"})
	want := []finding{
		{SeverityError, CodeUnknownPlatformPermission, "permissions", "cluster.admn"},
		{SeverityError, CodeEnvironmentAction, "permissions", "apps.deploy"},
	}
	if got := pick(fs); !equal(got, want) {
		t.Fatalf("findings = %+v, want %+v", got, want)
	}
	if fs[0].Fix != `Did you mean "cluster.admin"?` {
		t.Errorf("typo fix = %q", fs[0].Fix)
	}
}

// A warning that reasons from the role's permissions names the unknown ones it left out: the
// typo may be the very permission it asks for.
func TestFindings_platformWarningNamesIgnored(t *testing.T) {
	fs := ValidatePlatformPermissions([]string{"integrations.admin", "cluster.admn"})
	i := slices.IndexFunc(fs, func(f Finding) bool { return f.Code == CodeIneffectivePermission })
	if i < 0 {
		t.Fatalf("no ineffective finding: %+v", fs)
	}
	if !strings.HasSuffix(fs[i].Message, `"cluster.admn" is not a platform permission and was ignored.`) || !slices.Equal(fs[i].Ignored, []string{"cluster.admn"}) {
		t.Errorf("ineffective finding %+v", fs[i])
	}
}

// Identical findings appear once: a name repeated three times is one duplicate, and the
// redundancy of a repeated X.read one warning.
func TestFindings_identicalOnce(t *testing.T) {
	fs := ValidatePlatformPermissions([]string{"users.read", "users.admin", "users.read", "users.read"})
	want := []finding{
		{SeverityError, CodeDuplicatePermission, "permissions", "users.read"},
		{SeverityWarning, CodeRedundantPermission, "permissions", "users.read"},
	}
	if got := pick(fs); !equal(got, want) {
		t.Errorf("platform findings = %+v, want %+v", got, want)
	}
	fs = ValidateGrant([]string{"ops", "ops", "ops"}, []string{"apps.ssh", "apps.ssh"})
	want = []finding{
		{SeverityError, CodeDuplicatePermission, "permissions", "ops"},
		{SeverityError, CodeUncoveredAction, "require_actions", "apps.ssh"},
	}
	if got := pick(fs); !equal(got, want) {
		t.Errorf("grant findings = %+v, want %+v", got, want)
	}
}

func TestFindings_requestDurationInDaysAndHours(t *testing.T) {
	for _, c := range []struct {
		seconds int64
		msg     string
	}{
		{2_592_001, "duration_seconds is 2592001 seconds (30 days); an access request lasts from 1 minute to 30 days."},
		{3_000_000, "duration_seconds is 3000000 seconds (34 days 17 hours); an access request lasts from 1 minute to 30 days."},
		{0, "duration_seconds is 0 seconds; an access request lasts from 1 minute to 30 days."},
		{-5, "duration_seconds is -5 seconds; an access request lasts from 1 minute to 30 days."},
		{math.MaxInt64, "duration_seconds is 9223372036854775807 seconds; an access request lasts from 1 minute to 30 days."},
	} {
		fs := ValidateRequestDuration(c.seconds)
		if len(fs) != 1 || fs[0].Code != CodeInvalidDuration || fs[0].Field != "duration_seconds" || fs[0].Message != c.msg {
			t.Errorf("%d: %+v, want %q", c.seconds, fs, c.msg)
		}
		if strings.Contains(fs[0].String(), "e+06") {
			t.Errorf("%d: %q", c.seconds, fs[0].String())
		}
	}
	for _, ok := range []int64{60, 3600, 2_592_000} {
		if fs := ValidateRequestDuration(ok); fs != nil {
			t.Errorf("%d: %+v", ok, fs)
		}
	}
	for d, want := range map[time.Duration]string{
		30 * 24 * time.Hour: "30 days", 25 * time.Hour: "1 day 1 hour", 2*time.Hour + 5*time.Minute + 7*time.Second: "2 hours 5 minutes",
		time.Minute: "1 minute", 45 * time.Second: "45 seconds", 0: "0 seconds",
	} {
		if got := SpokenDuration(d); got != want {
			t.Errorf("SpokenDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
