# Terraform 1.12 and later: adopt a destination by its identity, which names the target by
# the first 16 hex digits of its SHA-256 (the last part of the resource's id), so that a
# secret in a webhook URL never shows in the identity.
import {
  to = warden_alert_destination.payments_oncall
  identity = {
    environment_id = "env_p3h6w2k8m4q9t5x7zbjdnfrc2v"
    type           = "webhook"
    target_digest  = substr(sha256("https://hooks.example.com/payments"), 0, 16)
  }
}
