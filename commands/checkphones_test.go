package commands

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/service"
)

// TestCheckPhonesListsNumbersStoredBeforeTheyWereChecked: check-phones
// reads the numbers of every workspace, as the API's role under row-level
// security, lists those that are not valid with why, and keeps them.
func TestCheckPhonesListsNumbersStoredBeforeTheyWereChecked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := db.NewStore(dbtest.APIDB(t))
	svc := service.New(store)
	legacy := map[string]string{}
	for i, number := range []string{"+12", "+11234567890"} {
		ws := dbtest.NewWorkspace(t, store)
		wctx := auth.WithPrincipal(ctx, &auth.Principal{WorkspaceID: ws, Scopes: []string{auth.ScopeWrite}})
		name := "Ada"
		c, problems, err := svc.CreateContact(wctx, service.CreateContactInput{Name: &name, Phones: []service.PhoneInput{{Number: fmt.Sprintf("+1415555010%d", i)}}})
		if err != nil || len(problems) > 0 {
			t.Fatalf("create contact: %v %+v", err, problems)
		}
		// A number stored before numbers were checked.
		p := &db.Phone{Key: db.Key{WorkspaceID: ws, ID: db.NewID(db.PhonePrefix)}, ContactID: c.ID, Number: number}
		if _, err := dbtest.DB(t).NewInsert().Model(p).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		legacy[p.ID] = number
	}
	var out bytes.Buffer
	if _, err := checkPhones(ctx, store, &out); err != nil {
		t.Fatal(err)
	}
	report := out.String()
	for id, number := range legacy {
		if !strings.Contains(report, "phone "+id+": "+number+" is ") {
			t.Errorf("the report does not list %s (%s):\n%s", id, number, report)
		}
	}
	if strings.Contains(report, "+1415555010") {
		t.Errorf("the report lists a valid number:\n%s", report)
	}
	kept, err := store.PhonesAfter(ctx, nil, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range kept {
		delete(legacy, p.ID)
	}
	if len(legacy) > 0 {
		t.Errorf("phones %v are gone after the check", legacy)
	}
}
