# An approval imports by the access request's id, which is also its state id.
terraform import warden_access_request_approval.example arq_0123456789
