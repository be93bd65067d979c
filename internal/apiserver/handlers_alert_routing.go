package apiserver

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Alert routing: one per environment, made with it. PUT sets the complete destination set;
// the destinations routes add and remove one at a time (additive). A set is one or the other.

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
	if in.Body.Destinations == nil {
		return nil
	}
	return findingErrors(destinationFindings(*in.Body.Destinations))
}

type destinationAddInput struct {
	IdempotencyParam
	ID                 string `path:"id" doc:"The environment id."`
	ReplaceMinSeverity string `query:"replace_min_severity" enum:"info,warning,error,critical" doc:"The min_severity this request replaces, when the destination exists with another one; without it, another min_severity is refused with 409 destination_exists."`
	Body               api.Destination
}

// Resolve checks the one destination with the same rules as a complete set, on its own
// fields ("target", not "destinations[0].target"): the request has no list.
func (in *destinationAddInput) Resolve(huma.Context) []error {
	fs := destinationFindings([]api.Destination{in.Body})
	for i := range fs {
		fs[i].Field = strings.TrimPrefix(fs[i].Field, "destinations[0].")
	}
	return findingErrors(fs)
}

type destinationDeleteInput struct {
	IdempotencyParam
	ID     string `path:"id" doc:"The environment id."`
	Type   string `query:"type" required:"true" doc:"The destination's type."`
	Target string `query:"target" required:"true" doc:"The destination's target."`
}

type routingDeleteInput struct {
	IfMatchParam
	IdempotencyParam
	ID    string `path:"id" doc:"The environment id."`
	Claim string `query:"claim" doc:"The claim of the warden_alert_routing being destroyed (new or a claim id, as in PUT): refused with 409 alert_routing_claimed while another claim holds the routing. The reset ends the claim, with or without it."`
}

// routingClaim is what a write does to the routing's claim (access.CanClaimRouting): the
// claim it is made under ("" for none: the write is no warden_alert_routing's) and whether
// the claim ends with it.
type routingClaim struct {
	wanted string
	end    bool
}

// check refuses a claim that is neither new nor a claim id; field is where the request
// carries it.
func (c routingClaim) check(field string) error {
	if c.wanted != "" && c.wanted != access.RoutingClaimNew && !strings.HasPrefix(c.wanted, claimIDPrefix+"_") {
		return invalid(codeInvalidField, field, fmt.Sprintf("A claim is %q or the claim_id of an earlier answer (%s_…), not %q.", access.RoutingClaimNew, claimIDPrefix, c.wanted))
	}
	return nil
}

// claimIDPrefix begins the id of every routing claim.
const claimIDPrefix = "rcl"

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
	huma.Register(hapi, operation(http.MethodGet, "/v1/environments/{id}/alert-routing", "get-alert-routing", "Read an environment's alert routing", http.StatusOK), s.getAlertRouting)
	huma.Register(hapi, operation(http.MethodPut, "/v1/environments/{id}/alert-routing", "put-alert-routing", "Set an environment's alert routing (vendor routing and the complete destination set)", http.StatusOK), s.putAlertRouting)
	huma.Register(hapi, operation(http.MethodDelete, "/v1/environments/{id}/alert-routing", "reset-alert-routing", "Restore the default alert routing: vendor routing on, no destinations", http.StatusNoContent), s.resetAlertRouting)
	huma.Register(hapi, operation(http.MethodPost, "/v1/environments/{id}/alert-routing/destinations", "add-alert-destination", "Add one alert destination (additive), or change the min_severity of the one with this type and target (naming the one replaced)", http.StatusOK), s.addAlertDestination)
	huma.Register(hapi, operation(http.MethodDelete, "/v1/environments/{id}/alert-routing/destinations", "remove-alert-destination", "Remove the alert destination with this type and target (additive)", http.StatusNoContent), s.removeAlertDestination)
}

func (s *Server) getAlertRouting(ctx context.Context, in *routingIDInput) (*objectOutput[api.AlertRouting], error) {
	r, err := view(ctx, s, func(tx Tx) (api.AlertRouting, error) {
		if _, err := tx.Environment(in.ID); err != nil {
			return api.AlertRouting{}, storeErr(err, objectEnvironment, in.ID)
		}
		return tx.AlertRouting(in.ID)
	})
	if err != nil {
		return nil, storeErr(err, objectAlertRouting, in.ID)
	}
	p, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !access.SeesSecrets(p) {
		r = redactedRouting(r)
	}
	r.VendorDelivery = s.vendorDelivery()
	return output(http.StatusOK, r, r.Version), nil
}

