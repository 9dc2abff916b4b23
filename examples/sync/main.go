// Command sync loads contacts from a CSV file into a workspace of the
// contacts API with the Go client, the way a backend keeps the API in
// step with its own records: each row is upserted by its external id, in
// calls of up to 1,000 rows, so running it again changes what changed and
// adds nothing twice.
//
//	CONTACTS_TOKEN=ck_… go run ./examples/sync -url http://localhost:8080 -csv examples/sync/testdata/contacts.csv
//
// The file starts with a header row naming its columns, in any order:
// external_id (required), name, first_name, last_name, email, phone (as
// people write it: +1 (415) 555-0123, or in national form with
// phone_region or the workspace's default phone region), phone_region (such
// as US), tags (separated by ";"), account_external_id and description. An empty cell leaves that field as it is. Rows the API
// refuses are listed with their line numbers; the others are written.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/contacts-api/contacts/client"
)

// maxBatch is the most inputs bulkUpsertContacts takes in one call.
const maxBatch = 1000

// syncAttempts is how many times the sync tries each call: 8, whose
// waits (each the 1 s Retry-After of an outage's 503 or, when longer,
// client.DefaultBackoff doubled after each retry, with jitter) add up to
// 18 to 33 s, enough for PostgreSQL to restart or fail over under the API.
const syncAttempts = 8

func main() {
	url := flag.String("url", "http://localhost:8080", "the API's base URL")
	path := flag.String("csv", "", "the CSV file to load (required)")
	token := flag.String("token", os.Getenv("CONTACTS_TOKEN"), "an API key or JWT with the contacts:write scope (default $CONTACTS_TOKEN)")
	batch := flag.Int("batch", maxBatch, "rows per call, 1 to 1000")
	flag.Parse()
	if *path == "" || *token == "" || *batch < 1 || *batch > maxBatch {
		fmt.Fprintln(os.Stderr, "sync: -csv, a token (-token or CONTACTS_TOKEN) and a -batch of 1 to 1000 are required")
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *url, *token, *path, *batch); err != nil {
		fmt.Fprintln(os.Stderr, "sync:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, token, path string, batch int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	// A sync job can wait out an outage (503 UNAVAILABLE, Retry-After);
	// each retry sends the batch's Idempotency-Key again, and is served
	// as soon as PostgreSQL is back.
	rep, err := syncCSV(ctx, client.New(url, client.StaticToken(token), client.WithRetries(syncAttempts, client.DefaultBackoff)), f, batch)
	for _, p := range rep.Problems {
		fmt.Printf("line %d (%s): %s: %s\n", p.Line, p.ExternalID, p.Field, p.Message)
	}
	fmt.Printf("%d created, %d updated, %d unchanged, %d refused\n", rep.Created, rep.Updated, rep.Unchanged, len(rep.Problems))
	if err == nil && len(rep.Problems) > 0 {
		err = errors.New("the API refused the rows listed above; the others were written")
	}
	return err
}
