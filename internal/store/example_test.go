package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/wardenhq/terraform-provider-warden/internal/access"
	"github.com/wardenhq/terraform-provider-warden/internal/api"
	"github.com/wardenhq/terraform-provider-warden/internal/store"
)

// A write that changes the policy is a Tx method that records its mirror, and only
// UpdatePolicy accepts it: it bumps the generation and hands the changes back for the
// caller's snapshot. There is no other way to write a policy row from outside the package:
//
//	tx.insertGrant(g)          // does not compile: tx.insertGrant undefined (unexported)
//	tx.(*store.sqlTx)          // does not compile: the transaction type is unexported
//	tx.BumpGeneration()        // does not compile: the store bumps, exactly when it recorded
//
// Update, for writes that change no policy (audit, idempotency), refuses a policy write.
func ExampleDB_UpdatePolicy() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "warden-example-")
	if err != nil {
		panic(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, "warden.db"))
	if err != nil {
		panic(err)
	}
	defer func() { _ = st.Close() }()

	var pol *access.Policy
	var gen int64
	_ = st.View(ctx, func(tx store.Tx) error {
		pol, gen, err = store.LoadPolicy(tx)
		return err
	})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	env := api.Environment{Meta: api.Meta{ID: "env_1", Version: 1, CreatedAt: now, UpdatedAt: now}, Name: "prod", Cloud: "aws", ResourcePrefix: "pr_"}
	c, err := st.UpdatePolicy(ctx, func(tx store.Tx) error { return tx.InsertEnvironment(env) })
	if err != nil {
		panic(err)
	}
	c.Apply(pol)
	_, mirrored := pol.EnvironmentByID("env_1")
	fmt.Println(gen, "->", c.Gen, c.Changed(), mirrored)

	err = st.Update(ctx, func(tx store.Tx) error { return tx.DeleteEnvironment("env_1") })
	fmt.Println(errors.Is(err, store.ErrPolicyWrite))
	// Output:
	// 0 -> 1 true true
	// true
}