func (s *Server) putAlertRouting(ctx context.Context, in *routingPutInput) (*objectOutput[api.AlertRouting], error) {
	claim := routingClaim{wanted: in.Body.Claim, end: in.Body.EndClaim}
	if err := claim.check("claim"); err != nil {
		return nil, err
	}
	if claim.end && claim.wanted == "" {
		return nil, invalid(codeInvalidField, "end_claim", "end_claim ends the claim this write is made under: send it with claim.")
	}
	if in.Body.Destinations != nil {
		if err := s.checkWebhookTargets(ctx, *in.Body.Destinations, func(i int) string { return fmt.Sprintf("destinations[%d].target", i) }); err != nil {
			return nil, err
		}
	}
	out, err := idempotent(ctx, s, in.IdempotencyKey, in.Body, http.StatusOK, func(tx Tx, p *principal) (api.AlertRouting, int64, error) {
		r, err := s.changeRouting(tx, p, in.ID, in.IfMatch, claim, setRouting(in.Body), "update")
		return r, r.Version, err
	})
	if err != nil {
		return nil, storeErr(err, objectAlertRouting, in.ID)
	}
	return out, nil
}

func (s *Server) resetAlertRouting(ctx context.Context, in *routingDeleteInput) (*noContentOutput, error) {
	claim := routingClaim{wanted: in.Claim, end: true}
	if err := claim.check("claim"); err != nil {
		return nil, err
	}
	out, err := idempotentDelete(ctx, s, in.IdempotencyKey, func(tx Tx, p *principal) error {
		_, err := s.changeRouting(tx, p, in.ID, in.IfMatch, claim, func(next *api.AlertRouting, _ string) error {
			*next = api.AlertRouting{Meta: next.Meta, EnvironmentID: next.EnvironmentID, VendorRouting: true, Destinations: []api.Destination{}}
			return nil
		}, "reset")
		return err
	})
	if err != nil {
		return nil, storeErr(err, objectAlertRouting, in.ID)
	}
	return out, nil
}

// changeRouting is every write of an environment's routing: it reads it, checks the claim
// the write is made under, applies change (which sees the environment's name, for messages)
// and the claim's outcome, and stores and audits the result unless nothing changed.
func (s *Server) changeRouting(tx Tx, p *principal, envID, ifMatch string, claim routingClaim,
	change func(next *api.AlertRouting, env string) error, verb string,
) (api.AlertRouting, error) {
	env, err := tx.Environment(envID)
	if err != nil {
		return api.AlertRouting{}, storeErr(err, objectEnvironment, envID)
	}
	cur, err := tx.AlertRouting(envID)
	if err != nil {
		return cur, err
	}
	if err := checkIfMatch(ifMatch, cur.Version); err != nil {
		return cur, err
	}
	if d := access.CanClaimRouting(env.Name, access.RoutingClaim{ID: cur.ClaimID, ClaimedAt: cur.ClaimedAt}, claim.wanted); d != nil {
		return cur, d
	}
	next := cur
	next.Destinations = slices.Clone(cur.Destinations)
	if err := change(&next, env.Name); err != nil {
		return cur, err
	}
	now := s.now()
	switch {
	case claim.end:
		next.ClaimID, next.ClaimedAt = "", nil
	case claim.wanted == access.RoutingClaimNew:
		next.ClaimID, next.ClaimedAt = newID(claimIDPrefix), &now
	case claim.wanted != "" && cur.ClaimID == "":
		// The holder continues a claim that a reset ended meanwhile.
		next.ClaimID, next.ClaimedAt = claim.wanted, &now
	}
	if next.VendorRouting == cur.VendorRouting && slices.Equal(next.Destinations, cur.Destinations) && next.DestinationsMode == cur.DestinationsMode &&
		next.ClaimID == cur.ClaimID {
		return cur, nil
	}
	bump(&next.Meta, now)
	if err := tx.UpdateAlertRouting(next); err != nil {
		return cur, err
	}
	return next, s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectAlertRouting, Verb: verb, ID: next.ID, Env: envID,
		Before: redactedRouting(cur), After: redactedRouting(next)})
}

