package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Who may call what. The words below are the PRODUCT.md rules; the handlers enforce them
// (most need the object at hand, e.g. the environment of a grant), and operation() copies
// each into the route's OpenAPI description, so the document and the code cannot disagree
// about which routes exist: registering a route missing from this table panics at start.
const (
	accessPublic        = "Public: no authentication."
	accessAuthenticated = "Any authenticated principal."
	accessOwner         = "An organization owner: a principal holding the built-in role account_owner or deploy_owner."
	accessGrant         = "An owner, or a principal holding environment_admin in this environment. " +
		"Escalation rule: a non-owner grants only permissions it holds in this environment."
	accessAssign = "An owner; or users.admin (to assign to a user) / groups.admin (to assign to a group) " +
		"when the caller holds every permission of the role (platform permissions and its environment grants). " +
		"Built-in roles: owners only."
)

// routeAccess maps "METHOD /path" to the permission the route needs.
var routeAccess = map[string]string{
	"GET /v1/health":            accessPublic,
	"GET /v1/permission-matrix": accessAuthenticated,

	"POST /v1/environments":                      accessOwner,
	"GET /v1/environments":                       accessAuthenticated,
	"GET /v1/environments/{id}":                  accessAuthenticated,
	"PATCH /v1/environments/{id}":                accessOwner,
	"DELETE /v1/environments/{id}":               accessOwner,
	"GET /v1/environments/{id}/effective-access": accessAuthenticated,

	"POST /v1/users":        "users.admin.",
	"GET /v1/users":         "users.read (users.admin includes it).",
	"GET /v1/users/{id}":    "users.read (users.admin includes it), or the user itself.",
	"PATCH /v1/users/{id}":  "users.admin, holding every permission the user holds (no taking over a stronger account).",
	"DELETE /v1/users/{id}": "users.admin, holding every permission the user holds.",
	"POST /v1/users/{id}/tokens": "The user itself, or users.admin holding every permission the user holds. " +
		"The secret is returned once; an idempotent replay returns the token without it.",
	"DELETE /v1/users/{id}/tokens/{token_id}": "The user itself, or users.admin.",

	"POST /v1/groups":        "groups.admin.",
	"GET /v1/groups":         "groups.read (groups.admin includes it).",
	"GET /v1/groups/{id}":    "groups.read (groups.admin includes it).",
	"PATCH /v1/groups/{id}":  "groups.admin; changing members also needs every permission of the roles the group holds.",
	"DELETE /v1/groups/{id}": "groups.admin.",

	"POST /v1/roles":        accessOwner,
	"GET /v1/roles":         accessAuthenticated,
	"GET /v1/roles/{id}":    accessAuthenticated,
	"PATCH /v1/roles/{id}":  accessOwner + " Built-in roles cannot change.",
	"DELETE /v1/roles/{id}": accessOwner + " Built-in roles cannot be deleted.",

	"POST /v1/roles/{role_id}/assignments":                   accessAssign,
	"GET /v1/roles/{role_id}/assignments":                    accessAuthenticated,
	"GET /v1/roles/{role_id}/assignments/{assignment_id}":    accessAuthenticated,
	"DELETE /v1/roles/{role_id}/assignments/{assignment_id}": accessAssign,

	"POST /v1/environments/{id}/grants":             accessGrant,
	"GET /v1/environments/{id}/grants":              accessAuthenticated,
	"GET /v1/environments/{id}/grants/{role_id}":    accessAuthenticated,
	"PATCH /v1/environments/{id}/grants/{role_id}":  accessGrant,
	"DELETE /v1/environments/{id}/grants/{role_id}": accessGrant,

	"POST /v1/environments/{id}/support-access":   "cluster.admin.",
	"GET /v1/environments/{id}/support-access":    accessAuthenticated,
	"PATCH /v1/environments/{id}/support-access":  "cluster.admin.",
	"DELETE /v1/environments/{id}/support-access": "cluster.admin. Also revokes the environment's approved access requests.",

	"GET /v1/environments/{id}/alert-routing":    accessAuthenticated,
	"PUT /v1/environments/{id}/alert-routing":    "cluster.admin.",
	"DELETE /v1/environments/{id}/alert-routing": "cluster.admin. Restores the default: vendor routing on, no destinations.",

	"POST /v1/access-requests":              "A vendor-kind user (files for itself).",
	"GET /v1/access-requests":               "cluster.admin sees every request; a vendor user sees its own.",
	"GET /v1/access-requests/{id}":          "cluster.admin, or the requester.",
	"POST /v1/access-requests/{id}/approve": "cluster.admin.",
	"POST /v1/access-requests/{id}/deny":    "cluster.admin.",
	"POST /v1/access-requests/{id}/revoke":  "cluster.admin.",

	"POST /v1/authorize":   accessAuthenticated,
	"GET /v1/audit-events": "audit.read.",
}

