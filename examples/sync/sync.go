package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/Khan/genqlient/graphql"

	"github.com/contacts-api/contacts/client"
)

// report is what a sync did.
type report struct {
	// Created, Updated and Unchanged count the rows by what their upsert
	// did: a row equal to what the API stores is written again by no one.
	Created, Updated, Unchanged int
	// Ambiguous counts the rows matched by email that several contacts
	// have: they are also among the Problems, naming the contacts.
	Ambiguous int
	// Problems are the rows the API refused, one entry per problem.
	Problems []problem
}

// count counts a row's upsert by what it did (nil when it was refused).
func (rep *report) count(action *client.WriteAction) {
	if action == nil {
		return
	}
	switch *action {
	case client.WriteActionCreated:
		rep.Created++
	case client.WriteActionUpdated:
		rep.Updated++
	case client.WriteActionUnchanged:
		rep.Unchanged++
	}
}

// refuse records the user errors of a row's upsert, whose paths start
// with prefix elements before the input field's.
func (rep *report) refuse(r row, errs []*client.UserErrorFields, prefix int) {
	for _, e := range errs {
		if e.Code == client.UserErrorCodeAmbiguous {
			rep.Ambiguous++
		}
		rep.Problems = append(rep.Problems, problem{r.line, r.key(), fieldOf(e.Field, prefix), e.Message})
	}
}

// problem is a row the API refused, and why.
type problem struct {
	Line int
	// Key is the row's external id, or its email when it has none.
	Key string
	// Field is the column's input field, such as "email".
	Field   string
	Message string
}

// row is one contact of the file.
type row struct {
	line  int
	input *client.UpsertContactInput
}

// key is what the row's contact is found by: its external id, or else its
// email.
func (r row) key() string {
	if r.input.ExternalId == "" && r.input.Email != nil {
		return *r.input.Email
	}
	return r.input.ExternalId
}

// options are how a sync reads a file.
type options struct {
	// batch is how many rows with an external id go in one call, 1 to
	// maxBatch.
	batch int
	// region is the country of the phone numbers in national form of the
	// rows with no phone_region, such as "US"; when empty, the
	// workspace's default phone region.
	region string
}

// syncCSV upserts the contacts of a CSV file: the rows with an external id
// by it, opts.batch rows a call, and those with only an email by their
// email, one call each. The client gives each call an Idempotency-Key and
// retries a failed HTTP call with it, so a row is written once even when a
// response is lost. It stops at the first call that fails for good.
func syncCSV(ctx context.Context, c graphql.Client, r io.Reader, opts options) (report, error) {
	var rep report
	rows, err := newRowReader(r, opts.region)
	if err != nil {
		return rep, err
	}
	for {
		batch, err := rows.next(opts.batch)
		if err != nil {
			return rep, err
		}
		if len(batch) == 0 {
			return rep, nil
		}
		byExternalID, byEmail := splitRows(batch, &rep)
		if len(byExternalID) > 0 {
			if err := upsertBatch(ctx, c, byExternalID, &rep); err != nil {
				return rep, fmt.Errorf("upsert the rows of lines %d to %d: %w", byExternalID[0].line, byExternalID[len(byExternalID)-1].line, err)
			}
		}
		for _, r := range byEmail {
			if err := upsertByEmail(ctx, c, r, &rep); err != nil {
				return rep, fmt.Errorf("upsert the row of line %d by its email: %w", r.line, err)
			}
		}
	}
}

// splitRows parts rows into those upserted by external id and those by
// email, and refuses those that have neither.
func splitRows(rows []row, rep *report) (byExternalID, byEmail []row) {
	for _, r := range rows {
		switch {
		case r.input.ExternalId != "":
			byExternalID = append(byExternalID, r)
		case r.input.Email != nil:
			byEmail = append(byEmail, r)
		default:
			rep.Problems = append(rep.Problems, problem{r.line, "", "external_id", "a row needs an external_id or an email to be matched by"})
		}
	}
	return byExternalID, byEmail
}

func upsertBatch(ctx context.Context, c graphql.Client, batch []row, rep *report) error {
	inputs := make([]*client.UpsertContactInput, len(batch))
	for i, r := range batch {
		inputs[i] = r.input
	}
	resp, err := client.BulkUpsertContacts(ctx, c, inputs, client.Ptr(false))
	if err != nil {
		return err
	}
	for _, result := range resp.BulkUpsertContacts.Results {
		// Paths start with ["inputs", "<index>"].
		rep.refuse(batch[result.Index], result.UserErrors, 2)
		rep.count(result.Action)
	}
	return nil
}

