data "warden_permission_matrix" "current" {}

# Which permissions allow each action, e.g. for a generated access review document.
output "matrix" {
  value = { for row in data.warden_permission_matrix.current.actions : row.action => row.permissions }
}

# Fail the run early when the provider validates against a different matrix than the server.
check "matrix_version" {
  assert {
    condition     = data.warden_permission_matrix.current.provider_version_matches
    error_message = "The Warden server runs permission matrix ${data.warden_permission_matrix.current.version}; upgrade the provider."
  }
}
