# Terraform 1.12 and later: adopt an existing group by its identity, its id.
import {
  to = warden_group.sre
  identity = {
    id = "grp_p3h6w2k8m4q9t5x7zbjdnfrc2v"
  }
}
