package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/contacts-api/contacts/bench/serverproc"
	"github.com/contacts-api/contacts/client"
)

// Where the benchmark's workspace gets its data (BENCH_DATA).
const (
	// dataSeed is `server seed`'s bulk data: COPY in chunks, then ANALYZE.
	dataSeed = "seed"
	// dataAPI is data written the way users write it: through the API,
	// one contact per createContact, by apiWriters clients at once.
	dataAPI = "api"
)

// apiWorkspace is the benchmark's workspace under BENCH_DATA=api: the
// scale of issue 18, a tenth of the seeded one, since one mutation per
// contact takes minutes where COPY takes seconds.
var apiWorkspace = workspacePlan{id: benchWorkspace.id, contacts: 10_000, accounts: 1_000}

// apiWriters is how many clients write the API data at once.
const apiWriters = 16

// writeThroughAPI fills plan's workspace through the API server p with
// the Go client, as a sync backend would: first the accounts, one
// upsertAccount each, then the contacts, one createContact each, with a
// primary account (one in secondAccountEvery a second one too), 2 phones
// and 3 tags, as checkContact and checkPage want them. The surnames are
// the search case's words, so that its pages are full here too. Nothing
// runs ANALYZE after: the tables are as autovacuum leaves them, as a
// user's are.
func (b *bench) writeThroughAPI(ctx context.Context, p *serverproc.Process, plan workspacePlan) error {
	transport := &http.Transport{MaxIdleConnsPerHost: apiWriters}
	defer transport.CloseIdleConnections()
	c := client.New(p.URL, client.StaticToken(b.token), client.WithHTTPClient(&http.Client{Transport: transport, Timeout: time.Minute}))

	start := time.Now()
	accountIDs := make([]string, plan.accounts)
	err := concurrently(ctx, plan.accounts, func(ctx context.Context, i int) error {
		resp, err := client.UpsertAccount(ctx, c, &client.UpsertAccountInput{
			ExternalId: fmt.Sprintf("api-account-%d", i),
			Name:       client.Ptr(fmt.Sprintf("Api Account %d", i)),
			Domain:     client.Ptr(fmt.Sprintf("api-account-%d.example", i)),
		})
		if err != nil {
			return err
		}
		if errs := resp.UpsertAccount.UserErrors; len(errs) > 0 {
			return fmt.Errorf("upsertAccount %d: %s", i, errs[0].Message)
		}
		accountIDs[i] = resp.UpsertAccount.Account.Id
		return nil
	})
	if err != nil {
		return fmt.Errorf("writing accounts through the API: %w", err)
	}
	accountsTook := time.Since(start)

	start = time.Now()
	err = concurrently(ctx, plan.contacts, func(ctx context.Context, i int) error {
		resp, err := client.CreateContact(ctx, c, apiContact(i, accountIDs))
		if err != nil {
			return err
		}
		if errs := resp.CreateContact.UserErrors; len(errs) > 0 {
			return fmt.Errorf("createContact %d: %s: %s", i, strings.Join(errs[0].Field, "."), errs[0].Message)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("writing contacts through the API: %w", err)
	}
	took := time.Since(start)
	fmt.Printf("  wrote %d accounts in %.1fs and %d contacts in %.1fs (%.0f contacts/s) through the API, one per mutation, %d clients\n",
		plan.accounts, accountsTook.Seconds(), plan.contacts, took.Seconds(), float64(plan.contacts)/took.Seconds(), apiWriters)
	return nil
}

// apiContact is the i-th contact of the API data, in one of accountIDs.
func apiContact(i int, accountIDs []string) *client.CreateContactInput {
	last := searchWords[i%len(searchWords)]
	primary := i % len(accountIDs)
	in := &client.CreateContactInput{
		FirstName: client.Ptr(fmt.Sprintf("Api%d", i)),
		LastName:  client.Ptr(strings.ToUpper(last[:1]) + last[1:]),
		Email:     client.Ptr(fmt.Sprintf("api.%s.%d@api-account-%d.example", last, i, primary)),
		Tags:      []string{"api", "customer", fmt.Sprintf("cohort-%d", i%20)},
		AccountId: &accountIDs[primary],
		Phones: []*client.PhoneInput{
			{Number: fmt.Sprintf("+1312%07d", 2_000_000+2*i), Type: client.Ptr(client.PhoneTypeMobile)},
			{Number: fmt.Sprintf("+1312%07d", 2_000_000+2*i+1), Type: client.Ptr(client.PhoneTypeWork)},
		},
	}
	// Half the accounts away: contacts written one after the other have
	// the next primary accounts, and a page of them would have its second
	// accounts among its primary ones, loaded already, sparing the page a
	// statement that the seed's pages run.
	if i%secondAccountEvery == secondAccountEvery-1 && len(accountIDs) > 1 {
		in.AccountIds = []string{accountIDs[(primary+len(accountIDs)/2)%len(accountIDs)]}
	}
	return in
}

// secondAccountEvery gives one contact in so many of the API data a
// second account, as db/seed does.
const secondAccountEvery = 10

// concurrently calls write for 0 to n-1, apiWriters at a time, and
// returns the first error, which stops the rest.
func concurrently(ctx context.Context, n int, write func(context.Context, int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(apiWriters)
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error { return write(ctx, i) })
	}
	return g.Wait()
}
