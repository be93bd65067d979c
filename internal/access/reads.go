package access

import "slices"

// Who may read what. Reading someone's access is a rule like changing it: an answer about
// another principal (what it may do, which roles it holds, through which groups) is a map
// of the organization an attacker would want first. The rules, as PRODUCT.md states them:
//
//   - every principal reads itself: its user, its own access, its own requests;
//   - reading another member user's access needs users.read, a group's groups.read, and a
//     vendor user's cluster.admin (who decides vendor access);
//   - vendor users read, beyond themselves, only the environments and their support access
//     (the scope and ceiling they work under) and the published matrix;
//   - the secret parts of alert targets (credentials in a webhook URL) and an environment's
//     alert credentials (ingest key, signing secrets) are cluster.admin's.
//
// Each route's check in routes.go runs one of these before the request is read; rules that
// need the request's body or the object read (authorize's principal, an assignment's
// holder) run in the handler through the same functions.

// CanReadAccessOf is the rule for learning what user targetID may do (authorize, effective
// access): the user itself; for another user, users.read, and cluster.admin when the
// target is a vendor user. An unknown target needs users.read, so that a caller without it
// cannot tell which ids exist.
func (p *Policy) CanReadAccessOf(pr *Principal, targetID string) *Denial {
	if pr.User.ID == targetID {
		return nil
	}
	if t := p.users[targetID]; t != nil && t.Kind == KindVendor {
		if pr.holds(ClusterAdmin) {
			return nil
		}
		return forbid("Reading a vendor user's access (its approved requests, tier and expiry) needs cluster.admin, which you do not hold.")
	}
	if pr.holds(UsersRead) {
		return nil
	}
	return forbid("Reading another user's access needs the platform permission %q, which you do not hold; you may always ask about yourself.", UsersRead)
}

// CanReadGroupAccess is the rule for learning what group groupID's roles allow: its
// members (it is part of their own access), or groups.read.
func (p *Policy) CanReadGroupAccess(pr *Principal, groupID string) *Denial {
	if pr.holds(GroupsRead) || slices.Contains(p.userGroups[pr.User.ID], groupID) {
		return nil
	}
	return forbid("Reading the access of a group you are not a member of needs the platform permission %q, which you do not hold.", GroupsRead)
}

// CanReadAssignment is the rule for reading that a user or a group (exactly one of userID,
// groupID) holds a role: the user itself; another user's assignment needs users.read, a
// group's groups.read. Vendor users hold no roles and read none.
func CanReadAssignment(pr *Principal, userID, groupID string) *Denial {
	switch {
	case pr.User.Kind == KindVendor:
		return vendorReadsNot("role assignments")
	case userID != "" && userID == pr.User.ID:
		return nil
	case userID != "":
		return Can(pr, UsersRead)
	default:
		return Can(pr, GroupsRead)
	}
}

// SeesSecrets reports whether pr sees the secret parts of alert targets and the routing
// credentials: cluster.admin only. Everyone else who may read the routing sees the targets
// redacted (RedactTarget). It is not a Can… rule: nobody is refused, only shown less.
func SeesSecrets(pr *Principal) bool { return pr.holds(ClusterAdmin) }

// CanReadAlertCredentials is the rule for reading and rotating an environment's alert
// credentials: cluster.admin only (SeesSecrets), who decides where alerts go. Unlike a
// redacted target, there is nothing left to show without them, so everyone else is refused:
// the ingest key lets its holder send alerts as the environment's monitoring, the signing
// secret lets it sign deliveries as Warden.
func CanReadAlertCredentials(pr *Principal) *Denial {
	if SeesSecrets(pr) {
		return nil
	}
	return forbid("An environment's alert credentials (its ingest key and webhook signing secret) need the platform permission %q, which you do not hold: "+
		"whoever holds them can send alerts as its monitoring, or sign deliveries as Warden. Ask a cluster.admin for the values, or use a token that holds it.", ClusterAdmin)
}

// CanReadOrganization refuses vendor users: the organization's own configuration (roles,
// grants, alert routing) is not theirs to read; they act through support tiers and requests.
func CanReadOrganization(pr *Principal, what string) *Denial {
	if pr.User.Kind == KindVendor {
		return vendorReadsNot(what)
	}
	return nil
}

func vendorReadsNot(what string) *Denial {
	return forbid("Vendor users read only themselves, their own access requests, the environments and their support access; %s are the organization's own.", what)
}

// DecisionScope is the part of the decision log (POST /v1/authorize's answers) a principal
// may read: every decision (All), those about principals of Kinds, and always its own (Self).
type DecisionScope struct {
	All   bool
	Kinds []UserKind
	Self  string
}

// DecisionReads is the rule for reading the decision log. audit.read reads every decision,
// as it reads every change; cluster.admin, who decides vendor access, reads every vendor
// user's decisions (reading a vendor's access is its right); every principal reads its own.
// So a vendor user reads only its own decisions, never another's.
func DecisionReads(pr *Principal) DecisionScope {
	sc := DecisionScope{Self: pr.User.ID}
	switch {
	case pr.holds(AuditRead):
		sc.All = true
	case pr.holds(ClusterAdmin):
		sc.Kinds = []UserKind{KindVendor}
	}
	return sc
}

// CanReadDecisionsOf is DecisionReads for the decisions about one principal, targetID: it
// refuses, rather than answering with an empty list, a caller whose scope leaves out a
// principal it names. A target the snapshot no longer holds (a deleted user) is let
// through to a list that DecisionReads still narrows.
func (p *Policy) CanReadDecisionsOf(pr *Principal, targetID string) *Denial {
	sc := DecisionReads(pr)
	if sc.All || targetID == sc.Self {
		return nil
	}
	t := p.users[targetID]
	if t == nil && len(sc.Kinds) > 0 {
		return nil
	}
	if t != nil && slices.Contains(sc.Kinds, t.Kind) {
		return nil
	}
	if t != nil && t.Kind == KindVendor {
		return forbid("Reading a vendor user's decisions needs %q or %q, which you do not hold; you may always read your own.", ClusterAdmin, AuditRead)
	}
	return forbid("Reading another user's decisions needs %q (a vendor user's: %q), which you do not hold; you may always read your own.", AuditRead, ClusterAdmin)
}
