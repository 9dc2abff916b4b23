package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/oklog/ulid/v2"

	"github.com/contacts-api/contacts/db"
)

// The shape of the seeded data: one big workspace measured, among the
// rows of smaller ones that its queries must never touch.
const (
	contactsPerAccount = 10
	phonesPerContact   = 2
	duplicateEvery     = 100
)

var (
	firstNames = strings.Fields(`James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth
		David Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Ada Grace Alan Edsger Barbara
		Ken Dennis Margaret Katherine Tim Radia Frances Hedy Donald Niklaus Leslie Fran Jean Sophie Lars`)
	// lastNames are drawn uniformly: each, Smith included, is about 1%.
	lastNames = strings.Fields(`Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez
		Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White
		Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill
		Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans
		Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez
		Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks
		Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long`)
	// companyWords name accounts and their domains; acme is one in 100.
	companyWords = strings.Fields(`acme globex initech umbrella hooli stark wayne wonka tyrell cyberdyne
		soylent oscorp aperture blackmesa gringotts monarch vandelay sterling pied dunder massive nakatomi
		weyland virtucon spacely cogswell prestige duff krusty buynlarge bluth wernham ollivander sirius
		zorg tricell abstergo gekko rekall omni encom yoyodyne planet ajax octan kwik delos axiom primatech
		nuka vault kaiba shinra mishima ryan lacroix bishop ingen genco praxis rossum tessier jupiter vortex
		quark halcyon lunar helix zenith apex nimbus orbit pioneer summit vertex echo falcon granite harbor
		iris juniper kestrel lumen meridian nova onyx polar quartz raven sierra titan ultra vista willow
		xenon yukon zephyr atlas beacon cobalt delta ember fable`)
	// tagWeights are the contact tags and how often each is drawn.
	tagWeights = []struct {
		tag    string
		weight float64
	}{{"customer", 0.35}, {"newsletter", 0.25}, {"lead", 0.2}, {"vip", 0.05}, {"partner", 0.05},
		{"churned", 0.05}, {"beta", 0.04}, {"event-2026", 0.03}, {"webinar", 0.03}, {"trial", 0.02}}
	plans      = []string{"free", "free", "free", "pro", "pro", "trial", "enterprise"}
	industries = []string{"software", "retail", "health care", "finance", "education", "logistics", "energy", "media"}
)

// workspaceSpec is one seeded workspace.
type workspaceSpec struct {
	id       uuid.UUID
	accounts int
}

// seed fills the database at url: each workspace with its accounts, ten
// contacts per account (the first being their primary account), two phones
// per contact and five custom fields. Some contacts are duplicates of
// earlier ones: one in duplicateEvery has an earlier contact's email,
// capitalised, and as many have an earlier contact's phone number; names
// repeat within accounts by chance (a few thousand first and last names).
func seed(ctx context.Context, url string, workspaces []workspaceSpec, store *db.Store) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, ws := range workspaces {
		if err := store.EnsureWorkspace(ctx, ws.id); err != nil {
			return err
		}
		if err := createFields(ctx, store, ws.id); err != nil {
			return err
		}
	}
	// Indexes are built once after loading, and foreign keys are not
	// checked row by row: the generator keeps them whole.
	indexes, err := dropIndexes(ctx, conn)
	if err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "SET session_replication_role = replica"); err != nil {
		return err
	}
	source := rand.NewChaCha8([32]byte{42})
	rng, entropy := rand.New(source), ulid.Monotonic(source, 0)
	for _, ws := range workspaces {
		start := time.Now()
		if err := seedWorkspace(ctx, conn, ws, rng, entropy); err != nil {
			return fmt.Errorf("seed workspace %s: %w", ws.id, err)
		}
		log.Printf("seeded workspace %s: %d accounts, %d contacts in %s", ws.id, ws.accounts, ws.accounts*contactsPerAccount, time.Since(start).Round(time.Second))
	}
	start := time.Now()
	for _, stmt := range append([]string{"SET session_replication_role = DEFAULT", "SET maintenance_work_mem = '1GB'"}, indexes...) {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	log.Printf("built %d indexes in %s", len(indexes), time.Since(start).Round(time.Second))
	// The triggers that count the contacts of each duplicate key were off
	// with the foreign keys' (session_replication_role = replica).
	start = time.Now()
	if _, err := conn.Exec(ctx, "SELECT recount_contact_keys()"); err != nil {
		return err
	}
	log.Printf("counted the duplicate keys in %s", time.Since(start).Round(time.Second))
	start = time.Now()
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		return err
	}
	log.Printf("vacuumed and analyzed in %s", time.Since(start).Round(time.Second))
	return nil
}

