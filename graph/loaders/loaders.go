// Package loaders batches the reads of one GraphQL request: each loader
// turns the lookups that the resolvers of a page make one by one into one
// SQL statement, so a page costs the same few statements whatever its size.
package loaders

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/service"
)

// batchWait is how long a loader collects keys before it queries. The
// resolvers of a page's items start together, so a short wait catches all.
const batchWait = 2 * time.Millisecond

// Loaders are the loaders of one request. They cache what they load, so
// they must never outlive the request or be shared between callers.
type Loaders struct {
	Contact           *Loader[string, *db.Contact]
	ContactByExternal *Loader[string, *db.Contact]
	Account           *Loader[string, *db.Account]
	AccountByExternal *Loader[string, *db.Account]
	Phone             *Loader[string, *db.Phone]
	PortalRole        *Loader[string, *db.PortalRole]
	APIKey            *Loader[string, *db.APIKey]
	PhonesOfContact   *Loader[string, []*db.Phone]
	AccountIDsOf      *Loader[string, []string]
	ContactsOfAccount *Loader[service.AccountPage, []*db.Contact]
	ContactCountOf    *Loader[service.AccountPage, int]
	// CustomFields are the workspace's custom fields of each object, oldest first.
	CustomFields *Loader[db.CustomFieldObject, []*db.CustomFieldDefinition]
	CustomField  *Loader[string, *db.CustomFieldDefinition]
	// Projection is what the loaders fetch of contacts, accounts and
	// phones: the columns that the request's operation reads. Set it
	// before the first load.
	Projection Projection
}

// Projection is the columns to fetch of each kind of record; the zero
// value fetches all.
type Projection struct {
	Contacts, Accounts, Phones db.Columns
}

func contactColumns(p Projection) db.Columns { return p.Contacts }
func accountColumns(p Projection) db.Columns { return p.Accounts }
func phoneColumns(p Projection) db.Columns   { return p.Phones }

// Loader loads one kind of record and caches it for the request. Load
// waits batchWait to gather the keys that resolvers running at once ask
// for one by one; LoadNow fetches at once, in one batch, the keys of a
// whole list that are not cached yet: waiting could only split them
// between batches under load, or merge them with others by chance, and
// then a page would not always cost the same statements.
type Loader[K comparable, V any] struct {
	fetch dataloader.BatchFunc[K, V]
	// made is the loader's batching and cache, made on first use: most
	// requests use two or three of their thirteen loaders.
	made atomic.Pointer[batching[K, V]]
}

type batching[K comparable, V any] struct {
	loader *dataloader.Loader[K, V]
	cache  *dataloader.InMemoryCache[K, V]
}

// batching returns the loader's batching, made now if it is the first use.
func (l *Loader[K, V]) batching() *batching[K, V] {
	if b := l.made.Load(); b != nil {
		return b
	}
	cache := dataloader.NewCache[K, V]()
	b := &batching[K, V]{
		loader: dataloader.NewBatchedLoader(l.fetch, dataloader.WithWait[K, V](batchWait), dataloader.WithCache[K, V](cache)),
		cache:  cache,
	}
	if l.made.CompareAndSwap(nil, b) {
		return b
	}
	return l.made.Load()
}

// Load returns the thunk of key: the cached one, or one batched with the
// keys that others load within batchWait. (The dataloader would find the
// cached one too, but only after tracing the load under its lock: the
// fields of a preloaded page find everything cached.)
func (l *Loader[K, V]) Load(ctx context.Context, key K) dataloader.Thunk[V] {
	b := l.batching()
	if thunk, ok := b.cache.Get(ctx, key); ok {
		return thunk
	}
	return b.loader.Load(ctx, key)
}

// Prime caches value as key's.
func (l *Loader[K, V]) Prime(ctx context.Context, key K, value V) {
	l.batching().loader.Prime(ctx, key, value)
}

// ClearAll empties the cache.
func (l *Loader[K, V]) ClearAll() {
	if b := l.made.Load(); b != nil {
		b.loader.ClearAll()
	}
}