// redactedRouting is r with targets stripped of their secret parts (access.RedactTarget),
// which are cluster.admin's alone: as the audit log records it, and as everyone else reads it.
func redactedRouting(r api.AlertRouting) api.AlertRouting {
	r.Destinations = slices.Clone(r.Destinations)
	for i, d := range r.Destinations {
		r.Destinations[i].Target = access.RedactTarget(d.Type, d.Target)
	}
	return r
}

// setRouting is PUT's change: vendor routing always, the destinations only when sent.
func setRouting(body api.AlertRoutingUpdate) func(*api.AlertRouting, string) error {
	return func(next *api.AlertRouting, env string) error {
		next.VendorRouting = body.VendorRouting
		switch {
		case body.Destinations != nil:
			if d := access.CanWriteDestinations(env, access.ListMode(next.DestinationsMode), access.ModeAuthoritative, len(next.Destinations)); d != nil {
				return d
			}
			next.Destinations = sortDestinations(*body.Destinations)
			next.DestinationsMode = string(access.ModeAuthoritative)
		case body.ReleaseDestinations && next.DestinationsMode == string(access.ModeAuthoritative):
			// The destinations stay; only the claim on them goes.
			next.DestinationsMode = string(access.ModeUnmanaged)
		}
		return nil
	}
}

// additive is the change of the additive destination routes: the set with dest added,
// replaced (by type and target, when the engine allows: the caller names the min_severity it
// replaces) or, when add is false, removed; validated as a whole.
func additive(dest api.Destination, add bool, replaces string) func(*api.AlertRouting, string) error {
	return func(next *api.AlertRouting, env string) error {
		if d := access.CanWriteDestinations(env, access.ListMode(next.DestinationsMode), access.ModeAdditive, len(next.Destinations)); d != nil {
			return d
		}
		i := slices.IndexFunc(next.Destinations, func(d api.Destination) bool { return d.Type == dest.Type && d.Target == dest.Target })
		if add {
			existing := make([]access.AlertDestination, len(next.Destinations))
			for j, d := range next.Destinations {
				existing[j] = access.AlertDestination{Type: d.Type, Target: d.Target, MinSeverity: d.MinSeverity}
			}
			if d := access.CanAddDestination(env, existing, access.AlertDestination{Type: dest.Type, Target: dest.Target, MinSeverity: dest.MinSeverity}, replaces); d != nil {
				return d
			}
		}
		switch {
		case add && i >= 0:
			next.Destinations[i] = dest
		case add:
			next.Destinations = sortDestinations(append(next.Destinations, dest))
		case i < 0:
			return notFound(objectAlertDestination, dest.Type+" "+dest.Target)
		default:
			next.Destinations = slices.Delete(next.Destinations, i, i+1)
		}
		if fs := destinationFindings(next.Destinations); len(fs) > 0 {
			return findingsProblem(fs)
		}
		next.DestinationsMode = string(access.ModeAdditive)
		if len(next.Destinations) == 0 {
			// The last one gone, the environment may be given a complete set again.
			next.DestinationsMode = string(access.ModeUnmanaged)
		}
		return nil
	}
}

func (s *Server) addAlertDestination(ctx context.Context, in *destinationAddInput) (*objectOutput[api.AlertRouting], error) {
	if err := s.checkWebhookTargets(ctx, []api.Destination{in.Body}, func(int) string { return "target" }); err != nil {
		return nil, err
	}
	out, err := idempotent(ctx, s, in.IdempotencyKey, in.Body, http.StatusOK, func(tx Tx, p *principal) (api.AlertRouting, int64, error) {
		r, err := s.changeRouting(tx, p, in.ID, "", routingClaim{}, additive(in.Body, true, in.ReplaceMinSeverity), "destination_add")
		return r, r.Version, err
	})
	if err != nil {
		return nil, storeErr(err, objectAlertRouting, in.ID)
	}
	return out, nil
}

func (s *Server) removeAlertDestination(ctx context.Context, in *destinationDeleteInput) (*noContentOutput, error) {
	out, err := idempotentDelete(ctx, s, in.IdempotencyKey, func(tx Tx, p *principal) error {
		_, err := s.changeRouting(tx, p, in.ID, "", routingClaim{}, additive(api.Destination{Type: in.Type, Target: in.Target}, false, ""), "destination_remove")
		return err
	})
	if err != nil {
		return nil, storeErr(err, objectAlertRouting, in.ID)
	}
	return out, nil
}
