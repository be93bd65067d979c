package access

import "slices"

// Tier is a vendor support tier; each is a superset of the one before it.
type Tier string

// The support tiers, lowest first.
const (
	TierSupport      Tier = "support"
	TierOperator     Tier = "operator"
	TierCoMaintainer Tier = "co_maintainer"
)

// Tiers lists the support tiers, lowest first.
var Tiers = []Tier{TierSupport, TierOperator, TierCoMaintainer}

// TierNames returns the tier names, lowest first.
func TierNames() []string {
	out := make([]string, len(Tiers))
	for i, t := range Tiers {
		out[i] = string(t)
	}
	return out
}

// Cloud is where an environment runs.
type Cloud string

// The clouds an environment may run on.
const (
	CloudAWS Cloud = "aws"
	CloudGCP Cloud = "gcp"
)

// Clouds lists the supported clouds.
var Clouds = []Cloud{CloudAWS, CloudGCP}

// CloudNames returns the supported cloud names.
func CloudNames() []string { return []string{string(CloudAWS), string(CloudGCP)} }

// DefaultResourcePrefix is the prefix of the resources a vendor installation creates and owns.
const DefaultResourcePrefix = "aw_"

// Capability is one concrete thing a tier lets the vendor's engineers do, named
// `<tier>.<capability>` after the lowest tier that has it.
type Capability struct {
	Name        string
	Tier        Tier
	Description string
	// PortForwarding marks the capability that exists only when port forwarding is enabled.
	PortForwarding bool
}

// CapabilityPortForward is the metrics-dashboard port forwarding capability (off by default).
const CapabilityPortForward = "operator.port_forward_metrics"

var capabilities = []Capability{
	{"support.read_parameters", TierSupport, "Read configuration parameters (e.g. Systems Manager parameters).", false},
	{"support.list_parameters", TierSupport, "List configuration parameters.", false},
	{"support.describe_autoscaling_groups", TierSupport, "Describe autoscaling groups.", false},
	{"support.read_log_streams", TierSupport, "Read log streams.", false},
	{"operator.reboot_host", TierOperator, "Reboot hosts.", false},
	{"operator.terminate_host", TierOperator, "Terminate hosts.", false},
	{"operator.update_cache", TierOperator, "Update the cache.", false},
	{"operator.delete_cache", TierOperator, "Delete the cache.", false},
	{"operator.snapshot_cache", TierOperator, "Snapshot the cache.", false},
	{"operator.start_session", TierOperator, "Open sessions on running instances.", false},
	{CapabilityPortForward, TierOperator, "Port forwarding to the metrics dashboard; only when port_forwarding is on.", true},
	{"co_maintainer.apply_workspace", TierCoMaintainer, "Apply the installation's Terraform workspace.", false},
}

// AllCapabilities returns every capability of every tier.
func AllCapabilities() []Capability { return slices.Clone(capabilities) }

// TierRank orders tiers: support 1, operator 2, co_maintainer 3, anything else 0.
func TierRank(t string) int {
	return slices.Index(Tiers, Tier(t)) + 1
}

// Capabilities returns, in catalogue order, what tier grants, given whether port forwarding is
// on. An unknown tier grants nothing; port forwarding below operator grants nothing extra.
func Capabilities(tier string, portForwarding bool) []string {
	rank := TierRank(tier)
	out := []string{}
	if rank == 0 {
		return out
	}
	for _, c := range capabilities {
		if TierRank(string(c.Tier)) > rank || (c.PortForwarding && !portForwarding) {
			continue
		}
		out = append(out, c.Name)
	}
	return out
}

var capabilityIndex = func() map[string]Capability {
	m := make(map[string]Capability, len(capabilities))
	for _, c := range capabilities {
		m[c.Name] = c
	}
	return m
}()

// capabilityIn reports whether tier (with the port forwarding flag) grants capability name;
// the same answer as slices.Contains(Capabilities(tier, pf), name), without building the list.
func capabilityIn(name, tier string, portForwarding bool) bool {
	c, ok := capabilityIndex[name]
	rank := TierRank(tier)
	return ok && rank > 0 && TierRank(string(c.Tier)) <= rank && (!c.PortForwarding || portForwarding)
}

// PortForwardingAllowed reports whether a tier may carry port forwarding: operator and above.
func PortForwardingAllowed(tier string) bool {
	return TierRank(tier) >= TierRank(string(TierOperator))
}
