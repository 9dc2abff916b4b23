// Command sync loads contacts from a CSV file into a workspace of the
// contacts API with the Go client, the way a backend keeps the API in
// step with its own records: each row with an external id is upserted by
// it, in calls of up to 1,000 rows, and each row with only an email is
// upserted by its email, so running it again changes what changed and
// adds nothing twice.
//
//	CONTACTS_TOKEN=ck_… go run ./examples/sync -url http://localhost:8080 -csv examples/sync/testdata/contacts.csv -duplicates
//
// The file starts with a header row naming its columns, in any order:
// external_id, name, first_name, last_name, email (external_id or email,
// or both, is required), phone (as people write it: +1 (415) 555-0123, or
// in national form with phone_region, -region or the workspace's default
// phone region), phone_region (such as US), tags (separated by ";"),
// account_external_id (the contact's primary account: a new one moves
// the contact, which leaves its previous account) and description. An
// empty cell leaves that field as it is. A row matched by an email that
// several contacts have is refused as ambiguous. Rows the API refuses are
// listed with their line numbers; the others are written. With
// -duplicates, the groups of likely duplicate contacts are listed after
// the sync, for mergeContacts.
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
	region := flag.String("region", "", "the country (ISO 3166-1 alpha-2, such as US) of phone numbers in national form in rows with no phone_region (default: the workspace's default phone region)")
	duplicates := flag.Bool("duplicates", false, "list the groups of likely duplicate contacts after the sync")
	flag.Parse()
	if *path == "" || *token == "" || *batch < 1 || *batch > maxBatch {
		fmt.Fprintln(os.Stderr, "sync: -csv, a token (-token or CONTACTS_TOKEN) and a -batch of 1 to 1000 are required")
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *url, *token, *path, options{batch: *batch, region: *region}, *duplicates); err != nil {
		fmt.Fprintln(os.Stderr, "sync:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, token, path string, opts options, duplicates bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	// A sync job can wait out an outage (503 UNAVAILABLE, Retry-After);
	// each retry sends the batch's Idempotency-Key again, and is served
	// as soon as PostgreSQL is back.
	c := client.New(url, client.StaticToken(token), client.WithRetries(syncAttempts, client.DefaultBackoff))
	rep, err := syncCSV(ctx, c, f, opts)
	for _, p := range rep.Problems {
		fmt.Printf("line %d (%s): %s: %s\n", p.Line, p.Key, p.Field, p.Message)
	}
	fmt.Printf("%d created, %d updated, %d unchanged, %d ambiguous, %d refused\n", rep.Created, rep.Updated, rep.Unchanged, rep.Ambiguous, len(rep.Problems))
	if err == nil && duplicates {
		var n int
		n, err = writeDuplicates(ctx, c, os.Stdout)
		fmt.Printf("%d groups of likely duplicates\n", n)
	}
	if err == nil && len(rep.Problems) > 0 {
		err = errors.New("the API refused the rows listed above; the others were written")
	}
	return err
}
