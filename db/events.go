package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// EventPrefix starts the ids of change events.
const EventPrefix = "evt_"

// retentionSetting names the interval past which the pruner may see and
// delete the events of every workspace.
const retentionSetting = "app.event_retention"

// Event is a row of the outbox: one committed change to one record.
type Event struct {
	bun.BaseModel `bun:"table:events,alias:ev"`

	Key
	Type       string  `bun:"type"`
	RecordID   string  `bun:"record_id"`
	ExternalID *string `bun:"external_id"`
	// Version is the record's version after the change, for the records
	// that have one (contacts and accounts).
	Version    *int          `bun:"version"`
	Changes    []FieldChange `bun:"changes,type:jsonb,notnull"`
	Actor      string        `bun:"actor"`
	RequestID  *string       `bun:"request_id"`
	OccurredAt time.Time     `bun:"occurred_at,nullzero,notnull,default:now()"`
	// TxID is the writing transaction's id, as text: with ID, the
	// position of the event in the feed. The database sets it.
	TxID string `bun:"txid,scanonly"`
}

// FieldChange is one field of a change: its name, and its old and new
// values as JSON (null for a value that was or became absent).
type FieldChange struct {
	Field string          `json:"field"`
	Old   json.RawMessage `json:"old"`
	New   json.RawMessage `json:"new"`
}

// InsertEvents writes events, all of the store's transaction's workspace,
// and a webhook delivery of each to every enabled endpoint that takes its
// type, and notifies the listeners of live subscriptions, in one call of
// the function insert_events (db/migrations), which plans its statement
// once per connection: planned afresh for every write, as the server's
// inlined values made it, that statement was most of what events cost
// PostgreSQL. A delivery's id names its event and endpoint. The events go
// as one array a column, not as a row of values each: a bulk write's
// thousand rows of values were a statement that PostgreSQL parsed and
// planned for longer than it took to insert them.
func (s *Store) InsertEvents(ctx context.Context, events []*Event) error {
	if len(events) == 0 {
		return nil
	}
	n := len(events)
	workspaces, ids, types, records := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	externalIDs, requestIDs, actors, changes := make([]*string, n), make([]*string, n), make([]string, n), make([]string, n)
	versions, occurred := make([]*int, n), make([]*time.Time, n)
	for i, e := range events {
		if !e.OccurredAt.IsZero() {
			occurred[i] = &e.OccurredAt
		}
		workspaces[i], ids[i], types[i], records[i] = e.WorkspaceID.String(), e.ID, e.Type, e.RecordID
		externalIDs[i], versions[i], actors[i], requestIDs[i] = e.ExternalID, e.Version, e.Actor, e.RequestID
		fields := e.Changes
		if fields == nil {
			fields = []FieldChange{}
		}
		b, err := json.Marshal(fields)
		if err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
		changes[i] = string(b)
	}
	_, err := s.idb.NewRaw(`SELECT insert_events(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::jsonb[], ?::text[], ?::text[], ?::timestamptz[], ?, ?, ?)`,
		pgdialect.Array(workspaces), pgdialect.Array(ids), pgdialect.Array(types), pgdialect.Array(records),
		pgdialect.Array(externalIDs), pgdialect.Array(versions), pgdialect.Array(changes), pgdialect.Array(actors), pgdialect.Array(requestIDs),
		pgdialect.Array(occurred),
		WebhookDeliveryPrefix, len(EventPrefix)+1, len(WebhookEndpointPrefix)+1).Exec(ctx)
	if err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	return nil
}

// EventPosition is a place in a list of events: after (or before) the
// event of transaction TxID with id ID.
type EventPosition struct {
	TxID string
	ID   string
}

// EventQuery selects a page of a workspace's events.
type EventQuery struct {
	// RecordID keeps the events of one record; all records when "".
	RecordID string
	// Types keeps the events of these types; all types when empty.
	Types []string
	// After starts the page after this position; from the start when nil.
	After *EventPosition
	// Newest lists newest first, else oldest first.
	Newest bool
	// Settled keeps the events that no transaction still running can
	// precede: those of transactions older than the oldest running one.
	// A list of settled events only ever grows at its end.
	Settled bool
	Limit   int
}

// Events returns a page of the workspace's events as q selects them.
func (s *Store) Events(ctx context.Context, ws uuid.UUID, q EventQuery) ([]*Event, error) {
	var events []*Event
	sel := s.idb.NewSelect().Model(&events).
		Column("workspace_id", "id", "type", "record_id", "external_id", "version", "changes",
			"actor", "request_id", "occurred_at").
		ColumnExpr("ev.txid::text AS txid").
		Where("ev.workspace_id = ?", ws).Limit(int64(q.Limit))
	if q.RecordID != "" {
		sel.Where("ev.record_id = ?", q.RecordID)
	}
	if len(q.Types) > 0 {
		sel.Where("ev.type = ANY(?)", pgdialect.Array(q.Types))
	}
	if q.Settled {
		sel.Where("ev.txid < pg_snapshot_xmin(pg_current_snapshot())")
	}
	order, compare := "ASC", ">"
	if q.Newest {
		order, compare = "DESC", "<"
	}
	if q.After != nil {
		sel.Where("(ev.txid, ev.id) "+compare+" (?::xid8, ?)", q.After.TxID, q.After.ID)
	}
	sel.OrderExpr("ev.txid " + order).OrderExpr("ev.id " + order)
	if err := s.scan(ctx, ws, sel); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return events, nil
}

// DeleteExpiredEvents deletes up to limit events, of every workspace,
// older than retention, and returns how many it deleted. Row-level
// security lets it see those events only.
func (s *Store) DeleteExpiredEvents(ctx context.Context, retention time.Duration, limit int) (int, error) {
	interval := fmt.Sprintf("%d microseconds", retention.Microseconds())
	expired := s.idb.NewSelect().Model((*Event)(nil)).Column("workspace_id", "id").
		Where("occurred_at < now() - ?::interval", interval).
		OrderExpr("occurred_at").Limit(int64(limit))
	q := s.idb.NewDelete().Model((*Event)(nil)).Where("(workspace_id, id) IN (?)", expired)
	n, err := s.deleteInScope(ctx, retentionSetting, interval, q)
	if err != nil {
		return 0, fmt.Errorf("delete expired events: %w", err)
	}
	return n, nil
}
