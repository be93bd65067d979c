# Terraform 1.12 and later: adopt an assignment by its identity, the role and its principal:
# exactly one of user_id and group_id.
import {
  to = warden_role_assignment.alice_deployers
  identity = {
    role_id = "role_d5m8q2w7k4x9t3z6vbhnjcfr4p"
    user_id = "usr_k7x2m9q4t8w3z5v6bdnrcgd4fh"
  }
}

import {
  to = warden_role_assignment.sre_deployers
  identity = {
    role_id  = "role_d5m8q2w7k4x9t3z6vbhnjcfr4p"
    group_id = "grp_p3h6w2k8m4q9t5x7zbjdnfrc2v"
  }
}
