# A role assignment is imported as <role_id>/<assignment_id>.
terraform import warden_role_assignment.example role_d5m8q2w7k4x9t3z6vbhnjcfr4p/asg_t4k9m2x7q5w8z3v6bnhdjcfr7m