// operation builds a huma operation whose description states the route's required
// permission from routeAccess.
func operation(method, path, id, summary string, status int) huma.Operation {
	rule, ok := routeAccess[method+" "+path]
	if !ok {
		panic("apiserver: route " + method + " " + path + " is missing from routeAccess")
	}
	tag := strings.Split(strings.TrimPrefix(path, "/v1/"), "/")[0]
	if strings.HasPrefix(path, "/v1/environments/{id}/") {
		tag = strings.Split(path, "/")[4]
	}
	op := huma.Operation{
		OperationID:   id,
		Method:        method,
		Path:          path,
		Summary:       summary,
		Description:   "**Required permission:** " + rule,
		Tags:          []string{tag},
		DefaultStatus: status,
		// The body limit is enforced once, by http.MaxBytesReader in withRequest.
		MaxBodyBytes: -1,
		Metadata:     map[string]any{},
	}
	if rule == accessPublic {
		op.Metadata["public"] = true
		// An empty requirement is OpenAPI's "no authentication" against the root default.
		op.Security = []map[string][]string{{}}
	} else {
		op.Security = []map[string][]string{{"bearer": {}}}
		op.Errors = []int{http.StatusUnauthorized, http.StatusForbidden}
	}
	if strings.Contains(path, "{") {
		op.Errors = append(op.Errors, http.StatusNotFound)
	}
	switch method {
	case http.MethodPost:
		op.Errors = append(op.Errors, http.StatusConflict)
	case http.MethodPatch, http.MethodPut, http.MethodDelete:
		op.Errors = append(op.Errors, http.StatusConflict, http.StatusPreconditionFailed)
	}
	if method != http.MethodGet {
		op.Errors = append(op.Errors, http.StatusRequestEntityTooLarge)
	}
	return op
}

// principal is the authenticated caller with every role it holds.
type principal struct {
	User  api.User
	Roles []HeldRole
}

type principalKey struct{}

func principalFrom(ctx context.Context) *principal {
	p, _ := ctx.Value(principalKey{}).(*principal)
	return p
}

// platform returns the platform permissions held (the union over all roles, direct and
// through groups) plus the name of any organization role, which access.PlatformAllows
// treats as holding everything.
func (p *principal) platform() []string {
	var out []string
	for _, h := range p.Roles {
		out = append(out, h.Role.Permissions...)
		if h.Role.Builtin && access.IsOrgRole(h.Role.Name) {
			out = append(out, h.Role.Name)
		}
	}
	return out
}

// ownerRole returns the organization role that makes p an owner.
func (p *principal) ownerRole() (HeldRole, bool) {
	for _, h := range p.Roles {
		if h.Role.Builtin && access.IsOrgRole(h.Role.Name) {
			return h, true
		}
	}
	return HeldRole{}, false
}

func (p *principal) owner() bool {
	_, ok := p.ownerRole()
	return ok
}

func (p *principal) has(perm string) bool { return access.PlatformAllows(p.platform(), perm) }

// require fails with 403 naming the permission unless p holds it.
func (p *principal) require(perm string) error {
	if p.has(perm) {
		return nil
	}
	return forbidden(fmt.Sprintf("This needs the platform permission %q, which you do not hold.", perm))
}

func (p *principal) requireOwner() error {
	if p.owner() {
		return nil
	}
	return forbidden("This needs an organization owner: the built-in role account_owner or deploy_owner.")
}

