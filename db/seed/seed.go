// Package seed fills a workspace with realistic generated data: accounts,
// contacts with a primary account and its membership, phones and tags. It
// writes with PostgreSQL's COPY on parallel connections, so that a million
// contacts take about a minute; the benchmark and anyone who wants a big
// workspace to try use it through `server seed`.
package seed

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
	"golang.org/x/sync/errgroup"

	"github.com/contacts-api/contacts/db"
)

// Plan says what to put into a workspace.
type Plan struct {
	Workspace        uuid.UUID
	Contacts         int
	Accounts         int
	PhonesPerContact int
	TagsPerContact   int
}

// Defaults of a plan's per-contact counts.
const (
	DefaultPhonesPerContact = 2
	DefaultTagsPerContact   = 3
)

// check refuses plans that cannot be generated.
func (p Plan) check() error {
	switch {
	case p.Workspace == uuid.Nil:
		return errors.New("the workspace must be a UUID")
	case p.Contacts < 0:
		return fmt.Errorf("contacts must not be negative, not %d", p.Contacts)
	case p.Accounts < 1 && p.Contacts > 0:
		return errors.New("every contact has a primary account: accounts must be at least 1")
	case p.PhonesPerContact < 0 || p.PhonesPerContact > 20:
		return fmt.Errorf("phones per contact must be from 0 to 20 (the API's limit), not %d", p.PhonesPerContact)
	case p.TagsPerContact < 0 || p.TagsPerContact > len(contactTags):
		return fmt.Errorf("tags per contact must be from 0 to %d, not %d", len(contactTags), p.TagsPerContact)
	}
	return nil
}

// Progress is how far a seed has come, in rows of all tables together.
type Progress struct {
	Done, Total int
}

// Result is what a seed wrote and how long it took.
type Result struct {
	Accounts, Contacts, Memberships, Phones int
	Elapsed                                 time.Duration
}

// chunkSize is how many contacts are generated and copied in one
// transaction: big enough for COPY to stream, small enough to keep memory
// flat and to spread the work over the connections.
const chunkSize = 10_000

// maxConnections bounds how many connections copy chunks at once: the
// server spends its time checking foreign keys and updating indexes, which
// parallel connections spread over its cores.
const maxConnections = 4

// Run provisions the workspace (like its first request would) and adds the
// plan's records to it: first the accounts, then the contacts in chunks
// copied on parallel connections, each chunk with its memberships and
// phones in one transaction, so a failed seed leaves only whole contacts.
// report, when not nil, is called as rows are written, one call at a time.
func Run(ctx context.Context, bdb *bun.DB, plan Plan, report func(Progress)) (Result, error) {
	start := time.Now()
	if err := plan.check(); err != nil {
		return Result{}, err
	}
	store := db.NewStore(bdb)
	if err := store.EnsureWorkspace(ctx, plan.Workspace); err != nil {
		return Result{}, err
	}
	role, err := store.DefaultPortalRole(ctx, plan.Workspace)
	if err != nil {
		return Result{}, err
	}
	w := newWriter(plan, role.ID, report)
	accounts := w.accountRows()
	err = inTx(ctx, bdb, func(tx pgx.Tx) error {
		return w.copy(ctx, tx, "accounts", []string{"workspace_id", "id", "name", "domain", "tags"}, accounts)
	})
	if err != nil {
		return Result{}, err
	}
	w.count(func(r *Result) { r.Accounts = len(accounts) })
	if err := w.copyContacts(ctx, bdb); err != nil {
		return Result{}, err
	}
	if _, err := bdb.ExecContext(ctx, "ANALYZE accounts, contacts, contact_accounts, phones"); err != nil {
		return Result{}, fmt.Errorf("seed: analyze: %w", err)
	}
	res := w.result
	res.Elapsed = time.Since(start)
	return res, nil
}

// inTx runs fn in a transaction on one pgx connection of bdb's pool,
// because COPY needs pgx itself rather than database/sql.
func inTx(ctx context.Context, bdb *bun.DB, fn func(pgx.Tx) error) error {
	conn, err := bdb.Conn(ctx)
	if err != nil {
		return fmt.Errorf("seed: connect: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		// pgx's database/sql connection, or the db package's around it.
		pc, ok := driverConn.(interface{ Conn() *pgx.Conn })
		if !ok {
			return fmt.Errorf("seed: the database driver is %T, not pgx", driverConn)
		}
		return pgx.BeginFunc(ctx, pc.Conn(), fn)
	})
}

