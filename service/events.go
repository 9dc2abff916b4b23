package service

import (
	"context"
	"encoding/base64"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/oklog/ulid/v2"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/events"
	"github.com/contacts-api/contacts/periodic"
)

// DefaultEventRetention is how long events are kept unless configured.
const DefaultEventRetention = 30 * 24 * time.Hour

// EventArgs select a page of the change feed.
type EventArgs struct {
	First *int
	After *string
	// Types keeps the events of these types; all when empty.
	Types []events.Type
}

// EventPage is a page of events.
type EventPage struct {
	Items           []*db.Event
	HasNextPage     bool
	HasPreviousPage bool
}

// Cursor returns the cursor of one of the page's events: its position,
// the writing transaction's id and its own.
func (p *EventPage) Cursor(e *db.Event) string {
	return base64.RawURLEncoding.EncodeToString([]byte(eventCursorVersion + e.TxID + "." + e.ID))
}

// eventCursorVersion starts the cursors this code writes.
const eventCursorVersion = "e1."

// SetEventRetention sets how long events are kept: a feed cursor older
// than it has expired. Call it before the service serves.
func (s *Service) SetEventRetention(d time.Duration) { s.eventRetention = d }

// Events returns a page of the workspace's change feed, oldest first. It
// holds the events of transactions older than every one still running,
// so that a page never ends before an event that a slower transaction
// commits later: the feed only grows at its end. api_key events are
// listed to callers with keys:admin only.
func (s *Service) Events(ctx context.Context, args EventArgs) (*EventPage, error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	q := db.EventQuery{Settled: true, Types: visibleTypes(ctx, args.Types)}
	if err := s.eventWindow(&q, args.First, args.After); err != nil {
		return nil, err
	}
	return s.eventPage(ctx, ws, q, args.After != nil)
}

// History returns a page of the events of one record, newest first.
func (s *Service) History(ctx context.Context, recordID string, first *int, after *string) (*EventPage, error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	q := db.EventQuery{RecordID: recordID, Newest: true}
	if err := s.eventWindow(&q, first, after); err != nil {
		return nil, err
	}
	return s.eventPage(ctx, ws, q, after != nil)
}

func (s *Service) eventPage(ctx context.Context, ws uuid.UUID, q db.EventQuery, after bool) (*EventPage, error) {
	items, err := s.store.Events(ctx, ws, q)
	if err != nil {
		return nil, err
	}
	page := &EventPage{Items: items, HasPreviousPage: after}
	if len(items) == q.Limit {
		page.Items, page.HasNextPage = items[:q.Limit-1], true
	}
	return page, nil
}

// visibleTypes returns the types of events the caller asked for and may
// see; nil for all of them.
func visibleTypes(ctx context.Context, asked []events.Type) []string {
	keysAdmin := auth.FromContext(ctx).Can(auth.ScopeKeysAdmin)
	if len(asked) == 0 && keysAdmin {
		return nil
	}
	if len(asked) == 0 {
		asked = events.Types
	}
	types := make([]string, 0, len(asked))
	for _, t := range asked {
		if !CanSee(ctx, t) {
			continue
		}
		types = append(types, string(t))
	}
	if len(types) == 0 {
		// Only types the caller may not see: a type that no event has.
		types = append(types, "")
	}
	return types
}

// eventWindow sets q's page size and the position it starts after.
func (s *Service) eventWindow(q *db.EventQuery, first *int, after *string) error {
	size := DefaultPageSize
	if first != nil {
		if *first < 1 || *first > MaxPageSize {
			return badInput("first must be from 1 to %d, not %d.", MaxPageSize, *first)
		}
		size = *first
	}
	q.Limit = size + 1
	if after == nil {
		return nil
	}
	pos, err := s.decodeEventCursor(*after)
	q.After = pos
	return err
}

// decodeEventCursor returns the position a cursor points at. A cursor
// whose event is older than the retention has expired: the events after
// it may be gone.
func (s *Service) decodeEventCursor(cursor string) (*db.EventPosition, error) {
	invalid := badInput("The cursor %q is not valid.", cursor)
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	rest, ok := strings.CutPrefix(string(raw), eventCursorVersion)
	if err != nil || !ok {
		return nil, invalid
	}
	txid, id, ok := strings.Cut(rest, ".")
	if _, err := strconv.ParseUint(txid, 10, 64); err != nil || !ok || !db.HasPrefix(id, db.EventPrefix) {
		return nil, invalid
	}
	written := ulid.MustParseStrict(strings.TrimPrefix(id, db.EventPrefix)).Timestamp()
	if time.Since(written) > s.eventRetention {
		return nil, &Error{Code: CodeCursorExpired, Message: "The cursor points before the events kept (" + s.eventRetention.String() + "); resync in full and read the feed from its start."}
	}
	return &db.EventPosition{TxID: txid, ID: id}, nil
}

// pruneBatch is how many events one statement of the pruner deletes, so
// that no statement holds many locks or runs long.
const pruneBatch = 1000

// PruneEvents deletes the events older than the retention every interval
// until ctx ends, in statements of at most pruneBatch events. A prune that
// fails, even by panicking, is logged and tried again at the next tick.
func (s *Service) PruneEvents(ctx context.Context, interval time.Duration) {
	periodic.Run(ctx, interval, nil, s.pruneEvents)
}

func (s *Service) pruneEvents(ctx context.Context) {
	defer logPanic(ctx, "prune events")
	total := 0
	for ctx.Err() == nil {
		n, err := s.store.DeleteExpiredEvents(ctx, s.eventRetention, pruneBatch)
		if err != nil {
			slog.WarnContext(ctx, "prune events", "error", err)
			break
		}
		if total += n; n < pruneBatch {
			break
		}
	}
	if total > 0 {
		slog.InfoContext(ctx, "pruned events past the retention", "deleted", total, "retention", s.eventRetention)
	}
}
