package apiserver

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// Received alerts: ingestion (Alertmanager and Grafana webhooks per environment, PagerDuty
// Events v2 for all), the alerts with their routing decisions, their deliveries and a retry.

type alertsIngestInput struct {
	ID            string `path:"id" doc:"The environment id."`
	Authorization string `header:"Authorization" doc:"Bearer <the environment's ingest key>, or a user token with cluster.admin."`
	ContentType   string `header:"Content-Type" hidden:"true"`
	// RawBody is a webhookPayload, decoded once by ingestSchema.decode (see registerAlerts).
	RawBody []byte `contentType:"application/json"`
}

type enqueueInput struct {
	Authorization string `header:"Authorization" doc:"Optional: a user token with cluster.admin, which may name the environment by id in routing_key."`
	Body          pagerDutyEvent
}

// ingestAnswer answers an Alertmanager or Grafana webhook.
type ingestAnswer struct {
	Body struct {
		Alerts []ingestedAlert `json:"alerts" doc:"Each alert of the payload, in order."`
	}
}

type ingestedAlert struct {
	ID        string `json:"id" doc:"The alert's id."`
	Duplicate bool   `json:"duplicate" doc:"true when it repeats an alert received within the deduplication window: nothing new was routed."`
}

// enqueueAnswer is PagerDuty's own answer to an event.
type enqueueAnswer struct {
	Body struct {
		Status   string `json:"status" doc:"success."`
		Message  string `json:"message" doc:"Event processed."`
		DedupKey string `json:"dedup_key" doc:"The alert's key: send it with resolve."`
		AlertID  string `json:"alert_id,omitempty" doc:"Warden's id of the alert (none for acknowledge)."`
	}
}

type alertsListInput struct {
	PageParams
	ID     string    `path:"id" doc:"The environment id."`
	Status string    `query:"status" enum:"firing,resolved" doc:"Only alerts with this status."`
	Since  time.Time `query:"since" doc:"Only alerts received at or after this instant (RFC 3339)."`
}

type alertGetInput struct {
	ID      string `path:"id" doc:"The environment id."`
	AlertID string `path:"alert_id" doc:"The alert id."`
}

type deliveriesListInput struct {
	PageParams
	ID      string `path:"id" doc:"The environment id."`
	AlertID string `query:"alert_id" doc:"Only this alert's deliveries."`
	Status  string `query:"status" enum:"pending,delivered,failed,gone,undeliverable" doc:"Only deliveries with this status."`
}

type deliveryInput struct {
	ID         string `path:"id" doc:"The environment id."`
	DeliveryID string `path:"delivery_id" doc:"The delivery id."`
}

type deliveryRetryInput struct {
	IdempotencyParam
	ID         string `path:"id" doc:"The environment id."`
	DeliveryID string `path:"delivery_id" doc:"The delivery id."`
}

func (s *Server) registerAlerts(hapi huma.API) {
	ingest := operation(http.MethodPost, "/v1/environments/{id}/alerts", "ingest-alerts", "Receive alerts: an Alertmanager (version 4) or Grafana (version 1) webhook payload", http.StatusAccepted)
	ingest.Security = []map[string][]string{{"bearer": {}}}
	// huma decodes a Body twice, into a map to validate it and then into the struct: the
	// first decode was 4% of the CPU at full ingestion. The payload comes raw instead and is
	// decoded once (ingestSchema.decode); the OpenAPI text keeps its schema.
	ingest.SkipValidateBody, ingest.BodyReadTimeout = true, 5*time.Second
	payload := ingestSchema{api: hapi, schema: hapi.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[webhookPayload](), true, "")}
	huma.Register(hapi, ingest, func(ctx context.Context, in *alertsIngestInput) (*ingestAnswer, error) {
		w, err := payload.decode(in.ContentType, in.RawBody)
		if err != nil {
			return nil, err
		}
		return s.ingestAlerts(ctx, in, w)
	})
	hapi.OpenAPI().Paths[ingest.Path].Post.RequestBody.Content["application/json"].Schema = payload.schema
	enqueue := operation(http.MethodPost, "/v1/alerts/enqueue", "enqueue-event", "Receive a PagerDuty Events API v2 event (routing_key: the environment's ingest key)", http.StatusAccepted)
	enqueue.Security = []map[string][]string{{}, {"bearer": {}}}
	huma.Register(hapi, enqueue, s.enqueueEvent)
	huma.Register(hapi, operation(http.MethodGet, "/v1/environments/{id}/alerts", "list-alerts", "List an environment's received alerts with their routing decisions", http.StatusOK), s.listAlerts)
	huma.Register(hapi, operation(http.MethodGet, "/v1/environments/{id}/alerts/{alert_id}", "get-alert", "Read a received alert and its routing decision", http.StatusOK), s.getAlert)
	huma.Register(hapi, operation(http.MethodGet, "/v1/environments/{id}/alert-deliveries", "list-alert-deliveries", "List an environment's alert deliveries with every attempt", http.StatusOK), s.listDeliveries)
	huma.Register(hapi, operation(http.MethodGet, "/v1/environments/{id}/alert-deliveries/{delivery_id}", "get-alert-delivery", "Read an alert delivery with every attempt", http.StatusOK), s.getDelivery)
	huma.Register(hapi, operation(http.MethodPost, "/v1/environments/{id}/alert-deliveries/{delivery_id}/retry", "retry-alert-delivery", "Deliver again: a failed, gone, undeliverable or delivered delivery becomes pending, due now", http.StatusOK), s.retryDelivery)
}