// authenticate is huma middleware: it resolves the bearer token to a principal, or
// answers 401 before any handler runs.
func (s *Server) authenticate(hapi huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		if public, _ := ctx.Operation().Metadata["public"].(bool); public {
			next(ctx)
			return
		}
		fail := func(detail string) {
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="warden"`)
			_ = huma.WriteErr(hapi, ctx, http.StatusUnauthorized, detail)
		}
		scheme, secret, ok := strings.Cut(ctx.Header("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			fail("Send an API token as Authorization: Bearer <token>.")
			return
		}
		var p principal
		err := s.store.View(ctx.Context(), func(tx Tx) error {
			tok, err := tx.TokenByHash(hashToken(strings.TrimSpace(secret)))
			if err != nil {
				return err
			}
			if tok.ExpiresAt != nil && !s.now().Before(*tok.ExpiresAt) {
				return ErrNotFound
			}
			if p.User, err = tx.User(tok.UserID); err != nil {
				return err
			}
			p.Roles, err = tx.HeldRoles(p.User.ID)
			return err
		})
		if errors.Is(err, ErrNotFound) {
			fail("The bearer token is unknown, revoked or expired.")
			return
		}
		if err != nil {
			_ = huma.WriteErr(hapi, ctx, http.StatusInternalServerError, "authentication failed", err)
			return
		}
		next(huma.WithValue(ctx, principalKey{}, &p))
	}
}

// envPermissions returns the environment permissions roles hold in environment envID,
// each with the grant and role that carry it.
func envGrants(tx Tx, roles []HeldRole, envID string) ([]heldGrant, error) {
	var out []heldGrant
	for _, h := range roles {
		g, err := tx.Grant(envID, h.Role.ID)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, heldGrant{Grant: g, Held: h})
	}
	return out, nil
}

// heldGrant is a grant reached through a role the principal holds.
type heldGrant struct {
	Grant api.Grant
	Held  HeldRole
}

// envHolds reports whether p holds every one of perms in envID: owners hold
// environment_admin everywhere and environment_admin covers every permission.
func envHolds(tx Tx, p *principal, envID string, perms []string) (bool, error) {
	if p.owner() {
		return true, nil
	}
	gs, err := envGrants(tx, p.Roles, envID)
	if err != nil {
		return false, err
	}
	var held []string
	for _, g := range gs {
		held = append(held, g.Grant.Permissions...)
	}
	if slices.Contains(held, string(access.EnvironmentAdmin)) {
		return true, nil
	}
	for _, perm := range perms {
		if !slices.Contains(held, perm) {
			return false, nil
		}
	}
	return true, nil
}

// coversRole enforces the escalation rule for handing a role to someone: the caller must
// hold every platform permission of the role and every environment permission the role's
// grants carry. Built-in roles make owners, so only owners hand them out.
func coversRole(tx Tx, p *principal, role api.Role) error {
	if p.owner() {
		return nil
	}
	if role.Builtin {
		return forbidden(fmt.Sprintf("Only an organization owner may hand out the built-in role %q.", role.Name))
	}
	for _, perm := range role.Permissions {
		if !p.has(perm) {
			return forbidden(fmt.Sprintf("Role %q carries the platform permission %q, which you do not hold; nobody hands out a permission they do not hold.", role.Name, perm))
		}
	}
	grants, err := tx.RoleGrants(role.ID)
	if err != nil {
		return err
	}
	for _, g := range grants {
		ok, err := envHolds(tx, p, g.EnvironmentID, g.Permissions)
		if err != nil {
			return err
		}
		if !ok {
			return forbidden(fmt.Sprintf("Role %q holds %s in environment %s, which you do not hold there; nobody hands out a permission they do not hold.",
				role.Name, strings.Join(g.Permissions, ", "), g.EnvironmentID))
		}
	}
	return nil
}

// coversUser is the escalation rule for acting on another user's account (tokens, email,
// deletion): the caller must hold everything the target holds, so that users.admin cannot
// mint itself an owner's token.
func coversUser(tx Tx, p *principal, userID string) error {
	if p.owner() || p.User.ID == userID {
		return nil
	}
	roles, err := tx.HeldRoles(userID)
	if err != nil {
		return err
	}
	for _, h := range roles {
		if err := coversRole(tx, p, h.Role); err != nil {
			return forbidden("The user holds permissions you do not hold (" + err.Error() + ")")
		}
	}
	return nil
}
