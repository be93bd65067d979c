// Package client is the typed Go client of the Warden API v1.
//
// One Client is built per provider configuration and shared by every resource. It keeps one
// pooled keep-alive transport for its lifetime and retries through go-retryablehttp:
// connection errors, 429 (honouring Retry-After) and 5xx other than 501 are retried with
// capped exponential backoff and jitter. Every POST, PUT, PATCH and DELETE carries an
// Idempotency-Key that stays the same across the retries of one call, so a create whose
// response was lost never makes a second object, and an update or delete whose response was
// lost is answered with its first response instead of a 412 or 404 caused by itself.
//
// Request and response bodies are the wire types of internal/api. Failures the API reports
// come back as *APIError, which matches ErrNotFound, ErrConflict and ErrPreconditionFailed
// under errors.Is; callers never need to look at a body.
package client
