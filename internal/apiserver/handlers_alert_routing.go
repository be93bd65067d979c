package apiserver

import (
	"cmp"
	"context"
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

type routingIDInput struct {
	ID string `path:"id" doc:"The environment id."`
}

type routingPutInput struct {
	IfMatchParam
	IdempotencyParam
	ID   string `path:"id" doc:"The environment id."`
	Body api.AlertRoutingUpdate
}

func (in *routingPutInput) Resolve(huma.Context) []error {
	return findingErrors(destinationFindings(in.Body.Destinations))
}

type routingDeleteInput struct {
	IfMatchParam
	IdempotencyParam
	ID string `path:"id" doc:"The environment id."`
}

// destinationFindings validates alert destinations with the provider's own rules
// (internal/access), each finding on its exact path ("destinations[1].target").
func destinationFindings(ds []api.Destination) []access.Finding {
	in := make([]access.AlertDestination, len(ds))
	for i, d := range ds {
		in[i] = access.AlertDestination{Type: d.Type, Target: d.Target, MinSeverity: d.MinSeverity}
	}
	return access.ValidateAlertDestinations(in)
}

// sortDestinations gives destinations one canonical order, so that the order a client
// sends never looks like a change.
func sortDestinations(ds []api.Destination) []api.Destination {
	out := slices.Clone(ds)
	if out == nil {
		out = []api.Destination{}
	}
	slices.SortFunc(out, func(a, b api.Destination) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Target, b.Target))
	})
	return out
}

func (s *Server) registerAlertRouting(hapi huma.API) {
	huma.Register(hapi, operation(http.MethodGet, "/v1/environments/{id}/alert-routing", "get-alert-routing",
		"Read an environment's alert routing", http.StatusOK),
		func(ctx context.Context, in *routingIDInput) (*objectOutput[api.AlertRouting], error) {
			r, err := view(ctx, s, func(tx Tx) (api.AlertRouting, error) {
				if _, err := tx.Environment(in.ID); err != nil {
					return api.AlertRouting{}, storeErr(err, "environment", in.ID)
				}
				return tx.AlertRouting(in.ID)
			})
			if err != nil {
				return nil, storeErr(err, "alert routing", in.ID)
			}
			return output(http.StatusOK, r, r.Version), nil
		})

	// put sets the routing inside tx; PUT sets what it is sent, DELETE the default.
	put := func(tx Tx, p *principal, envID, ifMatch string, vendor bool, dests []api.Destination, action string) (api.AlertRouting, error) {
		if _, err := tx.Environment(envID); err != nil {
			return api.AlertRouting{}, storeErr(err, "environment", envID)
		}
		cur, err := tx.AlertRouting(envID)
		if err != nil {
			return cur, err
		}
		if err := checkIfMatch(ifMatch, cur.Version); err != nil {
			return cur, err
		}
		next := cur
		next.VendorRouting = vendor
		next.Destinations = sortDestinations(dests)
		if next.VendorRouting == cur.VendorRouting && slices.Equal(next.Destinations, cur.Destinations) {
			return cur, nil
		}
		bump(&next.Meta, s.now())
		if err := tx.UpdateAlertRouting(next); err != nil {
			return cur, err
		}
		return next, s.audit(tx, p.User.ID, action, "alert_routing", next.ID, envID, cur, next)
	}

	huma.Register(hapi, operation(http.MethodPut, "/v1/environments/{id}/alert-routing", "put-alert-routing",
		"Set an environment's alert routing (vendor routing and the complete destination set)", http.StatusOK),
		func(ctx context.Context, in *routingPutInput) (*objectOutput[api.AlertRouting], error) {
			p, err := actor(ctx)
			if err != nil {
				return nil, err
			}
			out, err := idempotent(ctx, s, p, in.IdempotencyKey, in.Body, http.StatusOK, func(tx Tx) (api.AlertRouting, int64, error) {
				r, err := put(tx, p, in.ID, in.IfMatch, in.Body.VendorRouting, in.Body.Destinations, "alert_routing.update")
				return r, r.Version, err
			})
			if err != nil {
				return nil, storeErr(err, "alert routing", in.ID)
			}
			return out, nil
		})

	huma.Register(hapi, operation(http.MethodDelete, "/v1/environments/{id}/alert-routing", "reset-alert-routing",
		"Restore the default alert routing: vendor routing on, no destinations", http.StatusNoContent),
		func(ctx context.Context, in *routingDeleteInput) (*noContentOutput, error) {
			p, err := actor(ctx)
			if err != nil {
				return nil, err
			}
			out, err := idempotentDelete(ctx, s, p, in.IdempotencyKey, func(tx Tx) error {
				_, err := put(tx, p, in.ID, in.IfMatch, true, nil, "alert_routing.reset")
				return err
			})
			if err != nil {
				return nil, storeErr(err, "alert routing", in.ID)
			}
			return out, nil
		})
}
