package access

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Who can: the reverse of Authorize. For one environment and one action (a matrix action or
// a tier capability), every user who may do it there, each with every way it may, in the
// order Authorize prefers them: the first reason is the one POST /v1/authorize names. It walks
// from the environment's grants to the roles' holders (and from its support access to the
// vendors), so that its cost follows the answer rather than the organization's size.

// ErrUnknownAction is returned for a name that is neither a matrix action nor a tier
// capability.
var ErrUnknownAction = errors.New("unknown action")

// Holder is one user who may do an action in an environment, and every reason it may.
type Holder struct {
	User User
	Via  []Via
}

// WhoCan lists every user who may do action in environment envID at now, sorted by e-mail.
// Members hold matrix actions through grants and organization roles; vendor users hold tier
// capabilities, on the resources carrying the environment's prefix (as Authorize answers for
// such a resource).
func (p *Policy) WhoCan(envID, action string, now time.Time) ([]Holder, error) {
	env := p.envs[envID]
	if env == nil {
		return nil, ErrUnknownEnvironment
	}
	var reasons map[string][]Via
	switch {
	case IsCapability(action):
		reasons = p.vendorHolders(env, action, now)
	case IsAction(action):
		reasons = p.memberHolders(env, action)
	default:
		return nil, ErrUnknownAction
	}
	out := make([]Holder, 0, len(reasons))
	if len(reasons)*4 < len(p.users) {
		// A few holders: sorting them beats walking every user.
		for id, vias := range reasons {
			out = append(out, Holder{User: *p.users[id], Via: vias})
		}
		slices.SortFunc(out, func(a, b Holder) int { return byUser(a.User, b.User) })
		return out, nil
	}
	for _, u := range p.usersByEmail() {
		if vias, ok := reasons[u.ID]; ok {
			out = append(out, Holder{User: *u, Via: vias})
		}
	}
	return out, nil
}

// memberHolders collects, for each member holding a role whose grant here allows action or
// an organization role, every such reason.
func (p *Policy) memberHolders(env *Environment, action string) map[string][]Via {
	need, _ := actionSet(action)
	reasons := make(map[string][]Via, len(p.users)/4)
	// base is what every holder's reason shares (grantVia's, or ownerVia's, without the
	// group): made once per grant, not once per holder.
	add := func(r *Role, base Via) {
		p.holders(r, func(u *User, groupID, groupName string) {
			v := base
			v.GroupID, v.GroupName = groupID, groupName
			vias := reasons[u.ID]
			if vias == nil {
				vias = make([]Via, 0, 2)
			}
			reasons[u.ID] = append(vias, v)
		})
	}
	for _, g := range p.envGrants[env.ID] {
		if r := p.roles[g.RoleID]; r != nil && g.set&need != 0 {
			add(r, p.grantVia(Held{Role: r}, g, action))
		}
	}
	for _, r := range p.roles {
		if r.owner() {
			add(r, p.ownerVia(Held{Role: r}))
		}
	}
	for _, vias := range reasons {
		if len(vias) > 1 {
			slices.SortFunc(vias, byReason)
		}
	}
	return reasons
}

// holders calls fn for every member user holding r, once per way: directly (groupID ""), or
// through each group it is a member of, as held yields them.
func (p *Policy) holders(r *Role, fn func(u *User, groupID, groupName string)) {
	for _, a := range p.roleAssignments[r.ID] {
		if a.UserID != "" {
			if u := p.users[a.UserID]; u != nil && u.Kind != KindVendor {
				fn(u, "", "")
			}
			continue
		}
		g := p.groups[a.GroupID]
		if g == nil {
			continue
		}
		for _, m := range g.Members {
			if u := p.users[m]; u != nil && u.Kind != KindVendor {
				fn(u, g.ID, g.Name)
			}
		}
	}
}

// vendorHolders collects, for each vendor user holding a tier here that allows capability,
// every held tier that does, in the order Authorize tries them.
func (p *Policy) vendorHolders(env *Environment, capability string, now time.Time) map[string][]Via {
	sa := p.support[env.ID]
	if sa == nil || Expired(sa.ExpiresAt, now) || env.ResourcePrefix == "" {
		return nil
	}
	reasons := map[string][]Via{}
	hold := func(u *User) {
		if u == nil || u.Kind != KindVendor || reasons[u.ID] != nil {
			return
		}
		if vias := p.tierReasons(u.ID, env.ID, capability, now); len(vias) > 0 {
			reasons[u.ID] = vias
		}
	}
	if sa.Standing {
		for _, u := range p.users {
			hold(u)
		}
		return reasons
	}
	for _, r := range p.envRequests[env.ID] {
		if r.Status == RequestApproved {
			hold(p.users[r.RequesterID])
		}
	}
	return reasons
}

// tierReasons is every held tier of a vendor in an environment that allows capability.
func (p *Policy) tierReasons(userID, envID, capability string, now time.Time) []Via {
	sa, tiers := p.vendorTiers(userID, envID, now)
	var out []Via
	for _, h := range tiers {
		if capabilityIn(capability, h.tier, sa.PortForwarding) {
			out = append(out, tierVia(sa, h, capability))
		}
	}
	return out
}

// ValidateWhoCanAction checks the action of a who-can question: a matrix action or a tier
// capability.
func ValidateWhoCanAction(field, action string) []Finding {
	if IsAction(action) || IsCapability(action) {
		return nil
	}
	names := Actions()
	for _, c := range capabilities {
		names = append(names, c.Name)
	}
	return []Finding{newFinding(SeverityError, CodeUnknownAction, field, action,
		fmt.Sprintf("%q is neither an action of the permissions matrix nor a vendor tier capability.", action),
		suggest(action, names, "use an action such as apps.deploy (warden_permission_matrix lists them) or a capability such as operator.reboot_host"))}
}

// CanReadWhoCan is the rule for asking who may do action: it reads the access of every
// principal who holds it, so it needs what reading each of them needs (CanReadAccessOf).
// Matrix actions are held by members only: users.read. Tier capabilities by vendor users
// only: cluster.admin, who decides vendor access. An answer is never narrowed to the holders
// the caller may read, since a reviewer would take a partial list for the whole.
func CanReadWhoCan(pr *Principal, action string) *Denial {
	if IsCapability(action) {
		if pr.holds(ClusterAdmin) {
			return nil
		}
		return forbid("Who holds a vendor tier capability is vendor users' access (their approved requests, tier and expiry), which needs the platform permission %q; you do not hold it.", ClusterAdmin)
	}
	if pr.holds(UsersRead) {
		return nil
	}
	return forbid("Who may do an action lists other users' access, which needs the platform permission %q; you do not hold it. warden_effective_access answers about yourself.", UsersRead)
}
