package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

// What the actions share: the plan's check of environment_id and the progress messages of
// an invocation.

// checkEnvironment reads environment_id at plan, when it is known: an environment that does
// not exist fails the plan; a read that fails otherwise only warns, since the API checks
// again when the action runs.
func checkEnvironment(ctx context.Context, c *client.Client, id types.String, diags *diag.Diagnostics) {
	envID, ok := knownString(id)
	if !ok {
		return
	}
	_, err := c.GetEnvironment(ctx, envID)
	switch {
	case errors.Is(err, client.ErrNotFound):
		diags.AddAttributeError(path.Root("environment_id"), "Environment Not Found",
			fmt.Sprintf("No environment has the id %q. Refer to a warden_environment resource or data source, e.g. warden_environment.prod.id.",
				envID))
	case err != nil:
		diags.AddAttributeWarning(path.Root("environment_id"), "Unable to Check the Environment",
			fmt.Sprintf("The plan could not read the environment (%s); the Warden API will check it when the action runs.", err))
	}
}

// progressOf sends one progress message of an invocation to Terraform, which shows it as
// it comes.
func progressOf(resp *action.InvokeResponse) func(format string, args ...any) {
	return func(format string, args ...any) {
		if resp.SendProgress != nil {
			resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf(format, args...)})
		}
	}
}
