package access

import (
	"slices"
	"strings"
	"time"
)

// Who may change what. Every rule of PRODUCT.md's "Principals, tokens and who may do what"
// is one function here, returning nil or a *Denial; the API server asks and never decides
// itself. Two rules run through all of them: nobody creates, assigns or grants a permission
// they do not hold, and nobody revokes or deletes what they do not cover (so revoking is
// never a way around the first rule); and at least one usable owner always remains.

// Can refuses unless pr holds the platform permission perm: the first step of every rule
// that names one. The other rules are Can<Verb> (CanGrant, CanDeleteUser, …), return nil or
// a *Denial, and refuse through newDenial or forbid.
func Can(pr *Principal, perm PlatformPermission) *Denial {
	if pr.holds(perm) {
		return nil
	}
	return forbid("This needs the platform permission %q, which you do not hold.", perm)
}

// CanActAsOwner refuses unless pr is an organization owner.
func CanActAsOwner(pr *Principal) *Denial {
	if pr.IsOwner() {
		return nil
	}
	return forbid("This needs an organization owner: the built-in role account_owner or deploy_owner.")
}

// CanAdminEnvironment refuses unless pr is an owner or holds environment_admin in envID.
// It runs before the environment is looked up, so that a caller without the right learns
// nothing about which environments exist.
func (p *Policy) CanAdminEnvironment(pr *Principal, envID string) *Denial {
	if pr.IsOwner() || p.envSet(pr.User.ID, envID).Has(EnvironmentAdmin) {
		return nil
	}
	return forbid("Changing grants needs an organization owner or environment_admin in this environment.")
}

// CanGrant is the escalation rule for an environment grant (create, change or revoke with
// the permissions perms): an owner, or environment_admin in envID, granting only what it
// holds there.
func (p *Policy) CanGrant(pr *Principal, envID string, perms []string) *Denial {
	if d := p.CanAdminEnvironment(pr, envID); d != nil {
		return d
	}
	if pr.IsOwner() || p.envSet(pr.User.ID, envID).Covers(SetOf(perms)) {
		return nil
	}
	return forbid("You may grant only permissions you hold in this environment; %s includes one you do not hold.", strings.Join(perms, ", "))
}

// canCoverRole is the escalation rule for handing out or taking away a role: the actor holds
// every platform permission of the role and every environment permission its grants carry.
// Built-in roles make owners, so only owners hand them out or take them away.
func (p *Policy) canCoverRole(pr *Principal, r *Role) *Denial {
	if pr.IsOwner() {
		return nil
	}
	if r.Builtin {
		return forbid("Only an organization owner may hand out or take away the built-in role %q.", r.Name)
	}
	for _, perm := range r.Permissions {
		if !pr.Has(perm) {
			return forbid("Role %q carries the platform permission %q, which you do not hold; nobody hands out or takes away a permission they do not hold.", r.Name, perm)
		}
	}
	for _, g := range p.roleGrants[r.ID] {
		if !p.envSet(pr.User.ID, g.EnvironmentID).Covers(g.set) {
			return forbid("Role %q holds %s in environment %s, which you do not hold there; nobody hands out or takes away a permission they do not hold.",
				r.Name, strings.Join(g.Permissions, ", "), g.EnvironmentID)
		}
	}
	return nil
}

// canCoverUser is the rule for acting on another user's account (its tokens, its e-mail, its
// deletion): the actor holds everything the target holds — every role's permissions and, for
// a vendor, the tier capabilities it holds now, which only cluster.admin (who decides vendor
// access) covers. Otherwise users.admin could take over a stronger account.
func (p *Policy) canCoverUser(pr *Principal, targetID string, now time.Time) *Denial {
	if pr.IsOwner() || pr.User.ID == targetID {
		return nil
	}
	for h := range p.held(targetID) {
		if d := p.canCoverRole(pr, h.Role); d != nil {
			return forbid("The user holds permissions you do not hold (%s)", d.Message)
		}
	}
	if t := p.users[targetID]; t != nil && t.Kind == KindVendor && !pr.holds(ClusterAdmin) {
		for envID := range p.envs {
			if caps := p.SupportCapabilities(targetID, envID, now); len(caps) > 0 {
				return forbid("The vendor user holds the support capabilities %s in environment %s; acting on its account needs cluster.admin, which you do not hold.",
					strings.Join(caps, ", "), envID)
			}
		}
	}
	return nil
}

