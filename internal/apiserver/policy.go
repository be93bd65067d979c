package apiserver

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// The server keeps the engine's policy snapshot (access.Policy) in memory, so that
// authentication and authorization cost no database read. It stays exact this way:
//
//   - every write goes through s.update, which holds s.wmu (one writer at a time), brings the
//     snapshot up to the store's policy generation at the start of the transaction (another
//     process may have written), records every write the handler makes (recordingTx), bumps
//     the generation, and after the commit applies the recorded writes to the snapshot
//     before the response leaves: a change is in the snapshot before anyone hears of it;
//   - in a shared store (several replicas on one database: Config.SharedStore), a read first
//     learns the store's current generation through a read barrier started after the request
//     arrived, and reloads when it moved, so a revoke answered by one replica is denied by
//     every replica from then on. Alone on its store (the SQLite default, guarded by a lock
//     file), the server is the only writer and its snapshot is always current.

// The conversions from the store's wire types to the engine's: the only mapping site.

func policyEnv(e api.Environment) access.Environment {
	return access.Environment{ID: e.ID, Name: e.Name, Cloud: e.Cloud, ResourcePrefix: e.ResourcePrefix}
}

func policyUser(u api.User) access.User {
	return access.User{ID: u.ID, Email: u.Email, Kind: access.UserKind(u.Kind)}
}

func policyGroup(g api.Group) access.Group {
	return access.Group{ID: g.ID, Name: g.Name, Members: g.Members}
}

func policyRole(r api.Role) access.Role {
	return access.Role{ID: r.ID, Name: r.Name, Permissions: r.Permissions, Builtin: r.Builtin}
}

func policyAssignment(a api.RoleAssignment) access.Assignment {
	return access.Assignment{ID: a.ID, RoleID: a.RoleID, UserID: a.UserID, GroupID: a.GroupID}
}

func policyGrant(g api.Grant) access.Grant {
	return access.Grant{ID: g.ID, EnvironmentID: g.EnvironmentID, RoleID: g.RoleID, Permissions: g.Permissions}
}

func policySupport(a api.SupportAccess) access.SupportAccess {
	return access.SupportAccess{ID: a.ID, EnvironmentID: a.EnvironmentID, Tier: a.Tier, PortForwarding: a.PortForwarding,
		ExpiresAt: a.ExpiresAt, Standing: !a.RequireApproval}
}

func policyRequest(r api.AccessRequest) access.AccessRequest {
	return access.AccessRequest{ID: r.ID, EnvironmentID: r.EnvironmentID, RequesterID: r.RequesterID, Tier: r.Tier,
		Status: r.Status, ExpiresAt: r.ExpiresAt}
}

func policyToken(t TokenRecord) access.Token {
	return access.Token{ID: t.ID, UserID: t.UserID, Hash: t.Hash, ExpiresAt: t.ExpiresAt}
}

// loadPolicy reads the whole snapshot in one transaction.
func loadPolicy(tx Tx) (*access.Policy, int64, error) {
	gen, err := tx.Generation()
	if err != nil {
		return nil, 0, err
	}
	p := access.NewPolicy()
	envs, _, err := tx.Environments("", Page{})
	if err != nil {
		return nil, 0, err
	}
	for _, e := range envs {
		p.PutEnvironment(policyEnv(e))
	}
	users, _, err := tx.Users("", Page{})
	if err != nil {
		return nil, 0, err
	}
	for _, u := range users {
		p.PutUser(policyUser(u))
	}
	groups, _, err := tx.Groups("", Page{})
	if err != nil {
		return nil, 0, err
	}
	for _, g := range groups {
		p.PutGroup(policyGroup(g))
	}
	roles, _, err := tx.Roles("", Page{})
	if err != nil {
		return nil, 0, err
	}
	for _, r := range roles {
		p.PutRole(policyRole(r))
	}
	as, err := tx.AllAssignments()
	if err != nil {
		return nil, 0, err
	}
	for _, a := range as {
		p.PutAssignment(policyAssignment(a))
	}
	gs, err := tx.AllGrants()
	if err != nil {
		return nil, 0, err
	}
	for _, g := range gs {
		p.PutGrant(policyGrant(g))
	}
	sas, err := tx.AllSupportAccess()
	if err != nil {
		return nil, 0, err
	}
	for _, a := range sas {
		p.PutSupportAccess(policySupport(a))
	}
	reqs, _, err := tx.AccessRequests(AccessRequestFilter{}, Page{})
	if err != nil {
		return nil, 0, err
	}
	for _, r := range reqs {
		p.PutAccessRequest(policyRequest(r))
	}
	toks, err := tx.AllTokens()
	if err != nil {
		return nil, 0, err
	}
	for _, t := range toks {
		p.PutToken(policyToken(t))
	}
	return p, gen, nil
}

