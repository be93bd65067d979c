package provider

import (
	"context"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/client"
)

var (
	_ list.ListResource              = (*userListResource)(nil)
	_ list.ListResourceWithConfigure = (*userListResource)(nil)
)

// NewUserListResource returns the warden_user list resource.
func NewUserListResource() list.ListResource { return &userListResource{} }

type userListResource struct {
	client *client.Client
}

type userListResourceModel struct {
	Kind        types.String `tfsdk:"kind"`
	Email       types.String `tfsdk:"email"`
	EmailDomain types.String `tfsdk:"email_domain"`
}

func (l *userListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_user"
}

func (l *userListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists users, for `terraform query`: all of them, or those matching every filter given, e.g. every " +
			"vendor engineer. Each result is named `<name> <<email>>` (the e-mail address alone for a user without a name, " +
			"` (vendor)` after a vendor user) and identified by the user's `id`.",
		Attributes: map[string]schema.Attribute{
			"kind": schema.StringAttribute{
				MarkdownDescription: "Only users of this kind: " + mdList(access.UserKindNames()) + ".",
				Optional:            true,
				Validators:          []validator.String{oneOf(access.UserKindNames()...)},
			},
			"email": schema.StringAttribute{
				MarkdownDescription: "Only the user with this e-mail address, compared case-insensitively (the API's own filter).",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(3, 254)},
			},
			"email_domain": schema.StringAttribute{
				MarkdownDescription: "Only users whose e-mail address is at this domain (what follows the `@`, e.g. `vendor.example`), " +
					"compared case-insensitively.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.RegexMatches(domainPattern, `must be a domain without "@", e.g. "vendor.example"`)},
			},
		},
	}
}

func (l *userListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := resourceData(req, resp); d != nil {
		l.client = d.Client
	}
}

// List filters by kind and domain here: the API filters users by e-mail address only.
func (l *userListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg userListResourceModel
	if !readListConfig(ctx, req, l.client != nil, stream, &cfg) {
		return
	}
	domain := "@" + strings.ToLower(cfg.EmailDomain.ValueString())
	stream.Results = listWalk(req, "List Users", l.client.ListUsersSeq(ctx, client.ListUsersOptions{Email: cfg.Email.ValueString()}),
		func(u api.User, emit func(list.ListResult) bool) (bool, error) {
			if !matches(cfg.Kind, u.Kind) ||
				(!cfg.Email.IsNull() && access.EmailKey(cfg.Email.ValueString()) != access.EmailKey(u.Email)) ||
				(!cfg.EmailDomain.IsNull() && !strings.HasSuffix(strings.ToLower(u.Email), domain)) {
				return true, nil
			}
			var m userResourceModel
			m.fromAPI(&u)
			return emit(newListResult(ctx, req, userDisplayName(&u), idIdentity{ID: m.ID}, &m)), nil
		})
}

// domainPattern is what email_domain accepts: a domain, without the "@" or spaces.
var domainPattern = regexp.MustCompile(`^[^@\s]+$`)

// userDisplayName is "Alice Example <alice@example.com>", the address alone for a user
// without a name, with " (vendor)" for the vendor's engineers.
func userDisplayName(u *api.User) string {
	s := u.Email
	if u.Name != "" {
		s = u.Name + " <" + u.Email + ">"
	}
	if u.Kind == string(access.KindVendor) {
		s += " (vendor)"
	}
	return s
}
