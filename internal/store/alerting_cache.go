package store

import (
	"slices"
	"sync"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// What ingestion reads in every transaction, kept between transactions on SQLite: which
// environment an ingest key belongs to (IngestEnvironment) and the environment's routing
// (AlertRouting). Each batch of alerts read both anew, two of the dozen statements of a
// transaction that commits a few alerts.
//
// The cache holds only what a write transaction read, and only on SQLite, whose one write
// connection runs the transactions one after another: a value read in one is what every later
// one would read, until one of them writes an ingest key or a routing. Those writes
// (InsertAlertCredentials, UpdateAlertCredentials, InsertAlertRouting, UpdateAlertRouting,
// and DeleteEnvironment, whose cascade takes both) empty the cache before their transaction
// commits, and the transaction that made them neither fills it again (what it reads may be
// rolled back) nor, once emptied, reads from it. Read transactions never touch it: their
// snapshot may be older than what the cache holds. A decision made on a cached value therefore
// holds when its transaction commits, as one made on a read would. PostgreSQL keeps no cache:
// its writers (and other replicas') run at once.

// alertingCacheMax bounds each map: beyond, it starts over.
const alertingCacheMax = 4096

type alertingCache struct {
	mu       sync.Mutex
	envByKey map[string]string // ingest key hash → environment id
	routing  map[string]api.AlertRouting
	// recent is the alerts written lately (recent_alerts.go), which no write empties.
	recent *recentAlerts
}

func newAlertingCache() *alertingCache {
	return &alertingCache{envByKey: map[string]string{}, routing: map[string]api.AlertRouting{}, recent: newRecentAlerts()}
}

// cache is t's alerting cache when it may use it: in a write transaction on SQLite that has
// not itself written a key or a routing.
func (t *sqlTx) cache() *alertingCache {
	if !t.write || t.alteredAlerting {
		return nil
	}
	return t.alerting
}

// alterAlerting empties the cache for a write to an ingest key or a routing, and keeps t from
// using it again.
func (t *sqlTx) alterAlerting() {
	t.alteredAlerting = true
	if c := t.alerting; c != nil {
		c.mu.Lock()
		clear(c.envByKey)
		clear(c.routing)
		c.mu.Unlock()
	}
}

// A nil cache (none, or not to be used) holds nothing and keeps nothing.

func (c *alertingCache) env(keyHash string) (string, bool) {
	if c == nil {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.envByKey[keyHash]
	return id, ok
}

func (c *alertingCache) putEnv(keyHash, id string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.envByKey) >= alertingCacheMax {
		clear(c.envByKey)
	}
	c.envByKey[keyHash] = id
}

func (c *alertingCache) getRouting(envID string) (api.AlertRouting, bool) {
	if c == nil {
		return api.AlertRouting{}, false
	}
	c.mu.Lock()
	r, ok := c.routing[envID]
	c.mu.Unlock()
	if !ok {
		return api.AlertRouting{}, false
	}
	return cloneRouting(r), true
}

func (c *alertingCache) putRouting(r api.AlertRouting) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.routing) >= alertingCacheMax {
		clear(c.routing)
	}
	c.routing[r.EnvironmentID] = cloneRouting(r)
}

// cloneRouting is r with nothing shared with the cache: a caller may change what it got.
func cloneRouting(r api.AlertRouting) api.AlertRouting {
	r.Destinations = slices.Clone(r.Destinations)
	if r.ClaimedAt != nil {
		at := *r.ClaimedAt
		r.ClaimedAt = &at
	}
	return r
}
