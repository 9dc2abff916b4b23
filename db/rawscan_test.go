package db_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
)

// TestLookupsReadWhatBunReads reads records with every column set and
// with every optional column NULL through the lookups, which decode rows
// themselves (rawscan.go), under row-level security, without it and in a
// transaction, and compares each with what Bun's scanner reads of the
// same rows.
func TestLookupsReadWhatBunReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner := db.NewStore(dbtest.DB(t))
	ws := dbtest.NewWorkspace(t, owner)
	_, err := dbtest.DB(t).ExecContext(ctx, `
		INSERT INTO accounts (workspace_id, id, external_id, name, domain, tags, metadata, custom_fields)
		VALUES (?0, 'account_full', 'crm-a', 'Acme', 'acme.example', '{x,"y z","say \"hi\"","back\\slash","",NULL,"NULL"}', '{"k": [1, "é"]}', '{"tier": "gold"}'),
		       (?0, 'account_bare', NULL, 'Bare', NULL, '{}', '{}', '{}');
		INSERT INTO contacts (workspace_id, id, external_id, name, first_name, last_name, email, avatar_url,
		                      description, tags, metadata, account_id, portal_role_id, custom_fields)
		SELECT ?0, 'contact_full', 'crm-1', 'Ada Lovelace', 'Ada', 'Lovelace', 'ada@example.com', 'https://a.example/a.png',
		       'line one
line "two"', '{a,b}', '{"n": null, "s": "\u00e9"}', 'account_full', default_portal_role_id, '{"size": 3}'
		FROM workspaces WHERE id = ?0;
		INSERT INTO contacts (workspace_id, id, name, portal_role_id)
		SELECT ?0, 'contact_bare', 'Bare', default_portal_role_id FROM workspaces WHERE id = ?0;
		INSERT INTO contact_accounts (workspace_id, contact_id, account_id) VALUES (?0, 'contact_full', 'account_full');
		INSERT INTO phones (workspace_id, id, contact_id, number, type)
		VALUES (?0, 'phone_1', 'contact_full', '+14155550100', 'MOBILE'), (?0, 'phone_2', 'contact_full', '+14155550101', NULL);`,
		ws)
	if err != nil {
		t.Fatal(err)
	}
	contactIDs := []string{"contact_full", "contact_bare"}
	accountIDs := []string{"account_full", "account_bare"}
	reads := func(t *testing.T, ctx context.Context, s *db.Store) map[string]any {
		t.Helper()
		got := map[string]any{}
		var err error
		read := func(name string, v any, e error) {
			got[name], err = v, errorsJoin(err, e)
		}
		c, e := db.ByKeys[db.Contact](ctx, s, ws, db.ByID, db.AllColumns, contactIDs)
		read("contacts", byID(c), e)
		a, e := db.ByKeys[db.Account](ctx, s, ws, db.ByID, db.AllColumns, accountIDs)
		read("accounts", byID(a), e)
		p, e := db.ByKeys[db.Phone](ctx, s, ws, db.PhonesByContact, db.AllColumns, contactIDs)
		read("phones", p, e)
		m, e := db.ByKeys[db.ContactAccount](ctx, s, ws, db.MembershipsByContact, db.AllColumns, contactIDs)
		read("memberships", m, e)
		// Pages decode their rows the same way (see decodingRows).
		cp, e := s.ListContacts(ctx, ws, db.ListQuery{Limit: 10})
		read("page of contacts", byID(cp), e)
		ap, e := s.ListAccounts(ctx, ws, db.ListQuery{Limit: 10})
		read("page of accounts", byID(ap), e)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	want := map[string]any{}
	var contacts []*db.Contact
	var accounts []*db.Account
	var phones []*db.Phone
	var memberships []*db.ContactAccount
	for name, q := range map[string]*bun.SelectQuery{
		"contacts":    dbtest.DB(t).NewSelect().Model(&contacts).Where("c.workspace_id = ?", ws),
		"accounts":    dbtest.DB(t).NewSelect().Model(&accounts).Where("a.workspace_id = ?", ws),
		"phones":      dbtest.DB(t).NewSelect().Model(&phones).Where("p.workspace_id = ?", ws).Order("p.id"),
		"memberships": dbtest.DB(t).NewSelect().Model(&memberships).Where("ca.workspace_id = ?", ws),
	} {
		if err := q.Scan(ctx); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	want["contacts"], want["accounts"], want["phones"], want["memberships"] = byID(contacts), byID(accounts), phones, memberships
	want["page of contacts"], want["page of accounts"] = want["contacts"], want["accounts"]
	if len(contacts) != 2 || len(accounts) != 2 || len(phones) != 2 || len(memberships) != 1 {
		t.Fatalf("seeded %d contacts, %d accounts, %d phones, %d memberships", len(contacts), len(accounts), len(phones), len(memberships))
	}
	api := db.NewStore(dbtest.APIDB(t))
	for name, read := range map[string]func(*testing.T) map[string]any{
		"under row-level security":   func(t *testing.T) map[string]any { return reads(t, ctx, api) },
		"without row-level security": func(t *testing.T) map[string]any { return reads(t, ctx, owner.WithoutRowSecurity()) },
		"in a transaction": func(t *testing.T) (got map[string]any) {
			if err := api.InTx(ctx, ws, func(tx *db.Store) error { got = reads(t, ctx, tx); return nil }); err != nil {
				t.Fatal(err)
			}
			return got
		},
		"in a request's transaction": func(t *testing.T) (got map[string]any) {
			if err := api.InRequestTx(ctx, ws, func(ctx context.Context) error { got = reads(t, ctx, api); return nil }); err != nil {
				t.Fatal(err)
			}
			return got
		},
	} {
		t.Run(name, func(t *testing.T) {
			got := read(t)
			for kind := range want {
				if g, w := show(got[kind]), show(want[kind]); g != w {
					t.Errorf("%s read\n%s\nwant (as Bun reads them)\n%s", kind, g, w)
				}
			}
		})
	}
}

// byID returns records by their ids.
func byID[T db.Node](records []T) map[string]T {
	m := map[string]T{}
	for _, r := range records {
		m[r.NodeID()] = r
	}
	return m
}

// show prints v with every field, its times as instants in UTC.
func show(v any) string {
	return fmt.Sprintf("%+v", inUTC(reflect.ValueOf(v)))
}

// inUTC returns a copy of v, records and containers followed, with its
// times in UTC: both ways must read the same instants.
func inUTC(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return inUTC(v.Elem())
	case reflect.Map:
		m := map[string]any{}
		for _, k := range v.MapKeys() {
			m[fmt.Sprint(k.Interface())] = inUTC(v.MapIndex(k))
		}
		return m
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return string(v.Bytes())
		}
		s := []any{}
		for i := range v.Len() {
			s = append(s, inUTC(v.Index(i)))
		}
		return fmt.Sprintf("%T%v", v.Interface(), s)
	case reflect.Struct:
		if tm, ok := v.Interface().(time.Time); ok {
			return tm.UTC()
		}
		m := map[string]any{}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && v.Type().Field(i).Name != "BaseModel" {
				m[v.Type().Field(i).Name] = inUTC(v.Field(i))
			}
		}
		return m
	}
	return fmt.Sprintf("%#v", v.Interface())
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
