package graph_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/events"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/service"
	"github.com/contacts-api/contacts/webhooks"
)

// eventData is an event as the tests decode it: the fields of the GraphQL
// type Event, as webhook payloads carry them too.
type eventData = webhooks.EventData

// eventPage is a page of events as the tests decode it.
type eventPage struct {
	Edges []struct {
		Cursor string    `json:"cursor"`
		Node   eventData `json:"node"`
	} `json:"edges"`
	PageInfo struct {
		HasNextPage bool    `json:"hasNextPage"`
		EndCursor   *string `json:"endCursor"`
	} `json:"pageInfo"`
}

func (p eventPage) types() []string {
	types := make([]string, len(p.Edges))
	for i, e := range p.Edges {
		types[i] = e.Node.Type
	}
	return types
}

const eventFields = `edges { cursor node { id type recordId externalId version changes { field old new } actor requestId occurredAt } }
	pageInfo { hasNextPage endCursor }`

const feedQuery = `query($first: Int, $after: String, $types: [EventType!]) {
	events(first: $first, after: $after, types: $types) { ` + eventFields + ` } }`

// feed returns a page of the change feed.
func (c *client) feed(vars map[string]any) eventPage {
	c.T.Helper()
	return rootField[eventPage](c, feedQuery, vars)
}

