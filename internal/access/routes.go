package access

// The API's routes and who may call them. The check of a route runs before its request body
// is read or any object is looked up, so that a caller without the right gets 403 — never a
// validation error or a 404 telling it what exists. Finer rules that need the request (the
// escalation rule, the last owner, vendor rules) run afterwards, in the handler, through the
// rules in rules.go. The server copies Rule into each operation's OpenAPI description and
// the API reference's table (docs/reference/api.md) is tested against this list.

// Route is one API route and the permission it needs.
type Route struct {
	Method, Path string
	// Rule is the required permission, in words.
	Rule string
	// Public routes need no authentication.
	Public bool
	// Query names the query parameters the check reads (beside the path parameters).
	Query []string
	// Ingest routes also take an environment's ingest key (wik_…) in place of a user token:
	// the server checks the key itself, in the transaction that records the alerts. A user
	// token is checked as on every route.
	Ingest bool
	check  routeCheck
}

// routeCheck is a route's precheck: a Can… rule applied to the principal and the request's
// path (and Query) parameters, before anything is read.
type routeCheck func(p *Policy, pr *Principal, param func(string) string) *Denial

// Check runs the route's precheck for pr; param returns a path parameter.
func (r Route) Check(p *Policy, pr *Principal, param func(string) string) *Denial {
	if r.check == nil {
		return nil
	}
	return r.check(p, pr, param)
}

// The read rules (reads.go) in words. Every route readable by all authenticated
// principals says why.
const (
	ruleMatrix       = "Any authenticated principal: the matrix, the platform catalogue and the tiers are the published rules, the same for everyone."
	ruleEnvironments = "Any authenticated principal, vendor users included: an environment's name, cloud and resource prefix are the scope a vendor works in, and carry no one's access."
	ruleRoles        = "Any member user (not vendor users): role definitions are the organization's vocabulary and name no principal."
	ruleGrants       = "Any member user (not vendor users): a grant names a role and its environment permissions, no principal."
	ruleAssignments  = "Who holds a role: users.read for assignments to users, groups.read for assignments to groups (a list shows those the caller may read); " +
		"every user reads its own. Not vendor users."
	ruleEffective = "The user itself; another member user needs users.read, a vendor user cluster.admin (its approved requests, tier and expiry); a group its members, or groups.read."
	ruleSupport   = "Any authenticated principal, vendor users included: the tier and expiry are the ceiling vendors work under."
	ruleRouting   = "Any member user (not vendor users); the secret parts of webhook targets (userinfo, query values) are shown to cluster.admin only, " +
		"redacted for everyone else."
	ruleWhoCan = "Reads the access of every holder: users.read for a matrix action (held by members only), cluster.admin for a tier capability " +
		"(held by vendor users only). Never a partial list."
	rulePreview = "users.read (a preview reads the access of everyone a change reaches); cluster.admin as well when the changes reach vendor users " +
		"(support access, a vendor user's kind). Pure: computed on a copy of the policy; nothing is written (a refusal is audited, as every refusal is)."
	ruleDecisions = "audit.read reads every decision; cluster.admin every vendor user's; every principal its own (so a vendor user only its own). " +
		"A list without principal_id shows what the caller may read; principal_id naming a user outside that is refused."
	ruleAuthorize = "Any authenticated principal about itself; about another member user users.read, about a vendor user cluster.admin " +
		"(checked once the body names the principal)."
)

const (
	ruleOwner = "An organization owner: a principal holding the built-in role account_owner or deploy_owner."
	ruleGrant = "An owner, or a principal holding environment_admin in this environment. " +
		"Escalation rule: a non-owner grants (and revokes) only permissions it holds in this environment."
	ruleAssign = "An owner; or users.admin (to a user) / groups.admin (to a group) " +
		"holding every permission of the role (platform permissions and its environment grants). " +
		"Built-in roles: owners only. Vendor users hold no roles. The last usable owner's assignment cannot be removed."
)

