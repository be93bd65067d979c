// Command terraform-provider-warden serves the Warden Terraform provider over plugin protocol 6.
package main

import (
	"flag"
	"fmt"
	"log"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/wardenhq/terraform-provider-warden/internal/provider"
)

// Generate the documentation: first the guide generated from internal/access (the permissions
// matrix, the platform catalogue and the tiers), then docs/ from the schemas, examples/ and
// templates/ (offline, with the terraform on PATH: `make generate` puts Terraform 1.14 first, as
// older CLIs do not report identity, list resource and action schemas).
//go:generate go run ./internal/cmd/docgen -out templates/guides/permissions-reference.md.tmpl
//go:generate go tool -modfile=internal/tools/go.mod tfplugindocs generate --provider-name warden

// version is set by the release build (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	var debug, printVersion bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.BoolVar(&printVersion, "version", false, "print the version and exit")
	flag.Parse()
	if printVersion {
		// Terraform starts the provider itself; run by hand, this says which build it is.
		fmt.Println("terraform-provider-warden", version)
		return
	}

	provider.TuneRuntime()
	stopProfiles := provider.StartProfiles()
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	// The framework's server, through provider.NewProtocol6Server: see there why.
	err := tf6server.Serve("registry.terraform.io/wardenhq/warden", provider.NewProtocol6Server(version), opts...)
	stopProfiles()
	if err != nil {
		log.Fatal(err.Error())
	}
}
