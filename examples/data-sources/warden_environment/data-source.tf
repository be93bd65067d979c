# Look an environment up by name (or by id).
data "warden_environment" "production" {
  name = "production"
}

output "production_cloud" {
  value = data.warden_environment.production.cloud
}
