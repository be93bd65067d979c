package access

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The stored statuses of access requests and the computed statuses of support access and
// approved requests. The API serves these words; the engine decides with them.
const (
	RequestPending  = "pending"
	RequestApproved = "approved"
	RequestDenied   = "denied"
	RequestRevoked  = "revoked"
	StatusActive    = "active"
	StatusExpired   = "expired"
)

// SupportStatus is a support access's status at now.
func SupportStatus(a SupportAccess, now time.Time) string {
	if Expired(a.ExpiresAt, now) {
		return StatusExpired
	}
	return StatusActive
}

// RequestStatus is a request's status at now: an approved request past its expiry reads
// back as expired (never stored).
func RequestStatus(status string, expiresAt *time.Time, now time.Time) string {
	if status == RequestApproved && Expired(expiresAt, now) {
		return StatusExpired
	}
	return status
}

// ErrUnknownUser and ErrUnknownEnvironment are returned by decisions about objects the
// snapshot does not hold.
var (
	ErrUnknownUser        = errors.New("unknown user")
	ErrUnknownEnvironment = errors.New("unknown environment")
	ErrUnknownGroup       = errors.New("unknown group")
)

// Principal is an authenticated user with what it holds outside any environment.
type Principal struct {
	User User
	// Token is the token the principal authenticated with (zero for a principal made by
	// Principal, not Authenticate): what it may mint is bounded by its expiry, and a
	// decision re-checked at commit time re-resolves it.
	Token Token
	// Owner is the organization role that makes the principal an owner, if any.
	Owner *Held
	// platform is every platform permission held, org role names included (PlatformAllows
	// treats those as holding everything).
	platform []string
}

// Principal returns the principal for a user id.
func (p *Policy) Principal(userID string) (*Principal, bool) {
	u := p.users[userID]
	if u == nil {
		return nil, false
	}
	pr := &Principal{User: *u}
	for h := range p.held(userID) {
		pr.platform = append(pr.platform, h.Role.Permissions...)
		if h.Role.owner() {
			pr.platform = append(pr.platform, h.Role.Name)
			if pr.Owner == nil || byProvenance(h, *pr.Owner) < 0 {
				pr.Owner = &h
			}
		}
	}
	return pr, true
}

// Authenticate resolves a token hash to its principal at now.
func (p *Policy) Authenticate(hash string, now time.Time) (*Principal, bool) {
	t, ok := p.TokenByHash(hash, now)
	if !ok {
		return nil, false
	}
	pr, ok := p.Principal(t.UserID)
	if ok {
		pr.Token = t
	}
	return pr, ok
}

// IsOwner reports whether the principal is an organization owner.
func (pr *Principal) IsOwner() bool { return pr.Owner != nil }

// Has reports whether the principal holds the platform permission named perm: a catalogue
// name or one of its patterns (conduct.<id>.read), as roles carry them.
func (pr *Principal) Has(perm string) bool { return PlatformAllows(pr.platform, perm) }

// holds is Has for the catalogue's constants, the names rules use.
func (pr *Principal) holds(perm PlatformPermission) bool { return pr.Has(string(perm)) }

// envSet is the union of the environment permissions a user holds in envID through its
// roles; owners hold environment_admin everywhere.
func (p *Policy) envSet(userID, envID string) PermSet {
	var s PermSet
	for h := range p.held(userID) {
		if h.Role.owner() {
			s |= permBit[string(EnvironmentAdmin)]
		}
		if g := p.grants[grantKey{envID, h.Role.ID}]; g != nil {
			s |= g.set
		}
	}
	return s
}

// Via names what allows an action: a grant (with its role and, when held through one, the
// group), an organization role, or a vendor tier held through an approved access request or
// standing support access. ExpiresAt is when a vendor tier ends (the earlier of the
// request's and the support access's expiry); zero when it does not end, and for members.
type Via struct {
	Permission, GrantID, RoleID, RoleName, GroupID, GroupName, AccessRequestID, SupportAccessID, Tier string
	ExpiresAt                                                                                         time.Time
}

