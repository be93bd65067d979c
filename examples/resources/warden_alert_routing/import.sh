# Alert routing imports by its environment's id, which is also its state id: an environment has exactly one alert routing.
terraform import warden_alert_routing.example env_0123456789