// dropIndexes drops the indexes of the seeded tables that back no
// constraint and returns the statements that create them again, with the
// statistics targets the migrations gave their columns.
func dropIndexes(ctx context.Context, conn *pgx.Conn) ([]string, error) {
	rows, err := conn.Query(ctx, `
		SELECT i.indexname, i.indexdef || ';' || coalesce((
			SELECT string_agg(format('ALTER INDEX %I ALTER COLUMN %s SET STATISTICS %s', i.indexname, a.attnum, a.attstattarget), ';')
			FROM pg_attribute a WHERE a.attrelid = format('%I', i.indexname)::regclass AND a.attstattarget >= 0), '')
		FROM pg_indexes i
		WHERE i.schemaname = 'public' AND i.tablename IN ('contacts', 'accounts', 'phones', 'contact_accounts')
		AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`)
	if err != nil {
		return nil, err
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, err
		}
		names, defs = append(names, name), append(defs, strings.Split(strings.TrimSuffix(def, ";"), ";")...)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := conn.Exec(ctx, "DROP INDEX "+pgx.Identifier{name}.Sanitize()); err != nil {
			return nil, err
		}
	}
	return defs, nil
}

// createFields defines the five contact custom fields.
func createFields(ctx context.Context, store *db.Store, ws uuid.UUID) error {
	fields := []struct {
		slug    string
		typ     db.CustomFieldType
		options []string
	}{
		{"plan", db.FieldSelect, []string{"free", "pro", "trial", "enterprise"}},
		{"seats", db.FieldNumber, nil},
		{"renewal", db.FieldDate, nil},
		{"industry", db.FieldText, nil},
		{"beta", db.FieldBoolean, nil},
	}
	for _, f := range fields {
		d := &db.CustomFieldDefinition{
			Key: db.Key{WorkspaceID: ws, ID: db.NewID(db.CustomFieldPrefix)}, Object: db.ContactObject,
			Slug: f.slug, Label: f.slug, Type: f.typ, Options: append([]string{}, f.options...),
		}
		if err := db.Insert(ctx, store, d); err != nil {
			return err
		}
	}
	return nil
}

// seededAccount is what contacts need of their account.
type seededAccount struct {
	id, domain string
}

