package access

import "time"

// One warden_alert_routing per environment. An environment has exactly one alert routing,
// which warden_alert_routing adopts; two of them for one environment (in one configuration or
// in two) would each overwrite the other's vendor_routing and destinations on every apply. So
// the resource claims the routing when it creates it, every later write names that claim, and
// its destroy ends it: a write under another claim is refused (409), and the provider asks the
// same rule at plan time, while the API knows the claim.

// CodeRoutingClaimed is the problem code of a write under a claim other than the routing's.
const CodeRoutingClaimed = "alert_routing_claimed"

// RoutingClaimNew is the claim a create asks for: a new one, which only an unclaimed routing
// grants.
const RoutingClaimNew = "new"

// RoutingClaim is who manages an environment's routing: the claim's id ("" when none does)
// and when it was made.
type RoutingClaim struct {
	ID        string
	ClaimedAt *time.Time
}

// CanClaimRouting refuses a write under claim wanted (RoutingClaimNew, a claim id, or "" for
// a write that is no resource's: the console, a script) on the routing of the environment
// named env, currently held by cur. An unclaimed routing may be taken under any claim, and
// the holder continues its own.
func CanClaimRouting(env string, cur RoutingClaim, wanted string) *Denial {
	if wanted == "" || cur.ID == "" || cur.ID == wanted {
		return nil
	}
	since := ""
	if cur.ClaimedAt != nil {
		since = " since " + cur.ClaimedAt.UTC().Format(time.RFC3339)
	}
	return newDenial(Conflict, CodeRoutingClaimed, "environment_id",
		"Environment %q's alert routing is already managed by another warden_alert_routing (claim %s%s). %s", env, cur.ID, since, routingClaimFix)
}

// RoutingClaimedTwice is CanClaimRouting's refusal for two warden_alert_routing of one
// configuration that would both create the routing of the environment named env: the plan
// sees both before the API sees either.
func RoutingClaimedTwice(env string) *Denial {
	return newDenial(Conflict, CodeRoutingClaimed, "environment_id",
		"Another warden_alert_routing in this configuration also manages environment %q's alert routing. %s", env, routingClaimFix)
}

// routingClaimFix explains the refusal and says what to do.
const routingClaimFix = "An environment has one alert routing: two warden_alert_routing resources for it would overwrite each " +
	"other's vendor_routing and destinations on every apply. Keep one warden_alert_routing per environment: remove this one " +
	"(move its destinations into the other, or declare them with warden_alert_destination). If the other no longer exists " +
	"(its state was lost, or it was removed from state without being destroyed), adopt the routing with an import block " +
	"whose id is the environment's id instead of creating it."
