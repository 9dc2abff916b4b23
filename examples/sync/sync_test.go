package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/Khan/genqlient/graphql"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/client"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph/graphtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// newAPIClient serves the API on the test database and returns a client
// of a new workspace.
func newAPIClient(t *testing.T) graphql.Client {
	return client.New(graphtest.Serve(t, nil), client.StaticToken(graphtest.Token(t, auth.ScopeWrite, "sync-test")))
}

// syncFile syncs testdata/contacts.csv, two rows a call.
func syncFile(t *testing.T, c graphql.Client) report {
	t.Helper()
	f, err := os.Open("testdata/contacts.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := syncCSV(t.Context(), c, f, 2)
	if err != nil {
		t.Fatalf("syncCSV: %v", err)
	}
	return rep
}

// contactLine is what the test checks of a contact.
func contactLine(c *client.ContactFields) string {
	var phones []string
	for _, p := range c.Phones {
		phones = append(phones, p.Number)
	}
	email := ""
	if c.Email != nil {
		email = *c.Email
	}
	return strings.Join([]string{*c.ExternalId, c.Name, email, strings.Join(phones, " "), strings.Join(c.Tags, ";")}, "|")
}

func TestSyncCSV(t *testing.T) {
	t.Parallel()
	c := newAPIClient(t)
	want := []string{
		"crm-1|Ada Lovelace|ada@example.com|+14155550101|math;vip",
		"crm-2|Grace Hopper|grace@example.com|+14155550102|navy",
		"crm-4|Edsger Dijkstra|edsger@example.com||",
		"crm-5|Barbara Liskov|barbara@example.com|+14155550105|",
	}
	wantProblems := []problem{{Line: 4, ExternalID: "crm-3", Field: "email"}}
	for _, run := range []struct {
		name                                    string
		wantCreated, wantUpdated, wantUnchanged int
	}{
		{"the first run creates the contacts", 4, 0, 0},
		{"a second run of the same file changes nothing", 0, 0, 4},
	} {
		rep := syncFile(t, c)
		for i := range rep.Problems {
			rep.Problems[i].Message = "" // the API's wording is not the point
		}
		if rep.Created != run.wantCreated || rep.Updated != run.wantUpdated || rep.Unchanged != run.wantUnchanged || !slices.Equal(rep.Problems, wantProblems) {
			t.Fatalf("%s: %d created, %d updated, %d unchanged, problems %+v; want %d, %d, %d and %+v",
				run.name, rep.Created, rep.Updated, rep.Unchanged, rep.Problems, run.wantCreated, run.wantUpdated, run.wantUnchanged, wantProblems)
		}
		var got []string
		for contact, err := range client.AllContacts(t.Context(), c, 3) {
			if err != nil {
				t.Fatalf("%s: page through contacts: %v", run.name, err)
			}
			got = append(got, contactLine(contact))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: contacts\n%s\nwant\n%s", run.name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// TestSyncPhoneRegion: a number in national form is read with the row's
// phone_region, in any column order, and stored once however often the
// file is synced.
func TestSyncPhoneRegion(t *testing.T) {
	t.Parallel()
	c := newAPIClient(t)
	const file = "external_id,name,phone_region,phone\ncrm-1,Ada,GB,020 7946 0958\ncrm-2,Bob,,020 7946 0958\n"
	for run := range 2 {
		rep, err := syncCSV(t.Context(), c, strings.NewReader(file), maxBatch)
		if err != nil {
			t.Fatal(err)
		}
		// Without a region (none is the workspace's default) the number
		// has no country.
		if len(rep.Problems) != 1 || rep.Problems[0].ExternalID != "crm-2" {
			t.Fatalf("run %d: problems %+v; want one for crm-2", run, rep.Problems)
		}
		var got []string
		for contact, err := range client.AllContacts(t.Context(), c, 10) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, contactLine(contact))
		}
		if want := []string{"crm-1|Ada||+442079460958|"}; !slices.Equal(got, want) {
			t.Fatalf("run %d: contacts %q; want %q", run, got, want)
		}
	}
}

func TestSyncRefusesABadHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		file    string
		wantErr string
	}{
		{"an unknown column", "external_id,name,fax\ncrm-1,Ada,123\n", `unknown column "fax"`},
		{"no external_id column", "name,email\nAda,ada@example.com\n", "no external_id column"},
		{"no header row", "", "read the header row"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := syncCSV(t.Context(), nil, strings.NewReader(tt.file), maxBatch)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("syncCSV: error %v; want one that says %s", err, tt.wantErr)
			}
		})
	}
}
