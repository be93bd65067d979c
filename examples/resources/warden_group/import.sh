# A group is imported by its id.
terraform import warden_group.example grp_p3h6w2k8m4q9t5x7zbjdnfrc2v