// grantVia is the reason a role's grant gives for action, as every answer names it.
func (p *Policy) grantVia(h Held, g *Grant, action string) Via {
	return Via{Permission: AllowingPermission(g.Permissions, action), GrantID: g.ID, RoleID: h.Role.ID, RoleName: h.Role.Name,
		GroupID: h.GroupID, GroupName: p.groupName(h.GroupID)}
}

// ownerVia is the reason an organization role gives for every action in every environment.
func (p *Policy) ownerVia(h Held) Via {
	return Via{Permission: string(EnvironmentAdmin), RoleID: h.Role.ID, RoleName: h.Role.Name, GroupID: h.GroupID, GroupName: p.groupName(h.GroupID)}
}

// tierVia is the reason a held tier gives for a capability: the approved request, or the
// standing support access, each with when it ends.
func tierVia(sa *SupportAccess, h heldTier, capability string) Via {
	if h.req == nil {
		return Via{Permission: capability, SupportAccessID: sa.ID, Tier: h.tier, ExpiresAt: earliest(sa.ExpiresAt, nil)}
	}
	return Via{Permission: capability, AccessRequestID: h.req.ID, Tier: h.tier, ExpiresAt: earliest(sa.ExpiresAt, h.req.ExpiresAt)}
}

// earliest is the earlier of two optional expiries; zero when neither ends.
func earliest(a, b *time.Time) time.Time {
	switch {
	case a == nil && b == nil:
		return time.Time{}
	case a == nil:
		return *b
	case b == nil || a.Before(*b):
		return *a
	}
	return *b
}