// recordingTx is the Tx handed to every write: it forwards each write to the store and
// remembers how to make the same change to the snapshot once the transaction commits. The
// snapshot's mutators cascade exactly as the store's foreign keys do.
type recordingTx struct {
	Tx
	changes []func(*access.Policy)
}

func (t *recordingTx) record(err error, f func(*access.Policy)) error {
	if err == nil {
		t.changes = append(t.changes, f)
	}
	return err
}

func (t *recordingTx) InsertEnvironment(e api.Environment) error {
	return t.record(t.Tx.InsertEnvironment(e), func(p *access.Policy) { p.PutEnvironment(policyEnv(e)) })
}

func (t *recordingTx) UpdateEnvironment(e api.Environment) error {
	return t.record(t.Tx.UpdateEnvironment(e), func(p *access.Policy) { p.PutEnvironment(policyEnv(e)) })
}

func (t *recordingTx) DeleteEnvironment(id string) error {
	return t.record(t.Tx.DeleteEnvironment(id), func(p *access.Policy) { p.DeleteEnvironment(id) })
}

func (t *recordingTx) InsertUser(u api.User) error {
	return t.record(t.Tx.InsertUser(u), func(p *access.Policy) { p.PutUser(policyUser(u)) })
}

func (t *recordingTx) UpdateUser(u api.User) error {
	return t.record(t.Tx.UpdateUser(u), func(p *access.Policy) { p.PutUser(policyUser(u)) })
}

func (t *recordingTx) DeleteUser(id string, now time.Time) error {
	return t.record(t.Tx.DeleteUser(id, now), func(p *access.Policy) { p.DeleteUser(id) })
}

func (t *recordingTx) InsertToken(r TokenRecord) error {
	return t.record(t.Tx.InsertToken(r), func(p *access.Policy) { p.PutToken(policyToken(r)) })
}

func (t *recordingTx) DeleteToken(id string) error {
	return t.record(t.Tx.DeleteToken(id), func(p *access.Policy) { p.DeleteToken(id) })
}

func (t *recordingTx) InsertGroup(g api.Group) error {
	return t.record(t.Tx.InsertGroup(g), func(p *access.Policy) { p.PutGroup(policyGroup(g)) })
}

func (t *recordingTx) UpdateGroup(g api.Group) error {
	return t.record(t.Tx.UpdateGroup(g), func(p *access.Policy) { p.PutGroup(policyGroup(g)) })
}

func (t *recordingTx) DeleteGroup(id string) error {
	return t.record(t.Tx.DeleteGroup(id), func(p *access.Policy) { p.DeleteGroup(id) })
}

func (t *recordingTx) InsertRole(r api.Role) error {
	return t.record(t.Tx.InsertRole(r), func(p *access.Policy) { p.PutRole(policyRole(r)) })
}

func (t *recordingTx) UpdateRole(r api.Role) error {
	return t.record(t.Tx.UpdateRole(r), func(p *access.Policy) { p.PutRole(policyRole(r)) })
}

func (t *recordingTx) DeleteRole(id string) error {
	return t.record(t.Tx.DeleteRole(id), func(p *access.Policy) { p.DeleteRole(id) })
}

func (t *recordingTx) InsertAssignment(a api.RoleAssignment) error {
	return t.record(t.Tx.InsertAssignment(a), func(p *access.Policy) { p.PutAssignment(policyAssignment(a)) })
}

func (t *recordingTx) DeleteAssignment(id string) error {
	return t.record(t.Tx.DeleteAssignment(id), func(p *access.Policy) { p.DeleteAssignment(id) })
}

func (t *recordingTx) InsertGrant(g api.Grant) error {
	return t.record(t.Tx.InsertGrant(g), func(p *access.Policy) { p.PutGrant(policyGrant(g)) })
}

func (t *recordingTx) UpdateGrant(g api.Grant) error {
	return t.record(t.Tx.UpdateGrant(g), func(p *access.Policy) { p.PutGrant(policyGrant(g)) })
}

func (t *recordingTx) DeleteGrant(envID, roleID string) error {
	return t.record(t.Tx.DeleteGrant(envID, roleID), func(p *access.Policy) { p.DeleteGrant(envID, roleID) })
}

