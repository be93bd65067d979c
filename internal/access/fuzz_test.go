package access

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The fuzz targets below check properties of every validator and rule, not only that they
// return: `go test` runs their seeds, `make fuzz` mutates them.
//
// A list input is one string split on newlines; inputs over maxFuzzInput bytes are skipped
// so that one iteration stays cheap (the did-you-mean search is quadratic in name length,
// and its cost on huge inputs is bounded elsewhere).
const maxFuzzInput = 1024

func list(s string) []string {
	if s == "" {
		return nil
	}
	// Below the findings cap (MaxFindings), so that the exact-count properties hold; the cap
	// itself is TestValidate_boundedFindings.
	out := strings.Split(s, "\n")
	return out[:min(len(out), MaxFindings/4)]
}

func skipLarge(t *testing.T, ss ...string) {
	n := 0
	for _, s := range ss {
		n += len(s)
	}
	if n > maxFuzzInput {
		t.Skip("input too large for one cheap iteration")
	}
}

// withKnown prefixes extra with the environment permissions whose bit is set in mask, so
// that the fuzzer reaches valid combinations without having to spell them.
func withKnown(mask uint8, extra []string) []string {
	var out []string
	for i, p := range PermissionNames() {
		if mask&(1<<i) != 0 {
			out = append(out, p)
		}
	}
	return append(out, extra...)
}

// checkFindings asserts what holds for every finding: a valid severity, a code, a field
// among fields (or matching it, for a pattern), a message that is a sentence, and a fix.
func checkFindings(t *testing.T, fs []Finding, field func(string) bool) {
	t.Helper()
	for i, f := range fs {
		if f.Severity != SeverityError && f.Severity != SeverityWarning {
			t.Errorf("finding %d: severity %q", i, f.Severity)
		}
		if f.Code == "" || f.Message == "" || f.Fix == "" {
			t.Errorf("finding %d: empty code, message or fix: %+v", i, f)
		}
		if !field(f.Field) {
			t.Errorf("finding %d: unexpected field %q", i, f.Field)
		}
		if !strings.HasSuffix(f.Message, ".") {
			t.Errorf("finding %d: message %q is not a sentence", i, f.Message)
		}
		if !strings.HasSuffix(f.Fix, ".") && !strings.HasSuffix(f.Fix, "?") {
			t.Errorf("finding %d: fix %q is not a sentence", i, f.Fix)
		}
		if !strings.HasPrefix(f.String(), f.Message) {
			t.Errorf("finding %d: String() %q does not start with the message", i, f.String())
		}
		for j := range i {
			if sameFinding(fs[j], f) {
				t.Errorf("findings %d and %d are identical: %+v", j, i, f)
			}
		}
	}
	if HasErrors(fs) != (len(Errors(fs)) > 0) {
		t.Errorf("HasErrors disagrees with Errors for %+v", fs)
	}
	for _, f := range Errors(fs) {
		if f.Severity != SeverityError {
			t.Errorf("Errors returned a %s finding", f.Severity)
		}
	}
}

func oneOf(names ...string) func(string) bool {
	return func(s string) bool { return slices.Contains(names, s) }
}

func count(fs []Finding, code, value string) int {
	n := 0
	for _, f := range fs {
		if f.Code == code && f.Value == value {
			n++
		}
	}
	return n
}