// CanChangeUser is the rule for changing another user's e-mail or name: users.admin,
// covering the target.
func (p *Policy) CanChangeUser(pr *Principal, targetID string, now time.Time) *Denial {
	if d := Can(pr, UsersAdmin); d != nil {
		return d
	}
	return p.canCoverUser(pr, targetID, now)
}

// CanDeleteUser adds to CanChangeUser that the last usable owner is never deleted.
func (p *Policy) CanDeleteUser(pr *Principal, targetID string, now time.Time) *Denial {
	if d := p.CanChangeUser(pr, targetID, now); d != nil {
		return d
	}
	return p.canKeepOwner(now, without{user: targetID}, "delete this user")
}

// CanMintToken is the rule for issuing a token for a user: the user itself, or users.admin
// covering the user (minting a token is taking over the account). A vendor user's tokens are
// also cluster.admin's, whatever the vendor holds today: a token outlives the moment it is
// minted, and its holder acts with every tier the vendor is given later (standing access
// turned on, a request approved), which only cluster.admin decides.
func (p *Policy) CanMintToken(pr *Principal, targetID string, now time.Time) *Denial {
	if pr.User.ID == targetID {
		return nil
	}
	if d := p.CanChangeUser(pr, targetID, now); d != nil {
		return d
	}
	if t := p.users[targetID]; t != nil && t.Kind == KindVendor && !pr.holds(ClusterAdmin) {
		return forbid("User %q is a vendor user: only the user itself or cluster.admin (who decides vendor access), which you do not hold, issues or revokes its tokens.", targetID)
	}
	return nil
}

// CanMintTokenUntil is the rule for a new token's expiry: a token minted with a token
// expires no later than the minting token, and never lacks an expiry when that one has one
// (as Vault's child tokens). Otherwise any short-lived credential — a CI job's hour — buys an
// everlasting one. It binds every mint, the minter's own tokens and others' alike; a
// principal not authenticated with a token (pr.Token zero) is not bound.
func CanMintTokenUntil(pr *Principal, expiresAt *time.Time) *Denial {
	limit := pr.Token.ExpiresAt
	if limit == nil || (expiresAt != nil && !expiresAt.After(*limit)) {
		return nil
	}
	asked := "no expiry"
	if expiresAt != nil {
		asked = "an expiry of " + expiresAt.UTC().Format(time.RFC3339)
	}
	latest := limit.UTC().Format(time.RFC3339)
	return newDenial(Invalid, CodeTokenOutlivesMinter, "expires_at",
		"The token you authenticate with expires at %s, and a token it mints may not outlive it; %s was asked. "+
			"Set expires_at to %s or earlier, or mint with a token that lives longer.", latest, asked, latest)
}

// CanRevokeToken is the rule for revoking a user's token: the same as minting one (revoking
// an owner's tokens locks the owner out; a vendor's tokens are cluster.admin's either way),
// and never the last usable owner's last token.
func (p *Policy) CanRevokeToken(pr *Principal, targetID, tokenID string, now time.Time) *Denial {
	if d := p.CanMintToken(pr, targetID, now); d != nil {
		return d
	}
	return p.canKeepOwner(now, without{token: tokenID}, "revoke this token")
}

// CanBeMembers refuses vendor users as group members: they act only through support tiers.
func (p *Policy) CanBeMembers(members []string) *Denial {
	for _, id := range members {
		if u := p.users[id]; u != nil && u.Kind == KindVendor {
			return newDenial(Invalid, CodeVendorNoGroups, "members",
				"User %q is a vendor user; vendor users join no groups and hold no roles: they act through support tiers and access requests.", id)
		}
	}
	return nil
}

// CanChangeMembers is the rule for replacing a group's member set: groups.admin; the new
// members are not vendors; when the set changes, the actor covers every role the group
// holds (joining hands the roles over, leaving takes them away); and an owner remains.
func (p *Policy) CanChangeMembers(pr *Principal, groupID string, members []string, now time.Time) *Denial {
	if d := Can(pr, GroupsAdmin); d != nil {
		return d
	}
	if d := p.CanBeMembers(members); d != nil {
		return d
	}
	g := p.groups[groupID]
	if g == nil {
		return nil
	}
	cur, next := slices.Sorted(slices.Values(g.Members)), slices.Sorted(slices.Values(members))
	if slices.Equal(slices.Compact(cur), slices.Compact(next)) {
		return nil
	}
	if d := p.canCoverGroupRoles(pr, groupID); d != nil {
		return d
	}
	return p.canKeepOwner(now, without{group: groupID, members: members}, "change this group's members")
}

