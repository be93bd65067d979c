data "warden_environment" "prod" {
  name = "production"
}

# The routing of production and its credentials, whoever manages the routing: a module that
# only adds destinations wires its monitoring and its receivers from these. Needs cluster.admin.
data "warden_alert_routing" "prod" {
  environment_id = data.warden_environment.prod.id
}

# Alertmanager's receiver for Warden: the ingest URL, with the ingest key as bearer token.
output "alertmanager_receiver" {
  sensitive = true
  value = {
    name = "warden"
    webhook_configs = [{
      url           = data.warden_alert_routing.prod.ingest_url
      http_config   = { authorization = { type = "Bearer", credentials = data.warden_alert_routing.prod.ingest_key } }
      send_resolved = true
    }]
  }
}

# For a webhook receiver, which verifies each delivery's webhook-signature header with it.
output "webhook_signing_secret" {
  sensitive = true
  value     = data.warden_alert_routing.prod.signing_secret
}
