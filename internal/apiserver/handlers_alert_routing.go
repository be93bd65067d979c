package apiserver

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The destination vocabularies (they match the enum tags of api.Destination).
var (
	destinationTypes = []string{"webhook", "email"}
	severities       = []string{"info", "warning", "critical"}
)

const codeInvalidDestination = "invalid_destination"

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

// destinationFindings validates alert destinations, each finding on its exact path
// ("destinations[1].target") so that a client can point at the element at fault.
func destinationFindings(ds []api.Destination) []access.Finding {
	var fs []access.Finding
	bad := func(i int, attr, value, msg, fix string) {
		fs = append(fs, access.Finding{Severity: access.SeverityError, Code: codeInvalidDestination,
			Field: fmt.Sprintf("destinations[%d].%s", i, attr), Value: value, Message: msg, Fix: fix})
	}
	seen := map[[2]string]int{}
	for i, d := range ds {
		if !slices.Contains(destinationTypes, d.Type) {
			bad(i, "type", d.Type, fmt.Sprintf("%q is not a destination type.", d.Type), "Use one of `webhook`, `email`.")
		}
		if !slices.Contains(severities, d.MinSeverity) {
			bad(i, "min_severity", d.MinSeverity, fmt.Sprintf("%q is not a severity.", d.MinSeverity), "Use one of `info`, `warning`, `critical`.")
		}
		switch d.Type {
		case "webhook":
			u, err := url.Parse(d.Target)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				bad(i, "target", d.Target, fmt.Sprintf("%q is not an http(s) URL.", d.Target), "Give the webhook's full URL, e.g. https://hooks.example.com/warden.")
			}
		case "email":
			if local, domain, ok := strings.Cut(d.Target, "@"); !ok || local == "" || domain == "" {
				bad(i, "target", d.Target, fmt.Sprintf("%q is not an e-mail address.", d.Target), "Give an address such as oncall@example.com.")
			}
		}
		key := [2]string{d.Type, d.Target}
		if j, dup := seen[key]; dup {
			bad(i, "target", d.Target, fmt.Sprintf("Destination %d repeats destination %d (%s %s).", i, j, d.Type, d.Target), "Remove the duplicate.")
		} else {
			seen[key] = i
		}
	}
	return fs
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
	admin := func(ctx context.Context) (*principal, error) {
		p, err := actor(ctx)
		if err != nil {
			return nil, err
		}
		return p, p.require("cluster.admin")
	}

	huma.Register(hapi, operation(http.MethodPut, "/v1/environments/{id}/alert-routing", "put-alert-routing",
		"Set an environment's alert routing (vendor routing and the complete destination set)", http.StatusOK),
		func(ctx context.Context, in *routingPutInput) (*objectOutput[api.AlertRouting], error) {
			p, err := admin(ctx)
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
			p, err := admin(ctx)
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
