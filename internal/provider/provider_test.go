package provider

import (
	"os"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/wardenhq/terraform-provider-warden/internal/acctest"
	"github.com/wardenhq/terraform-provider-warden/internal/pgtest"
)

// testAccProtoV6ProviderFactories serves this build of the provider to terraform-plugin-testing.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"warden": NewProtocol6ServerWithError("test"),
}

func TestMain(m *testing.M) {
	acctest.UseLocalTerraform()
	os.Exit(pgtest.Main(m)) // stops the throwaway PostgreSQL of a WARDEN_TEST_STORE=postgres run
}