// ingestKey is the ingest key a request authenticates with, or "" when it bears a user token
// (authenticate has then resolved it and run the route's check).
func ingestKey(ctx context.Context, authorization string) string {
	if principalFrom(ctx) != nil {
		return ""
	}
	_, key, _ := strings.Cut(authorization, " ")
	return strings.TrimSpace(key)
}

// ingestSchema decodes webhook payloads against the schema huma would have validated them with.
type ingestSchema struct {
	api    huma.API
	schema *huma.Schema
}

// decode decodes body once when it is what senders send; otherwise it answers as huma does
// when it validates a body before decoding it (400 for one that is not JSON, 422 naming the
// field), since that answer is the contract.
func (p ingestSchema) decode(contentType string, body []byte) (webhookPayload, error) {
	if contentType == "application/json" || contentType == "" { // what huma decodes with decodeJSON
		if w, ok := decodePlainWebhook(body); ok && w.plausible() {
			return w, nil
		}
	}
	var w webhookPayload
	err := p.api.Unmarshal(contentType, body, &w)
	if err == nil && w.plausible() {
		return w, nil
	}
	var parsed any
	if perr := p.api.Unmarshal(contentType, body, &parsed); perr != nil {
		status := http.StatusBadRequest
		if errors.Is(perr, huma.ErrUnknownContentType) {
			status = http.StatusUnsupportedMediaType
		}
		return w, huma.NewError(status, "validation failed", &huma.ErrorDetail{Location: "body", Message: perr.Error(), Value: string(body)})
	}
	res := &huma.ValidateResult{}
	pb := huma.NewPathBuffer(make([]byte, 0, 128), 0)
	pb.Push("body")
	huma.Validate(p.api.OpenAPI().Components.Schemas, p.schema, pb, huma.ModeWriteToServer, parsed, res)
	if len(res.Errors) > 0 {
		return w, huma.NewError(http.StatusUnprocessableEntity, "validation failed", res.Errors...)
	}
	if err != nil {
		return w, huma.NewError(http.StatusUnprocessableEntity, "validation failed", &huma.ErrorDetail{Location: "body", Message: err.Error(), Value: string(body)})
	}
	return w, nil
}

// plausible reports whether w, decoded, meets its schema's enums, required fields and
// bounds; when it does not, decode validates the body as huma would, which decides.
func (w webhookPayload) plausible() bool {
	if (w.Version != "4" && w.Version != "1") || !isAlertStatus(w.Status) || w.Alerts == nil || len(w.Alerts) > maxWebhookAlerts {
		return false
	}
	for _, a := range w.Alerts {
		if !isAlertStatus(a.Status) || a.Labels == nil || a.StartsAt.IsZero() {
			return false
		}
	}
	return true
}

// maxWebhookAlerts is webhookPayload.Alerts' maxItems.
const maxWebhookAlerts = 1000

func isAlertStatus(s string) bool { return s == api.AlertFiring || s == api.AlertResolved }

func (s *Server) ingestAlerts(ctx context.Context, in *alertsIngestInput, w webhookPayload) (*ingestAnswer, error) {
	build := func(_ Tx, envID string) ([]api.Alert, error) { return w.alerts(envID, s.now()), nil }
	res, err := s.ingestFor(ctx, ingestKey(ctx, in.Authorization), in.ID, build)
	if err != nil {
		return nil, err
	}
	out := &ingestAnswer{}
	out.Body.Alerts = make([]ingestedAlert, len(res))
	for i, r := range res {
		out.Body.Alerts[i] = ingestedAlert{ID: r.Alert.ID, Duplicate: r.Duplicate}
	}
	return out, nil
}

