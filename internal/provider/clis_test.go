package provider

import (
	"context"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// The acceptance suite runs under several CLIs (make test): the machine's Terraform, a newer
// Terraform and OpenTofu, chosen by TF_ACC_TERRAFORM_PATH. OpenTofu numbers its releases on
// its own line, so tfversion.SkipBelow alone would run a Terraform-only feature (identity,
// list resources, actions) under OpenTofu 1.12 and fail for want of a feature it never had.

// underOpenTofu reports whether the suite runs under OpenTofu.
func underOpenTofu() bool {
	return os.Getenv("TF_ACC_PROVIDER_HOST") == "registry.opentofu.org" ||
		filepath.Base(os.Getenv("TF_ACC_TERRAFORM_PATH")) == "tofu"
}

// terraformOnly skips a test under OpenTofu and under Terraform older than minimum: the
// feature it tests exists only in Terraform from that version on (why names the feature).
func terraformOnly(minimum *version.Version, why string) tfversion.TerraformVersionCheck {
	return terraformOnlyCheck{minimum: minimum, why: why}
}

type terraformOnlyCheck struct {
	minimum *version.Version
	why     string
}

func (c terraformOnlyCheck) CheckTerraformVersion(_ context.Context, req tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	if underOpenTofu() {
		resp.Skip = c.why + " is a Terraform feature OpenTofu does not have"
		return
	}
	if req.TerraformVersion.LessThan(c.minimum) {
		resp.Skip = c.why + " needs Terraform " + c.minimum.String() + " or later, running " + req.TerraformVersion.String()
	}
}

// identityCLI skips a test under CLIs without resource identity: Terraform before 1.12 and
// OpenTofu before 1.12 (OpenTofu 1.12 reads identities and imports by them).
func identityCLI() tfversion.TerraformVersionCheck { return identityCheck{} }

type identityCheck struct{}

func (identityCheck) CheckTerraformVersion(_ context.Context, req tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	if req.TerraformVersion.LessThan(version1_12) {
		cli := "Terraform"
		if underOpenTofu() {
			cli = "OpenTofu"
		}
		resp.Skip = "resource identity needs Terraform or OpenTofu 1.12 or later, running " + cli + " " + req.TerraformVersion.String()
	}
}

// Versions features arrived in.
var (
	version1_12 = version.Must(version.NewVersion("1.12.0")) // resource identity (Terraform and OpenTofu)
	version1_14 = version.Must(version.NewVersion("1.14.0")) // list resources, actions (Terraform only)
)