// feedOf waits until the feed from its start has n events, and returns
// them: an event is listed once every transaction that began writing
// before it has ended, and the tests of the package write at the same
// time.
func (c *client) feedOf(n int, vars map[string]any) eventPage {
	c.T.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		page := c.feed(vars)
		if len(page.Edges) >= n || time.Now().After(deadline) {
			if len(page.Edges) != n {
				c.T.Fatalf("the feed has %d events (%v), want %d", len(page.Edges), page.types(), n)
			}
			return page
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestFeedListsChangesOldestFirstWithActorRequestAndFields(t *testing.T) {
	t.Parallel()
	h := graphtest.NewHandler(t)
	c := newClientWith(t, h, uuid.New(), auth.ScopeRead+" "+auth.ScopeWrite+" "+auth.ScopeKeysAdmin)
	var role struct {
		CreatePortalRole struct{ PortalRole struct{ ID string } }
	}
	c.MustDo(`mutation { createPortalRole(input: {slug: "partner", name: "Partner"}) { portalRole { id } } }`, nil, &role)
	id := role.CreatePortalRole.PortalRole.ID
	// A change that changes nothing has no event.
	c.MustDo(`mutation($id: ID!) { updatePortalRole(id: $id, input: {name: "Partner"}) { portalRole { id } } }`, map[string]any{"id": id}, nil)
	c.MustDo(`mutation($id: ID!) { updatePortalRole(id: $id, input: {name: "Partners"}) { portalRole { id } } }`, map[string]any{"id": id}, nil)
	c.MustDo(`mutation($id: ID!) { deletePortalRole(id: $id) { deletedId } }`, map[string]any{"id": id}, nil)
	c.MustDo(`mutation { createApiKey(input: {name: "sync", scopes: ["contacts:read"]}) { apiKey { id } } }`, nil, nil)
	c.MustDo(`mutation { createCustomField(input: {object: CONTACT, slug: "tier", label: "Tier", type: TEXT}) { customField { id } } }`, nil, nil)

	page := c.feedOf(5, nil)
	want := []string{"PORTAL_ROLE_CREATED", "PORTAL_ROLE_UPDATED", "PORTAL_ROLE_DELETED", "API_KEY_CREATED", "CUSTOM_FIELD_CREATED"}
	if got := page.types(); !slices.Equal(got, want) {
		t.Fatalf("feed = %v, want %v", got, want)
	}
	updated := page.Edges[1].Node
	if updated.RecordID != id || updated.Actor != "test" || updated.RequestID == nil || len(updated.Changes) != 1 {
		t.Fatalf("update event = %+v; want the role's id, the token's subject, a request id and one change", updated)
	}
	if ch := updated.Changes[0]; ch.Field != "name" || string(ch.Old) != `"Partner"` || string(ch.New) != `"Partners"` {
		t.Errorf("change = %s: %s → %s, want name: \"Partner\" → \"Partners\"", ch.Field, ch.Old, ch.New)
	}
	if deleted := page.Edges[2].Node; deleted.RecordID != id {
		t.Errorf("the deletion's record is %s, want the deleted role %s", deleted.RecordID, id)
	}

	// The types argument keeps those types.
	only := c.feed(map[string]any{"types": []string{"PORTAL_ROLE_DELETED", "CUSTOM_FIELD_CREATED"}})
	if got := only.types(); !slices.Equal(got, []string{"PORTAL_ROLE_DELETED", "CUSTOM_FIELD_CREATED"}) {
		t.Errorf("feed of two types = %v", got)
	}
	// Without keys:admin, API key events are not listed.
	reader := newClientWith(t, h, c.Workspace, auth.ScopeRead)
	if got := reader.feed(nil).types(); slices.Contains(got, "API_KEY_CREATED") || len(got) != 4 {
		t.Errorf("feed without keys:admin = %v, want the 4 events but the API key's", got)
	}
	if got := reader.feed(map[string]any{"types": []string{"API_KEY_CREATED"}}).types(); len(got) != 0 {
		t.Errorf("feed of API key events without keys:admin = %v, want none", got)
	}
}

func TestFeedPagesWithStableCursors(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	for i := range 5 {
		c.MustDo(`mutation($slug: String!) { createPortalRole(input: {slug: $slug, name: "Role"}) { portalRole { id } } }`,
			map[string]any{"slug": fmt.Sprint("role_", i)}, nil)
	}
	all := c.feedOf(5, nil)
	var paged []string
	vars := map[string]any{"first": 2}
	for {
		page := c.feed(vars)
		for _, e := range page.Edges {
			paged = append(paged, e.Node.ID)
		}
		if !page.PageInfo.HasNextPage {
			break
		}
		vars["after"] = *page.PageInfo.EndCursor
	}
	var ids []string
	for _, e := range all.Edges {
		ids = append(ids, e.Node.ID)
	}
	if !slices.Equal(paged, ids) {
		t.Errorf("pages of 2 = %v, want the feed %v", paged, ids)
	}
	// A poll after the last event returns nothing, then the next change.
	end := all.Edges[4].Cursor
	if got := c.feed(map[string]any{"after": end}); len(got.Edges) != 0 || got.PageInfo.EndCursor != nil {
		t.Errorf("feed after its end = %v", got.types())
	}
}

func TestFeedCursorsRefused(t *testing.T) {
	t.Parallel()
	svc := graphtest.NewService(t)
	c := newClientOf(t, svc)
	c.MustDo(`mutation { createPortalRole(input: {slug: "one", name: "One"}) { portalRole { id } } }`, nil, nil)
	cursor := c.feedOf(1, nil).Edges[0].Cursor

	tests := []struct {
		name      string
		retention time.Duration
		after     string
		wantCode  string
	}{
		{"a cursor older than the retention has expired", time.Nanosecond, cursor, "CURSOR_EXPIRED"},
		{"a malformed cursor is bad input", 24 * time.Hour, "not-a-cursor", "BAD_USER_INPUT"},
		{"a list's cursor is not the feed's", 24 * time.Hour, "eyJ2IjoyLCJpZCI6ImNvbnRhY3RfMDEifQ", "BAD_USER_INPUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := graphtest.NewService(t)
			svc.SetEventRetention(tt.retention)
			c := newClientWith(t, graphtest.NewHandlerOf(t, svc), c.Workspace, auth.ScopeRead)
			resp := c.Post(feedQuery, map[string]any{"after": tt.after})
			if resp.Code() != tt.wantCode {
				t.Errorf("feed after %q: code %q (%+v), want %s", tt.after, resp.Code(), resp.Errors, tt.wantCode)
			}
		})
	}
}

// TestFeedNeverSkipsAnEventCommittedLate holds a transaction open after it
// wrote its event, while a later one commits: a poller that paged past the
// later event would never see the earlier one.
func TestFeedNeverSkipsAnEventCommittedLate(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	c.MustDo(`mutation { createPortalRole(input: {slug: "first", name: "First"}) { portalRole { id } } }`, nil, nil)
	start := c.feedOf(1, nil).Edges[0].Cursor

	store := db.NewStore(dbtest.APIDB(t))
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{WorkspaceID: c.Workspace, Subject: "slow"})
	commit := graphtest.HoldEvent(ctx, store, c.Workspace, "contact_slow")
	c.MustDo(`mutation { createPortalRole(input: {slug: "fast", name: "Fast"}) { portalRole { id } } }`, nil, nil)
	if got := c.feed(map[string]any{"after": start}); len(got.Edges) != 0 {
		t.Errorf("while an older transaction runs, the feed lists %v after its first event; want nothing yet", got.types())
	}
	if err := commit(); err != nil {
		t.Fatal(err)
	}
	got := c.feedOf(2, map[string]any{"after": start}).types()
	if want := []string{"CONTACT_DELETED", "PORTAL_ROLE_CREATED"}; !slices.Equal(got, want) {
		t.Errorf("after the slow commit the feed lists %v, want %v", got, want)
	}
}