// byReason orders the reasons for one action as every answer lists them: grants before
// organization roles (a grant is what Authorize names when there is one), then by role
// name, direct before groups. Vendor reasons keep the order of vendorTiers.
func byReason(a, b Via) int {
	return cmp.Or(cmp.Compare(boolRank(a.GrantID == ""), boolRank(b.GrantID == "")), cmp.Compare(a.RoleName, b.RoleName), cmp.Compare(a.GroupID, b.GroupID))
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Decision is the answer to "may P do A in E?". Reason says why in words.
type Decision struct {
	Allowed bool
	Via     Via
	Reason  string
	// Kind is the principal's kind: the decision log keeps every vendor user's decisions,
	// members' only as configured.
	Kind UserKind
}

func deny(format string, args ...any) Decision {
	return Decision{Reason: fmt.Sprintf(format, args...)}
}

// IsCapability reports whether name is a vendor tier capability.
func IsCapability(name string) bool {
	_, ok := capabilityIndex[name]
	return ok
}

// Authorize answers whether user userID may perform action in environment envID at now.
// Members act through grants and organization roles with matrix actions; vendor users
// through support tiers with tier capabilities, on resources carrying the environment's
// prefix only.
func (p *Policy) Authorize(userID, envID, action, resource string, now time.Time) (Decision, error) {
	u := p.users[userID]
	if u == nil {
		return Decision{}, ErrUnknownUser
	}
	env := p.envs[envID]
	if env == nil {
		return Decision{}, ErrUnknownEnvironment
	}
	var d Decision
	if u.Kind == KindVendor {
		d = p.authorizeVendor(u, env, action, resource, now)
	} else {
		d = p.authorizeMember(u, env, action)
	}
	d.Kind = u.Kind
	return d, nil
}

func (p *Policy) authorizeMember(u *User, env *Environment, action string) Decision {
	need, ok := actionSet(action)
	if !ok {
		if IsCapability(action) {
			return deny("%q is a vendor support capability; member users act through matrix actions.", action)
		}
		return deny("%q is not an action of the permissions matrix.", action)
	}
	// Held values, not pointers to the loop variable: this runs on every request and must
	// not allocate per role.
	var best, owner Held
	var bestGrant *Grant
	for h := range p.held(u.ID) {
		if h.Role.owner() && (owner.Role == nil || byProvenance(h, owner) < 0) {
			owner = h
		}
		g := p.grants[grantKey{env.ID, h.Role.ID}]
		if g == nil || g.set&need == 0 {
			continue
		}
		if best.Role == nil || byProvenance(h, best) < 0 {
			best, bestGrant = h, g
		}
	}
	if best.Role != nil {
		via := p.grantVia(best, bestGrant, action)
		return Decision{Allowed: true,
			Reason: "Role " + strconv.Quote(best.Role.Name) + " holds " + via.Permission + " in environment " + strconv.Quote(env.Name) + ".",
			Via:    via}
	}
	if owner.Role != nil {
		return Decision{Allowed: true,
			Reason: "The organization role " + strconv.Quote(owner.Role.Name) + " holds environment_admin in every environment.",
			Via:    p.ownerVia(owner)}
	}
	return Decision{Reason: "No grant in environment " + strconv.Quote(env.Name) + " allows " + strconv.Quote(action) +
		"; it needs one of " + needText[action] + "."}
}

// heldTier is a tier a vendor holds in an environment, through one approved request (already
// lowered to the environment's current ceiling) or, when req is nil, through standing support
// access (require_approval false).
type heldTier struct {
	req    *AccessRequest
	tier   string
	capped bool // the request asked for more than the ceiling now allows
}

// vendorTiers yields the tiers a vendor holds in an environment at now: each approved,
// unexpired request under active support access, at the lower of its tier and the current
// ceiling. The ceiling holds from the moment it changes, not only for later approvals.
func (p *Policy) vendorTiers(userID, envID string, now time.Time) (*SupportAccess, []heldTier) {
	sa := p.support[envID]
	if sa == nil || Expired(sa.ExpiresAt, now) {
		return sa, nil
	}
	var out []heldTier
	if sa.Standing {
		out = append(out, heldTier{tier: sa.Tier})
	}
	for _, r := range p.userRequests[userID] {
		if r.EnvironmentID != envID || r.Status != RequestApproved || Expired(r.ExpiresAt, now) {
			continue
		}
		h := heldTier{req: r, tier: r.Tier}
		if TierRank(sa.Tier) < TierRank(r.Tier) {
			h.tier, h.capped = sa.Tier, true
		}
		out = append(out, h)
	}
	return sa, out
}

func (p *Policy) authorizeVendor(u *User, env *Environment, action, resource string, now time.Time) Decision {
	if !IsCapability(action) {
		return deny("%q is not a support tier capability; vendor users act only through support tiers.", action)
	}
	sa, tiers := p.vendorTiers(u.ID, env.ID, now)
	switch {
	case sa == nil:
		return deny("Environment %q has no support access.", env.Name)
	case Expired(sa.ExpiresAt, now):
		return deny("The support access of environment %q expired at %s.", env.Name, sa.ExpiresAt.Format(time.RFC3339))
	case env.ResourcePrefix == "":
		// Without a prefix there is no scope to hold vendor access to: fail closed.
		return deny("Environment %q has no resource prefix, so vendor access has no scope.", env.Name)
	case resource == "":
		return deny("%q acts on one resource, and none was named: set resource to the name of a resource starting with %q (vendor access in environment %q is limited to those).",
			action, env.ResourcePrefix, env.Name)
	case !strings.HasPrefix(resource, env.ResourcePrefix):
		return deny("Vendor access is limited to resources whose name starts with %q; %q does not.", env.ResourcePrefix, resource)
	}
	for _, h := range tiers {
		if capabilityIn(action, h.tier, sa.PortForwarding) && h.req == nil {
			return Decision{Allowed: true,
				Reason: fmt.Sprintf("The standing support access of environment %q gives every vendor user tier %q (no approval required).", env.Name, h.tier),
				Via:    tierVia(sa, h, action)}
		}
		if capabilityIn(action, h.tier, sa.PortForwarding) {
			reason := fmt.Sprintf("Approved access request %s holds tier %q in environment %q until %s.",
				h.req.ID, h.tier, env.Name, h.req.ExpiresAt.Format(time.RFC3339))
			if h.capped {
				reason = fmt.Sprintf("Approved access request %s asked for tier %q; the environment's support access now allows at most %q, held until %s.",
					h.req.ID, h.req.Tier, h.tier, h.req.ExpiresAt.Format(time.RFC3339))
			}
			return Decision{Allowed: true, Reason: reason, Via: tierVia(sa, h, action)}
		}
	}
	return vendorDenial(env, sa, tiers, action)
}

// vendorDenial names the cause when no tier a vendor holds allows a capability: no tier held
// at all, a tier below the capability's (and whether the support access's ceiling allows
// that tier), or, for port forwarding, the support access's flag being off.
func vendorDenial(env *Environment, sa *SupportAccess, tiers []heldTier, action string) Decision {
	c := capabilityIndex[action]
	pfOff := c.PortForwarding && !sa.PortForwarding
	var best *heldTier
	for i := range tiers {
		if best == nil || TierRank(tiers[i].tier) > TierRank(best.tier) {
			best = &tiers[i]
		}
	}
	needs := fmt.Sprintf("%q needs tier %q", action, c.Tier)
	if pfOff {
		needs += " and port forwarding"
	}
	switch {
	case best != nil && TierRank(best.tier) >= TierRank(string(c.Tier)) && pfOff:
		return deny("Port forwarding is off in environment %q: %s holds tier %q, but %q also needs port_forwarding on the environment's support access. "+
			"Set port_forwarding = true on its warden_support_access.", env.Name, best.source(), best.tier, action)
	case TierRank(sa.Tier) < TierRank(string(c.Tier)):
		return deny("%s; the support access of environment %q allows at most tier %q.", needs, env.Name, sa.Tier)
	case best == nil:
		return deny("%s; no approved, unexpired access request gives this user a tier in environment %q. File one for tier %q.", needs, env.Name, c.Tier)
	case best.capped:
		return deny("%s; %s asked for tier %q, but the support access of environment %q now allows at most %q.",
			needs, best.source(), best.req.Tier, env.Name, best.tier)
	default:
		return deny("%s; %s holds only tier %q in environment %q. File an access request for tier %q.", needs, best.source(), best.tier, env.Name, c.Tier)
	}
}

// source names what gives a held tier, for reasons.
func (h heldTier) source() string {
	if h.req == nil {
		return "the standing support access"
	}
	return "approved access request " + h.req.ID
}

// SupportCapabilities lists the tier capabilities a vendor user holds in an environment at
// now, in catalogue order.
func (p *Policy) SupportCapabilities(userID, envID string, now time.Time) []string {
	out := []string{}
	if u := p.users[userID]; u == nil || u.Kind != KindVendor {
		return out
	}
	sa, tiers := p.vendorTiers(userID, envID, now)
	best := ""
	for _, h := range tiers {
		if TierRank(h.tier) > TierRank(best) {
			best = h.tier
		}
	}
	if best == "" {
		return out
	}
	return Capabilities(best, sa.PortForwarding)
}

// ActionSource is one reason an action is allowed.
type ActionSource struct {
	Action, Permission, GrantID, RoleID, RoleName, GroupID, GroupName string
}

// PlatformSource is one reason a platform permission is held: a role that lists it (or lists
// the X.admin that includes this X.read: ImpliedBy), held directly or through a group, or a
// built-in organization role (Owner), which holds every platform permission.
type PlatformSource struct {
	Permission, ImpliedBy, RoleID, RoleName, GroupID, GroupName string
	Owner                                                       bool
}

// EffectiveAccess is what a user or a group may do, and why: the matrix actions in one
// environment with each grant or organization role that allows them, the platform
// permissions with each role that gives them, and a vendor user's tier capabilities there.
type EffectiveAccess struct {
	Actions  []ActionSource
	Platform []PlatformSource
	Support  []string
}

// Effective answers for a user or a group (exactly one of userID, groupID) in an
// environment, every reason sorted.
func (p *Policy) Effective(envID, userID, groupID string, now time.Time) (EffectiveAccess, error) {
	ea := EffectiveAccess{Actions: []ActionSource{}, Platform: []PlatformSource{}, Support: []string{}}
	if p.envs[envID] == nil {
		return ea, ErrUnknownEnvironment
	}
	var roles []Held
	switch {
	case userID != "":
		if p.users[userID] == nil {
			return ea, ErrUnknownUser
		}
		roles = slices.Collect(p.held(userID))
		ea.Support = p.SupportCapabilities(userID, envID, now)
	default:
		if p.groups[groupID] == nil {
			return ea, ErrUnknownGroup
		}
		roles = slices.Collect(p.groupHeld(groupID))
	}
	for _, h := range roles {
		group := p.groupName(h.GroupID)
		if g := p.grants[grantKey{envID, h.Role.ID}]; g != nil {
			for _, a := range AllowedActions(g.Permissions) {
				ea.Actions = append(ea.Actions, ActionSource{Action: a, Permission: AllowingPermission(g.Permissions, a),
					GrantID: g.ID, RoleID: h.Role.ID, RoleName: h.Role.Name, GroupID: h.GroupID, GroupName: group})
			}
		}
		if h.Role.owner() {
			for _, a := range Actions() {
				ea.Actions = append(ea.Actions, ActionSource{Action: a, Permission: string(EnvironmentAdmin),
					RoleID: h.Role.ID, RoleName: h.Role.Name, GroupID: h.GroupID, GroupName: group})
			}
		}
		ea.Platform = append(ea.Platform, platformSources(h, group)...)
	}
	slices.SortFunc(ea.Actions, func(a, b ActionSource) int {
		return cmp.Or(cmp.Compare(a.Action, b.Action), cmp.Compare(a.RoleName, b.RoleName), cmp.Compare(a.GroupID, b.GroupID))
	})
	slices.SortFunc(ea.Platform, func(a, b PlatformSource) int {
		return cmp.Or(cmp.Compare(a.Permission, b.Permission), cmp.Compare(a.RoleName, b.RoleName), cmp.Compare(a.GroupID, b.GroupID),
			cmp.Compare(a.ImpliedBy, b.ImpliedBy))
	})
	return ea, nil
}

// platformSources lists the platform permissions one held role gives: an organization role
// every name of the catalogue (and every pattern: PlatformAllows), another role those it
// lists and the X.read each of its X.admin includes.
func platformSources(h Held, group string) []PlatformSource {
	src := PlatformSource{RoleID: h.Role.ID, RoleName: h.Role.Name, GroupID: h.GroupID, GroupName: group}
	var out []PlatformSource
	if h.Role.owner() {
		src.Owner = true
		for _, c := range catalogue {
			src.Permission = string(c.Name)
			out = append(out, src)
		}
		return out
	}
	for _, perm := range h.Role.Permissions {
		src.Permission, src.ImpliedBy = perm, ""
		out = append(out, src)
		if base, ok := strings.CutSuffix(perm, ".admin"); ok && IsPlatformPermission(base+".read") && !slices.Contains(h.Role.Permissions, base+".read") {
			src.Permission, src.ImpliedBy = base+".read", perm
			out = append(out, src)
		}
	}
	return out
}

// groupName is a group's name, "" for none (a role held directly).
func (p *Policy) groupName(id string) string {
	if g := p.groups[id]; g != nil {
		return g.Name
	}
	return ""
}

// needText is, per action, the permissions that allow it as the deny reason names them.
var needText = func() map[string]string {
	m := map[string]string{}
	for _, r := range matrix {
		m[r.Action] = strings.Join(permNames(r.Permissions), ", ")
	}
	return m
}()
