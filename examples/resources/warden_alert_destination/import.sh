# An alert destination imports by <environment_id>/<type>/<target> (the target may contain slashes), or by its state id <environment_id>/<type>/<digest>, which names the target by the first 16 hex digits of its SHA-256 so that a secret in a webhook URL never shows.
terraform import warden_alert_destination.payments_oncall env_p3h6w2k8m4q9t5x7zbjdnfrc2v/webhook/https://hooks.example.com/payments
terraform import warden_alert_destination.payments_oncall env_p3h6w2k8m4q9t5x7zbjdnfrc2v/webhook/5d41402abc4b2a76