func (p *Policy) canCoverGroupRoles(pr *Principal, groupID string) *Denial {
	for h := range p.groupHeld(groupID) {
		if d := p.canCoverRole(pr, h.Role); d != nil {
			return d
		}
	}
	return nil
}

// CanDeleteGroup is the rule for deleting a group, which takes its roles away from every
// member: groups.admin covering the group's roles, and an owner remains.
func (p *Policy) CanDeleteGroup(pr *Principal, groupID string, now time.Time) *Denial {
	if d := Can(pr, GroupsAdmin); d != nil {
		return d
	}
	if d := p.canCoverGroupRoles(pr, groupID); d != nil {
		return d
	}
	return p.canKeepOwner(now, without{group: groupID, members: []string{}}, "delete this group")
}

// CanChangeRole refuses changes to the built-in roles: they define who the owners are.
// Everything else about roles is for owners (CanActAsOwner).
func CanChangeRole(r Role) *Denial {
	if r.Builtin {
		return newDenial(Conflict, CodeBuiltinRole, "", "%q is a built-in role and cannot be changed or deleted; assign it instead.", r.Name)
	}
	return nil
}

// canAssign is the rule for assigning or unassigning a role: owners; otherwise users.admin
// (to a user) or groups.admin (to a group), covering the role.
func (p *Policy) canAssign(pr *Principal, roleID, userID string) *Denial {
	if !pr.IsOwner() {
		need := UsersAdmin
		if userID == "" {
			need = GroupsAdmin
		}
		if d := Can(pr, need); d != nil {
			return d
		}
	}
	if r := p.roles[roleID]; r != nil {
		return p.canCoverRole(pr, r)
	}
	return nil
}

// CanAssign is the rule for a new assignment of roleID to a user or a group; vendor users
// hold no roles, whoever asks.
func (p *Policy) CanAssign(pr *Principal, roleID, userID, groupID string) *Denial {
	if u := p.users[userID]; u != nil && u.Kind == KindVendor {
		return newDenial(Invalid, CodeVendorNoRoles, "user_id", "Vendor users hold no roles: they act only through support tiers and access requests.")
	}
	return p.canAssign(pr, roleID, userID)
}

// CanUnassign is the rule for removing an assignment: as for assigning it, and an owner
// remains.
func (p *Policy) CanUnassign(pr *Principal, assignmentID string, now time.Time) *Denial {
	a := p.assignments[assignmentID]
	if a == nil {
		return nil
	}
	if d := p.canAssign(pr, a.RoleID, a.UserID); d != nil {
		return d
	}
	return p.canKeepOwner(now, without{assignment: assignmentID}, "remove this assignment")
}

// canBeRequester refuses members: only vendor users file access requests (the route check
// and CanFileRequest share it).
func canBeRequester(pr *Principal) *Denial {
	if pr.User.Kind == KindVendor {
		return nil
	}
	return newDenial(Forbidden, CodeNotVendor, "", "Only vendor users file access requests; members are given access through roles and grants.")
}

// CanFileRequest is the rule for an access request: only vendor users file them, for an
// environment with active support access, for a tier up to its ceiling.
func (p *Policy) CanFileRequest(pr *Principal, envID, tier string, now time.Time) *Denial {
	if d := canBeRequester(pr); d != nil {
		return d
	}
	sa := p.support[envID]
	if sa == nil || Expired(sa.ExpiresAt, now) {
		return newDenial(Invalid, CodeSupportInactive, "environment_id",
			"This environment has no active support access, so there is no tier to request; ask the customer to grant (or extend) support access.")
	}
	if TierRank(tier) > TierRank(sa.Tier) {
		return newDenial(Invalid, CodeTierAboveCeiling, "tier", "The environment's support access allows at most %q; request that tier or a lower one.", sa.Tier)
	}
	return nil
}

// RequestListScope narrows a list of access requests to what pr may see: cluster.admin sees
// every request (""), anyone else (a vendor; the route lets no one else in) its own.
func RequestListScope(pr *Principal) (requesterID string) {
	if pr.holds(ClusterAdmin) {
		return ""
	}
	return pr.User.ID
}

