# Terraform 1.12 and later: adopt a membership by its identity, the group and the user.
import {
  to = warden_group_member.carol
  identity = {
    group_id = "grp_p3h6w2k8m4q9t5x7zbjdnfrc2v"
    user_id  = "usr_k2m8q4w6z9x3t5b7hjdnfrc2vp"
  }
}
