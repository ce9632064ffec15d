package transcript

// Action is something a user may be allowed to do.
type Action string

// Actions checked by Can.
const (
	ActionRead          Action = "read"           // read hearings, segments, history, exports
	ActionEdit          Action = "edit"           // edit segments, add notes (clerk of the hearing)
	ActionLifecycle     Action = "lifecycle"      // start, recess, resume, close (clerk of the hearing)
	ActionFinalize      Action = "finalize"       // finalize (clerk of the hearing)
	ActionCorrect       Action = "correct"        // 补正 after signing (clerk of the hearing)
	ActionSign          Action = "sign"           // sign (judge on the hearing's bench, the hearing's clerk)
	ActionManageHearing Action = "manage_hearing" // create and update hearings (admin)
	ActionManageUsers   Action = "manage_users"   // add, disable users (admin)
	ActionManageAgents  Action = "manage_agents"  // capture agents, devices, courtroom tokens (technician)
)

// Can reports whether the user may do the action on the hearing (nil for actions that are not
// about one hearing). The rules:
//
//   - disabled users can do nothing;
//   - everyone (signed in) may read;
//   - clerks edit, run the lifecycle, finalize and correct only hearings where they are the
//     clerk;
//   - judges sign only hearings where they sit on the bench;
//   - technicians manage agents and devices;
//   - admins manage users and hearings (but do not edit, finalize or sign records).
func Can(u *User, a Action, h *Hearing) bool {
	if u == nil || u.Disabled || !u.Role.Valid() {
		return false
	}
	switch a {
	case ActionRead:
		return true
	case ActionEdit, ActionLifecycle, ActionFinalize, ActionCorrect:
		return u.Role == RoleClerk && h != nil && h.Clerk == u.Name
	case ActionSign: // the whole panel and the clerk sign the record
		return h != nil && (u.Role == RoleJudge && h.OnBench(u.Name) || u.Role == RoleClerk && h.Clerk == u.Name)
	case ActionManageHearing, ActionManageUsers:
		return u.Role == RoleAdmin
	case ActionManageAgents:
		return u.Role == RoleTechnician
	}
	return false
}