// CanSeeRequest is the rule for reading an access request: its requester, or cluster.admin.
func CanSeeRequest(pr *Principal, requesterID string) *Denial {
	if pr.User.ID == requesterID {
		return nil
	}
	return Can(pr, ClusterAdmin)
}

// CanApprove is the rule for approving a pending request: cluster.admin; never one's own
// request; the environment's support access active and at least the requested tier.
func (p *Policy) CanApprove(pr *Principal, r AccessRequest, now time.Time) *Denial {
	if d := Can(pr, ClusterAdmin); d != nil {
		return d
	}
	if r.RequesterID == pr.User.ID {
		return newDenial(Forbidden, CodeSelfApproval, "", "Nobody approves their own access request; another cluster.admin must decide it.")
	}
	sa := p.support[r.EnvironmentID]
	if sa == nil || Expired(sa.ExpiresAt, now) || TierRank(r.Tier) > TierRank(sa.Tier) {
		return newDenial(Conflict, CodeSupportInactive, "",
			"The environment's support access is missing, expired or now below the requested tier; it cannot be approved.")
	}
	return nil
}

// Approve is CanApprove with the approval's expiry: the duration counts from the approval,
// never past the support access's own expiry.
func (p *Policy) Approve(pr *Principal, r AccessRequest, duration time.Duration, now time.Time) (time.Time, *Denial) {
	if d := p.CanApprove(pr, r, now); d != nil {
		return time.Time{}, d
	}
	sa := p.support[r.EnvironmentID]
	exp := now.Add(duration)
	if sa.ExpiresAt != nil && sa.ExpiresAt.Before(exp) {
		exp = *sa.ExpiresAt
	}
	return exp, nil
}