const ruleMember = "groups.admin, holding every permission of the roles the group holds; no vendor users; keeps a usable owner. " +
	"Refused (409 membership_mode_conflict) when the group's members are authoritative."

const (
	ruleCredentials = "cluster.admin only (vendor users never): the ingest key lets its holder send alerts as the environment's monitoring, " +
		"the signing secret lets it sign deliveries as Warden."
	ruleRotate = "cluster.admin. Audited without the secrets; the new credentials are in the response (an idempotent replay returns them without the secrets)."
)

const (
	ruleIngest = "The environment's ingest key as bearer token (what its monitoring system sends with), or a user token with cluster.admin " +
		"(tests, the warden_send_test_alert action). Answered 202 once the alerts and their deliveries are committed."
	ruleEnqueue = "The ingest key as routing_key, as PagerDuty's Events API v2 takes it (no Authorization header); or a user token with cluster.admin, " +
		"whose routing_key may be the environment's id."
	ruleAlerts = "Any member user (not vendor users); the secret parts of webhook targets are shown to cluster.admin only."
)

const ruleRoutingClaim = "Refused (409 alert_routing_claimed) when made under a claim while another warden_alert_routing's claim holds the routing."

const ruleMetrics = "cluster.read (cluster.admin includes it): counts of requests, decisions and alert deliveries, which name no principal " +
	"but describe how the service is used. Scrapers on the operator's network use -metrics-listen instead, which needs no token."

const ruleDestination = "cluster.admin. Refused (409 membership_mode_conflict) when the environment's destinations are authoritative."

func owner(_ *Policy, pr *Principal, _ func(string) string) *Denial { return CanActAsOwner(pr) }

func platform(perm PlatformPermission) routeCheck {
	return func(_ *Policy, pr *Principal, _ func(string) string) *Denial { return Can(pr, perm) }
}

// selfOr allows the user named by the path parameter id, or a holder of perm.
func selfOr(perm PlatformPermission) routeCheck {
	return func(_ *Policy, pr *Principal, param func(string) string) *Denial {
		if pr.User.ID == param("id") {
			return nil
		}
		return Can(pr, perm)
	}
}

func anyOf(perms ...PlatformPermission) routeCheck {
	names := make([]string, len(perms))
	for i, perm := range perms {
		names[i] = string(perm)
	}
	return func(_ *Policy, pr *Principal, _ func(string) string) *Denial {
		for _, perm := range perms {
			if pr.holds(perm) {
				return nil
			}
		}
		return forbid("This needs one of the platform permissions %s, or an organization owner.", OrList(names))
	}
}

func envAdmin(p *Policy, pr *Principal, param func(string) string) *Denial {
	return p.CanAdminEnvironment(pr, param("id"))
}

func credentials(_ *Policy, pr *Principal, _ func(string) string) *Denial {
	return CanReadAlertCredentials(pr)
}

func vendorOnly(_ *Policy, pr *Principal, _ func(string) string) *Denial { return canBeRequester(pr) }

// memberReads refuses vendor users: what is the organization's own.
func memberReads(what string) routeCheck {
	return func(_ *Policy, pr *Principal, _ func(string) string) *Denial { return CanReadOrganization(pr, what) }
}

// effectiveReads is the rule of effective access, whose subject is a query parameter.
func effectiveReads(p *Policy, pr *Principal, param func(string) string) *Denial {
	switch {
	case param("user_id") != "":
		return p.CanReadAccessOf(pr, param("user_id"))
	case param("group_id") != "":
		return p.CanReadGroupAccess(pr, param("group_id"))
	}
	return nil // the handler asks for exactly one
}

// whoCanReads is the rule of who-can, which depends on the action asked about (CanReadWhoCan).
func whoCanReads(_ *Policy, pr *Principal, param func(string) string) *Denial {
	return CanReadWhoCan(pr, param("action"))
}

