# A group imports by its id (its state id), e.g. from the warden_group data source.
terraform import warden_group.example grp_p3h6w2k8m4q9t5x7zbjdnfrc2v