// writer generates the plan's rows and copies them into the tables.
type writer struct {
	plan       Plan
	ws         [16]byte
	roleID     string
	accountIDs []string
	domains    []string

	mu      sync.Mutex // guards what follows
	report  func(Progress)
	written int // rows copied so far
	total   int // rows to copy in all
	result  Result
}

func newWriter(plan Plan, roleID string, report func(Progress)) *writer {
	w := &writer{plan: plan, ws: plan.Workspace, roleID: roleID, report: report}
	// Each contact is a row, a membership and its phones.
	w.total = plan.Accounts + plan.Contacts*(2+plan.PhonesPerContact)
	if plan.Accounts > 1 {
		w.total += plan.Contacts / secondAccountEvery
	}
	return w
}

// rng returns the random source of one part of the data, seeded by the
// workspace and the part, so that the same plan makes the same data
// whatever order the connections copy the chunks in.
func (w *writer) rng(part int) *rand.Rand {
	hi := binary.BigEndian.Uint64(w.ws[:8])
	lo := binary.BigEndian.Uint64(w.ws[8:])
	return rand.New(rand.NewPCG(hi, lo^uint64(part)))
}

// contactTables are written for each chunk of contacts, in this order
// because of their foreign keys. Custom field values, once the API has
// them, are one more table here.
var contactTables = []struct {
	name    string
	columns []string
	rows    func(w *writer, c *chunk) [][]any
}{
	{"contacts", []string{"workspace_id", "id", "name", "first_name", "last_name", "email", "avatar_url", "description", "tags", "metadata", "account_id", "portal_role_id"}, (*writer).contactRows},
	{"contact_accounts", []string{"workspace_id", "contact_id", "account_id"}, (*writer).membershipRows},
	{"phones", []string{"workspace_id", "id", "contact_id", "number", "type"}, (*writer).phoneRows},
}