// TestFeedPollerSeesEveryEventOnceUnderConcurrentWriters pages the feed
// while writers commit in random order, and checks that the poller saw
// each event exactly once.
func TestFeedPollerSeesEveryEventOnceUnderConcurrentWriters(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	store := db.NewStore(dbtest.APIDB(t))
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{WorkspaceID: c.Workspace, Subject: "writer"})
	if err := store.EnsureWorkspace(ctx, c.Workspace); err != nil {
		t.Fatal(err)
	}
	const writers, each = 6, 20
	stop := make(chan struct{})
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			for i := range each {
				errs <- store.InTx(ctx, c.Workspace, func(tx *db.Store) error {
					err := events.Record(ctx, tx, c.Workspace, []events.Change{{Type: events.ContactDeleted, RecordID: fmt.Sprintf("contact_%d_%d", w, i)}})
					// Hold some transactions open so that they commit after later ones.
					time.Sleep(time.Duration((w*7+i*3)%5) * time.Millisecond)
					return err
				})
			}
		}()
	}
	seen := map[string]int{}
	var after any
	poll := func() {
		page := c.feed(map[string]any{"first": 7, "after": after})
		for _, e := range page.Edges {
			seen[e.Node.RecordID]++
		}
		if page.PageInfo.EndCursor != nil {
			after = *page.PageInfo.EndCursor
		}
	}
	go func() {
		for range writers * each {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
		close(stop)
	}()
	for polling := true; polling; {
		select {
		case <-stop:
			polling = false
		default:
			poll()
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(seen) < writers*each && time.Now().Before(deadline) {
		poll()
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("the poller saw %s's event %d times, want once", id, n)
		}
	}
	if len(seen) != writers*each {
		t.Errorf("the poller saw %d events, want %d", len(seen), writers*each)
	}
}

func TestHistoryListsARecordsEventsNewestFirst(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	contact := c.CreateContact(map[string]any{"name": "Ada"})
	account := c.CreateAccount(map[string]any{"name": "Acme"})
	c.mustUpdateContact(contact.ID, map[string]any{"name": "Ada Lovelace"})
	var out struct {
		Contact struct{ History eventPage }
		Account struct{ History eventPage }
	}
	c.MustDo(`query($c: ID!, $a: ID!) { contact(id: $c) { history { `+eventFields+` } } account(id: $a) { history(first: 1) { `+eventFields+` } } }`,
		map[string]any{"c": contact.ID, "a": account}, &out)
	if got := out.Contact.History.types(); !slices.Equal(got, []string{"CONTACT_UPDATED", "CONTACT_CREATED"}) {
		t.Errorf("contact history = %v, want updated then created", got)
	}
	if latest := out.Contact.History.Edges[0].Node; latest.Actor != "test" || len(latest.Changes) != 1 || latest.Changes[0].Field != "name" {
		t.Errorf("latest = %+v, want the test's change of name", latest)
	}
	if got := out.Account.History.types(); !slices.Equal(got, []string{"ACCOUNT_CREATED"}) || out.Account.History.PageInfo.HasNextPage {
		t.Errorf("account history = %v (more: %v), want its one event", got, out.Account.History.PageInfo.HasNextPage)
	}
}

// changeOf returns e's change of field as "old → new", and whether it has
// one.
func changeOf(e eventData, field string) (string, bool) {
	for _, ch := range e.Changes {
		if ch.Field == field {
			return string(ch.Old) + " → " + string(ch.New), true
		}
	}
	return "", false
}

// checkChanges checks the event's changes: want maps each field to its
// "old → new" values ("*" for any), and holds every changed field.
func checkChanges(t *testing.T, e eventData, want map[string]string) {
	t.Helper()
	if len(e.Changes) != len(want) {
		t.Errorf("%s of %s changes %d fields (%+v), want %d", e.Type, e.RecordID, len(e.Changes), e.Changes, len(want))
	}
	for field, values := range want {
		if got, ok := changeOf(e, field); !ok || values != "*" && got != values {
			t.Errorf("%s of %s: %s = %q (present: %v), want %q", e.Type, e.RecordID, field, got, ok, values)
		}
	}
}

// TestContactAndAccountWritesRecordTheirEvents runs every kind of contact
// and account mutation and reads its events from the feed: one per
// changed record, with its external id, new version and changed fields;
// none for a write that changes nothing or one that fails.
func TestContactAndAccountWritesRecordTheirEvents(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	account := c.CreateAccount(map[string]any{"name": "Acme", "externalId": "acme"})
	other := c.CreateAccount(map[string]any{"name": "Globex"})
	ada := c.CreateContact(map[string]any{"name": "Ada", "externalId": "crm-1", "email": "ada@example.com", "tags": []string{"vip"},
		"phones": phoneInputs("+14155550101", "+14155550100")})
	c.mustUpdateContact(ada.ID, map[string]any{"name": "Ada King", "email": nil, "tags": []string{"vip", "b2b"}})
	// Unchanged: the same values again, by update and by upsert.
	c.mustUpdateContact(ada.ID, map[string]any{"name": "Ada King"})
	if got := c.upsert(map[string]any{"externalId": "crm-1", "name": "Ada King"}); got.Action == nil || *got.Action != "UNCHANGED" {
		t.Fatalf("upsert of the same values = %+v, want UNCHANGED", got)
	}
	// A refused write, rolled back, has no event.
	if got := c.tryUpdateContact(ada.ID, map[string]any{"name": "Ada", "email": "not an email"}); len(got.UserErrors) == 0 {
		t.Fatal("an invalid email was accepted")
	}
	phoneID := ada.Phones[0].ID
	c.mustUpdateContact(ada.ID, map[string]any{"phones": []map[string]any{{"id": phoneID, "destroy": true}, {"number": "+14155550199"}}})
	c.MustDo(`mutation($c: ID!, $a: ID!) { addContactToAccount(contactId: $c, accountId: $a) { contact { id } } }`, map[string]any{"c": ada.ID, "a": account}, nil)
	c.MustDo(`mutation($c: ID!, $a: ID!) { removeContactFromAccount(contactId: $c, accountId: $a) { contact { id } } }`, map[string]any{"c": ada.ID, "a": account}, nil)
	c.MustDo(`mutation($id: ID!) { updateAccount(id: $id, input: {domain: "acme.example"}) { account { id } } }`, map[string]any{"id": account}, nil)
	c.MustDo(`mutation($id: ID!) { deleteAccount(id: $id) { deletedId } }`, map[string]any{"id": other}, nil)
	c.MustDo(`mutation($id: ID!) { deleteContact(id: $id) { deletedId } }`, map[string]any{"id": ada.ID}, nil)

	page := c.feedOf(10, nil)
	want := []string{"ACCOUNT_CREATED", "ACCOUNT_CREATED", "CONTACT_CREATED", "CONTACT_UPDATED", "CONTACT_UPDATED",
		"CONTACT_UPDATED", "CONTACT_UPDATED", "ACCOUNT_UPDATED", "ACCOUNT_DELETED", "CONTACT_DELETED"}
	if got := page.types(); !slices.Equal(got, want) {
		t.Fatalf("feed = %v, want %v", got, want)
	}
	ev := func(i int) eventData { return page.Edges[i].Node }
	for i, id := range map[int]string{0: account, 2: ada.ID, 3: ada.ID, 7: account, 8: other, 9: ada.ID} {
		if ev(i).RecordID != id {
			t.Errorf("event %d (%s) is of %s, want %s", i, ev(i).Type, ev(i).RecordID, id)
		}
	}
	checkChanges(t, ev(0), map[string]string{"name": `null → "Acme"`, "externalId": `null → "acme"`})
	if e := ev(2); *e.ExternalID != "crm-1" || *e.Version != 1 || e.Actor != "test" {
		t.Errorf("created = %+v, want crm-1 at version 1 by test", e)
	}
	checkChanges(t, ev(2), map[string]string{"externalId": `null → "crm-1"`, "name": `null → "Ada"`, "email": `null → "ada@example.com"`,
		"tags": "null → null", "portalRoleId": "*", "phones": `null → ["+14155550100","+14155550101"]`})
	if e := ev(3); *e.Version != 2 {
		t.Errorf("updated at version %d, want 2", *e.Version)
	}
	checkChanges(t, ev(3), map[string]string{"name": `"Ada" → "Ada King"`, "email": `"ada@example.com" → null`, "tags": "null → null"})
	kept := map[string]string{"+14155550101": "+14155550100", "+14155550100": "+14155550101"}[ada.Phones[0].Number]
	checkChanges(t, ev(4), map[string]string{"phones": `["+14155550100","+14155550101"] → ["` + kept + `","+14155550199"]`})
	checkChanges(t, ev(5), map[string]string{"accounts": `[] → ["` + account + `"]`})
	checkChanges(t, ev(6), map[string]string{"accounts": `["` + account + `"] → []`})
	checkChanges(t, ev(7), map[string]string{"domain": `null → "acme.example"`})
	if e := ev(9); *e.ExternalID != "crm-1" || len(e.Changes) != 0 || e.Version != nil {
		t.Errorf("deleted = %+v, want the external id crm-1 and no changes", e)
	}
	if e := ev(8); e.ExternalID != nil {
		t.Errorf("the deleted account without an external id has %q", *e.ExternalID)
	}

	var history struct{ Contact struct{ History eventPage } }
	bob := c.CreateContact(map[string]any{"name": "Bob"})
	c.mustUpdateContact(bob.ID, map[string]any{"description": "Builder"})
	c.MustDo(`query($c: ID!) { contact(id: $c) { history { `+eventFields+` } } }`, map[string]any{"c": bob.ID}, &history)
	if got := history.Contact.History.types(); !slices.Equal(got, []string{"CONTACT_UPDATED", "CONTACT_CREATED"}) {
		t.Errorf("history = %v, want updated then created", got)
	}
	// Another workspace's feed has none of them.
	if got := c.otherWorkspace().feed(nil); len(got.Edges) != 0 {
		t.Errorf("another workspace's feed lists %v", got.types())
	}
}

// TestBulkUpsertRecordsOneEventPerRecordInOneStatement: a bulk upsert of n
// contacts writes n events and as many statements as one of a few; the
// same call again changes nothing and writes none; an atomic call that
// fails writes none.
func TestBulkUpsertRecordsOneEventPerRecordInOneStatement(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	batch := func(prefix string, n int) []map[string]any {
		inputs := make([]map[string]any, n)
		for i := range inputs {
			inputs[i] = map[string]any{"externalId": fmt.Sprintf("%s-%d", prefix, i), "name": fmt.Sprint("Contact ", i)}
		}
		return inputs
	}
	// The workspace's first write sets it up.
	c.bulkUpsert(batch("first", 1), false)
	statements := map[int]int64{}
	for _, n := range []int{3, 60} {
		resp := c.Post(bulkUpsertDoc, map[string]any{"inputs": batch(fmt.Sprint("b", n), n)})
		if len(resp.Errors) > 0 {
			t.Fatalf("bulk of %d: %+v", n, resp.Errors)
		}
		statements[n] = resp.Statements
	}
	if statements[3] != statements[60] {
		t.Errorf("statements grow with the batch: %v", statements)
	}
	for _, r := range c.bulkUpsert(batch("b3", 3), false) {
		if r.Action != "UNCHANGED" {
			t.Fatalf("the same bulk again: %+v, want UNCHANGED", r)
		}
	}
	failed := append(batch("b60", 2), map[string]any{"externalId": "bad", "name": "Bad", "email": "not an email"})
	failed[0]["name"] = "Changed"
	c.bulkUpsert(failed, true)
	page := c.feedOf(64, map[string]any{"first": 100})
	for _, e := range page.Edges {
		if e.Node.Type != "CONTACT_CREATED" {
			t.Fatalf("feed has a %s event of %v; want only the 64 creations", e.Node.Type, e.Node.ExternalID)
		}
	}
}

// TestMergeRecordsTheTargetsMergeAndTheSourcesDeletion: the target's
// contact.merged carries the external ids it took; each source has its
// contact.deleted with its external id.
func TestMergeRecordsTheTargetsMergeAndTheSourcesDeletion(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	c.createField("CONTACT", "tier", "TEXT")
	target := c.CreateContact(map[string]any{"name": "Ada", "externalId": "t", "phones": phoneInputs("+14155550100")})
	a := c.CreateContact(map[string]any{"name": "Ada L", "externalId": "a", "tags": []string{"vip"}, "phones": phoneInputs("+14155550101"),
		"customFields": []map[string]any{{"slug": "tier", "value": "gold"}}})
	b := c.CreateContact(map[string]any{"name": "Ada K", "externalId": "b"})
	if got := c.merge(target.ID, a.ID, b.ID); len(got.UserErrors) > 0 {
		t.Fatalf("merge: %s", describeErrors(got.UserErrors))
	}
	page := c.feedOf(7, nil)
	if got := page.types()[4:]; !slices.Equal(got, []string{"CONTACT_MERGED", "CONTACT_DELETED", "CONTACT_DELETED"}) {
		t.Fatalf("events of the merge = %v", got)
	}
	merged := page.Edges[4].Node
	if merged.RecordID != target.ID || *merged.Version != 2 {
		t.Errorf("merged = %+v, want the target at version 2", merged)
	}
	checkChanges(t, merged, map[string]string{"tags": "null → null", "customFields": "null → null", "mergedExternalIds": `[] → ["a","b"]`,
		"phones": `["+14155550100"] → ["+14155550100","+14155550101"]`})
	deleted := map[string]string{}
	for _, e := range page.Edges[5:] {
		deleted[e.Node.RecordID] = *e.Node.ExternalID
	}
	if deleted[a.ID] != "a" || deleted[b.ID] != "b" {
		t.Errorf("deleted = %v, want %s: a and %s: b", deleted, a.ID, b.ID)
	}
}

func TestEventsOfAnotherWorkspaceAreInvisible(t *testing.T) {
	t.Parallel()
	graphtest.EachWay(t, func(t *testing.T, svc *service.Service) {
		c := newClientOf(t, svc)
		c.MustDo(`mutation { createPortalRole(input: {slug: "mine", name: "Mine"}) { portalRole { id } } }`, nil, nil)
		page := c.feedOf(1, nil)
		other := c.otherWorkspace()
		other.MustDo(`mutation { createPortalRole(input: {slug: "theirs", name: "Theirs"}) { portalRole { id } } }`, nil, nil)
		theirs := other.feedOf(1, nil)
		if theirs.Edges[0].Node.ID == page.Edges[0].Node.ID {
			t.Fatal("the other workspace sees this workspace's event")
		}
		// Another workspace's cursor is a position, nothing more.
		for _, e := range other.feed(map[string]any{"after": page.Edges[0].Cursor}).Edges {
			if e.Node.ID == page.Edges[0].Node.ID {
				t.Errorf("the other workspace's feed after this one's cursor lists this one's event")
			}
		}
	})
}

// TestEventTypeEnumNamesEveryType holds the schema's EventType enum and
// the events package's types in step.
func TestEventTypeEnumNamesEveryType(t *testing.T) {
	t.Parallel()
	var inSchema, inCode []string
	for _, v := range graph.NewExecutableSchema(graph.Config{}).Schema().Types["EventType"].EnumValues {
		inSchema = append(inSchema, v.Name)
	}
	for _, typ := range events.Types {
		inCode = append(inCode, typ.EnumName())
	}
	slices.Sort(inSchema)
	slices.Sort(inCode)
	if !slices.Equal(inSchema, inCode) {
		t.Errorf("EventType enum = %v, events.Types = %v", inSchema, inCode)
	}
}
