data "warden_environment" "production" {
  name = "production"
}

# Additive: the environment's other destinations (from other modules) are left alone, and
# destroying this removes only this webhook. The environment's warden_alert_routing, if any,
# must leave destinations out: one environment, one way of managing destinations.
resource "warden_alert_destination" "payments_oncall" {
  environment_id = data.warden_environment.production.id
  type           = "webhook"
  target         = "https://hooks.example.com/payments"
  min_severity   = "critical"
}