// LoadNow returns the thunks of keys, in order, every one of them
// resolved: the cached ones as they are, the others fetched now in one
// batch and cached, errors included.
func (l *Loader[K, V]) LoadNow(ctx context.Context, keys []K) []dataloader.Thunk[V] {
	cache := l.batching().cache
	thunks := make([]dataloader.Thunk[V], len(keys))
	fetched := make(map[K]dataloader.Thunk[V])
	var missing []K
	for i, k := range keys {
		if thunk, ok := cache.Get(ctx, k); ok {
			thunks[i] = thunk
		} else if _, ok := fetched[k]; !ok {
			fetched[k] = nil
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return thunks
	}
	for i, r := range l.fetch(ctx, missing) {
		thunk := func() (V, error) { return r.Data, r.Error }
		cache.Set(ctx, missing[i], thunk)
		fetched[missing[i]] = thunk
	}
	for i, k := range keys {
		if thunks[i] == nil {
			thunks[i] = fetched[k]
		}
	}
	return thunks
}

type nowKey struct{}

// Now returns a context in which LoadAll fetches at once what is not
// cached (LoadNow) rather than wait for other keys to batch with: for
// code that loads for a whole list at once, ahead of the resolvers.
func Now(ctx context.Context) context.Context {
	return context.WithValue(ctx, nowKey{}, true)
}

// LoadAll loads keys and returns their values in key order, with a
// graphql.BatchErrorList when any failed. Every key is queued before any
// result is awaited, so that the keys of a whole list of parents go to
// the database in one batch.
func (l *Loader[K, V]) LoadAll(ctx context.Context, keys []K) ([]V, error) {
	if now, _ := ctx.Value(nowKey{}).(bool); now {
		return await(l.LoadNow(ctx, keys))
	}
	return await(l.Queue(ctx, keys))
}

// Queue starts the loads of keys without waiting for them.
func (l *Loader[K, V]) Queue(ctx context.Context, keys []K) []dataloader.Thunk[V] {
	thunks := make([]dataloader.Thunk[V], len(keys))
	for i, k := range keys {
		thunks[i] = l.Load(ctx, k)
	}
	return thunks
}

// await returns the values of thunks in order, with a BatchErrorList
// when any failed.
func await[V any](thunks []dataloader.Thunk[V]) ([]V, error) {
	values := make([]V, len(thunks))
	var errs graphql.BatchErrorList
	for i, thunk := range thunks {
		v, err := thunk()
		if err != nil {
			if errs == nil {
				errs = make(graphql.BatchErrorList, len(thunks))
			}
			errs[i] = err
		}
		values[i] = v
	}
	if errs != nil {
		return values, errs
	}
	return values, nil
}

// fresh returns a loader of the same kind with nothing loaded yet.
func (l *Loader[K, V]) fresh() *Loader[K, V] {
	return &Loader[K, V]{fetch: l.fetch}
}

// BatchObserver is told the size of each batch a loader runs, by the
// loader's name: for metrics.
type BatchObserver func(loader string, size int)

// New builds loaders that read through reads; observe, when not nil, sees
// their batches. Each request takes fresh ones (Fresh).
func New(reads *service.Reads, observe BatchObserver) *Loaders {
	if observe == nil {
		observe = func(string, int) {}
	}
	return &Loaders{
		Contact:           newLoader(observe, "contact", byKey(projected(contactColumns, reads.Contacts), contactID)),
		ContactByExternal: newLoader(observe, "contact_by_external_id", byKey(projected(contactColumns, reads.ContactsByExternalIDs), contactExternalID)),
		Account:           newLoader(observe, "account", byKey(projected(accountColumns, reads.Accounts), accountID)),
		AccountByExternal: newLoader(observe, "account_by_external_id", byKey(projected(accountColumns, reads.AccountsByExternalIDs), accountExternalID)),
		Phone:             newLoader(observe, "phone", byKey(reads.Phones, (*db.Phone).NodeID)),
		PortalRole:        newLoader(observe, "portal_role", byKey(reads.PortalRoles, (*db.PortalRole).NodeID)),
		APIKey:            newLoader(observe, "api_key", byKey(reads.APIKeys, (*db.APIKey).NodeID)),
		PhonesOfContact:   newLoader(observe, "phones_of_contact", groupedBy(projected(phoneColumns, reads.PhonesOfContacts), phoneOfContact)),
		AccountIDsOf:      newLoader(observe, "accounts_of_contact", groupedBy(reads.MembershipsOfContacts, accountOfContact)),
		ContactsOfAccount: newLoader(observe, "contacts_of_account", inKeyOrder(reads.ContactsOfAccounts)),
		ContactCountOf:    newLoader(observe, "contact_count_of_account", inKeyOrder(reads.ContactCounts)),
		CustomFields:      newLoader(observe, "custom_field_definitions", inKeyOrder(reads.CustomFieldsOf)),
		CustomField:       newLoader(observe, "custom_field", byKey(reads.CustomFields, (*db.CustomFieldDefinition).NodeID)),
	}
}

// projected adapts a read to the columns that the request's projection
// gives its records (see Loaders.Projection).
func projected[V any](columns func(Projection) db.Columns, read func(context.Context, []string, db.Columns) ([]V, error)) func(context.Context, []string) ([]V, error) {
	return func(ctx context.Context, keys []string) ([]V, error) {
		return read(ctx, keys, columns(For(ctx).Projection))
	}
}

func contactID(c *db.Contact) string                 { return c.ID }
func contactExternalID(c *db.Contact) string         { return *c.ExternalID }
func accountID(a *db.Account) string                 { return a.ID }
func accountExternalID(a *db.Account) string         { return *a.ExternalID }
func phoneOfContact(p *db.Phone) (string, *db.Phone) { return p.ContactID, p }
func accountOfContact(m *db.ContactAccount) (string, string) {
	return m.ContactID, m.AccountID
}

// newLoader makes the loader called name, whose batches observe sees.
func newLoader[K comparable, V any](observe BatchObserver, name string, fn dataloader.BatchFunc[K, V]) *Loader[K, V] {
	fn = recovering(fn)
	return &Loader[K, V]{fetch: func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		observe(name, len(keys))
		return fn(ctx, keys)
	}}
}

