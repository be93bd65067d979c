data "warden_environment" "prod" {
  name = "production"
}

# The deliveries of production's alerts that every attempt of the retry schedule failed:
# fix the receiver, then retry them. alert_id narrows the list to one alert's (e.g. a test
# alert's, which warden_send_test_alert names).
data "warden_alert_deliveries" "failed" {
  environment_id = data.warden_environment.prod.id
  status         = "failed" # pending | delivered | failed | gone | undeliverable
}

output "failed_deliveries" {
  value = [for d in data.warden_alert_deliveries.failed.deliveries : "${d.id} (${d.kind}, ${d.attempt_count} attempts): ${coalesce(d.last_error, "-")}"]
}
