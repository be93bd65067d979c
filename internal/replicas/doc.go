// Package replicas holds the end-to-end test of Warden run as several replicas: two
// warden-server processes on one PostgreSQL database behind a round-robin proxy, driven by
// Terraform through the provider and by the client straight at each replica. It proves what
// the replicas' shared store promises: a change answered by one replica holds on the other
// at once, an Idempotency-Key replayed on the other replica returns the first answer, and an
// apply survives one replica being killed.
//
// The package has no code of its own; everything is in its tests (make test-replicas).
package replicas
