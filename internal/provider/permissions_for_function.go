package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/function"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
)

var _ function.Function = (*permissionsForFunction)(nil)

// NewPermissionsForFunction returns provider::warden::permissions_for.
func NewPermissionsForFunction() function.Function { return &permissionsForFunction{} }

type permissionsForFunction struct{}

func (f *permissionsForFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "permissions_for"
}

func (f *permissionsForFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Environment permissions that allow an action",
		MarkdownDescription: "Returns the environment permissions that allow `action` (any one of them suffices), " +
			"`environment_admin` first, as in the permissions matrix. An unknown action is an error naming it, with a suggestion.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "action",
				MarkdownDescription: "A permissions matrix action, `<resource>.<action>`, e.g. `apps.deploy`.",
			},
		},
		Return: function.ListReturn{ElementType: typesString},
	}
}

func (f *permissionsForFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var action string
	resp.Error = function.ConcatFuncErrors(req.Arguments.Get(ctx, &action))
	if resp.Error != nil {
		return
	}
	perms, ok := access.PermissionsFor(action)
	if !ok {
		fs := access.ValidateGrant([]string{"environment_admin"}, []string{action})
		resp.Error = function.NewArgumentFuncError(0, fs[0].Message+" "+fs[0].Fix)
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Result.Set(ctx, perms))
}
