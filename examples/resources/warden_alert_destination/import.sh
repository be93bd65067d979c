# An alert destination imports by <environment_id>/<type>/<target>; the target may contain slashes.
terraform import warden_alert_destination.payments_oncall env_p3h6w2k8m4q9t5x7zbjdnfrc2v/webhook/https://hooks.example.com/payments
