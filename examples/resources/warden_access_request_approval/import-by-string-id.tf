# Adopt an approval made outside Terraform by the access request's id.
import {
  to = warden_access_request_approval.incident
  id = "arq_0123456789"
}
