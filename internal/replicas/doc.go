// Package replicas holds the end-to-end tests of Warden run as separate warden-server
// processes. Two replicas on one PostgreSQL database behind a round-robin proxy, driven by
// Terraform through the provider and by the client straight at each replica, prove what the
// replicas' shared store promises: a change answered by one replica holds on the other at
// once, an Idempotency-Key replayed on the other replica returns the first answer, and an
// apply survives one replica being killed. The alert tests (alerts_test.go) prove what alert
// routing promises against real Alertmanagers and receivers that fail on command: every
// alert reaches every destination it was routed to through receivers that answer 503, hang,
// go down or stay down, and through a server SIGKILLed mid-burst; two replicas never send one
// attempt twice; an environment opted out of vendor routing sends the vendor nothing.
//
// The package has no code of its own; everything is in its tests (make test-replicas).
package replicas