func (t *recordingTx) InsertSupportAccess(a api.SupportAccess) error {
	return t.record(t.Tx.InsertSupportAccess(a), func(p *access.Policy) { p.PutSupportAccess(policySupport(a)) })
}

func (t *recordingTx) UpdateSupportAccess(a api.SupportAccess) error {
	return t.record(t.Tx.UpdateSupportAccess(a), func(p *access.Policy) { p.PutSupportAccess(policySupport(a)) })
}

func (t *recordingTx) DeleteSupportAccess(envID string) error {
	return t.record(t.Tx.DeleteSupportAccess(envID), func(p *access.Policy) { p.DeleteSupportAccess(envID) })
}

func (t *recordingTx) InsertAccessRequest(r api.AccessRequest) error {
	return t.record(t.Tx.InsertAccessRequest(r), func(p *access.Policy) { p.PutAccessRequest(policyRequest(r)) })
}

func (t *recordingTx) UpdateAccessRequest(r api.AccessRequest) error {
	return t.record(t.Tx.UpdateAccessRequest(r), func(p *access.Policy) { p.PutAccessRequest(policyRequest(r)) })
}

// policyState is the snapshot with the generation it reflects.
type policyState struct {
	mu  sync.RWMutex // readers decide under RLock; the writer applies under Lock
	wmu sync.Mutex   // one writer at a time (s.update, reloads)
	pol *access.Policy
	gen int64
	// stale is set when a commit's outcome is unknown: the next read reloads.
	stale bool
}

// update runs fn as one write transaction and mirrors its writes into the snapshot. It is
// the only way the server writes. Inside fn, s.pol() is the snapshot as of the transaction's
// start, current with the store: decisions made there see exactly what the transaction sees.
// Before fn runs, the request's own authentication and route check are taken again at that
// generation (recheck): a write whose actor lost its token or its right while the request
// was in flight commits nothing. A refusal by the engine (*access.Denial) is audited in a
// transaction of its own, since the change's own rolls back, and answered as a problem.
func (s *Server) update(ctx context.Context, fn func(Tx) error) error {
	s.state.wmu.Lock()
	defer s.state.wmu.Unlock()
	var rec *recordingTx
	var gen int64
	auth := authFrom(ctx)
	err := s.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.Generation()
		if err != nil {
			return err
		}
		if cur != s.state.gen || s.state.stale {
			if err := s.reloadFrom(tx); err != nil {
				return err
			}
		}
		if d := s.recheck(s.state.pol, cur, auth); d != nil {
			return d
		}
		rec = &recordingTx{Tx: tx}
		if err := fn(&requestTx{Tx: rec, req: requestInfoFrom(ctx)}); err != nil {
			return err
		}
		gen = cur
		if len(rec.changes) > 0 {
			gen, err = tx.BumpGeneration()
		}
		return err
	})
	var d *access.Denial
	if errors.As(err, &d) {
		return s.refused(ctx, d)
	}
	if err != nil {
		if rec != nil && len(rec.changes) > 0 {
			s.state.mu.Lock()
			s.state.stale = true // the commit may have happened
			s.state.mu.Unlock()
		}
		return err
	}
	s.state.mu.Lock()
	for _, c := range rec.changes {
		c(s.state.pol)
	}
	s.state.gen = gen
	s.state.mu.Unlock()
	return nil
}

// refused audits an engine refusal and answers it as a problem (a 401 with its challenge).
func (s *Server) refused(ctx context.Context, d *access.Denial) error {
	s.auditRefusal(ctx, d)
	prob := denialProblem(d)
	if d.Kind == access.Unauthenticated {
		return huma.ErrorWithHeaders(prob, http.Header{"WWW-Authenticate": {`Bearer realm="warden"`}})
	}
	return prob
}

// reloadFrom replaces the snapshot with the store's, read in tx. The caller holds wmu.
func (s *Server) reloadFrom(tx Tx) error {
	pol, gen, err := loadPolicy(tx)
	if err != nil {
		return err
	}
	s.state.mu.Lock()
	s.state.pol, s.state.gen, s.state.stale = pol, gen, false
	s.state.mu.Unlock()
	return nil
}

// pol is the snapshot for a decision inside s.update (the writer holds wmu, so nothing
// changes it underneath).
func (s *Server) pol() *access.Policy { return s.state.pol }

