package events_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/events"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// insertCounter counts the statements that insert events a pool runs.
type insertCounter struct{ inserts atomic.Int32 }

func (c *insertCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (c *insertCounter) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if strings.Contains(e.Query, "insert_events(") {
		c.inserts.Add(1)
	}
}

// newStore returns a store on a pool of its own, counting its inserts of
// events, and a new workspace of it.
func newStore(t *testing.T) (*db.Store, uuid.UUID, *insertCounter) {
	t.Helper()
	bdb := dbtest.Open(t, db.OpenAPI, dbtest.URL(t))
	counter := new(insertCounter)
	store := db.NewStore(bdb.WithQueryHook(counter))
	return store, dbtest.NewWorkspace(t, store), counter
}

func recorded(t *testing.T, store *db.Store, ws uuid.UUID) []*db.Event {
	t.Helper()
	evs, err := store.Events(context.Background(), ws, db.EventQuery{Limit: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestRecordWritesEveryChangeInOneStatement(t *testing.T) {
	t.Parallel()
	store, ws, counter := newStore(t)
	ctx := events.WithRequestID(auth.WithPrincipal(context.Background(),
		&auth.Principal{WorkspaceID: ws, Subject: "ck_prefix", APIKeyID: "api_key_01"}), "req-12345678")
	changes := make([]events.Change, 1000)
	for i := range changes {
		changes[i] = events.Change{Type: events.ContactCreated, RecordID: fmt.Sprintf("contact_%04d", i)}
		changes[i].Fields.Add("name", nil, fmt.Sprint("Ada ", i))
	}
	// An update that changed nothing writes no event.
	unchanged := events.Change{Type: events.ContactUpdated, RecordID: "contact_same"}
	unchanged.Fields.Add("name", "Ada", "Ada")
	changes = append(changes, unchanged)
	if err := store.InTx(ctx, ws, func(tx *db.Store) error { return events.Record(ctx, tx, ws, changes) }); err != nil {
		t.Fatal(err)
	}
	if n := counter.inserts.Load(); n != 1 {
		t.Errorf("recording 1,000 changes ran %d INSERT statements, want 1", n)
	}
	evs := recorded(t, store, ws)
	if len(evs) != 1000 {
		t.Fatalf("recorded %d events, want 1,000 (none for the update that changed nothing)", len(evs))
	}
	first := evs[0]
	if !strings.HasPrefix(first.ID, db.EventPrefix) || first.Actor != "api_key_01" || first.RequestID == nil || *first.RequestID != "req-12345678" {
		t.Errorf("event = id %s, actor %q, request id %v; want evt_…, the API key's id and the request's id", first.ID, first.Actor, first.RequestID)
	}
	if len(first.Changes) != 1 || first.Changes[0].Field != "name" || string(first.Changes[0].Old) != "null" || string(first.Changes[0].New) != `"Ada 0"` {
		t.Errorf("changes = %+v, want name from null to \"Ada 0\"", first.Changes)
	}
}

func TestRecordIsRolledBackWithItsChange(t *testing.T) {
	t.Parallel()
	store, ws, _ := newStore(t)
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{WorkspaceID: ws, Subject: "user-1"})
	failed := errors.New("the change failed")
	err := store.InTx(ctx, ws, func(tx *db.Store) error {
		if err := events.Record(ctx, tx, ws, []events.Change{{Type: events.ContactDeleted, RecordID: "contact_x"}}); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("InTx = %v, want the change's error", err)
	}
	if evs := recorded(t, store, ws); len(evs) != 0 {
		t.Errorf("a rolled back change left %d events, want none", len(evs))
	}
}

func TestDeletingAWorkspaceDeletesItsEvents(t *testing.T) {
	t.Parallel()
	store, gone, _ := newStore(t)
	ctx := context.Background()
	kept := dbtest.NewWorkspace(t, store)
	for _, ws := range []uuid.UUID{gone, kept} {
		ctx := auth.WithPrincipal(ctx, &auth.Principal{WorkspaceID: ws, Subject: "user-1"})
		err := store.InTx(ctx, ws, func(tx *db.Store) error {
			return events.Record(ctx, tx, ws, []events.Change{{Type: events.ContactDeleted, RecordID: "contact_x"}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	owner := dbtest.Open(t, db.Open, dbtest.URL(t))
	// An operator deletes the workspace, in a transaction that names
	// another workspace, which the deletion leaves named.
	var setting string
	err := owner.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT set_config('app.workspace_id', ?, true)", kept.String()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM workspaces WHERE id = ?", gone); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT current_setting('app.workspace_id')").Scan(&setting)
	})
	if err != nil {
		t.Fatal(err)
	}
	if evs := recorded(t, store, gone); len(evs) != 0 {
		t.Errorf("the deleted workspace kept %d events, want none", len(evs))
	}
	if evs := recorded(t, store, kept); len(evs) != 1 {
		t.Errorf("another workspace has %d events after the deletion, want its 1", len(evs))
	}
	if setting != kept.String() {
		t.Errorf("app.workspace_id after the deletion = %q, want %q as before it", setting, kept)
	}
}

func TestAStoreWithoutEventsRecordsNone(t *testing.T) {
	t.Parallel()
	store, ws, counter := newStore(t)
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{WorkspaceID: ws, Subject: "user-1"})
	quiet := store.WithoutEvents()
	err := quiet.InTx(ctx, ws, func(tx *db.Store) error {
		return events.Record(ctx, tx, ws, []events.Change{{Type: events.ContactDeleted, RecordID: "contact_x"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, evs := counter.inserts.Load(), recorded(t, store, ws); n != 0 || len(evs) != 0 {
		t.Errorf("CHANGE_EVENTS=off: %d INSERT statements, %d events; want none", n, len(evs))
	}
}

func TestActorIsTheAPIKeyOrTheTokenSubject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    *auth.Principal
		want string
	}{
		{"an API key is named by its id", &auth.Principal{Subject: "ck_abc", APIKeyID: "api_key_1"}, "api_key_1"},
		{"a token by its subject", &auth.Principal{Subject: "user-7"}, "user-7"},
		{"no caller by nothing", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.p != nil {
				ctx = auth.WithPrincipal(ctx, tt.p)
			}
			if got := events.Actor(ctx); got != tt.want {
				t.Errorf("Actor = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEnumNamesStandForTheirTypes(t *testing.T) {
	t.Parallel()
	for _, typ := range events.Types {
		got, ok := events.TypeOfEnum(typ.EnumName())
		if !ok || got != typ {
			t.Errorf("TypeOfEnum(%s) = %q, %v; want %q", typ.EnumName(), got, ok, typ)
		}
	}
	for _, name := range []string{"CONTACT", "CONTACT_EATEN", "", "PORTAL_ROLE"} {
		if typ, ok := events.TypeOfEnum(name); ok {
			t.Errorf("TypeOfEnum(%q) = %q, want none", name, typ)
		}
	}
}
