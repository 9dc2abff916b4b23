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
	// Problems are the rows the API refused, one entry per problem.
	Problems []problem
}

// problem is a row the API refused, and why.
type problem struct {
	Line       int
	ExternalID string
	// Field is the column's input field, such as "email".
	Field   string
	Message string
}

// row is one contact of the file.
type row struct {
	line  int
	input *client.UpsertContactInput
}

// syncCSV upserts the contacts of a CSV file, batchSize rows a call. The
// client gives each call an Idempotency-Key and retries a failed HTTP call
// with it, so a batch is written once even when a response is lost. It
// stops at the first call that fails for good.
func syncCSV(ctx context.Context, c graphql.Client, r io.Reader, batchSize int) (report, error) {
	var rep report
	rows, err := newRowReader(r)
	if err != nil {
		return rep, err
	}
	for {
		batch, err := rows.next(batchSize)
		if err != nil {
			return rep, err
		}
		if len(batch) == 0 {
			return rep, nil
		}
		if err := upsertBatch(ctx, c, batch, &rep); err != nil {
			return rep, fmt.Errorf("upsert the rows of lines %d to %d: %w", batch[0].line, batch[len(batch)-1].line, err)
		}
	}
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
		r := batch[result.Index]
		for _, e := range result.UserErrors {
			rep.Problems = append(rep.Problems, problem{r.line, r.input.ExternalId, fieldOf(e.Field), e.Message})
		}
		if result.Action == nil {
			continue
		}
		switch *result.Action {
		case client.WriteActionCreated:
			rep.Created++
		case client.WriteActionUpdated:
			rep.Updated++
		case client.WriteActionUnchanged:
			rep.Unchanged++
		}
	}
	return nil
}

// fieldOf names the input field of a user error's path, which starts with
// ["inputs", "<index>"].
func fieldOf(path []string) string {
	if len(path) > 2 {
		path = path[2:]
	}
	return strings.Join(path, ".")
}

// columns are the columns a file may have, and how each sets an input.
var columns = map[string]func(*client.UpsertContactInput, string){
	"external_id":         func(in *client.UpsertContactInput, v string) { in.ExternalId = v },
	"name":                func(in *client.UpsertContactInput, v string) { in.Name = &v },
	"first_name":          func(in *client.UpsertContactInput, v string) { in.FirstName = &v },
	"last_name":           func(in *client.UpsertContactInput, v string) { in.LastName = &v },
	"email":               func(in *client.UpsertContactInput, v string) { in.Email = &v },
	"description":         func(in *client.UpsertContactInput, v string) { in.Description = &v },
	"account_external_id": func(in *client.UpsertContactInput, v string) { in.AccountExternalId = &v },
	"tags":                func(in *client.UpsertContactInput, v string) { in.Tags = strings.Split(v, ";") },
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
}

// newRowReader reads and checks the file's header row.
func newRowReader(r io.Reader) (*rowReader, error) {
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
	if !slices.Contains(header, "external_id") {
		return nil, errors.New("the header row has no external_id column")
	}
	return &rowReader{csv: cr, header: header}, nil
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
		rows = append(rows, row{line, input})
	}
	return rows, nil
}
