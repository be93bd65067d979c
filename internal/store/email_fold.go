package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
)

// backfillEmailFold keys every user still without an email_fold (the rows that predate the
// column) with access.EmailKey, in one transaction, after the migrations and under their
// lock. Users whose e-mails differ only in case cannot both keep theirs; which one should is
// not the server's to decide, so it refuses to start and names them.
func backfillEmailFold(ctx context.Context, db migrator, d dialect) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("key e-mails: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	rows, err := tx.QueryContext(ctx, `SELECT id, email, email_fold FROM users ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("key e-mails: %w", err)
	}
	type user struct{ id, email string }
	byKey := map[string][]user{}
	var pending []user
	for rows.Next() {
		var u user
		var fold *string
		if err := rows.Scan(&u.id, &u.email, &fold); err != nil {
			_ = rows.Close()
			return fmt.Errorf("key e-mails: %w", err)
		}
		byKey[access.EmailKey(u.email)] = append(byKey[access.EmailKey(u.email)], u)
		if fold == nil {
			pending = append(pending, u)
		}
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("key e-mails: %w", err)
	}
	if len(pending) == 0 {
		return nil
	}
	var clashes []string
	for _, us := range byKey {
		if len(us) > 1 {
			names := make([]string, len(us))
			for i, u := range us {
				names[i] = fmt.Sprintf("%s (%+q)", u.id, u.email)
			}
			clashes = append(clashes, strings.Join(names, ", "))
		}
	}
	if len(clashes) > 0 {
		slices.Sort(clashes)
		return fmt.Errorf("e-mail addresses are now unique whatever their case, and these users' differ only in case: %s; "+
			"with the server stopped, change all but one of each set's e-mail (UPDATE users SET email = '…' WHERE id = '…') or delete the users that are not needed, then start it again",
			strings.Join(clashes, "; "))
	}
	for _, u := range pending {
		if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE users SET email_fold = ? WHERE id = ?`), access.EmailKey(u.email), u.id); err != nil {
			return fmt.Errorf("key e-mail of user %s: %w", u.id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("key e-mails: %w", err)
	}
	return nil
}
