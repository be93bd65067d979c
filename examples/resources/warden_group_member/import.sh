# A group member imports by <group_id>/<user_id>.
terraform import warden_group_member.carol grp_p3h6w2k8m4q9t5x7zbjdnfrc2v/usr_k2m8q4w6z9x3t5b7hjdnfrc2vp
