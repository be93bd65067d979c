# A role assignment imports as <role_id>/user/<user_id>, <role_id>/group/<group_id>, <role_id>/<assignment_id> or <assignment_id>.
# By its principal: no need to know the assignment's id.
terraform import warden_role_assignment.alice_deployers role_d5m8q2w7k4x9t3z6vbhnjcfr4p/user/usr_k7x2m9q4t8w3z5v6bdnrcgd4fh
terraform import warden_role_assignment.sre_deployers role_d5m8q2w7k4x9t3z6vbhnjcfr4p/group/grp_p3h6w2k8m4q9t5x7zbjdnfrc2v
# By the assignment's id (its state id), with or without the role's id in front.
terraform import warden_role_assignment.example role_d5m8q2w7k4x9t3z6vbhnjcfr4p/asg_t4k9m2x7q5w8z3v6bnhdjcfr7m
terraform import warden_role_assignment.example asg_t4k9m2x7q5w8z3v6bnhdjcfr7m
