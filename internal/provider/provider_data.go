package provider

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// providerData is what Configure hands to every resource and data source.
type providerData struct {
	Client *client.Client
	// Grants answers grant Reads from one listing per environment per command.
	Grants *grantReader
	// MatrixValidation false turns unknown-name findings into warnings (a newer server may know
	// names this build does not).
	MatrixValidation bool
	// TypeName is the provider's type name, the prefix of every resource type: resources
	// name their own type in the import blocks their errors suggest.
	TypeName string
	// VendorAccessExpiryWarning is how long before its expiry support access draws a plan
	// warning (the provider's vendor_access_expiry_warning); 0 never.
	VendorAccessExpiryWarning time.Duration
}

// resourceData extracts the provider's data in a resource's Configure; nil before the provider
// is configured (e.g. during validation), which callers treat as "no client yet".
func resourceData(req resource.ConfigureRequest, resp *resource.ConfigureResponse) *providerData {
	return castProviderData(req.ProviderData, &resp.Diagnostics)
}

// dataSourceData is resourceData for data sources.
func dataSourceData(req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) *providerData {
	return castProviderData(req.ProviderData, &resp.Diagnostics)
}

// castProviderData serves every kind of object: their Configure requests differ in type but
// carry the same value.
func castProviderData(v any, diags *diag.Diagnostics) *providerData {
	if v == nil {
		return nil
	}
	d, ok := v.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", v))
		return nil
	}
	return d
}