// upsertByEmail upserts a row without an external id by its email. When
// several contacts have that email the API refuses it as AMBIGUOUS, naming
// them, and the sync goes on with the next row.
func upsertByEmail(ctx context.Context, c graphql.Client, r row, rep *report) error {
	in := r.input
	// The email is the key, not a change: sent as the input's email too,
	// another spelling of it (ADA@example.com) would rewrite the stored one.
	resp, err := client.UpsertContactByEmail(ctx, c, *in.Email, &client.UpdateContactInput{
		Name: in.Name, FirstName: in.FirstName, LastName: in.LastName, Description: in.Description,
		Tags: in.Tags, Phones: in.Phones,
		AccountExternalId: in.AccountExternalId, KeepPreviousAccount: in.KeepPreviousAccount,
	}, nil)
	if err != nil {
		return err
	}
	// Paths start with ["input"], or are ["email"] for the email matched by.
	rep.refuse(r, resp.UpsertContactByEmail.UserErrors, 0)
	rep.count(resp.UpsertContactByEmail.Action)
	return nil
}

// fieldOf names the input field of a user error's path, leaving out its
// first prefix elements and a leading "input".
func fieldOf(path []string, prefix int) string {
	if len(path) > prefix {
		path = path[prefix:]
	}
	if len(path) > 1 && path[0] == "input" {
		path = path[1:]
	}
	return strings.Join(path, ".")
}

// columns are the columns a file may have, and how each sets an input.
var columns = map[string]func(*client.UpsertContactInput, string){
	"external_id": func(in *client.UpsertContactInput, v string) { in.ExternalId = v },
	"name":        func(in *client.UpsertContactInput, v string) { in.Name = &v },
	"first_name":  func(in *client.UpsertContactInput, v string) { in.FirstName = &v },
	"last_name":   func(in *client.UpsertContactInput, v string) { in.LastName = &v },
	"email":       func(in *client.UpsertContactInput, v string) { in.Email = &v },
	"description": func(in *client.UpsertContactInput, v string) { in.Description = &v },
	// The account moves the contact: it becomes the primary account and
	// the contact leaves its previous one (moveContactToAccount's
	// semantics), so the API's memberships follow the file's.
	"account_external_id": func(in *client.UpsertContactInput, v string) {
		in.AccountExternalId, in.KeepPreviousAccount = &v, client.Ptr(false)
	},
	"tags": func(in *client.UpsertContactInput, v string) { in.Tags = strings.Split(v, ";") },
	// Upserts merge phones by number (in E.164 form, however the file
	// writes it), so a second run adds none.
	"phone":        func(in *client.UpsertContactInput, v string) { rowPhone(in).Number = &v },
	"phone_region": func(in *client.UpsertContactInput, v string) { rowPhone(in).Region = &v },
}

// rowPhone returns the phone of a row's input, added when the row sets its
// first phone cell.
func rowPhone(in *client.UpsertContactInput) *client.PhoneChange {
	if len(in.Phones) == 0 {
		in.Phones = []*client.PhoneChange{{}}
	}
	return in.Phones[0]
}

// rowReader reads a CSV file's contacts.
type rowReader struct {
	csv    *csv.Reader
	header []string
	// region is the phone region of the rows that give none.
	region string
}

// newRowReader reads and checks the file's header row.
func newRowReader(r io.Reader, region string) (*rowReader, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read the header row: %w", err)
	}
	for i, name := range header {
		header[i] = strings.ToLower(strings.TrimSpace(name))
		if columns[header[i]] == nil {
			return nil, fmt.Errorf("unknown column %q; the columns are %s", name, strings.Join(slices.Sorted(maps.Keys(columns)), ", "))
		}
	}
	if !slices.Contains(header, "external_id") && !slices.Contains(header, "email") {
		return nil, errors.New("the header row has neither an external_id nor an email column")
	}
	return &rowReader{csv: cr, header: header, region: region}, nil
}

// next returns up to n more rows; none at the end of the file.
func (rr *rowReader) next(n int) ([]row, error) {
	var rows []row
	for len(rows) < n {
		record, err := rr.csv.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := rr.csv.FieldPos(0)
		input := &client.UpsertContactInput{}
		for i, value := range record {
			if value = strings.TrimSpace(value); value != "" {
				columns[rr.header[i]](input, value)
			}
		}
		if len(input.Phones) > 0 && input.Phones[0].Region == nil && rr.region != "" {
			input.Phones[0].Region = &rr.region
		}
		rows = append(rows, row{line, input})
	}
	return rows, nil
}

// writeDuplicates lists the workspace's groups of likely duplicate
// contacts, each with the contacts it holds, oldest first: the one a
// mergeContacts of the group keeps. It returns how many groups it listed.
func writeDuplicates(ctx context.Context, c graphql.Client, w io.Writer) (int, error) {
	n := 0
	for group, err := range client.AllDuplicateGroups(ctx, c, 100, nil) {
		if err != nil {
			return n, fmt.Errorf("list the duplicate groups: %w", err)
		}
		n++
		var names []string
		for _, contact := range group.Contacts {
			name := contact.Id
			if contact.ExternalId != nil {
				name = *contact.ExternalId
			}
			names = append(names, name)
		}
		if _, err := fmt.Fprintf(w, "duplicates by %s %q: %d contacts: %s\n", strings.ToLower(string(group.Reason)), group.Key, group.Size, strings.Join(names, ", ")); err != nil {
			return n, err
		}
	}
	return n, nil
}
