package apiserver

import (
	"context"
	"net/http"
)

// The response types every handler answers with: one object (with its ETag), or 204.

// objectOutput is the response of every call that returns one object: the body, its
// version as ETag and, for replayed idempotent requests, Idempotent-Replayed.
type objectOutput[T any] struct {
	Status   int
	ETag     string `header:"ETag" doc:"The object's version."`
	Replayed string `header:"Idempotent-Replayed" doc:"true when this is the stored response to an earlier request with the same Idempotency-Key."`
	Body     T
}

func output[T any](status int, v T, version int64) *objectOutput[T] {
	return &objectOutput[T]{Status: status, ETag: etag(version), Body: v}
}

// noContentOutput is the 204 of every DELETE; a replay is marked Idempotent-Replayed.
type noContentOutput struct {
	Replayed string `header:"Idempotent-Replayed" doc:"true when this is the stored response to an earlier request with the same Idempotency-Key."`
}

// viewObject answers a GET of one object read under view: a missing one is kind's 404 for
// id, and the answer carries the object's version as its ETag.
func viewObject[T any, P object[T]](ctx context.Context, s *Server, kind objectKind, id string, read func(tx Tx) (T, error)) (*objectOutput[T], error) {
	v, err := view(ctx, s, read)
	if err != nil {
		return nil, storeErr(err, kind, id)
	}
	return output(http.StatusOK, v, P(&v).Base().Version), nil
}
