list "warden_environment" "production" {
  provider = warden

  config {
    name = "production"
  }
}

# Which roles may deploy in production, whichever permission allows it.
list "warden_environment_grant" "deploy_in_production" {
  provider = warden

  config {
    environment_id = list.warden_environment.production.data[0].identity.id
    action         = "apps.deploy"
  }
}

# Every grant of one environment permission, in every environment, with its permissions.
list "warden_environment_grant" "tunnels" {
  provider         = warden
  include_resource = true

  config {
    permission = "tunnel"
  }
}
