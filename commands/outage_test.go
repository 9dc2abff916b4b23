package commands

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/contacts-api/contacts/client"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
)

// TestOutageAnswersUnavailable stops PostgreSQL under a running server: a
// query and a mutation must answer 503 UNAVAILABLE with a Retry-After and
// nothing of the database; then the Go client, sending a create while
// PostgreSQL is down, must retry until it is back and create the contact
// once.
func TestOutageAnswersUnavailable(t *testing.T) {
	cluster, cfg, c := serveOnCrashableCluster(t)

	if err := cluster.Crash(); err != nil {
		t.Fatal(err)
	}
	for _, query := range []string{
		`{ contacts(first: 5) { nodes { id } } }`,
		`mutation { createContact(input: {name: "Outage"}) { contact { id } } }`,
	} {
		a := c.post(context.Background(), query, nil)
		if !a.unavailable() {
			t.Errorf("%s while PostgreSQL is down: %s; want 503 UNAVAILABLE with a Retry-After", query, a)
		}
		if showsDatabase(a, strconv.Itoa(cluster.Port)) {
			t.Errorf("%s while PostgreSQL is down shows the database: %s", query, a)
		}
	}

	api := client.New(c.URL, client.StaticToken(c.Token), client.WithRetries(20, 100*time.Millisecond))
	done := make(chan error, 1)
	go func() {
		_, err := client.CreateContact(context.Background(), api, &client.CreateContactInput{Name: client.Ptr("Rode out the outage")})
		done <- err
	}()
	time.Sleep(time.Second) // a few attempts meet the outage
	if err := cluster.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("createContact through an outage: %v", err)
	}
	bdb := dbtest.Open(t, db.Open, cfg.DatabaseURL)
	created, err := bdb.NewSelect().Table("contacts").Where("name = ?", "Rode out the outage").Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if created != 1 {
		t.Errorf("%d contacts created through the outage; want 1", created)
	}
}
