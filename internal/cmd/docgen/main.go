// Command docgen writes the documentation pages generated from internal/access (run by
// `go generate` from main.go, before tfplugindocs renders templates/ into docs/).
//
//	go run ./internal/cmd/docgen -out templates/guides/permissions-reference.md.tmpl
package main

import (
	"flag"
	"log"
	"os"

	"github.com/wardenhq/terraform-provider-warden/internal/docgen"
)

func main() {
	out := flag.String("out", docgen.PermissionsReferencePath, "where to write the permissions reference guide template")
	flag.Parse()
	if err := os.WriteFile(*out, docgen.PermissionsReference(), 0o644); err != nil {
		log.Fatal(err)
	}
}
