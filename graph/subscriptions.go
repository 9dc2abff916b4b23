package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/events"
	"github.com/contacts-api/contacts/live"
	"github.com/contacts-api/contacts/service"
)

// maxSubscribedIDs bounds contactChanged(ids:), as its description says.
const maxSubscribedIDs = 100

// contactTypes are the types of the events of contacts.
var contactTypes = typesOf("contact.")

func typesOf(prefix string) []events.Type {
	var types []events.Type
	for _, t := range events.Types {
		if strings.HasPrefix(string(t), prefix) {
			types = append(types, t)
		}
	}
	return types
}

// contactChanges selects the events of contacts ids, or of every contact.
func contactChanges(ids []string) live.Filter {
	return live.Filter{Types: contactTypes, RecordIDs: ids}
}

// subscribe starts a subscription to the events f selects.
func (r *subscriptionResolver) subscribe(ctx context.Context, f live.Filter) (<-chan *db.Event, error) {
	if r.Live == nil {
		return nil, &service.Error{Code: service.CodeUnavailable, Message: "This server serves no subscriptions."}
	}
	if len(f.RecordIDs) > maxSubscribedIDs {
		return nil, &service.Error{Code: service.CodeBadUserInput, Message: fmt.Sprintf("ids takes at most %d ids, not %d.", maxSubscribedIDs, len(f.RecordIDs))}
	}
	return r.Live.Subscribe(ctx, f)
}