func seedWorkspace(ctx context.Context, conn *pgx.Conn, ws workspaceSpec, rng *rand.Rand, entropy *ulid.MonotonicEntropy) error {
	var memberRole string
	if err := conn.QueryRow(ctx, "SELECT id FROM portal_roles WHERE workspace_id = $1 AND slug = 'member'", ws.id).Scan(&memberRole); err != nil {
		return err
	}
	base := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	accounts := make([]seededAccount, ws.accounts)
	accountRows := make([][]any, ws.accounts)
	for i := range accounts {
		created := base.Add(time.Duration(i) * 15 * time.Minute)
		word := companyWords[rng.IntN(len(companyWords))]
		accounts[i] = seededAccount{id: db.AccountPrefix + ulid.MustNew(ulid.Timestamp(created), entropy).String(), domain: fmt.Sprintf("%s%d.com", word, i)}
		accountRows[i] = []any{ws.id, accounts[i].id, fmt.Sprintf("acc-%d", i), fmt.Sprintf("%s %d Inc", titleCase(word), i), accounts[i].domain,
			[]string{}, emptyJSON, emptyJSON, created, created}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"accounts"},
		[]string{"workspace_id", "id", "external_id", "name", "domain", "tags", "metadata", "custom_fields", "created_at", "updated_at"},
		pgx.CopyFromRows(accountRows)); err != nil {
		return fmt.Errorf("copy accounts: %w", err)
	}
	n := ws.accounts * contactsPerAccount
	contacts := make([][]any, 0, n)
	members := make([][]any, 0, n)
	phones := make([][]any, 0, n*phonesPerContact)
	for i := range n {
		// Contacts come every 90 seconds, so a workspace spans years;
		// their ids are ULIDs of their creation time, as the API makes.
		created := base.Add(time.Duration(i) * 90 * time.Second)
		updated := created.Add(time.Duration(rng.IntN(30*24*3600)) * time.Second)
		id := db.ContactPrefix + ulid.MustNew(ulid.Timestamp(created), entropy).String()
		account := accounts[rng.IntN(len(accounts))]
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		var email any
		if rng.Float64() < 0.9 {
			email = fmt.Sprintf("%s.%s%d@%s", strings.ToLower(first), strings.ToLower(last), i, account.domain)
		}
		if i > 0 && rng.IntN(duplicateEvery) == 0 {
			if earlier, ok := contacts[rng.IntN(i)][6].(string); ok {
				email = titleCase(earlier)
			}
		}
		contacts = append(contacts, []any{ws.id, id, fmt.Sprintf("crm-%d", i), first + " " + last, first, last, email,
			drawTags(rng), emptyJSON, []string{}, account.id, memberRole, 1, created, updated, customValues(rng)})
		members = append(members, []any{ws.id, id, account.id, created})
		for j := range phonesPerContact {
			number := fmt.Sprintf("+1%d%09d", 2+rng.IntN(8), rng.IntN(1_000_000_000))
			if j == 0 && i > 0 && rng.IntN(duplicateEvery) == 0 {
				number = phones[rng.IntN(len(phones))][3].(string)
			}
			phones = append(phones, []any{ws.id, db.PhonePrefix + ulid.MustNew(ulid.Timestamp(created), entropy).String(), id,
				number, "MOBILE", created, created})
		}
	}
	copies := []struct {
		table   string
		columns []string
		rows    [][]any
	}{
		{"contacts", []string{"workspace_id", "id", "external_id", "name", "first_name", "last_name", "email", "tags", "metadata",
			"merged_external_ids", "account_id", "portal_role_id", "version", "created_at", "updated_at", "custom_fields"}, contacts},
		{"contact_accounts", []string{"workspace_id", "contact_id", "account_id", "created_at"}, members},
		{"phones", []string{"workspace_id", "id", "contact_id", "number", "type", "created_at", "updated_at"}, phones},
	}
	for _, c := range copies {
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{c.table}, c.columns, pgx.CopyFromRows(c.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", c.table, err)
		}
	}
	return nil
}

// drawTags gives a contact each tag with its weight's probability.
func drawTags(rng *rand.Rand) []string {
	tags := []string{}
	for _, t := range tagWeights {
		if rng.Float64() < t.weight {
			tags = append(tags, t.tag)
		}
	}
	return tags
}

// emptyJSON is the metadata and custom fields of records without any.
var emptyJSON = []byte("{}")

// customValues are a contact's five custom field values as JSON.
func customValues(rng *rand.Rand) []byte {
	v := map[string]any{
		"plan":     plans[rng.IntN(len(plans))],
		"seats":    1 + rng.IntN(500),
		"renewal":  time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(730)).Format(time.DateOnly),
		"industry": industries[rng.IntN(len(industries))],
		"beta":     rng.IntN(4) == 0,
	}
	b, _ := json.Marshal(v)
	return b
}

func titleCase(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