// Fresh returns loaders of the same kinds as l with nothing loaded: the
// loaders of one request. Their batch functions hold no request's state,
// so they are made once, by New.
func (l *Loaders) Fresh() *Loaders {
	return &Loaders{
		Contact:           l.Contact.fresh(),
		ContactByExternal: l.ContactByExternal.fresh(),
		Account:           l.Account.fresh(),
		AccountByExternal: l.AccountByExternal.fresh(),
		Phone:             l.Phone.fresh(),
		PortalRole:        l.PortalRole.fresh(),
		APIKey:            l.APIKey.fresh(),
		PhonesOfContact:   l.PhonesOfContact.fresh(),
		AccountIDsOf:      l.AccountIDsOf.fresh(),
		ContactsOfAccount: l.ContactsOfAccount.fresh(),
		ContactCountOf:    l.ContactCountOf.fresh(),
		CustomFields:      l.CustomFields.fresh(),
		CustomField:       l.CustomField.fresh(),
	}
}

// recovering turns a panic of fn into an error of each of its keys, with
// the stack, which the error presenter logs under the request's id. (The
// dataloader would recover it too, but log it without the id.)
func recovering[K comparable, V any](fn dataloader.BatchFunc[K, V]) dataloader.BatchFunc[K, V] {
	return func(ctx context.Context, keys []K) (results []*dataloader.Result[V]) {
		defer func() {
			if p := recover(); p != nil {
				results = failAll[K, V](keys, fmt.Errorf("panic in a batch load: %v\n%s", p, debug.Stack()))
			}
		}()
		return fn(ctx, keys)
	}
}

type loadersKey struct{}

// Middleware puts fresh loaders on each request's context.
func Middleware(reads *service.Reads, observe BatchObserver, next http.Handler) http.Handler {
	kinds := New(reads, observe)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(With(r.Context(), kinds.Fresh())))
	})
}

// With returns a context that carries l, in which l takes what writes
// know (service.Known).
func With(ctx context.Context, l *Loaders) context.Context {
	ctx = context.WithValue(ctx, loadersKey{}, l)
	return service.WithKnown(ctx, func(k service.Known) { l.take(ctx, k) })
}