// copyContacts copies the chunks of contacts on parallel connections.
func (w *writer) copyContacts(ctx context.Context, bdb *bun.DB) error {
	firsts := make(chan int)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(firsts)
		for first := 0; first < w.plan.Contacts; first += chunkSize {
			select {
			case firsts <- first:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	for range min(maxConnections, runtime.GOMAXPROCS(0)) {
		g.Go(func() error {
			for first := range firsts {
				if err := w.copyChunk(ctx, bdb, first); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// copyChunk copies the contacts from plan index first on, with their
// memberships and phones, in one transaction.
func (w *writer) copyChunk(ctx context.Context, bdb *bun.DB, first int) error {
	c := w.newChunk(first, min(chunkSize, w.plan.Contacts-first))
	err := inTx(ctx, bdb, func(tx pgx.Tx) error {
		for _, t := range contactTables {
			if err := w.copy(ctx, tx, t.name, t.columns, t.rows(w, c)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.count(func(r *Result) {
		r.Contacts += len(c.ids)
		r.Memberships += c.memberships
		r.Phones += c.phones
	})
	return nil
}

// copy sends rows to table with COPY.
func (w *writer) copy(ctx context.Context, tx pgx.Tx, table string, columns []string, rows [][]any) error {
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("seed: copy %s: %w", table, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.written += len(rows)
	if w.report != nil {
		w.report(Progress{Done: w.written, Total: w.total})
	}
	return nil
}

// count adds committed records to the result.
func (w *writer) count(add func(*Result)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	add(&w.result)
}

// accountRows generates the accounts and remembers their ids and domains
// for the contacts.
func (w *writer) accountRows() [][]any {
	n := w.plan.Accounts
	rng := w.rng(-1) // chunks use their first index, never negative
	w.accountIDs = db.NewIDs(db.AccountPrefix, n)
	w.domains = make([]string, n)
	rows := make([][]any, n)
	for i := range rows {
		brand := companyBrands[rng.IntN(len(companyBrands))]
		kind := companyKinds[rng.IntN(len(companyKinds))]
		w.domains[i] = fmt.Sprintf("%s-%s-%d.example", lower(brand), lower(kind), i)
		tags := []string{industries[rng.IntN(len(industries))]}
		rows[i] = []any{w.ws, w.accountIDs[i], brand + " " + kind, w.domains[i], tags}
	}
	return rows
}

// chunk is a run of contacts generated together.
type chunk struct {
	first       int        // the plan index of the chunk's first contact
	rng         *rand.Rand // the chunk's own random source
	ids         []string   // the contacts' ids
	accounts    []int      // each contact's primary account, an index into accountIDs
	memberships int
	phones      int
}

func (w *writer) newChunk(first, n int) *chunk {
	c := &chunk{first: first, rng: w.rng(first), ids: db.NewIDs(db.ContactPrefix, n), accounts: make([]int, n)}
	for i := range c.accounts {
		c.accounts[i] = c.rng.IntN(w.plan.Accounts)
	}
	return c
}

// Shares of contacts with optional data, as one in every so many.
const (
	avatarEvery        = 3
	descriptionEvery   = 4
	metadataEvery      = 5
	secondAccountEvery = 10
	homePhoneEvery     = 5
)

func (w *writer) contactRows(c *chunk) [][]any {
	rows := make([][]any, len(c.ids))
	for i, id := range c.ids {
		n := c.first + i
		first := firstNames[c.rng.IntN(len(firstNames))]
		last := lastNames[c.rng.IntN(len(lastNames))]
		account := c.accounts[i]
		email := fmt.Sprintf("%s.%s.%d@%s", lower(first), lower(last), n, w.domains[account])
		var avatar, description *string
		if n%avatarEvery == 0 {
			avatar = ptr(fmt.Sprintf("https://avatars.example/%d.png", n))
		}
		if n%descriptionEvery == 0 {
			description = ptr(descriptions[c.rng.IntN(len(descriptions))])
		}
		metadata := "{}"
		if n%metadataEvery == 0 {
			metadata = fmt.Sprintf(`{"source": %q, "score": %d}`, sources[c.rng.IntN(len(sources))], c.rng.IntN(100))
		}
		rows[i] = []any{
			w.ws, id, first + " " + last, first, last, email, avatar, description,
			w.tags(c.rng), metadata, w.accountIDs[account], w.roleID,
		}
	}
	return rows
}

// tags picks the plan's number of distinct contact tags.
func (w *writer) tags(rng *rand.Rand) []string {
	tags := make([]string, 0, w.plan.TagsPerContact)
	for _, i := range rng.Perm(len(contactTags))[:w.plan.TagsPerContact] {
		tags = append(tags, contactTags[i])
	}
	return tags
}

// membershipRows makes every contact a member of its primary account, and
// one in secondAccountEvery of another one too.
func (w *writer) membershipRows(c *chunk) [][]any {
	rows := make([][]any, 0, len(c.ids)+len(c.ids)/secondAccountEvery+1)
	for i, id := range c.ids {
		rows = append(rows, []any{w.ws, id, w.accountIDs[c.accounts[i]]})
		if (c.first+i)%secondAccountEvery == secondAccountEvery-1 && w.plan.Accounts > 1 {
			other := (c.accounts[i] + 1 + c.rng.IntN(w.plan.Accounts-1)) % w.plan.Accounts
			rows = append(rows, []any{w.ws, id, w.accountIDs[other]})
		}
	}
	c.memberships = len(rows)
	return rows
}

// phoneRows gives every contact the plan's number of phones. Numbers are
// E.164 and unique across the plan: the North American numbering plan
// gives each (contact, phone) pair its own ten digits.
func (w *writer) phoneRows(c *chunk) [][]any {
	per := w.plan.PhonesPerContact
	ids := db.NewIDs(db.PhonePrefix, len(c.ids)*per)
	rows := make([][]any, 0, len(ids))
	for i, contactID := range c.ids {
		for j := range per {
			n := (c.first+i)*per + j
			number := fmt.Sprintf("+1%03d%07d", 201+n/10_000_000%799, n%10_000_000)
			rows = append(rows, []any{w.ws, ids[len(rows)], contactID, number, phoneType(c.first+i, j)})
		}
	}
	c.phones = len(rows)
	return rows
}

// phoneType is MOBILE for a contact's first phone, WORK (or now and then
// HOME) for the second, OTHER for the rest.
func phoneType(contact, phone int) string {
	switch {
	case phone == 0:
		return "MOBILE"
	case phone == 1 && contact%homePhoneEvery == 0:
		return "HOME"
	case phone == 1:
		return "WORK"
	}
	return "OTHER"
}

func ptr[T any](v T) *T { return &v }