func (s *Server) enqueueEvent(ctx context.Context, in *enqueueInput) (*enqueueAnswer, error) {
	e := in.Body
	switch {
	case e.EventAction == "trigger" && e.Payload == nil:
		return nil, newProblem(http.StatusBadRequest, codeInvalidEvent, "payload", "A trigger needs a payload with summary, source and severity.")
	case e.EventAction != "trigger" && e.DedupKey == "":
		return nil, newProblem(http.StatusBadRequest, codeInvalidEvent, "dedup_key", "An "+e.EventAction+" needs the dedup_key of the alert it is about.")
	}
	if e.DedupKey == "" {
		e.DedupKey = strings.TrimPrefix(newID("pd"), "pd_")
	}
	out := &enqueueAnswer{}
	out.Body.Status, out.Body.Message, out.Body.DedupKey = "success", "Event processed", e.DedupKey
	key, envID := e.RoutingKey, ""
	if principalFrom(ctx) != nil {
		key, envID = "", e.RoutingKey // cluster.admin names the environment by id
	}
	if e.EventAction == "acknowledge" {
		// Warden routes triggers and resolutions; an acknowledgement changes no routing.
		_, err := s.ingestFor(ctx, key, envID, func(Tx, string) ([]api.Alert, error) { return nil, nil })
		return out, err
	}
	res, err := s.ingestFor(ctx, key, envID, func(tx Tx, envID string) ([]api.Alert, error) {
		var prior *api.Alert
		if last, err := tx.LastAlert(envID, e.DedupKey); err == nil {
			prior = &last
		} else if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		return []api.Alert{e.alert(envID, s.now(), prior)}, nil
	})
	if err != nil {
		return nil, err
	}
	out.Body.AlertID = res[0].Alert.ID
	return out, nil
}

// ingestFor commits the alerts build makes: with an ingest key in the group commit, with a
// user token (cluster.admin, checked by the route) in a write of its own, which takes the
// decision again at commit time as every write does.
func (s *Server) ingestFor(ctx context.Context, key, envID string, build func(Tx, string) ([]api.Alert, error)) ([]ingested, error) {
	if principalFrom(ctx) == nil {
		if key == "" {
			return nil, errIngestKey
		}
		res, err := s.submitIngest(ctx, &ingestJob{key: key, envID: envID, build: func(tx Tx, env string) ([]api.Alert, error) {
			alerts, err := build(tx, env)
			for i := range alerts {
				alerts[i].Test = false
			}
			return alerts, err
		}})
		if err == nil {
			s.countIngested(res)
		}
		return res, err
	}
	var res []ingested
	err := s.update(ctx, func(tx Tx) error {
		if _, err := tx.Environment(envID); err != nil {
			return storeErr(err, objectEnvironment, envID)
		}
		var err error
		res, err = s.recordAlerts(tx, envID, s.now(), func(tx Tx, env string) ([]api.Alert, error) {
			alerts, err := build(tx, env)
			for i := range alerts {
				alerts[i].Test = true
			}
			return alerts, err
		})
		return err
	})
	if err == nil {
		s.countIngested(res)
		s.notifyDispatcher()
	}
	return res, err
}

// countIngested records committed alerts in the metrics, with the deliveries their routing
// made undeliverable (the dispatcher counts the others as it attempts them).
func (s *Server) countIngested(res []ingested) {
	for _, in := range res {
		s.metrics.AlertIngested(in.Duplicate)
		if in.Duplicate {
			continue
		}
		for _, r := range in.Alert.Routing {
			if r.Chosen && s.undeliverable(r.Kind) != "" {
				s.metrics.Undeliverable(r.Kind)
			}
		}
	}
}

// seeTargets is how the caller reads alert targets: with their secret parts only when it
// holds cluster.admin.
func seeTargets(ctx context.Context) (func(kind, target string) string, error) {
	p, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if access.SeesSecrets(p) {
		return func(_, target string) string { return target }, nil
	}
	return access.RedactTarget, nil
}

// targetsSeen is an alert or a delivery as a reader with see sees its targets.
type targetsSeen[T any] func(v T, see func(kind, target string) string) T

func alertSeen(a api.Alert, see func(kind, target string) string) api.Alert {
	a.Routing = append([]api.AlertRecipient(nil), a.Routing...)
	for i, r := range a.Routing {
		a.Routing[i].Target = see(r.Kind, r.Target)
	}
	return a
}

func deliverySeen(d api.AlertDelivery, see func(kind, target string) string) api.AlertDelivery {
	d.Target = see(d.Kind, d.Target)
	return d
}

// viewSeen answers one alert or delivery that read finds, as the caller may see it.
func viewSeen[T any](ctx context.Context, s *Server, kind objectKind, id string, read func(Tx) (T, error), seen targetsSeen[T]) (*objectOutput[T], error) {
	see, err := seeTargets(ctx)
	if err != nil {
		return nil, err
	}
	v, err := view(ctx, s, read)
	if err != nil {
		return nil, storeErr(err, kind, id)
	}
	return unversioned(seen(v, see)), nil
}

