# After changing where production's alerts go, check that they arrive, with
#   terraform apply -invoke=action.warden_send_test_alert.production
# (Terraform 1.14 or later). Critical, the default severity, reaches every destination; with
# vendor_routing on, the vendor's on-call is paged too (the alert is marked as a test).
data "warden_environment" "prod" {
  name = "production"
}

action "warden_send_test_alert" "production" {
  config {
    environment_id = data.warden_environment.prod.id
    summary        = "Testing the new on-call webhook (CHG-1042)"
  }
}

# A warning reaches only the destinations that take warnings: the progress messages say
# which ones were left out, and why. A slow receiver gets five minutes.
action "warden_send_test_alert" "warnings" {
  config {
    environment_id = data.warden_environment.prod.id
    severity       = "warning" # info | warning | error | critical
    timeout        = "5m"
  }
}
