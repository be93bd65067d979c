# An approval is imported by the access request's id.
terraform import warden_access_request_approval.example arq_0123456789
