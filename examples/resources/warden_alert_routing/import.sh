# The import ID is the environment's id: an environment has exactly one alert routing.
terraform import warden_alert_routing.example <environment_id>
