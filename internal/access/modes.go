package access

// Who manages a group's members (or an environment's alert destinations). Two modules that
// each own the whole list silently undo each other, and one that adds to a list another owns
// sees its addition removed by the next apply. So a list is owned either as a whole
// (authoritative: warden_group.members, warden_alert_routing.destinations) or item by item
// (additive: warden_group_member, warden_alert_destination), never both; the API records
// which, and refuses the other. The provider asks the same functions at plan time.

// ListMode is how a list is being managed.
type ListMode string

const (
	// ModeUnmanaged: nobody has claimed the list yet (or the last additive item went).
	ModeUnmanaged ListMode = ""
	// ModeAuthoritative: the list was written as a whole.
	ModeAuthoritative ListMode = "authoritative"
	// ModeAdditive: items were added one at a time.
	ModeAdditive ListMode = "additive"
)

// CodeModeConflict is the problem code of a write in one mode on a list owned in the other.
const CodeModeConflict = "membership_mode_conflict"

// modeConflict is the one rule for both lists: an additive write on an authoritative list
// would be undone by the next apply of its owner, and an authoritative write on a list with
// additive items would wipe them; an additive list emptied of its items is free again.
func modeConflict(cur, wanted ListMode, items int) bool {
	switch wanted {
	case ModeAdditive:
		return cur == ModeAuthoritative
	case ModeAuthoritative:
		return cur == ModeAdditive && items > 0
	}
	return false
}

// CanWriteMembers refuses a members write in mode wanted on the group named group, whose
// members are managed in mode cur and number members.
func CanWriteMembers(group string, cur, wanted ListMode, members int) *Denial {
	if !modeConflict(cur, wanted, members) {
		return nil
	}
	const both = "Manage this group's members either with warden_group.members or with warden_group_member resources, not both"
	if wanted == ModeAdditive {
		return newDenial(Conflict, CodeModeConflict, "group_id",
			"Group %q's members are managed authoritatively (warden_group.members sets the complete set), so the next apply "+
				"of that warden_group would remove a member added by warden_group_member. %s: add the user to the warden_group's "+
				"members, or leave members out of the warden_group (and apply) before using warden_group_member.", group, both)
	}
	return newDenial(Conflict, CodeModeConflict, "members",
		"Group %q has %d member(s) added one at a time (warden_group_member, additive); a complete member set from "+
			"warden_group.members would remove them. %s: leave members out of the warden_group, or destroy the "+
			"warden_group_member resources first.", group, members, both)
}

// CanWriteDestinations is CanWriteMembers for an environment's alert destinations.
func CanWriteDestinations(env string, cur, wanted ListMode, destinations int) *Denial {
	if !modeConflict(cur, wanted, destinations) {
		return nil
	}
	const both = "Manage this environment's alert destinations either with warden_alert_routing.destinations or with " +
		"warden_alert_destination resources, not both"
	if wanted == ModeAdditive {
		return newDenial(Conflict, CodeModeConflict, "environment_id",
			"Environment %q's alert destinations are managed authoritatively (warden_alert_routing.destinations sets the "+
				"complete set), so the next apply of that warden_alert_routing would remove a destination added by "+
				"warden_alert_destination. %s: add it to the warden_alert_routing's destinations, or leave destinations out "+
				"of the warden_alert_routing (and apply) before using warden_alert_destination.", env, both)
	}
	return newDenial(Conflict, CodeModeConflict, "destinations",
		"Environment %q has %d alert destination(s) added one at a time (warden_alert_destination, additive); a complete "+
			"set from warden_alert_routing.destinations would remove them. %s: leave destinations out of the "+
			"warden_alert_routing, or destroy the warden_alert_destination resources first.", env, destinations, both)
}
