// Package graph is the GraphQL layer: resolvers translate arguments into
// calls of the service and results back; loaders batch the reads.
package graph

import (
	"github.com/contacts-api/contacts/live"
	"github.com/contacts-api/contacts/service"
)

// Resolver holds the dependencies of the resolvers.
type Resolver struct {
	Service *service.Service
	// Live serves the subscriptions; nil serves none.
	Live *live.Hub
}
