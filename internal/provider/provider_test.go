package provider

import (
	"os"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
)

// testAccProtoV6ProviderFactories serves this build of the provider to terraform-plugin-testing.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"warden": providerserver.NewProtocol6WithError(New("test")()),
}

func TestMain(m *testing.M) {
	acctest.UseLocalTerraform()
	os.Exit(m.Run())
}
