package access

import (
	"slices"
	"testing"
)

func TestPlatform_catalogueAndPatterns(t *testing.T) {
	for _, name := range []string{"users.read", "cluster.admin", "conducts.admin", "storageProvider.read",
		"cluster.messages.admin", "worker.install", "audit.read", "conduct.abc123.read", "conduct.abc-1_2.admin",
		"model.read", "model.admin", "invoice.create", "debug.create"} {
		if !IsPlatformPermission(name) {
			t.Errorf("%q should be a platform permission", name)
		}
	}
	for _, name := range []string{"", "users", "users.write", "conduct..read", "conduct.x.write", "conducts.write", "account_owner", ".create",
		"apps.create", "databases.create", "drains.create", "certificates.create", "apps.deploy"} {
		if IsPlatformPermission(name) {
			t.Errorf("%q should not be a platform permission", name)
		}
	}
	if len(CatalogueNames()) != len(Catalogue()) {
		t.Error("names and catalogue differ")
	}
}

func TestPlatform_allows(t *testing.T) {
	cases := []struct {
		held []string
		need string
		want bool
	}{
		{[]string{"users.admin"}, "users.read", true},
		{[]string{"users.read"}, "users.admin", false},
		{[]string{"users.admin"}, "users.admin", true},
		{[]string{"groups.admin"}, "users.read", false},
		{[]string{"conducts.admin"}, "conduct.abc.admin", true},
		{[]string{"conducts.read"}, "conduct.abc.read", true},
		{[]string{"conducts.read"}, "conduct.abc.admin", false},
		{[]string{"conduct.abc.admin"}, "conduct.abc.read", true},
		{[]string{"conduct.abc.admin"}, "conduct.xyz.read", false},
		{[]string{"model.read"}, "invoice.create", true},
		{[]string{"model.read"}, "cluster.create", false},
		{[]string{"model.read"}, "apps.create", false},
		{[]string{"model.admin"}, "databases.create", false},
		{[]string{"apps.create"}, "apps.create", true}, // held names allow themselves; validation refuses them
		{[]string{"account_owner"}, "cluster.admin", true},
		{[]string{"deploy_owner"}, "audit.read", true},
		{nil, "users.read", false},
	}
	for _, c := range cases {
		if got := PlatformAllows(c.held, c.need); got != c.want {
			t.Errorf("PlatformAllows(%v, %q) = %v, want %v", c.held, c.need, got, c.want)
		}
	}
}

func TestTiers_capabilities(t *testing.T) {
	support := Capabilities("support", false)
	operator := Capabilities("operator", false)
	co := Capabilities("co_maintainer", false)
	for _, c := range support {
		if !slices.Contains(operator, c) {
			t.Errorf("operator lacks support capability %s", c)
		}
	}
	for _, c := range operator {
		if !slices.Contains(co, c) {
			t.Errorf("co_maintainer lacks operator capability %s", c)
		}
	}
	if slices.Contains(support, "operator.reboot_host") || !slices.Contains(operator, "operator.reboot_host") {
		t.Error("reboot_host belongs to operator and above only")
	}
	if !slices.Contains(co, "co_maintainer.apply_workspace") || slices.Contains(operator, "co_maintainer.apply_workspace") {
		t.Error("apply_workspace belongs to co_maintainer only")
	}
	if slices.Contains(operator, CapabilityPortForward) {
		t.Error("port forwarding must be off by default")
	}
	if !slices.Contains(Capabilities("operator", true), CapabilityPortForward) {
		t.Error("port forwarding flag ignored for operator")
	}
	if slices.Contains(Capabilities("support", true), CapabilityPortForward) {
		t.Error("support must never port forward")
	}
	if len(Capabilities("admin", false)) != 0 {
		t.Error("an unknown tier must grant nothing")
	}
	if TierRank("support") != 1 || TierRank("co_maintainer") != 3 || TierRank("x") != 0 {
		t.Error("tier ranks wrong")
	}
}
