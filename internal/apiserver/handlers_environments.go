package apiserver

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// envCreateFindings: an omitted resource_prefix takes the default, so only a given one is
// judged.
func envCreateFindings(b api.EnvironmentCreate) []access.Finding {
	fs := access.ValidateOptionalName("name", b.Name)
	if b.ResourcePrefix != "" {
		fs = append(fs, access.ValidateResourcePrefix(b.ResourcePrefix)...)
	}
	return fs
}

type envCreateInput struct {
	IdempotencyParam
	Body api.EnvironmentCreate
}

// Resolve validates the cloud, the name and the resource prefix with the words of
// internal/access, before (and alongside) huma's own shape checks.
func (in *envCreateInput) Resolve(huma.Context) []error {
	return findingErrors(append(access.ValidateCloud(in.Body.Cloud), envCreateFindings(in.Body)...))
}

type envIDInput struct {
	ID string `path:"id" doc:"The environment id."`
}

type envListInput struct {
	PageParams
	Name string `query:"name" doc:"Only the environment with exactly this name."`
}

type envUpdateInput struct {
	IfMatchParam
	IdempotencyParam
	ID   string `path:"id" doc:"The environment id."`
	Body api.EnvironmentUpdate
}

// Resolve refuses an empty resource_prefix explicitly: in a PATCH it would not mean
// "default" but "scope vendor access to nothing".
func (in *envUpdateInput) Resolve(huma.Context) []error {
	fs := optional(in.Body.Name, nameRule("name"))
	fs = append(fs, optional(in.Body.ResourcePrefix, access.ValidateResourcePrefix)...)
	return findingErrors(fs)
}

type envDeleteInput struct {
	IfMatchParam
	IdempotencyParam
	ID string `path:"id" doc:"The environment id."`
}

func (s *Server) registerEnvironments(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodPost, "/v1/environments", "create-environment", "Create an environment (and its default alert routing)", http.StatusCreated), s.createEnvironment)
	huma.Register(hapi, operation(http.MethodGet, "/v1/environments", "list-environments", "List environments", http.StatusOK), s.listEnvironments)
	huma.Register(hapi, operation(http.MethodGet, "/v1/environments/{id}", "get-environment", "Read an environment", http.StatusOK), s.getEnvironment)
	huma.Register(hapi, operation(http.MethodPatch, "/v1/environments/{id}", "update-environment", "Rename an environment or change its resource prefix (cloud cannot change)", http.StatusOK), s.updateEnvironment)
	huma.Register(hapi, operation(http.MethodDelete, "/v1/environments/{id}", "delete-environment", "Delete an environment with its grants, support access, alert routing and access requests", http.StatusNoContent), s.deleteEnvironment)
}

func (s *Server) createEnvironment(ctx context.Context, in *envCreateInput) (*objectOutput[api.Environment], error) {
	return idempotent(ctx, s, in.IdempotencyKey, in.Body, http.StatusCreated, func(tx Tx, p *principal) (api.Environment, int64, error) {
		now := s.now()
		e := api.Environment{Meta: newMeta("env", now), Name: in.Body.Name, Cloud: in.Body.Cloud, ResourcePrefix: in.Body.ResourcePrefix}
		if e.ResourcePrefix == "" {
			e.ResourcePrefix = access.DefaultResourcePrefix
		}
		if err := tx.InsertEnvironment(e); err != nil {
			return e, 0, storeErr(err, objectEnvironment, e.ID)
		}
		// Alert routing exists from the environment's first moment, vendor routing on unless
		// the creation opts out: the customer opts out explicitly, never by omission, and an
		// opt-out made here holds from the first alert (a later PUT would leave a moment in
		// which an alert ingested meanwhile pages the vendor).
		vendor := in.Body.VendorRouting == nil || *in.Body.VendorRouting
		r := api.AlertRouting{Meta: newMeta("art", now), EnvironmentID: e.ID, VendorRouting: vendor, Destinations: []api.Destination{}}
		if err := tx.InsertAlertRouting(r); err != nil {
			return e, 0, err
		}
		if err := s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectEnvironment, Verb: "create", ID: e.ID, Env: e.ID, After: e}); err != nil {
			return e, 0, err
		}
		if err := s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectAlertRouting, Verb: "create", ID: r.ID, Env: e.ID, After: redactedRouting(r)}); err != nil {
			return e, 0, err
		}
		// So are its credentials: the first apply can wire the monitoring system.
		return e, e.Version, s.newAlertCredentials(tx, p.User.ID, e.ID)
	})
}

func (s *Server) listEnvironments(ctx context.Context, in *envListInput) (*listOutput[api.Environment], error) {
	return listPage(ctx, s, objectEnvironment, func(tx Tx) ([]api.Environment, string, error) {
		return tx.Environments(in.Name, in.page())
	})
}

func (s *Server) getEnvironment(ctx context.Context, in *envIDInput) (*objectOutput[api.Environment], error) {
	return viewObject(ctx, s, objectEnvironment, in.ID, func(tx Tx) (api.Environment, error) { return tx.Environment(in.ID) })
}

func (s *Server) updateEnvironment(ctx context.Context, in *envUpdateInput) (*objectOutput[api.Environment], error) {
	out, err := idempotent(ctx, s, in.IdempotencyKey, in.Body, http.StatusOK, func(tx Tx, p *principal) (api.Environment, int64, error) {
		cur, err := current(in.IfMatch, func() (api.Environment, error) { return tx.Environment(in.ID) })
		if err != nil {
			return cur, 0, err
		}
		next := cur
		if in.Body.Name != nil {
			next.Name = *in.Body.Name
		}
		if in.Body.ResourcePrefix != nil {
			next.ResourcePrefix = *in.Body.ResourcePrefix
		}
		if next == cur {
			return cur, cur.Version, nil
		}
		return saveChange(s, tx, cur, next, tx.UpdateEnvironment, auditEntry{Actor: p.User.ID, Kind: objectEnvironment, Verb: "update", Env: cur.ID})
	})
	s.dispatcher.Forget(in.ID) // its webhooks name the environment
	if err != nil {
		return nil, storeErr(err, objectEnvironment, in.ID)
	}
	return out, nil
}

func (s *Server) deleteEnvironment(ctx context.Context, in *envDeleteInput) (*noContentOutput, error) {
	out, err := idempotentDelete(ctx, s, in.IdempotencyKey, func(tx Tx, p *principal) error {
		cur, err := current(in.IfMatch, func() (api.Environment, error) { return tx.Environment(in.ID) })
		if err != nil {
			return err
		}
		if err := s.auditCascade(tx, p.User.ID, "environment", cur.ID); err != nil {
			return err
		}
		if err := tx.DeleteEnvironment(in.ID); err != nil {
			return err
		}
		return s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectEnvironment, Verb: "delete", ID: cur.ID, Env: cur.ID, Before: cur})
	})
	s.dispatcher.Forget(in.ID)
	if err != nil {
		return nil, storeErr(err, objectEnvironment, in.ID)
	}
	return out, nil
}