// read runs fn with a current snapshot under the read lock, after taking the request's
// authentication and route check again on that snapshot when it moved on since they were
// taken (recheck): an answer given after a revoke was answered is refused, whenever the
// request's body arrived.
func (s *Server) read(ctx context.Context, fn func(*access.Policy) error) error {
	if err := s.ensureCurrent(ctx); err != nil {
		return err
	}
	d, err := s.readLocked(authFrom(ctx), fn)
	if d != nil {
		return s.refused(ctx, d)
	}
	return err
}

func (s *Server) readLocked(auth *authState, fn func(*access.Policy) error) (*access.Denial, error) {
	s.state.mu.RLock()
	defer s.state.mu.RUnlock()
	if d := s.recheck(s.state.pol, s.state.gen, auth); d != nil {
		return d, nil
	}
	return nil, fn(s.state.pol)
}

// stillAllowed takes the request's decision again once a read has gathered its answer from
// the store, so that the answer is given only if the caller may still have it.
func (s *Server) stillAllowed(ctx context.Context) error {
	return s.read(ctx, func(*access.Policy) error { return nil })
}

// ensureCurrent brings the snapshot up to the store's generation when other writers may
// exist (a shared store) or a commit's outcome was unknown.
func (s *Server) ensureCurrent(ctx context.Context) error {
	s.state.mu.RLock()
	stale, gen := s.state.stale, s.state.gen
	s.state.mu.RUnlock()
	if !s.shared && !stale {
		return nil
	}
	if s.shared && !stale {
		cur, err := s.barrier.wait(ctx)
		if err != nil {
			return err
		}
		if cur == gen {
			return nil
		}
	}
	s.state.wmu.Lock()
	defer s.state.wmu.Unlock()
	return s.store.View(ctx, func(tx Tx) error {
		cur, err := tx.Generation()
		if err != nil || (cur == s.state.gen && !s.state.stale) {
			return err
		}
		return s.reloadFrom(tx)
	})
}

// generationBarrier answers "what is the store's policy generation now?" with a read that
// started after the question was asked — what exactness across replicas needs — while
// sharing each read among every request waiting when it starts. maxInFlight bounds the
// overlapping reads; measured with make bench-api on PostgreSQL, one (the widest sharing)
// beat four at 8 and at 32 connections: the reads' own CPU, not their latency, is the cost.
type generationBarrier struct {
	read     func(context.Context) (int64, error)
	mu       sync.Mutex
	next     *barrierRound // the round new waiters join; nil when none is forming
	inFlight int
}

const maxInFlight = 1

type barrierRound struct {
	done chan struct{}
	gen  int64
	err  error
}

func (b *generationBarrier) wait(ctx context.Context) (int64, error) {
	b.mu.Lock()
	if b.next == nil {
		b.next = &barrierRound{done: make(chan struct{})}
	}
	r := b.next
	if b.inFlight < maxInFlight {
		b.inFlight++
		b.next = nil
		go b.serve(r)
	}
	b.mu.Unlock()
	select {
	case <-r.done:
		return r.gen, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// serve reads for round r, then for whichever round formed meanwhile, until none did. A
// round's read starts after the round was taken, and every waiter joined it before that, so
// each waiter's answer is no older than its arrival.
func (b *generationBarrier) serve(r *barrierRound) {
	for r != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		r.gen, r.err = b.read(ctx)
		cancel()
		close(r.done)
		b.mu.Lock()
		r, b.next = b.next, nil
		if r == nil {
			b.inFlight--
		}
		b.mu.Unlock()
	}
}

// auditRefusal records a refused change: who asked, for what, and why it was refused. It runs
// in a transaction of its own, after the refused change rolled back, so the log never misses
// an attempt and the attempt changes nothing else.
func (s *Server) auditRefusal(ctx context.Context, d *access.Denial) {
	ctx = context.WithoutCancel(ctx)
	actorID := ""
	if p := principalFrom(ctx); p != nil {
		actorID = p.User.ID
	}
	attempt := map[string]string{"code": d.Code, "reason": d.Message}
	reqID := ""
	if ri := requestInfoFrom(ctx); ri != nil {
		attempt["method"], attempt["path"], reqID = ri.method, ri.path, ri.id
	}
	// The request is the object: named by the server's own id, never by the caller's
	// X-Request-Id (which the event carries apart, as client_request_id).
	err := s.store.Update(ctx, func(tx Tx) error {
		return s.audit(&requestTx{Tx: tx, req: requestInfoFrom(ctx)}, actorID, "request.denied", "request", reqID, "", nil, attempt)
	})
	if err != nil {
		s.log.ErrorContext(ctx, "audit of a refused request failed", "error", err, "request_id", reqID)
	}
}