// SupportAccessEnds lists the requests that deleting the environment's support access ends,
// by id: every approved one (expired ones too, which would otherwise wake should support
// access come back) and every pending one (which would otherwise be approvable again once
// support access is re-created, on a ceiling nobody asked it against).
func (p *Policy) SupportAccessEnds(envID string) []AccessRequest {
	var out []AccessRequest
	for _, r := range p.envRequests[envID] {
		if r.Status == RequestApproved || r.Status == RequestPending {
			out = append(out, *r)
		}
	}
	slices.SortFunc(out, func(a, b AccessRequest) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// VendorRevocation is what a break-glass revoke ends in one environment.
type VendorRevocation struct {
	// Approved are the approved requests not yet past their expiry: each holds a tier now, or
	// would again were expired support access moved later.
	Approved []AccessRequest
	// Pending are the requests nobody has decided yet: revoked too, so that nobody approves
	// one by mistake while the incident lasts.
	Pending []AccessRequest
	// EndStanding says the support access is standing (require_approval false), which gives
	// every vendor user the tier: it goes back to requiring approval. Standing access is not
	// per user, so a revoke narrowed to one vendor ends it for every vendor.
	EndStanding bool
}

// Empty reports whether there is nothing to end.
func (v VendorRevocation) Empty() bool {
	return len(v.Approved) == 0 && len(v.Pending) == 0 && !v.EndStanding
}

// CanRevokeVendorAccess is the rule of the break-glass revoke: whoever decides vendor access
// (cluster.admin; owners hold it), for every vendor or, when userID is set, one vendor user.
// Vendors hold no roles, so none may call it.
func (p *Policy) CanRevokeVendorAccess(pr *Principal, userID string) *Denial {
	if d := Can(pr, ClusterAdmin); d != nil {
		return d
	}
	if u := p.users[userID]; userID != "" && (u == nil || u.Kind != KindVendor) {
		return newDenial(Invalid, CodeNotVendor, "user_id",
			"User %q is not a vendor user; only vendor users hold support tiers. Omit user_id to revoke every vendor user's access.", userID)
	}
	return nil
}

// RevokeVendorAccess is CanRevokeVendorAccess with the scope of the revoke in envID: it ends
// at once everything that gives a vendor user a tier there (vendorTiers: approved requests
// and standing access), for every vendor or, when userID is set, that vendor user's requests
// (and the standing access, which it would otherwise keep).
func (p *Policy) RevokeVendorAccess(pr *Principal, envID, userID string, now time.Time) (VendorRevocation, *Denial) {
	var out VendorRevocation
	if d := p.CanRevokeVendorAccess(pr, userID); d != nil {
		return out, d
	}
	for _, r := range p.envRequests[envID] {
		if userID != "" && r.RequesterID != userID {
			continue
		}
		switch {
		case r.Status == RequestApproved && !Expired(r.ExpiresAt, now):
			out.Approved = append(out.Approved, *r)
		case r.Status == RequestPending:
			out.Pending = append(out.Pending, *r)
		}
	}
	byID := func(a, b AccessRequest) int { return strings.Compare(a.ID, b.ID) }
	slices.SortFunc(out.Approved, byID)
	slices.SortFunc(out.Pending, byID)
	if sa := p.support[envID]; sa != nil && sa.Standing {
		out.EndStanding = true
	}
	return out, nil
}

// without describes a removal whose effect on the owners is being asked about.
type without struct {
	user, token, assignment, group string
	members                        []string // the group's member set after the change
}

// usableOwner reports whether some member user holds an organization role and a token that
// works at now, once w is applied. Only such an owner can administer everything, and mint
// a token for anyone who lost theirs.
func (p *Policy) usableOwner(now time.Time, w without) bool {
	usable := func(userID string) bool {
		u := p.users[userID]
		if u == nil || userID == w.user || u.Kind != KindMember {
			return false
		}
		for _, t := range p.userTokens[userID] {
			if t.ID != w.token && !Expired(t.ExpiresAt, now) {
				return true
			}
		}
		return false
	}
	for _, r := range p.roles {
		if !r.owner() {
			continue
		}
		for _, a := range p.roleAssignments[r.ID] {
			if a.ID == w.assignment {
				continue
			}
			if a.UserID != "" {
				if usable(a.UserID) {
					return true
				}
				continue
			}
			members := p.groups[a.GroupID].membersOrNil()
			if a.GroupID == w.group {
				members = w.members
			}
			if slices.ContainsFunc(members, usable) {
				return true
			}
		}
	}
	return false
}

func (g *Group) membersOrNil() []string {
	if g == nil {
		return nil
	}
	return g.Members
}

// canKeepOwner refuses a change that would leave no usable owner where there is one now. (A
// store that has none already — an owner's tokens all expired — is for recover-owner, and
// does not block unrelated changes.)
func (p *Policy) canKeepOwner(now time.Time, w without, what string) *Denial {
	if !p.usableOwner(now, without{}) || p.usableOwner(now, w) {
		return nil
	}
	return newDenial(Conflict, CodeLastOwner, "",
		"You cannot %s: it would leave no usable owner (a member user holding account_owner or deploy_owner with a working token). Assign an owner role to another user and give it a token first.", what)
}

// HasUsableOwner reports whether some usable owner exists at now.
func (p *Policy) HasUsableOwner(now time.Time) bool { return p.usableOwner(now, without{}) }

// CascadeItem is one object that a deletion removes with it: its type (token, grant,
// role_assignment, …), its id, and its environment's id when it belongs to one.
type CascadeItem struct {
	Kind, ID, EnvironmentID string
}

// Cascade lists what deleting an object removes with it, so that each removal is audited.
// kind is "user", "group", "role" or "environment".
func (p *Policy) Cascade(kind, id string) []CascadeItem {
	var out []CascadeItem
	add := func(typ, oid, env string) { out = append(out, CascadeItem{Kind: typ, ID: oid, EnvironmentID: env}) }
	addAssignments := func(as []*Assignment) {
		for _, a := range as {
			add("role_assignment", a.ID, "")
		}
	}
	addRequests := func(rs []*AccessRequest) {
		for _, r := range rs {
			add("access_request", r.ID, r.EnvironmentID)
		}
	}
	switch kind {
	case "user":
		for _, t := range p.userTokens[id] {
			add("token", t.ID, "")
		}
		for _, g := range p.userGroups[id] {
			add("group_membership", g+"/"+id, "")
		}
		addAssignments(p.userAssignments[id])
		addRequests(p.userRequests[id])
	case "group":
		addAssignments(p.groupAssignments[id])
	case "role":
		addAssignments(p.roleAssignments[id])
		for _, g := range p.roleGrants[id] {
			add("grant", g.ID, g.EnvironmentID)
		}
	case "environment":
		for _, g := range p.envGrants[id] {
			add("grant", g.ID, id)
		}
		if sa := p.support[id]; sa != nil {
			add("support_access", sa.ID, id)
		}
		addRequests(p.envRequests[id])
	}
	return out
}
