package extensions

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"

	"github.com/contacts-api/contacts/service"
)

// PersistedQueryCacheSize bounds the automatic persisted queries kept in
// memory, all workspaces together: the least recently used go first, and
// clients resend them.
const PersistedQueryCacheSize = 1000

// PersistedQueries returns gqlgen's automatic persisted queries on a
// cache keyed by workspace as well as by hash: a document one workspace
// sent is found by its hash only in that workspace, so that no workspace
// can learn by asking for a hash whether another one sent its document.
func PersistedQueries() extension.AutomaticPersistedQuery {
	return extension.AutomaticPersistedQuery{Cache: persistedQueries{lru.New[string](PersistedQueryCacheSize)}}
}

// persistedQueries is the cache of PersistedQueries.
type persistedQueries struct{ queries *lru.LRU[string] }

var _ graphql.Cache[string] = persistedQueries{}

// Get returns the document of the caller's workspace with hash.
func (c persistedQueries) Get(ctx context.Context, hash string) (string, bool) {
	return c.queries.Get(ctx, workspaceKey(ctx, hash))
}

// Add keeps query under hash for the caller's workspace.
func (c persistedQueries) Add(ctx context.Context, hash, query string) {
	c.queries.Add(ctx, workspaceKey(ctx, hash), query)
}

// workspaceKey returns hash prefixed by the caller's workspace. Every
// request that reaches GraphQL is authenticated; were one not, its key
// would fall under the nil workspace, which no caller has.
func workspaceKey(ctx context.Context, hash string) string {
	ws, _ := service.Workspace(ctx)
	return ws.String() + "/" + hash
}
