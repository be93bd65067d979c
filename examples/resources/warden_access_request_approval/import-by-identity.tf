# Terraform 1.12 and later: adopt an approval made outside Terraform by its identity, the
# access request's id.
import {
  to = warden_access_request_approval.incident
  identity = {
    access_request_id = "arq_0123456789"
  }
}
