package store

import (
	"hash/maphash"
	"math"
	"sync"
)

// Which alerts SQLite's writer has stored lately, by environment and dedup key: a Bloom
// filter that answers "certainly never" for nearly every new alert, so that its check for a
// repeat (DuplicateAlert) skips a query that would find nothing. Under load that query was
// about a twentieth of the server's CPU per alert, most of it database/sql's.
//
// The filter holds every alert written in a write transaction since the store opened (one
// rolled back too: a key too many only costs a query), in two generations of up to
// recentPerGen keys: when the newer is full the older is dropped. It answers only for alerts
// received after the latest one in the database when it was first asked, and after the
// latest of each generation dropped. A check for repeats received
// before from, or in a read transaction, or on PostgreSQL (whose writers run at once), asks
// the database. SQLite's one write connection runs write transactions one after another, so
// nothing is written between a check and the query it skips.

const (
	recentPerGen = 1 << 20                // keys a generation takes
	recentBits   = 8 * recentPerGen       // bits a generation has (1 MiB): 2% false positives when full
	recentMask   = uint64(recentBits - 1) // recentBits is a power of two
	recentHashes = 5                      // bits a key sets
	recentNone   = int64(math.MinInt64)   // no receipt
)

type recentAlerts struct {
	mu   sync.Mutex
	seed maphash.Seed
	// known is set once stored, the latest receipt in the database, has been read; dropped
	// is the latest receipt of the generations dropped.
	known           bool
	stored, dropped int64
	cur, prev       recentGen
	perGen          int // recentPerGen, smaller in tests
}

// recentGen is one generation: its bits (made at its first key), its keys and its latest
// receipt.
type recentGen struct {
	bits   []uint64
	n      int
	latest int64
}

func newRecentAlerts() *recentAlerts {
	return &recentAlerts{seed: maphash.MakeSeed(), dropped: recentNone, cur: recentGen{latest: recentNone}, prev: recentGen{latest: recentNone},
		perGen: recentPerGen}
}

func (r *recentAlerts) hash(envID, dedupKey string) (h1, h2 uint64) {
	var h maphash.Hash
	h.SetSeed(r.seed)
	_, _ = h.WriteString(envID)
	_ = h.WriteByte(0)
	_, _ = h.WriteString(dedupKey)
	s := h.Sum64()
	return s, s>>32 | 1
}

func (g *recentGen) has(h1, h2 uint64) bool {
	if g.bits == nil {
		return false
	}
	for i := range uint64(recentHashes) {
		b := (h1 + i*h2) & recentMask
		if g.bits[b/64]&(1<<(b%64)) == 0 {
			return false
		}
	}
	return true
}

func (g *recentGen) add(h1, h2 uint64, received int64) {
	if g.bits == nil {
		g.bits = make([]uint64, recentBits/64)
	}
	for i := range uint64(recentHashes) {
		b := (h1 + i*h2) & recentMask
		g.bits[b/64] |= 1 << (b % 64)
	}
	g.n++
	g.latest = max(g.latest, received)
}

// note records an alert written, received at received (UnixNano).
func (r *recentAlerts) note(envID, dedupKey string, received int64) {
	h1, h2 := r.hash(envID, dedupKey)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur.n >= r.perGen {
		r.dropped = max(r.dropped, r.prev.latest)
		bits := r.prev.bits
		clear(bits)
		r.prev, r.cur = r.cur, recentGen{bits: bits, latest: recentNone}
	}
	r.cur.add(h1, h2, received)
}

// unseen reports whether no alert of envID with dedupKey received at or after since can be
// in the database; latest, when the filter has not been used yet, reads the latest receipt
// there (in the write transaction asking).
func (r *recentAlerts) unseen(envID, dedupKey string, since int64, latest func() (int64, error)) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.known {
		last, err := latest()
		if err != nil {
			return false
		}
		r.known, r.stored = true, last
	}
	// Every alert received after both is in a generation kept.
	if since <= max(r.stored, r.dropped) {
		return false
	}
	h1, h2 := r.hash(envID, dedupKey)
	return !r.cur.has(h1, h2) && !r.prev.has(h1, h2)
}

// recent is t's filter: in a write transaction on SQLite, nil otherwise.
func (t *sqlTx) recent() *recentAlerts {
	if !t.write || t.alerting == nil {
		return nil
	}
	return t.alerting.recent
}
