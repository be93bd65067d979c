package apiserver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// RecoverActor is the audit actor of every change RecoverOwner makes: no user did it, an
// operator with access to the database file did.
const RecoverActor = "system:recover-owner"

// RecoverTokenLifetime is how long the token RecoverOwner mints authenticates. It is a
// break-glass credential: long enough to restore a lasting owner, short enough that a copy
// left in a terminal's scrollback soon stops mattering.
const RecoverTokenLifetime = 24 * time.Hour

// RecoverOwner is the offline break-glass for a store in which nobody holds account_owner
// any more (the API refuses to remove the last one, but the database can be edited behind
// its back). On the SQLite file db, in one transaction, it finds the member user with
// e-mail email ("" is the bootstrap user, owner@warden.local) or creates it, assigns it the
// built-in account_owner role directly unless it already holds it so, and mints a fresh
// token for it, valid for RecoverTokenLifetime from now. Every change is audited as
// RecoverActor. It returns the user's id and the token's secret, which exists nowhere else.
//
// On SQLite it refuses while a server holds db; on PostgreSQL it may run beside replicas.
func RecoverOwner(ctx context.Context, db, email string, now time.Time) (userID, token string, err error) {
	if email == "" {
		email = BootstrapEmail
	}
	if fs := access.ValidateEmail("email", email); access.HasErrors(fs) {
		return "", "", fmt.Errorf("-email: %s", fs[0])
	}
	// Opening a missing file would create an empty store, which has nobody to recover.
	if !IsPostgresURL(db) {
		if _, err := os.Stat(db); err != nil {
			return "", "", fmt.Errorf("no Warden database at %s: %w", db, err)
		}
	}
	// On SQLite, the lock a running server holds: recovering behind its back would leave its
	// in-memory policy without the new owner. On PostgreSQL, running replicas see the change
	// through the policy generation this transaction bumps.
	st, unlock, err := openStore(ctx, db, false)
	if err != nil {
		return "", "", err
	}
	defer func() { err = errors.Join(err, st.Close(), unlock()) }()

	s := &Server{store: st, now: func() time.Time { return now }}
	// The store records the changes and bumps the policy generation, through which running
	// replicas (none may run on SQLite meanwhile, but a store that is later shared) see
	// them; this process holds no snapshot to apply them to.
	_, err = st.UpdatePolicy(ctx, func(tx Tx) error {
		if n, err := tx.CountUsers(); err != nil {
			return err
		} else if n == 0 {
			return errors.New("the store is empty: start warden-server with WARDEN_BOOTSTRAP_TOKEN to create the first account_owner")
		}
		u, err := s.recoverUser(tx, email)
		if err != nil {
			return err
		}
		if err := s.recoverAssignment(tx, u.ID); err != nil {
			return err
		}
		secret := newTokenSecret()
		exp := now.Add(RecoverTokenLifetime)
		t := TokenRecord{Token: api.Token{ID: newID("tok"), UserID: u.ID, Name: "recover-owner", ExpiresAt: &exp, CreatedAt: now},
			Hash: hashToken(secret)}
		if err := tx.InsertToken(t); err != nil {
			return err
		}
		if err := s.audit(tx, auditEntry{Actor: RecoverActor, Kind: objectToken, Verb: "create", ID: t.ID, After: t.Token}); err != nil {
			return err
		}
		userID, token = u.ID, secret
		return nil
	})
	if err != nil {
		return "", "", fmt.Errorf("recover owner: %w", err)
	}
	return userID, token, nil
}

// recoverUser finds the member user with email, or creates it.
func (s *Server) recoverUser(tx Tx, email string) (api.User, error) {
	users, _, err := tx.Users(email, Page{Limit: 1})
	if err != nil {
		return api.User{}, err
	}
	if len(users) > 0 {
		u := users[0]
		if u.Kind != kindMember {
			return u, fmt.Errorf("%s is a %s user; vendor users hold no roles: pass the -email of a member", email, u.Kind)
		}
		return u, nil
	}
	u := api.User{Meta: newMeta("usr", s.now()), Email: email, Name: "Owner", Kind: kindMember}
	if err := tx.InsertUser(u); err != nil {
		return u, err
	}
	return u, s.audit(tx, auditEntry{Actor: RecoverActor, Kind: objectUser, Verb: "create", ID: u.ID, After: u})
}

// recoverAssignment gives userID the account_owner role directly, unless it already holds
// it directly (holding it through a group is not enough: the group may be what was lost).
func (s *Server) recoverAssignment(tx Tx, userID string) error {
	held, err := tx.HeldRoles(userID)
	if err != nil {
		return err
	}
	for _, h := range held {
		if h.GroupID == "" && h.Role.ID == roleAccountOwner {
			return nil
		}
	}
	a := api.RoleAssignment{Meta: newMeta("asg", s.now()), RoleID: roleAccountOwner, UserID: userID}
	if err := tx.InsertAssignment(a); err != nil {
		return err
	}
	return s.audit(tx, auditEntry{Actor: RecoverActor, Kind: objectRoleAssignment, Verb: "create", ID: a.ID, After: a})
}