// decisionReads is the decision log's rule; principal_id, when sent, is checked by name.
func decisionReads(p *Policy, pr *Principal, param func(string) string) *Denial {
	if id := param("principal_id"); id != "" {
		return p.CanReadDecisionsOf(pr, id)
	}
	return nil // the handler narrows the list (DecisionReads)
}

// vendorOrClusterAdmin lets vendors through to their own requests (the handler narrows).
func vendorOrClusterAdmin(p *Policy, pr *Principal, param func(string) string) *Denial {
	if pr.User.Kind == KindVendor {
		return nil
	}
	return Can(pr, ClusterAdmin)
}

var routes = []Route{
	{Method: "GET", Path: "/v1/health", Rule: "Public: no authentication.", Public: true},
	{Method: "GET", Path: "/v1/ready", Rule: "Public: no authentication.", Public: true},
	{Method: "GET", Path: "/v1/permission-matrix", Rule: ruleMatrix},

	{Method: "POST", Path: "/v1/environments", Rule: ruleOwner, check: owner},
	{Method: "GET", Path: "/v1/environments", Rule: ruleEnvironments},
	{Method: "GET", Path: "/v1/environments/{id}", Rule: ruleEnvironments},
	{Method: "PATCH", Path: "/v1/environments/{id}", Rule: ruleOwner, check: owner},
	{Method: "DELETE", Path: "/v1/environments/{id}", Rule: ruleOwner, check: owner},
	{Method: "GET", Path: "/v1/environments/{id}/effective-access", Rule: ruleEffective, check: effectiveReads, Query: []string{"user_id", "group_id"}},
	{Method: "GET", Path: "/v1/environments/{id}/principals", Rule: ruleWhoCan, check: whoCanReads, Query: []string{"action"}},

	{Method: "POST", Path: "/v1/users", Rule: "users.admin.", check: platform(UsersAdmin)},
	{Method: "GET", Path: "/v1/users", Rule: "users.read (users.admin includes it).", check: platform(UsersRead)},
	{Method: "GET", Path: "/v1/users/{id}", Rule: "users.read (users.admin includes it), or the user itself.", check: selfOr(UsersRead)},
	{Method: "PATCH", Path: "/v1/users/{id}", Rule: "users.admin, holding every permission the user holds (no taking over a stronger account).",
		check: platform(UsersAdmin)},
	{Method: "DELETE", Path: "/v1/users/{id}", Rule: "users.admin, holding every permission the user holds. The last usable owner cannot be deleted.",
		check: platform(UsersAdmin)},
	{Method: "POST", Path: "/v1/users/{id}/tokens", Rule: "The user itself, or users.admin holding every permission the user holds " +
		"(for a vendor user, also cluster.admin, whether or not it holds a tier yet). The secret is returned once; an idempotent replay returns the token without it.",
		check: selfOr(UsersAdmin)},
	{Method: "DELETE", Path: "/v1/users/{id}/tokens/{token_id}", Rule: "As for issuing one: the user itself, or users.admin holding every permission the user holds. " +
		"The last usable owner's last token cannot be revoked.", check: selfOr(UsersAdmin)},

	{Method: "POST", Path: "/v1/groups", Rule: "groups.admin. Vendor users join no groups.", check: platform(GroupsAdmin)},
	{Method: "GET", Path: "/v1/groups", Rule: "groups.read (groups.admin includes it).", check: platform(GroupsRead)},
	{Method: "GET", Path: "/v1/groups/{id}", Rule: "groups.read (groups.admin includes it).", check: platform(GroupsRead)},
	{Method: "PATCH", Path: "/v1/groups/{id}", Rule: "groups.admin; changing members also needs every permission of the roles the group holds, and keeps a usable owner.",
		check: platform(GroupsAdmin)},
	{Method: "POST", Path: "/v1/groups/{id}/members", Rule: ruleMember, check: platform(GroupsAdmin)},
	{Method: "DELETE", Path: "/v1/groups/{id}/members/{user_id}", Rule: ruleMember, check: platform(GroupsAdmin)},
	{Method: "DELETE", Path: "/v1/groups/{id}", Rule: "groups.admin, holding every permission of the roles the group holds; keeps a usable owner.",
		check: platform(GroupsAdmin)},

	{Method: "POST", Path: "/v1/roles", Rule: ruleOwner, check: owner},
	{Method: "GET", Path: "/v1/roles", Rule: ruleRoles, check: memberReads("roles")},
	{Method: "GET", Path: "/v1/roles/{id}", Rule: ruleRoles, check: memberReads("roles")},
	{Method: "PATCH", Path: "/v1/roles/{id}", Rule: ruleOwner + " Built-in roles cannot change.", check: owner},
	{Method: "DELETE", Path: "/v1/roles/{id}", Rule: ruleOwner + " Built-in roles cannot be deleted.", check: owner},

	{Method: "POST", Path: "/v1/roles/{role_id}/assignments", Rule: ruleAssign, check: anyOf(UsersAdmin, GroupsAdmin)},
	{Method: "GET", Path: "/v1/roles/{role_id}/assignments", Rule: ruleAssignments, check: memberReads("role assignments")},
	{Method: "GET", Path: "/v1/roles/{role_id}/assignments/{assignment_id}", Rule: ruleAssignments, check: memberReads("role assignments")},
	{Method: "DELETE", Path: "/v1/roles/{role_id}/assignments/{assignment_id}", Rule: ruleAssign, check: anyOf(UsersAdmin, GroupsAdmin)},

	{Method: "POST", Path: "/v1/environments/{id}/grants", Rule: ruleGrant, check: envAdmin},
	{Method: "GET", Path: "/v1/environments/{id}/grants", Rule: ruleGrants, check: memberReads("environment grants")},
	{Method: "GET", Path: "/v1/environments/{id}/grants/{role_id}", Rule: ruleGrants, check: memberReads("environment grants")},
	{Method: "PATCH", Path: "/v1/environments/{id}/grants/{role_id}", Rule: ruleGrant, check: envAdmin},
	{Method: "DELETE", Path: "/v1/environments/{id}/grants/{role_id}", Rule: ruleGrant, check: envAdmin},

	{Method: "POST", Path: "/v1/environments/{id}/support-access", Rule: "cluster.admin.", check: platform(ClusterAdmin)},
	{Method: "GET", Path: "/v1/environments/{id}/support-access", Rule: ruleSupport},
	{Method: "PATCH", Path: "/v1/environments/{id}/support-access", Rule: "cluster.admin. A lower tier caps approved requests at once.",
		check: platform(ClusterAdmin)},
	{Method: "DELETE", Path: "/v1/environments/{id}/support-access", Rule: "cluster.admin. Also revokes the environment's approved and pending access requests.",
		check: platform(ClusterAdmin)},
	{Method: "POST", Path: "/v1/environments/{id}/support-access/revoke", Rule: "cluster.admin. Break-glass: ends at once every vendor user's " +
		"(or only user_id's) approved and pending access requests here, and turns standing access back to require_approval; " +
		"the support access itself stays. Calling it again ends nothing and succeeds.",
		check: platform(ClusterAdmin)},

	{Method: "GET", Path: "/v1/environments/{id}/alert-routing", Rule: ruleRouting, check: memberReads("alert routing settings")},
	{Method: "PUT", Path: "/v1/environments/{id}/alert-routing", Rule: "cluster.admin. " + ruleRoutingClaim, check: platform(ClusterAdmin)},
	{Method: "DELETE", Path: "/v1/environments/{id}/alert-routing", Rule: "cluster.admin. Restores the default: vendor routing on, no destinations, no claim. " +
		ruleRoutingClaim, check: platform(ClusterAdmin)},

	{Method: "GET", Path: "/v1/environments/{id}/alert-routing/credentials", Rule: ruleCredentials, check: credentials},
	{Method: "POST", Path: "/v1/environments/{id}/alert-routing/ingest-key/rotate", Rule: ruleRotate + " The old ingest key stops authenticating at once.",
		check: credentials},
	{Method: "POST", Path: "/v1/environments/{id}/alert-routing/signing-secret/rotate", Rule: ruleRotate + " The old signing secret stays in use for 24 hours " +
		"(deliveries carry a signature with each), then goes; rotating again within them drops it at once.", check: credentials},

	{Method: "POST", Path: "/v1/environments/{id}/alert-routing/destinations", Rule: ruleDestination, check: platform(ClusterAdmin)},
	{Method: "DELETE", Path: "/v1/environments/{id}/alert-routing/destinations", Rule: ruleDestination, check: platform(ClusterAdmin)},

	{Method: "POST", Path: "/v1/environments/{id}/alerts", Rule: ruleIngest, Ingest: true, check: platform(ClusterAdmin)},
	{Method: "POST", Path: "/v1/alerts/enqueue", Rule: ruleEnqueue, Ingest: true, check: platform(ClusterAdmin)},
	{Method: "GET", Path: "/v1/environments/{id}/alerts", Rule: ruleAlerts, check: memberReads("received alerts")},
	{Method: "GET", Path: "/v1/environments/{id}/alerts/{alert_id}", Rule: ruleAlerts, check: memberReads("received alerts")},
	{Method: "GET", Path: "/v1/environments/{id}/alert-deliveries", Rule: ruleAlerts, check: memberReads("alert deliveries")},
	{Method: "GET", Path: "/v1/environments/{id}/alert-deliveries/{delivery_id}", Rule: ruleAlerts, check: memberReads("alert deliveries")},
	{Method: "POST", Path: "/v1/environments/{id}/alert-deliveries/{delivery_id}/retry", Rule: "cluster.admin. Audited.", check: platform(ClusterAdmin)},

	{Method: "POST", Path: "/v1/access-requests", Rule: "A vendor-kind user (files for itself).", check: vendorOnly},
	{Method: "GET", Path: "/v1/access-requests", Rule: "cluster.admin sees every request; a vendor user sees its own.", check: vendorOrClusterAdmin},
	{Method: "GET", Path: "/v1/access-requests/{id}", Rule: "cluster.admin, or the requester.", check: vendorOrClusterAdmin},
	{Method: "POST", Path: "/v1/access-requests/{id}/approve", Rule: "cluster.admin, never the requester itself.", check: platform(ClusterAdmin)},
	{Method: "POST", Path: "/v1/access-requests/{id}/deny", Rule: "cluster.admin.", check: platform(ClusterAdmin)},
	{Method: "POST", Path: "/v1/access-requests/{id}/revoke", Rule: "cluster.admin.", check: platform(ClusterAdmin)},

	{Method: "POST", Path: "/v1/authorize", Rule: ruleAuthorize},
	{Method: "POST", Path: "/v1/access-preview", Rule: rulePreview, check: platform(UsersRead)},
	{Method: "GET", Path: "/v1/audit-events", Rule: "audit.read.", check: platform(AuditRead)},
	{Method: "GET", Path: "/v1/authorization-decisions", Rule: ruleDecisions, check: decisionReads, Query: []string{"principal_id"}},

	{Method: "GET", Path: "/metrics", Rule: ruleMetrics, check: platform(ClusterRead)},
}

// Routes returns every API route with its rule.
func Routes() []Route { return append([]Route(nil), routes...) }

// RouteFor returns the route of method and path (the pattern, e.g. "/v1/users/{id}").
func RouteFor(method, path string) (Route, bool) {
	for _, r := range routes {
		if r.Method == method && r.Path == path {
			return r, true
		}
	}
	return Route{}, false
}
