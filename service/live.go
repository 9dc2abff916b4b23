package service

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/events"
)

// liveReadPage is how many events one statement of EventsFrom reads.
const liveReadPage = 1000

// EventsFrom returns the events of workspace ws written by the
// transactions with ids from from on (all of them, oldest first), read
// under ws's row-level security, and where the next read starts: the
// oldest transaction still running before this read, which every event
// not yet committed has at least as id. A read from "" returns no event,
// only where to start. Live subscriptions read with it: it may return an
// event again on the next read, never skip one.
func (s *Service) EventsFrom(ctx context.Context, ws uuid.UUID, from string) (evs []*db.Event, next string, err error) {
	if next, err = s.store.SnapshotXmin(ctx); err != nil || from == "" {
		return nil, next, err
	}
	// (txid, id) > (from, ''): every event of from and later.
	pos := &db.EventPosition{TxID: from}
	for {
		page, err := s.store.Events(ctx, ws, db.EventQuery{After: pos, Limit: liveReadPage})
		if err != nil {
			return nil, "", err
		}
		evs = append(evs, page...)
		if len(page) < liveReadPage {
			return evs, next, nil
		}
		last := page[len(page)-1]
		pos = &db.EventPosition{TxID: last.TxID, ID: last.ID}
	}
}

// CanSee reports whether the caller in ctx may see events of type t: the
// api_key events need keys:admin, the others contacts:read.
func CanSee(ctx context.Context, t events.Type) bool {
	p := auth.FromContext(ctx)
	if strings.HasPrefix(string(t), "api_key.") {
		return p.Can(auth.ScopeKeysAdmin)
	}
	return p.Can(auth.ScopeRead)
}
