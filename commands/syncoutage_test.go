package commands

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/client"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
)

// TestSyncRidesOutAnOutage runs a sync, as examples/sync does it: calls
// of bulkUpsertContacts, each with an Idempotency-Key of its own that its
// retries send again, through the Go client with the example's retries.
// PostgreSQL is killed while one of its calls is in flight (it waits for
// a row the test locks), and started again a moment later. The sync must
// finish, and nothing be written twice: one contact per row, each written
// once (created by one call, at version 1, the locked row's contact
// updated once, at version 2), one kept response per call.
//
// Before the claim of a key died with its transaction, the call cut off
// left its key in flight for 2 minutes, and the sync gave up on 409
// IDEMPOTENCY_IN_PROGRESS.
func TestSyncRidesOutAnOutage(t *testing.T) {
	const calls, perCall, lockedRow = 8, 50, 4*50 + 7
	cluster, cfg, c := serveOnCrashableCluster(t)
	ctx := context.Background()
	externalID := func(row int) string { return fmt.Sprintf("sync-%04d", row) }
	c.mustPost(t, `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`,
		map[string]any{"input": map[string]any{"externalId": externalID(lockedRow), "name": "Before the sync"}})

	owner := dbtest.Open(t, db.Open, cfg.DatabaseURL)
	lock, err := owner.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback() // its connection is lost with the crash
	if _, err := lock.ExecContext(ctx, "SELECT 1 FROM contacts WHERE external_id = ? FOR UPDATE", externalID(lockedRow)); err != nil {
		t.Fatal(err)
	}

	type outcome struct {
		created, updated int
		err              error
	}
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() { done <- o }()
		api := client.New(c.URL, client.StaticToken(c.Token), client.WithRetries(8, client.DefaultBackoff))
		for call := range calls {
			inputs := make([]*client.UpsertContactInput, perCall)
			for i := range inputs {
				row := call*perCall + i
				inputs[i] = &client.UpsertContactInput{ExternalId: externalID(row), Name: client.Ptr(fmt.Sprint("Sync ", row))}
			}
			resp, err := client.BulkUpsertContacts(client.WithIdempotencyKey(ctx, fmt.Sprint("sync-call-", call)), api, inputs, client.Ptr(false))
			if err != nil {
				o.err = fmt.Errorf("call %d: %w", call, err)
				return
			}
			for _, r := range resp.BulkUpsertContacts.Results {
				switch {
				case len(r.UserErrors) > 0:
					o.err = fmt.Errorf("call %d: row %d refused: %s", call, r.Index, r.UserErrors[0].Message)
					return
				case r.Created:
					o.created++
				default:
					o.updated++
				}
			}
		}
	}()

	waitForLockWait(t, owner)
	if err := cluster.Crash(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // the sync's retries meet the outage
	if err := cluster.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	o := <-done
	if o.err != nil {
		t.Fatalf("the sync through an outage: %v; want it to finish", o.err)
	}
	if want := calls * perCall; o.created != want-1 || o.updated != 1 {
		t.Errorf("the sync reports %d created and %d updated; want %d and 1, each row written once", o.created, o.updated, want-1)
	}

	// The test's connections died with PostgreSQL.
	after := dbtest.Open(t, db.Open, cfg.DatabaseURL)
	var versions []struct {
		ExternalID string `bun:"external_id"`
		Version    int    `bun:"version"`
	}
	if err := after.NewSelect().Table("contacts").Column("external_id", "version").Order("external_id").Scan(ctx, &versions); err != nil {
		t.Fatal(err)
	}
	if len(versions) != calls*perCall {
		t.Errorf("%d contacts after the sync; want %d, one per row", len(versions), calls*perCall)
	}
	for row, v := range versions {
		want := 1
		if row == lockedRow {
			want = 2
		}
		if v.ExternalID != externalID(row) || v.Version != want {
			t.Errorf("contact %s at version %d; want %s at version %d", v.ExternalID, v.Version, externalID(row), want)
		}
	}
	kept, err := after.NewSelect().Table("idempotency_keys").Where("status_code IS NOT NULL").Count(ctx)
	if err != nil || kept != calls {
		t.Errorf("%d kept responses (%v); want %d, one per call", kept, err, calls)
	}
}

// waitForLockWait waits until a statement of the server waits for a lock
// of the test's.
func waitForLockWait(t *testing.T, owner *bun.DB) {
	t.Helper()
	for deadline := time.Now().Add(faultWait); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		waiting, err := owner.NewSelect().TableExpr("pg_stat_activity").Where("wait_event_type = 'Lock'").Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			return
		}
	}
	t.Fatal("no statement of the sync waited for the locked row")
}
