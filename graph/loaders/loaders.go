// Package loaders batches the reads of one GraphQL request: each loader
// turns the lookups that the resolvers of a page make one by one into one
// SQL statement, so a page costs the same few statements whatever its size.
package loaders

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"

	"github.com/contacts-api/contacts/ctxkey"
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
	cache  *cache[K, V]
}

// cache is a loader's cache: the thunks of the loads that the
// dataloader batches (Load), and the results that LoadNow fetched and
// Prime was given, kept as they are: a thunk is a closure of its own,
// and a page caches hundreds of results that its resolvers then never
// ask for one by one (the fast path renders what it preloaded).
type cache[K comparable, V any] struct {
	mu sync.RWMutex
	// entries is nil until the first is cached.
	entries map[K]entry[V]
}

// entry is a key's thunk or result, or both once Get made the thunk.
type entry[V any] struct {
	thunk  dataloader.Thunk[V]
	result *dataloader.Result[V]
}

// empty reports whether e is no entry.
func (e entry[V]) empty() bool { return e.thunk == nil && e.result == nil }

// get awaits the entry's value.
func (e entry[V]) get() (V, error) {
	if e.result != nil {
		return e.result.Data, e.result.Error
	}
	return e.thunk()
}

// Get returns the thunk of key, made from its result on first use.
func (c *cache[K, V]) Get(_ context.Context, key K) (dataloader.Thunk[V], bool) {
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || e.thunk != nil {
		return e.thunk, ok
	}
	r := e.result
	e.thunk = func() (V, error) { return r.Data, r.Error }
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[key].result == r {
		c.entries[key] = e
	}
	return e.thunk, true
}

// Set caches thunk as key's.
func (c *cache[K, V]) Set(_ context.Context, key K, thunk dataloader.Thunk[V]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[K]entry[V])
	}
	c.entries[key] = entry[V]{thunk: thunk}
}

// Delete forgets key.
func (c *cache[K, V]) Delete(_ context.Context, key K) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.entries[key]
	delete(c.entries, key)
	return ok
}

// Clear forgets every key.
func (c *cache[K, V]) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}

// keep caches results as the entries of keys, in order; with absent
// set, only those of the keys not cached yet.
func (c *cache[K, V]) keep(keys []K, results []*dataloader.Result[V], absent bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		// Made for the first batch at its size, rather than grown to it.
		c.entries = make(map[K]entry[V], len(keys))
	}
	for i, k := range keys {
		if _, ok := c.entries[k]; !absent || !ok {
			c.entries[k] = entry[V]{result: results[i]}
		}
	}
}

