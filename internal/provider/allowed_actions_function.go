package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/function"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
)

var _ function.Function = (*allowedActionsFunction)(nil)

// NewAllowedActionsFunction returns provider::warden::allowed_actions.
func NewAllowedActionsFunction() function.Function { return &allowedActionsFunction{} }

type allowedActionsFunction struct{}

func (f *allowedActionsFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "allowed_actions"
}

func (f *allowedActionsFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Actions that a set of environment permissions allows",
		MarkdownDescription: "Returns, sorted, every action of the permissions matrix that a grant holding `permissions` allows — " +
			"the same list a `warden_environment_grant` computes into `allowed_actions`. An unknown permission is an error naming it.",
		Parameters: []function.Parameter{
			function.ListParameter{
				Name:                "permissions",
				ElementType:         typesString,
				MarkdownDescription: "Environment permissions, e.g. `[\"deployment\", \"ops\"]`; any of " + mdList(access.PermissionNames()) + ".",
			},
		},
		Return: function.ListReturn{ElementType: typesString},
	}
}

func (f *allowedActionsFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var perms []string
	resp.Error = function.ConcatFuncErrors(req.Arguments.Get(ctx, &perms))
	if resp.Error != nil {
		return
	}
	for _, p := range perms {
		if !access.IsPermission(p) {
			fs := access.ValidateGrant([]string{p}, nil)
			resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("%q is not an environment permission. %s", p, fs[0].Fix))
			return
		}
	}
	resp.Error = function.ConcatFuncErrors(resp.Result.Set(ctx, access.AllowedActions(perms)))
}
