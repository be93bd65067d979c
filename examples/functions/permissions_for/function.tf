# The environment permissions that allow apps.deploy (any one suffices):
# ["environment_admin", "deployment"].
output "deploy_needs" {
  value = provider::warden::permissions_for("apps.deploy")
}

# The narrowest permission that allows restarting databases, skipping environment_admin.
locals {
  restart_permissions = [for p in provider::warden::permissions_for("databases.restart") : p if p != "environment_admin"]
}
