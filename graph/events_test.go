package graph_test

import (
	"context"
	"encoding/json"
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
)

// eventData is an event as the tests decode it.
type eventData struct {
	ID         string  `json:"id"`
	Type       string  `json:"type"`
	RecordID   string  `json:"recordId"`
	ExternalID *string `json:"externalId"`
	Version    *int    `json:"version"`
	Changes    []struct {
		Field string          `json:"field"`
		Old   json.RawMessage `json:"old"`
		New   json.RawMessage `json:"new"`
	} `json:"changes"`
	Actor      string    `json:"actor"`
	RequestID  *string   `json:"requestId"`
	OccurredAt time.Time `json:"occurredAt"`
}

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
	var out struct{ Events eventPage }
	c.MustDo(feedQuery, vars, &out)
	return out.Events
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
	h := newHandler(t)
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
	svc := newService(t)
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
			svc := newService(t)
			svc.SetEventRetention(tt.retention)
			c := newClientWith(t, newHandlerOf(t, svc), c.Workspace, auth.ScopeRead)
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
	written, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- store.InTx(ctx, c.Workspace, func(tx *db.Store) error {
			err := events.Record(ctx, tx, c.Workspace, []events.Change{{Type: events.ContactDeleted, RecordID: "contact_slow"}})
			close(written)
			<-release
			return err
		})
	}()
	<-written
	c.MustDo(`mutation { createPortalRole(input: {slug: "fast", name: "Fast"}) { portalRole { id } } }`, nil, nil)
	if got := c.feed(map[string]any{"after": start}); len(got.Edges) != 0 {
		t.Errorf("while an older transaction runs, the feed lists %v after its first event; want nothing yet", got.types())
	}
	close(release)
	if err := <-done; err != nil {
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
	store := db.NewStore(dbtest.APIDB(t))
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{WorkspaceID: c.Workspace, Subject: "editor"})
	// The write pipeline records these; here they are recorded as it does.
	for _, change := range []events.Change{
		{Type: events.ContactCreated, RecordID: contact.ID},
		{Type: events.AccountCreated, RecordID: account},
		{Type: events.ContactUpdated, RecordID: contact.ID, Fields: events.Fields{{Field: "name", Old: json.RawMessage(`"Ada"`), New: json.RawMessage(`"Ada Lovelace"`)}}},
	} {
		if err := store.InTx(ctx, c.Workspace, func(tx *db.Store) error { return events.Record(ctx, tx, c.Workspace, []events.Change{change}) }); err != nil {
			t.Fatal(err)
		}
	}
	var out struct {
		Contact struct{ History eventPage }
		Account struct{ History eventPage }
	}
	c.MustDo(`query($c: ID!, $a: ID!) { contact(id: $c) { history { `+eventFields+` } } account(id: $a) { history(first: 1) { `+eventFields+` } } }`,
		map[string]any{"c": contact.ID, "a": account}, &out)
	if got := out.Contact.History.types(); !slices.Equal(got, []string{"CONTACT_UPDATED", "CONTACT_CREATED"}) {
		t.Errorf("contact history = %v, want updated then created", got)
	}
	if latest := out.Contact.History.Edges[0].Node; latest.Actor != "editor" || latest.Changes[0].Field != "name" {
		t.Errorf("latest = %+v, want editor's change of name", latest)
	}
	if got := out.Account.History.types(); !slices.Equal(got, []string{"ACCOUNT_CREATED"}) || out.Account.History.PageInfo.HasNextPage {
		t.Errorf("account history = %v (more: %v), want its one event", got, out.Account.History.PageInfo.HasNextPage)
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