// batching returns the loader's batching, made now if it is the first use.
func (l *Loader[K, V]) batching() *batching[K, V] {
	if b := l.made.Load(); b != nil {
		return b
	}
	cache := &cache[K, V]{}
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

// Prime caches value as key's, unless key is cached already.
func (l *Loader[K, V]) Prime(_ context.Context, key K, value V) {
	l.batching().cache.keep([]K{key}, []*dataloader.Result[V]{{Data: value}}, true)
}

// primeAll caches values as the keys', in order, where a key is not
// cached already: in one block, under one lock.
func (l *Loader[K, V]) primeAll(keys []K, values []V) {
	block := make([]dataloader.Result[V], len(values))
	results := make([]*dataloader.Result[V], len(values))
	for i, v := range values {
		block[i].Data = v
		results[i] = &block[i]
	}
	l.batching().cache.keep(keys, results, true)
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
	entries := l.now(ctx, keys)
	thunks := make([]dataloader.Thunk[V], len(keys))
	for i, e := range entries {
		thunks[i] = e.thunk
		if e.result != nil {
			r := e.result
			thunks[i] = func() (V, error) { return r.Data, r.Error }
		}
	}
	return thunks
}

// now returns the entries of keys, in order (see LoadNow).
func (l *Loader[K, V]) now(ctx context.Context, keys []K) []entry[V] {
	c := l.batching().cache
	entries := make([]entry[V], len(keys))
	cached := 0
	c.mu.RLock()
	for i, k := range keys {
		if e, ok := c.entries[k]; ok {
			entries[i] = e
			cached++
		}
	}
	c.mu.RUnlock()
	if cached == len(keys) {
		return entries
	}
	// at is the index in missing of each key not cached.
	at := make(map[K]int, len(keys)-cached)
	missing := make([]K, 0, len(keys)-cached)
	for i, k := range keys {
		if !entries[i].empty() {
			continue
		}
		if _, ok := at[k]; !ok {
			at[k] = len(missing)
			missing = append(missing, k)
		}
	}
	results := l.fetch(ctx, missing)
	c.keep(missing, results, false)
	for i, k := range keys {
		if entries[i].empty() {
			entries[i] = entry[V]{result: results[at[k]]}
		}
	}
	return entries
}

// nowKey marks a context in which LoadAll fetches at once (see Now).
var nowKey = ctxkey.New[bool]("loaders.now")

// Now returns a context in which LoadAll fetches at once what is not
// cached (LoadNow) rather than wait for other keys to batch with: for
// code that loads for a whole list at once, ahead of the resolvers.
func Now(ctx context.Context) context.Context {
	return nowKey.With(ctx, true)
}

// LoadAll loads keys and returns their values in key order, with a
// graphql.BatchErrorList when any failed. Every key is queued before any
// result is awaited, so that the keys of a whole list of parents go to
// the database in one batch.
func (l *Loader[K, V]) LoadAll(ctx context.Context, keys []K) ([]V, error) {
	if nowKey.Value(ctx) {
		return await(l.now(ctx, keys), entry[V].get)
	}
	return await(l.Queue(ctx, keys), func(t dataloader.Thunk[V]) (V, error) { return t() })
}

// Queue starts the loads of keys without waiting for them.
func (l *Loader[K, V]) Queue(ctx context.Context, keys []K) []dataloader.Thunk[V] {
	thunks := make([]dataloader.Thunk[V], len(keys))
	for i, k := range keys {
		thunks[i] = l.Load(ctx, k)
	}
	return thunks
}

// await returns the values of loads (thunks or entries, which get
// awaits) in order, with a BatchErrorList when any failed.
func await[L, V any](loads []L, get func(L) (V, error)) ([]V, error) {
	values := make([]V, len(loads))
	var errs graphql.BatchErrorList
	for i, load := range loads {
		v, err := get(load)
		if err != nil {
			if errs == nil {
				errs = make(graphql.BatchErrorList, len(loads))
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

// loadersKey holds the loaders of the request of a context.
var loadersKey = ctxkey.New[*Loaders]("loaders.loaders")

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
	ctx = loadersKey.With(ctx, l)
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

// For returns the loaders of the request in ctx. It panics when ctx has
// none: a request served without Middleware or With is a bug.
func For(ctx context.Context) *Loaders {
	l, ok := loadersKey.Lookup(ctx)
	if !ok {
		panic("loaders: no loaders in the context (see Middleware and With)")
	}
	return l
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
		results, block := resultsOf[V](len(keys))
		for i, k := range keys {
			block[i].Data = found[k]
		}
		return results
	}
}

// groupedBy makes a batch function that returns, for each key, the list
// of values of the rows that belong to it, in the order of the rows. The
// lists share one array, cut to their length: one allocation for all.
func groupedBy[R, V any](fetch func(context.Context, []string) ([]R, error), split func(R) (string, V)) dataloader.BatchFunc[string, []V] {
	return func(ctx context.Context, keys []string) []*dataloader.Result[[]V] {
		rows, err := fetch(ctx, keys)
		if err != nil {
			return failAll[string, []V](keys, err)
		}
		// group is the index of each key's list (of its last, should a
		// key come twice: the others stay empty); end, where each list
		// ends in all, once its rows are counted and then as it is filled.
		group := make(map[string]int, len(keys))
		for i, k := range keys {
			group[k] = i
		}
		end := make([]int, len(keys))
		owner := make([]int, len(rows))
		for j, row := range rows {
			k, _ := split(row)
			g, ok := group[k]
			if !ok {
				g = -1
			} else {
				end[g]++
			}
			owner[j] = g
		}
		start := make([]int, len(end))
		for g := 1; g < len(end); g++ {
			start[g] = start[g-1] + end[g-1]
		}
		copy(end, start)
		all := make([]V, len(rows))
		for j, row := range rows {
			if g := owner[j]; g >= 0 {
				_, all[end[g]] = split(row)
				end[g]++
			}
		}
		results, block := resultsOf[[]V](len(keys))
		for i, k := range keys {
			if g := group[k]; end[g] > start[g] {
				block[i].Data = all[start[g]:end[g]:end[g]]
			}
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
		results, block := resultsOf[V](len(keys))
		for i, v := range values {
			block[i].Data = v
		}
		return results
	}
}

func failAll[K comparable, V any](keys []K, err error) []*dataloader.Result[V] {
	results, block := resultsOf[V](len(keys))
	for i := range block {
		block[i].Error = err
	}
	return results
}

// resultsOf returns n results, pointers into block: two allocations
// rather than one per key.
func resultsOf[V any](n int) (results []*dataloader.Result[V], block []dataloader.Result[V]) {
	block = make([]dataloader.Result[V], n)
	results = make([]*dataloader.Result[V], n)
	for i := range block {
		results[i] = &block[i]
	}
	return results, block
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
func (l *Loaders) PrimeContacts(_ context.Context, contacts []*db.Contact) {
	ids := make([]string, len(contacts))
	for i, c := range contacts {
		ids[i] = c.ID
	}
	l.Contact.primeAll(ids, contacts)
}
