package alerting

import (
	"errors"
	"sync"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// Environments kept for a moment. Every attempt needs its environment's row (the webhook
// body names it) and signing keys; a burst's handed-over deliveries are mostly of a few
// environments, and reading those in a read transaction per batch cost about as much as the
// rest of the hand-over. The dispatcher keeps what it read for envFresh and reads it again
// after that.
//
// Staleness is bounded by envFresh, and by less on this server: the API's writes that change
// what an attempt reads (an environment updated or deleted, a signing secret rotated) call
// Forget. Another replica's rotation reaches this one within envFresh: meanwhile its
// attempts carry the previous secret's signature alone, which receivers accept for the whole
// overlap (access.SigningSecretOverlap), far longer. The previous secret's expiry is judged at
// each use, not when it was read.

const (
	envFresh = time.Second
	// envCacheMax bounds the environments kept: beyond, the cache starts over.
	envCacheMax = 4096
)

// errNeedRead is what prepare answers without a transaction when the cache and the
// handed-over alerts do not hold what a delivery needs.
var errNeedRead = errors.New("alerting: a read is needed")

type envCache struct {
	mu sync.Mutex
	m  map[string]cachedEnv
}

type cachedEnv struct {
	env   *envInfo
	creds store.AlertCredentialsRecord
	read  time.Time // time.Now, monotonic: envFresh is real time whatever Config.Now says
}

// get is environment id's entry read less than envFresh ago, its keys as of now.
func (c *envCache) get(id string, now time.Time) (*envInfo, bool) {
	c.mu.Lock()
	ce, ok := c.m[id]
	c.mu.Unlock()
	if !ok || time.Since(ce.read) >= envFresh {
		return nil, false
	}
	if ce.env.keysErr == nil && ce.creds.PreviousSigningSecretExpiresAt != nil && !now.Before(*ce.creds.PreviousSigningSecretExpiresAt) {
		// The overlap ended since the read: the previous secret signs no more.
		e := *ce.env
		e.keys, e.keysErr = signingKeys(ce.creds.Current(now))
		return &e, true
	}
	return ce.env, true
}

// put keeps e, read just now with creds (the zero record when it has none).
func (c *envCache) put(id string, e *envInfo, creds store.AlertCredentialsRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= envCacheMax {
		c.m = map[string]cachedEnv{}
	}
	c.m[id] = cachedEnv{env: e, creds: creds, read: time.Now()}
}

func (c *envCache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// Forget drops what the dispatcher keeps of environment id (its row and signing keys): the
// API calls it after a write that changes them, so that this server's next attempt reads them
// anew. A nil dispatcher keeps nothing.
func (d *Dispatcher) Forget(id string) {
	if d != nil {
		d.envs.forget(id)
	}
}
