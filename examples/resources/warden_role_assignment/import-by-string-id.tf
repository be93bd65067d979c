# Adopt an assignment by its principal (<role_id>/user/<user_id> or <role_id>/group/<group_id>):
# no need to know the assignment's own id.
import {
  to = warden_role_assignment.sre_deployers
  id = "role_d5m8q2w7k4x9t3z6vbhnjcfr4p/group/grp_p3h6w2k8m4q9t5x7zbjdnfrc2v"
}

# Or by the assignment's id, with or without the role's id in front.
import {
  to = warden_role_assignment.alice_deploy_owner
  id = "asg_t4k9m2x7q5w8z3v6bnhdjcfr7m"
}