// take caches what a committed write knows, as if loaded after it.
func (l *Loaders) take(ctx context.Context, k service.Known) {
	for _, a := range k.Accounts {
		l.Account.Prime(ctx, a.ID, a)
	}
	for _, r := range k.PortalRoles {
		l.PortalRole.Prime(ctx, r.ID, r)
	}
	for contactID, phones := range k.PhonesOf {
		l.PhonesOfContact.Prime(ctx, contactID, phones)
	}
	for contactID, accountIDs := range k.MembersOf {
		l.AccountIDsOf.Prime(ctx, contactID, accountIDs)
	}
}

// For returns the loaders of the request in ctx.
func For(ctx context.Context) *Loaders {
	return ctx.Value(loadersKey{}).(*Loaders)
}

// byKey makes a batch function that returns one record per key, or nil
// when there is none, in the order of the keys.
func byKey[V any](fetch func(context.Context, []string) ([]V, error), keyOf func(V) string) dataloader.BatchFunc[string, V] {
	return func(ctx context.Context, keys []string) []*dataloader.Result[V] {
		rows, err := fetch(ctx, keys)
		if err != nil {
			return failAll[string, V](keys, err)
		}
		found := make(map[string]V, len(rows))
		for _, row := range rows {
			found[keyOf(row)] = row
		}
		results := make([]*dataloader.Result[V], len(keys))
		for i, k := range keys {
			results[i] = &dataloader.Result[V]{Data: found[k]}
		}
		return results
	}
}

// groupedBy makes a batch function that returns, for each key, the list
// of values of the rows that belong to it, in the order of the rows.
func groupedBy[R, V any](fetch func(context.Context, []string) ([]R, error), split func(R) (string, V)) dataloader.BatchFunc[string, []V] {
	return func(ctx context.Context, keys []string) []*dataloader.Result[[]V] {
		rows, err := fetch(ctx, keys)
		if err != nil {
			return failAll[string, []V](keys, err)
		}
		groups := make(map[string][]V, len(keys))
		for _, row := range rows {
			k, v := split(row)
			groups[k] = append(groups[k], v)
		}
		results := make([]*dataloader.Result[[]V], len(keys))
		for i, k := range keys {
			results[i] = &dataloader.Result[[]V]{Data: groups[k]}
		}
		return results
	}
}

// inKeyOrder makes a batch function of a read that returns one value per
// key, in the order of the keys.
func inKeyOrder[K comparable, V any](read func(context.Context, []K) ([]V, error)) dataloader.BatchFunc[K, V] {
	return func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		values, err := read(ctx, keys)
		if err != nil {
			return failAll[K, V](keys, err)
		}
		results := make([]*dataloader.Result[V], len(keys))
		for i, v := range values {
			results[i] = &dataloader.Result[V]{Data: v}
		}
		return results
	}
}

func failAll[K comparable, V any](keys []K, err error) []*dataloader.Result[V] {
	results := make([]*dataloader.Result[V], len(keys))
	for i := range keys {
		results[i] = &dataloader.Result[V]{Error: err}
	}
	return results
}

// ClearAll empties every loader's cache, so that reads after a mutation
// see what it wrote.
func (l *Loaders) ClearAll() {
	l.Contact.ClearAll()
	l.ContactByExternal.ClearAll()
	l.Account.ClearAll()
	l.AccountByExternal.ClearAll()
	l.Phone.ClearAll()
	l.PortalRole.ClearAll()
	l.APIKey.ClearAll()
	l.PhonesOfContact.ClearAll()
	l.AccountIDsOf.ClearAll()
	l.ContactsOfAccount.ClearAll()
	l.ContactCountOf.ClearAll()
	l.CustomFields.ClearAll()
	l.CustomField.ClearAll()
}

// PrimeContacts caches contacts that a list already loaded, so that
// lookups of them later in the request (a phone's contact, say) cost no
// statement and no batching delay.
func (l *Loaders) PrimeContacts(ctx context.Context, contacts []*db.Contact) {
	for _, c := range contacts {
		l.Contact.Prime(ctx, c.ID, c)
	}
}