func distinct(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func FuzzValidateGrant(f *testing.F) {
	f.Add(uint8(0), "", "")
	f.Add(uint8(0b0000_0011), "", "apps.deploy")
	f.Add(uint8(0b0000_0100), "", "certificates.delete\nenvironment.rename")
	f.Add(uint8(0b1000_0000), "", "databases.create_tunnels")
	f.Add(uint8(0xff), "", "")
	f.Add(uint8(0), "deploymnt", "apps.deploi")
	f.Add(uint8(0), "ops\nops", "")
	f.Add(uint8(0b0000_1000), "deployment", "databases.read_credentials")
	f.Add(uint8(0), "x\nops\ny", "")
	f.Add(uint8(0), "\n\n", "\n")
	f.Add(uint8(0), "apps.deploy", "deployment")
	f.Add(uint8(0), "Déploiement\nправо\n🔐", "apps.déploy")
	f.Add(uint8(0), "DEPLOYMENT\n deployment\ndeployment ", "APPS.DEPLOY")
	f.Add(uint8(0), "full_visibility\x00", "apps.\x00deploy")
	f.Add(uint8(0), strings.Repeat("environment_admin", 40), strings.Repeat("apps.", 100))
	f.Fuzz(func(t *testing.T, mask uint8, extra, require string) {
		skipLarge(t, extra, require)
		perms, actions := withKnown(mask, list(extra)), list(require)
		fs := ValidateGrant(perms, actions)
		checkFindings(t, fs, oneOf("permissions", "require_actions"))

		uniq := distinct(perms)
		var known []string
		for _, p := range uniq {
			if IsPermission(p) {
				known = append(known, p)
			}
			want := 0
			if !IsPermission(p) {
				want = 1
			}
			if got := count(fs, CodeUnknownPermission, p); got != want {
				t.Errorf("%q: %d unknown_permission findings, want %d", p, got, want)
			}
		}
		// A name listed more than once draws one duplicate finding, however often it repeats.
		dups, repeated := 0, map[string]int{}
		for _, f := range fs {
			if f.Code == CodeDuplicatePermission {
				dups++
			}
		}
		for _, p := range perms {
			repeated[p]++
		}
		wantDups := 0
		for _, n := range repeated {
			if n > 1 {
				wantDups++
			}
		}
		if dups != wantDups {
			t.Errorf("%d duplicate findings for %d repeated names", dups, wantDups)
		}
		if (len(perms) == 0) != (count(fs, CodeEmptyPermissions, "") == 1) {
			t.Errorf("empty_permissions finding disagrees with %d permissions", len(perms))
		}

		// Redundancy: environment_admin makes every other known permission redundant;
		// otherwise only basic_visibility beside any other permission is.
		redundant := 0
		for _, f := range fs {
			if f.Code == CodeRedundantPermission {
				redundant++
				if f.Severity != SeverityWarning {
					t.Errorf("redundant finding of severity %s", f.Severity)
				}
			}
		}
		wantRedundant := 0
		switch {
		case slices.Contains(known, string(EnvironmentAdmin)):
			wantRedundant = len(known) - 1
		case len(known) > 1 && slices.Contains(known, string(BasicVisibility)):
			wantRedundant = 1
		}
		if redundant != wantRedundant {
			t.Errorf("%d redundant findings for %q, want %d", redundant, known, wantRedundant)
		}

		// Every required action is judged once: unknown, uncovered, or silently fine.
		for _, a := range distinct(actions) {
			unknown, uncovered := count(fs, CodeUnknownAction, a), count(fs, CodeUncoveredAction, a)
			switch {
			case !IsAction(a):
				if unknown == 0 || uncovered != 0 {
					t.Errorf("action %q: %d unknown, %d uncovered findings", a, unknown, uncovered)
				}
			case Allows(known, a):
				if unknown+uncovered != 0 {
					t.Errorf("allowed action %q drew a finding", a)
				}
			default:
				if uncovered == 0 || unknown != 0 {
					t.Errorf("action %q: %d unknown, %d uncovered findings", a, unknown, uncovered)
				}
			}
		}

		// The contract the provider relies on: a non-empty set of distinct known
		// permissions, with no required action, is never an error.
		if len(perms) > 0 && len(uniq) == len(perms) && len(known) == len(uniq) && len(actions) == 0 && HasErrors(fs) {
			t.Errorf("valid grant %q drew errors %+v", perms, Errors(fs))
		}
		for _, f := range fs {
			if f.IsUnknownName() != (f.Code == CodeUnknownPermission || f.Code == CodeUnknownAction) {
				t.Errorf("IsUnknownName wrong for %s", f.Code)
			}
		}
	})
}

func FuzzValidatePlatformPermissions(f *testing.F) {
	f.Add("")
	f.Add("conducts.read\nconduct.abc123.admin\ninvoice.create")
	f.Add("users.reed")
	f.Add("account_owner\ndeploy_owner")
	f.Add("users.read\nusers.admin")
	f.Add("integrations.admin")
	f.Add("integrations.admin\ncluster.admin")
	f.Add("audit.read\naudit.read")
	f.Add("x.read\nx.admin\nx.read")
	f.Add(".read\n.admin")
	f.Add("conduct..read\nconduct.a.b.read\nconduct.é.admin")
	f.Add("cluster.create\ndebug.create\n9model.create\n.create")
	f.Add("storageProvider.admin\nstorageprovider.admin\nSTORAGE.READ")
	f.Add("cluster.messages.admin\ncluster.messages.read")
	f.Add("users.read\x00\n\x00\nmodel.create\n")
	f.Add(strings.Repeat("a.", 300) + "read")
	f.Fuzz(func(t *testing.T, in string) {
		skipLarge(t, in)
		perms := list(in)
		fs := ValidatePlatformPermissions(perms)
		checkFindings(t, fs, oneOf("permissions"))

		uniq := distinct(perms)
		set := map[string]bool{}
		for _, p := range uniq {
			set[p] = true
		}
		errs := 0
		for _, p := range uniq {
			if !IsPlatformPermission(p) {
				errs++
				if count(fs, CodeUnknownPlatformPermission, p) != 1 {
					t.Errorf("%q: want one unknown_platform_permission finding", p)
				}
			}
		}
		repeated := map[string]int{}
		for _, p := range perms {
			repeated[p]++
		}
		dups := 0
		for _, n := range repeated {
			if n > 1 {
				dups++
			}
		}
		if got, want := len(Errors(fs)), errs+dups; got != want {
			t.Errorf("%d errors, want %d (unknown %d, repeated names %d): %+v", got, want, errs, dups, fs)
		}
		for _, p := range perms {
			base, isRead := strings.CutSuffix(p, ".read")
			want := 0
			if isRead && set[base+".admin"] && IsPlatformPermission(base+".admin") {
				want = 1
			}
			if got := count(fs, CodeRedundantPermission, p); (got > 0) != (want > 0) {
				t.Errorf("%q: %d redundant findings, want %d", p, got, want)
			}
		}
		ineffective := set["integrations.admin"] && !set["cluster.admin"]
		if got := count(fs, CodeIneffectivePermission, "integrations.admin"); (got == 1) != ineffective {
			t.Errorf("ineffective findings %d, want %v", got, ineffective)
		}
		if len(uniq) == len(perms) && errs == 0 && HasErrors(fs) {
			t.Errorf("valid set %q drew errors", perms)
		}
	})
}

func FuzzValidateSupportAccess(f *testing.F) {
	for _, tier := range []string{"support", "operator", "co_maintainer", "", "operater", "Operator", "co_maintainer\x00", "サポート"} {
		for _, cloud := range []string{"", "aws", "gcp", "azure", "GCP"} {
			f.Add(tier, true, cloud)
			f.Add(tier, false, cloud)
		}
	}
	f.Fuzz(func(t *testing.T, tier string, pf bool, cloud string) {
		skipLarge(t, tier, cloud)
		fs := ValidateSupportAccess(tier, pf, cloud)
		checkFindings(t, fs, oneOf("tier", "cloud", "port_forwarding"))
		if len(Errors(fs)) != len(fs) {
			t.Errorf("support access findings are all errors: %+v", fs)
		}
		var codes []string
		for _, f := range fs {
			codes = append(codes, f.Code)
		}
		var want []string
		if TierRank(tier) == 0 {
			want = []string{CodeUnknownTier}
		} else {
			knownCloud := slices.Contains(CloudNames(), cloud)
			if cloud != "" && !knownCloud {
				want = append(want, CodeUnknownCloud)
			}
			if tier == string(TierCoMaintainer) && cloud != "" && cloud != string(CloudGCP) {
				want = append(want, CodeTierRequiresGCP)
			}
			if pf && TierRank(tier) < TierRank(string(TierOperator)) {
				want = append(want, CodePortForwardingTier)
			}
		}
		if !slices.Equal(codes, want) {
			t.Errorf("ValidateSupportAccess(%q, %v, %q) codes %q, want %q", tier, pf, cloud, codes, want)
		}
	})
}

var destinationField = regexp.MustCompile(`^destinations\[(\d+)\]\.(type|target|min_severity)$`)

// destinations parses lines of "type<TAB>target<TAB>min_severity".
func destinations(s string) []AlertDestination {
	var ds []AlertDestination
	for _, line := range list(s) {
		parts := strings.SplitN(line, "\t", 3)
		for len(parts) < 3 {
			parts = append(parts, "")
		}
		ds = append(ds, AlertDestination{Type: parts[0], Target: parts[1], MinSeverity: parts[2]})
	}
	return ds
}

func FuzzValidateAlertDestinations(f *testing.F) {
	f.Add("webhook\thttps://hooks.example.com/x\twarning\nemail\toncall@example.com\tcritical")
	f.Add("webhook\thttp://127.0.0.1:9000/alerts\tinfo")
	f.Add("webhook\thooks.example.com/x\twarning")
	f.Add("webhook\tftp://example.com/x\twarning")
	f.Add("webhook\thttps:///x\twarning")
	f.Add("webhook\thttps://[::1\twarning")
	f.Add("email\tOn Call <oncall@example.com>\twarning")
	f.Add("email\tmailto:oncall@example.com\twarning")
	f.Add("email\t\"odd name\"@example.com\twarning")
	f.Add("slack\t#ops\turgent")
	f.Add("webhok\thttps://x.example.com\tcritcal")
	f.Add("email\toncall@example.com\twarning\nemail\toncall@example.com\tcritical")
	f.Add("\t\t\n\t\t")
	f.Add("")
	f.Add("email\tüser@exämple.com\twarning\nwebhook\thttps://例え.jp/\x00\tinfo")
	f.Fuzz(func(t *testing.T, in string) {
		skipLarge(t, in)
		ds := destinations(in)
		if len(ds) > 16 {
			t.Skip("too many destinations for one cheap iteration")
		}
		fs := ValidateAlertDestinations(ds)
		checkFindings(t, fs, destinationField.MatchString)
		type key struct{ field, msg string }
		all := map[key]bool{}
		for _, f := range fs {
			if f.Severity != SeverityError || f.Code != CodeInvalidDestination {
				t.Errorf("finding %+v: want an invalid_destination error", f)
			}
			m := destinationField.FindStringSubmatch(f.Field)
			if i, err := strconv.Atoi(m[1]); err != nil || i >= len(ds) {
				t.Errorf("finding %+v names an element out of %d", f, len(ds))
			}
			all[key{f.Field, f.Message}] = true
		}
		seen := map[[2]string]bool{}
		for i, d := range ds {
			prefix := fmt.Sprintf("destinations[%d].", i)
			has := func(attr string) bool {
				for _, f := range fs {
					if f.Field == prefix+attr {
						return true
					}
				}
				return false
			}
			if has("type") != !slices.Contains(DestinationTypeNames(), d.Type) {
				t.Errorf("%d: type %q finding %v", i, d.Type, has("type"))
			}
			if has("min_severity") != !slices.Contains(AlertSeverityNames(), d.MinSeverity) {
				t.Errorf("%d: min_severity %q finding %v", i, d.MinSeverity, has("min_severity"))
			}
			k := [2]string{d.Type, d.Target}
			if seen[k] && !has("target") {
				t.Errorf("%d repeats an earlier destination without a finding", i)
			}
			seen[k] = true
			// An element is judged the same alone as in the set, repeats aside.
			for _, f := range ValidateAlertDestinations([]AlertDestination{d}) {
				field := prefix + strings.TrimPrefix(f.Field, "destinations[0].")
				msg := f.Message
				if !all[key{field, msg}] {
					t.Errorf("%d alone draws %q on %s, but not within the set", i, msg, field)
				}
			}
		}
	})
}

func FuzzAllows(f *testing.F) {
	for _, a := range []string{"apps.deploy", "databases.read_credentials", "environment.rename", "drains.deprovision", "", "apps", "apps.deploy ", "APPS.DEPLOY", "apps.déploy", "\x00"} {
		f.Add(uint8(0), "", a)
		f.Add(uint8(0b0000_1000), "ops", a)
		f.Add(uint8(0b0000_0100), "", a)
		f.Add(uint8(0), "tunnel\nsensitive_access\ntunnel", a)
		f.Add(uint8(0xff), "", a)
	}
	f.Add(uint8(0), "environment_admin ", "apps.deploy")
	f.Add(uint8(0), "unknown\n\nEnvironment_Admin", "apps.ssh")
	f.Fuzz(func(t *testing.T, mask uint8, extra, action string) {
		skipLarge(t, extra, action)
		perms := withKnown(mask, list(extra))
		via := AllowingPermission(perms, action)
		if Allows(perms, action) != (via != "") {
			t.Fatalf("Allows and AllowingPermission disagree on %q %q", perms, action)
		}
		need, isAction := PermissionsFor(action)
		if isAction != IsAction(action) {
			t.Errorf("PermissionsFor and IsAction disagree on %q", action)
		}
		if !isAction && via != "" {
			t.Errorf("unknown action %q allowed via %q", action, via)
		}
		// via is the first of perms that the matrix lists for action.
		first := ""
		for _, p := range perms {
			if slices.Contains(need, p) {
				first = p
				break
			}
		}
		if via != first {
			t.Errorf("AllowingPermission(%q, %q) = %q, want %q", perms, action, via, first)
		}
		if isAction && slices.Contains(perms, string(EnvironmentAdmin)) && via == "" {
			t.Errorf("environment_admin does not allow %q", action)
		}
		// Order never matters, and more permissions never allow less.
		rev := slices.Clone(perms)
		slices.Reverse(rev)
		if Allows(rev, action) != (via != "") {
			t.Errorf("order of %q changes Allows(%q)", perms, action)
		}
		if via != "" && !Allows(append(slices.Clone(perms), "ops", "x"), action) {
			t.Errorf("adding permissions withdrew %q", action)
		}

		got := AllowedActions(perms)
		if !slices.IsSorted(got) || len(distinct(got)) != len(got) {
			t.Errorf("AllowedActions(%q) not sorted and unique: %q", perms, got)
		}
		n := 0
		for _, a := range Actions() {
			if Allows(perms, a) {
				n++
				if !slices.Contains(got, a) {
					t.Errorf("AllowedActions(%q) misses %q", perms, a)
				}
			}
		}
		if n != len(got) {
			t.Errorf("AllowedActions(%q) = %q, %d allowed", perms, got, n)
		}
	})
}

func FuzzPlatformAllows(f *testing.F) {
	f.Add("", "users.read")
	f.Add("users.admin", "users.read")
	f.Add("users.read", "users.admin")
	f.Add("account_owner", "anything at all")
	f.Add("conducts.admin", "conduct.c1.admin")
	f.Add("conducts.read", "conduct.c1.read")
	f.Add("conducts.read", "conduct.c1.admin")
	f.Add("conduct.c1.admin", "conduct.c1.read")
	f.Add("conduct.c1.admin", "conduct.c2.read")
	f.Add("model.read", "invoice.create")
	f.Add("model.read", "cluster.create")
	f.Add("model.admin", "debug.create")
	f.Add("model.read", "apps.create")
	f.Add("model.admin", "databases.create")
	f.Add(".admin", ".read")
	f.Add("a.b.admin", "a.b.read")
	f.Add("users.admin\x00", "users.read\x00")
	f.Add("ユーザー.admin", "ユーザー.read")
	f.Add("", "")
	f.Add("\n", "")
	f.Fuzz(func(t *testing.T, in, need string) {
		skipLarge(t, in, need)
		held := list(in)
		got := PlatformAllows(held, need)
		if slices.Contains(held, need) && !got {
			t.Errorf("held %q does not allow itself", need)
		}
		if len(held) == 0 && got {
			t.Errorf("nothing held allows %q", need)
		}
		if slices.ContainsFunc(held, IsOrgRole) && !got {
			t.Errorf("an organization role does not allow %q", need)
		}
		if got && !PlatformAllows(append(slices.Clone(held), "users.read", "zz"), need) {
			t.Errorf("holding more withdrew %q", need)
		}
		for _, h := range held {
			if base, ok := strings.CutSuffix(h, ".admin"); ok && !PlatformAllows(held, base+".read") {
				t.Errorf("%q does not imply %q", h, base+".read")
			}
		}
		// A matrix action is granted per environment: no platform permission reaches it.
		if got && IsAction(need) && !slices.Contains(held, need) && !slices.ContainsFunc(held, IsOrgRole) {
			t.Errorf("%q allows the environment action %q", held, need)
		}
		viaConducts := conductPattern.MatchString(need) && slices.Contains(held, "conducts.admin")
		if viaConducts && !got {
			t.Errorf("conducts.admin does not allow %q", need)
		}
		// Beyond the literal rules, nothing below an organization role reaches an admin
		// permission it does not hold, except conducts.admin over one conduct.
		if got && strings.HasSuffix(need, ".admin") && !slices.Contains(held, need) &&
			!slices.ContainsFunc(held, IsOrgRole) && !viaConducts {
			t.Errorf("%q allows %q", held, need)
		}
	})
}

func FuzzCapabilities(f *testing.F) {
	for _, tier := range []string{"support", "operator", "co_maintainer", "", "Operator", "operator\x00", "co-maintainer", "🛠"} {
		f.Add(tier, false)
		f.Add(tier, true)
	}
	f.Fuzz(func(t *testing.T, tier string, pf bool) {
		skipLarge(t, tier)
		caps := Capabilities(tier, pf)
		rank := TierRank(tier)
		if rank == 0 {
			if len(caps) != 0 {
				t.Errorf("unknown tier %q grants %q", tier, caps)
			}
			return
		}
		if caps == nil {
			t.Error("Capabilities returned nil, want an empty list at least")
		}
		all := AllCapabilities()
		for _, c := range caps {
			i := slices.IndexFunc(all, func(x Capability) bool { return x.Name == c })
			if i < 0 {
				t.Fatalf("%q is not a capability", c)
			}
			if TierRank(string(all[i].Tier)) > rank || !strings.HasPrefix(c, string(all[i].Tier)+".") {
				t.Errorf("%s grants %q of tier %s", tier, c, all[i].Tier)
			}
		}
		if slices.Contains(caps, CapabilityPortForward) != (pf && rank >= TierRank(string(TierOperator))) {
			t.Errorf("Capabilities(%q, %v) port forwarding: %q", tier, pf, caps)
		}
		// Each tier is a superset of the ones below it, and port forwarding only adds.
		for _, lower := range TierNames()[:rank] {
			for _, c := range Capabilities(lower, pf) {
				if !slices.Contains(caps, c) {
					t.Errorf("%s lacks %q of %s", tier, c, lower)
				}
			}
		}
		for _, c := range Capabilities(tier, false) {
			if !slices.Contains(Capabilities(tier, true), c) {
				t.Errorf("port forwarding withdraws %q", c)
			}
		}
	})
}

func FuzzSuggest(f *testing.F) {
	f.Add("deploymnt", "deployment", "ops")
	f.Add("", "", "")
	f.Add("a", "b", "ab")
	f.Add("kitten", "sitting", "mitten")
	f.Add("users.reed", "users.read", "users.admin")
	f.Add("ÉNVIRONMENT_ADMIN", "environment_admin", "É")
	f.Add("\x00\xff", "\xff\x00", "")
	f.Add(strings.Repeat("ab", 60), strings.Repeat("ba", 60), "a")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if len(a) > 128 || len(b) > 128 || len(c) > 128 {
			t.Skip("distance is quadratic; long strings add nothing")
		}
		dab := distance(a, b)
		if dab != distance(b, a) {
			t.Errorf("distance not symmetric for %q, %q", a, b)
		}
		if distance(a, a) != 0 || distance(a, "") != len(a) {
			t.Errorf("distance identities fail for %q", a)
		}
		if dab < max(len(a), len(b))-min(len(a), len(b)) || dab > max(len(a), len(b)) {
			t.Errorf("distance(%q, %q) = %d out of bounds", a, b, dab)
		}
		if (dab == 0) != (a == b) {
			t.Errorf("distance(%q, %q) = %d", a, b, dab)
		}
		if dab > distance(a, c)+distance(c, b) {
			t.Errorf("triangle inequality fails for %q, %q, %q", a, b, c)
		}

		s := suggest(a, []string{b, c}, "use a known name")
		if best, ok := strings.CutPrefix(s, "Did you mean "); ok {
			q, err := strconv.Unquote(strings.TrimSuffix(best, "?"))
			if err != nil || (q != b && q != c) {
				t.Fatalf("suggest(%q) = %q names no candidate", a, s)
			}
			if distance(strings.ToLower(a), strings.ToLower(q)) >= len(a)/2+2 {
				t.Errorf("suggest(%q) = %q is too far", a, s)
			}
		} else if s != "Use a known name." {
			t.Errorf("suggest(%q) = %q, want the fallback", a, s)
		}
	})
}
