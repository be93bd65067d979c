# Every action a grant of ["deployment", "ops"] allows, sorted, computed at plan time from the
# provider's permissions matrix (no API call).
output "deployers_can" {
  value = provider::warden::allowed_actions(["deployment", "ops"])
}

# Guard a grant's intent in a variable validation.
variable "grant_permissions" {
  type    = list(string)
  default = ["tunnel"]

  validation {
    condition     = !contains(provider::warden::allowed_actions(var.grant_permissions), "databases.read_credentials")
    error_message = "This grant must not reveal database credentials."
  }
}
