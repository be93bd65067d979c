package apiserver

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
