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
	return graphtest.NewAPIClient(t, auth.ScopeWrite, "sync-test")
}

// syncFile syncs testdata/contacts.csv, two rows a call.
func syncFile(t *testing.T, c graphql.Client) report {
	t.Helper()
	f, err := os.Open("testdata/contacts.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := syncCSV(t.Context(), c, f, options{batch: 2})
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
	email, externalID := "", ""
	if c.Email != nil {
		email = *c.Email
	}
	if c.ExternalId != nil {
		externalID = *c.ExternalId
	}
	return strings.Join([]string{externalID, c.Name, email, strings.Join(phones, " "), strings.Join(c.Tags, ";")}, "|")
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
	wantProblems := []problem{{Line: 4, Key: "crm-3", Field: "email"}}
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
		rep, err := syncCSV(t.Context(), c, strings.NewReader(file), options{batch: maxBatch})
		if err != nil {
			t.Fatal(err)
		}
		// Without a region (none is the workspace's default) the number
		// has no country.
		if len(rep.Problems) != 1 || rep.Problems[0].Key != "crm-2" {
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
		{"neither an external_id nor an email column", "name,phone\nAda,+14155550101\n", "neither an external_id nor an email column"},
		{"no header row", "", "read the header row"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := syncCSV(t.Context(), nil, strings.NewReader(tt.file), options{batch: maxBatch})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("syncCSV: error %v; want one that says %s", err, tt.wantErr)
			}
		})
	}
}

// syncString syncs a file given as a string and fails the test on an
// error of the call.
func syncString(t *testing.T, c graphql.Client, file string, opts options) report {
	t.Helper()
	if opts.batch == 0 {
		opts.batch = maxBatch
	}
	rep, err := syncCSV(t.Context(), c, strings.NewReader(file), opts)
	if err != nil {
		t.Fatalf("syncCSV: %v", err)
	}
	for i := range rep.Problems {
		rep.Problems[i].Message = "" // the API's wording is not the point
	}
	return rep
}

// contactLines returns contactLine of each contact of the workspace.
func contactLines(t *testing.T, c graphql.Client) []string {
	t.Helper()
	var got []string
	for contact, err := range client.AllContacts(t.Context(), c, 100) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, contactLine(contact))
	}
	return got
}

// TestSyncByEmail: a row without an external id is upserted by its email,
// in any case; one whose email several contacts have is refused as
// ambiguous and the sync goes on; a second run changes nothing; and the
// duplicates are listed.
func TestSyncByEmail(t *testing.T) {
	t.Parallel()
	c := newAPIClient(t)
	const file = "external_id,name,email,phone\n" +
		"crm-a,Ada,ada@example.com,\n" +
		"crm-b,Ada L.,ADA@example.com,\n" +
		",Ada,Ada@Example.com,\n" + // ambiguous: crm-a and crm-b have it
		",Bob,bob@example.com,+1 (415) 555-0102\n" +
		",Nobody,,\n" // neither an external id nor an email
	wantProblems := []problem{
		{Line: 4, Key: "Ada@Example.com", Field: "email"},
		{Line: 6, Key: "", Field: "external_id"},
	}
	for _, run := range []struct {
		name                                    string
		wantCreated, wantUpdated, wantUnchanged int
	}{
		{"the first run", 3, 0, 0},
		{"the second run", 0, 0, 3},
	} {
		rep := syncString(t, c, file, options{batch: 2})
		if rep.Created != run.wantCreated || rep.Updated != run.wantUpdated || rep.Unchanged != run.wantUnchanged || rep.Ambiguous != 1 || !slices.Equal(rep.Problems, wantProblems) {
			t.Fatalf("%s: %d created, %d updated, %d unchanged, %d ambiguous, problems %+v; want %d, %d, %d, 1 and %+v",
				run.name, rep.Created, rep.Updated, rep.Unchanged, rep.Ambiguous, rep.Problems, run.wantCreated, run.wantUpdated, run.wantUnchanged, wantProblems)
		}
	}
	got := contactLines(t, c)
	// Bob has no external id: contactLine shows it empty.
	want := []string{"crm-a|Ada|ada@example.com||", "crm-b|Ada L.|ADA@example.com||", "|Bob|bob@example.com|+14155550102|"}
	if !slices.Equal(got, want) {
		t.Fatalf("contacts\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	var out strings.Builder
	n, err := writeDuplicates(t.Context(), c, &out)
	if err != nil {
		t.Fatal(err)
	}
	if wantOut := "duplicates by email \"ada@example.com\": 2 contacts: crm-a, crm-b\n"; n != 1 || out.String() != wantOut {
		t.Errorf("writeDuplicates: %d groups, %q; want 1, %q", n, out.String(), wantOut)
	}
}

// TestSyncRegionFlag: the -region flag is the country of the numbers in
// national form of the rows with no phone_region; a row's own region wins.
func TestSyncRegionFlag(t *testing.T) {
	t.Parallel()
	c := newAPIClient(t)
	const file = "external_id,name,phone,phone_region\ncrm-1,Ada,(415) 555-0101,\ncrm-2,Bob,020 7946 0958,GB\n"
	if rep := syncString(t, c, file, options{region: "US"}); rep.Created != 2 || len(rep.Problems) != 0 {
		t.Fatalf("sync: %d created, problems %+v; want 2 and none", rep.Created, rep.Problems)
	}
	if got, want := contactLines(t, c), []string{"crm-1|Ada||+14155550101|", "crm-2|Bob||+442079460958|"}; !slices.Equal(got, want) {
		t.Fatalf("contacts %q; want %q", got, want)
	}
}

// TestSyncAccountMoves: a new account_external_id moves the contact: the
// account becomes its primary one and it leaves the previous one.
func TestSyncAccountMoves(t *testing.T) {
	t.Parallel()
	c := newAPIClient(t)
	for _, account := range []string{"acme", "globex"} {
		resp, err := client.UpsertAccount(t.Context(), c, &client.UpsertAccountInput{ExternalId: account, Name: client.Ptr(account)})
		if err != nil || len(resp.UpsertAccount.UserErrors) > 0 {
			t.Fatalf("UpsertAccount %s: %v %+v", account, err, resp)
		}
	}
	for _, step := range []struct {
		file string
		want string
	}{
		{"external_id,name,email,account_external_id\ncrm-1,Ada,ada@example.com,acme\n", "acme: acme"},
		{"external_id,name,email,account_external_id\ncrm-1,Ada,ada@example.com,globex\n", "globex: globex"},
		{"email,name,account_external_id\nada@example.com,Ada,acme\n", "acme: acme"},
	} {
		rep := syncString(t, c, step.file, options{})
		if len(rep.Problems) != 0 {
			t.Fatalf("%q: problems %+v", step.file, rep.Problems)
		}
		var got []string
		for contact, err := range client.AllContacts(t.Context(), c, 10) {
			if err != nil {
				t.Fatal(err)
			}
			var accounts []string
			for _, a := range contact.Accounts {
				accounts = append(accounts, *a.ExternalId)
			}
			got = append(got, *contact.Account.ExternalId+": "+strings.Join(accounts, ", "))
		}
		if len(got) != 1 || got[0] != step.want {
			t.Fatalf("after %q: primary and accounts %q; want %q", step.file, got, step.want)
		}
	}
}