// listSeen answers a page of environment envID's alerts or deliveries, as the caller may see them.
func listSeen[T any](ctx context.Context, s *Server, kind objectKind, envID string, fetch func(Tx) ([]T, string, error), seen targetsSeen[T]) (*listOutput[T], error) {
	see, err := seeTargets(ctx)
	if err != nil {
		return nil, err
	}
	return listPage(ctx, s, kind, func(tx Tx) ([]T, string, error) {
		if _, err := tx.Environment(envID); err != nil {
			return nil, "", storeErr(err, objectEnvironment, envID)
		}
		vs, next, err := fetch(tx)
		for i := range vs {
			vs[i] = seen(vs[i], see)
		}
		return vs, next, err
	})
}

func (s *Server) listAlerts(ctx context.Context, in *alertsListInput) (*listOutput[api.Alert], error) {
	f := store.AlertFilter{EnvironmentID: in.ID, Status: in.Status}
	if !in.Since.IsZero() {
		f.Since = &in.Since
	}
	return listSeen(ctx, s, objectAlert, in.ID, func(tx Tx) ([]api.Alert, string, error) { return tx.Alerts(f, in.page()) }, alertSeen)
}

func (s *Server) getAlert(ctx context.Context, in *alertGetInput) (*objectOutput[api.Alert], error) {
	return viewSeen(ctx, s, objectAlert, in.AlertID, func(tx Tx) (api.Alert, error) { return tx.Alert(in.ID, in.AlertID) }, alertSeen)
}

func (s *Server) listDeliveries(ctx context.Context, in *deliveriesListInput) (*listOutput[api.AlertDelivery], error) {
	f := store.DeliveryFilter{EnvironmentID: in.ID, AlertID: in.AlertID, Status: in.Status}
	return listSeen(ctx, s, objectAlertDelivery, in.ID, func(tx Tx) ([]api.AlertDelivery, string, error) { return tx.Deliveries(f, in.page()) }, deliverySeen)
}

func (s *Server) getDelivery(ctx context.Context, in *deliveryInput) (*objectOutput[api.AlertDelivery], error) {
	return viewSeen(ctx, s, objectAlertDelivery, in.DeliveryID, func(tx Tx) (api.AlertDelivery, error) { return tx.Delivery(in.ID, in.DeliveryID) }, deliverySeen)
}

// retryDelivery makes a delivery pending again, due now, with the schedule started afresh
// (its attempt count goes on: attempts are numbered for good). A pending one is refused:
// it is already being attempted.
func (s *Server) retryDelivery(ctx context.Context, in *deliveryRetryInput) (*objectOutput[api.AlertDelivery], error) {
	out, err := idempotent(ctx, s, in.IdempotencyKey, nil, http.StatusOK, func(tx Tx, p *principal) (api.AlertDelivery, int64, error) {
		d, err := tx.Delivery(in.ID, in.DeliveryID)
		if err != nil {
			return d, 0, storeErr(err, objectAlertDelivery, in.DeliveryID)
		}
		if d.Status == api.DeliveryPending {
			return d, 0, newProblem(http.StatusConflict, codeDeliveryPending, "", "The delivery is pending: its next attempt is due at "+
				d.NextAttemptAt.Format(time.RFC3339)+"; only a delivered, failed, gone or undeliverable one can be retried.")
		}
		before := d
		now := s.now()
		d.Status, d.NextAttemptAt, d.UpdatedAt, d.ScheduleStart = api.DeliveryPending, &now, now, d.AttemptCount
		if why := s.undeliverable(d.Kind); why != "" {
			d.Status, d.NextAttemptAt, d.LastError = api.DeliveryUndeliverable, nil, why
		}
		if err := tx.UpdateDelivery(d); err != nil {
			return d, 0, err
		}
		before.Attempts, d.Attempts = nil, nil
		if err := s.audit(tx, auditEntry{Actor: p.User.ID, Kind: objectAlertDelivery, Verb: "retry", ID: d.ID, Env: d.EnvironmentID,
			Before: deliverySeen(before, access.RedactTarget), After: deliverySeen(d, access.RedactTarget)}); err != nil {
			return d, 0, err
		}
		d, err = tx.Delivery(in.ID, in.DeliveryID)
		return d, 0, err
	})
	if err != nil {
		return nil, err
	}
	s.notifyDispatcher()
	out.ETag = ""
	return out, nil
}

// unversioned answers an object that carries no version (no ETag).
func unversioned[T any](v T) *objectOutput[T] {
	out := output(http.StatusOK, v, 0)
	out.ETag = ""
	return out
}
