package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/oklog/ulid/v2"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Prefixes of the ids of webhook endpoints and deliveries. A delivery's
// id is the prefix, its event's ULID, an underscore and its endpoint's.
const (
	WebhookEndpointPrefix = "whep_"
	WebhookDeliveryPrefix = "whdl_"
)

// relaySetting, "on", lets a transaction see and mark the webhook
// deliveries of every workspace that wait for the job queue.
const relaySetting = "app.webhook_relay"

// The statuses of a webhook delivery.
const (
	DeliveryPending   = "pending"
	DeliverySucceeded = "succeeded"
	DeliveryFailed    = "failed"
)

// WebhookEndpoint is a URL that receives a workspace's events.
type WebhookEndpoint struct {
	bun.BaseModel `bun:"table:webhook_endpoints,alias:we"`

	Key
	URL string `bun:"url"`
	// EventTypes are the types it receives; all when empty.
	EventTypes              []string   `bun:"event_types,array"`
	Description             string     `bun:"description"`
	Secret                  string     `bun:"secret"`
	PreviousSecret          *string    `bun:"previous_secret"`
	PreviousSecretExpiresAt *time.Time `bun:"previous_secret_expires_at"`
	DisabledAt              *time.Time `bun:"disabled_at"`
	DisabledReason          *string    `bun:"disabled_reason"`
	FailingSince            *time.Time `bun:"failing_since"`
	Timestamps
}

// Secrets returns the secrets that sign a delivery at now: the current
// one, and the previous one until it expires.
func (e *WebhookEndpoint) Secrets(now time.Time) []string {
	if e.PreviousSecret != nil && e.PreviousSecretExpiresAt != nil && now.Before(*e.PreviousSecretExpiresAt) {
		return []string{*e.PreviousSecret, e.Secret}
	}
	return []string{e.Secret}
}

// WebhookDelivery is one event's delivery to one endpoint, with its last
// attempt.
type WebhookDelivery struct {
	bun.BaseModel `bun:"table:webhook_deliveries,alias:wd"`

	Key
	EndpointID    string     `bun:"endpoint_id"`
	EventID       string     `bun:"event_id"`
	EventType     string     `bun:"event_type"`
	Status        string     `bun:"status"`
	Enqueued      bool       `bun:"enqueued"`
	Attempts      int        `bun:"attempts"`
	LastAttemptAt *time.Time `bun:"last_attempt_at"`
	StatusCode    *int       `bun:"status_code"`
	DurationMS    *int       `bun:"duration_ms"`
	Response      *string    `bun:"response"`
	Error         *string    `bun:"error"`
	CreatedAt     time.Time  `bun:"created_at,nullzero,notnull,default:now()"`

	// Endpoint and Event are loaded by DeliveryToSend only.
	Endpoint *WebhookEndpoint `bun:"rel:belongs-to,join:workspace_id=workspace_id,join:endpoint_id=id"`
	Event    *Event           `bun:"rel:belongs-to,join:workspace_id=workspace_id,join:event_id=id"`
}

// IsWebhookDeliveryID reports whether id is a well-formed delivery id.
func IsWebhookDeliveryID(id string) bool {
	rest, ok := strings.CutPrefix(id, WebhookDeliveryPrefix)
	event, endpoint, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 {
		return false
	}
	_, err1 := ulid.ParseStrict(event)
	_, err2 := ulid.ParseStrict(endpoint)
	return err1 == nil && err2 == nil
}

// UpdateWebhookEndpoint writes every column of the endpoint but its
// creation time.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, e *WebhookEndpoint) error {
	_, err := s.idb.NewUpdate().Model(e).ExcludeColumn("created_at", "updated_at").
		Set("updated_at = now()").WherePK().Returning("*").Exec(ctx)
	if err != nil {
		return fmt.Errorf("update webhook endpoint: %w", err)
	}
	return nil
}

// WebhookEndpoints returns the workspace's endpoints, oldest first; those
// among ids only when ids is not nil. In a transaction, they are locked.
func (s *Store) WebhookEndpoints(ctx context.Context, ws uuid.UUID, ids []string) ([]*WebhookEndpoint, error) {
	var endpoints []*WebhookEndpoint
	q := s.idb.NewSelect().Model(&endpoints).Where("we.workspace_id = ?", ws).Order("we.id")
	if ids != nil {
		q.Where("we.id = ANY(?)", pgdialect.Array(ids))
	}
	if s.pool == nil {
		q.For("UPDATE")
	}
	if err := s.scan(ctx, ws, q); err != nil {
		return nil, fmt.Errorf("webhook endpoints: %w", err)
	}
	return endpoints, nil
}

// DeliveryQuery selects a page of an endpoint's deliveries, newest first.
type DeliveryQuery struct {
	EndpointID string
	// Status keeps the deliveries of this status; all when "".
	Status string
	// After starts the page after this delivery; from the newest when "".
	After string
	Limit int
}

// WebhookDeliveries returns a page of an endpoint's deliveries.
func (s *Store) WebhookDeliveries(ctx context.Context, ws uuid.UUID, q DeliveryQuery) ([]*WebhookDelivery, error) {
	var deliveries []*WebhookDelivery
	sel := s.idb.NewSelect().Model(&deliveries).
		Where("wd.workspace_id = ?", ws).Where("wd.endpoint_id = ?", q.EndpointID).
		OrderExpr("wd.id DESC").Limit(int64(q.Limit))
	if q.Status != "" {
		sel.Where("wd.status = ?", q.Status)
	}
	if q.After != "" {
		sel.Where("wd.id < ?", q.After)
	}
	if err := s.scan(ctx, ws, sel); err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	return deliveries, nil
}

// WebhookDelivery returns the workspace's delivery with id, or nil.
func (s *Store) WebhookDelivery(ctx context.Context, ws uuid.UUID, id string) (*WebhookDelivery, error) {
	var deliveries []*WebhookDelivery
	err := s.scan(ctx, ws, s.idb.NewSelect().Model(&deliveries).Where("wd.workspace_id = ?", ws).Where("wd.id = ?", id))
	if err != nil || len(deliveries) == 0 {
		return nil, err
	}
	return deliveries[0], nil
}

// DeliveryToSend returns the workspace's delivery with id, with its
// endpoint and event, in one statement (each delivery is sent after it),
// or nil when one of them does not exist. The event's key is read from the
// delivery's id, so that the event is found by its primary key whatever
// the planner knows of the table's size: joined on the delivery's column
// alone, with the statistics of a table that grew fast since, it was looked
// for among every event of the workspace. (The endpoint's key is not: a
// constant endpoint id leads the planner to the deliveries' index by
// endpoint, which scans all of the endpoint's deliveries.)
func (s *Store) DeliveryToSend(ctx context.Context, ws uuid.UUID, id string) (*WebhookDelivery, error) {
	if !IsWebhookDeliveryID(id) {
		return nil, nil
	}
	event, _, _ := strings.Cut(strings.TrimPrefix(id, WebhookDeliveryPrefix), "_")
	var deliveries []*WebhookDelivery
	err := s.scan(ctx, ws, s.idb.NewSelect().Model(&deliveries).
		Relation("Endpoint").Relation("Event", func(q *bun.SelectQuery) *bun.SelectQuery { return q.ExcludeColumn("txid") }).
		Where("wd.workspace_id = ?", ws).Where("wd.id = ?", id).
		Where("event.id = ?", EventPrefix+event).Where("endpoint.id IS NOT NULL"))
	if err != nil || len(deliveries) == 0 {
		return nil, err
	}
	return deliveries[0], nil
}

// UpdateWebhookDelivery writes the delivery's status, queueing and last
// attempt.
func (s *Store) UpdateWebhookDelivery(ctx context.Context, d *WebhookDelivery) error {
	err := exec(ctx, s, d.WorkspaceID, s.idb.NewUpdate().Model(d).
		Column("status", "enqueued", "attempts", "last_attempt_at", "status_code", "duration_ms", "response", "error").
		WherePK())
	if err != nil {
		return fmt.Errorf("update webhook delivery: %w", err)
	}
	return nil
}

// EndpointSucceeded ends the endpoint's run of failures, if it has one.
func (s *Store) EndpointSucceeded(ctx context.Context, ws uuid.UUID, id string) error {
	err := exec(ctx, s, ws, s.idb.NewUpdate().Model((*WebhookEndpoint)(nil)).
		Set("failing_since = NULL").
		Where("workspace_id = ?", ws).Where("id = ?", id).Where("failing_since IS NOT NULL"))
	if err != nil {
		return fmt.Errorf("webhook endpoint succeeded: %w", err)
	}
	return nil
}

// EndpointFailed notes a failed delivery to the endpoint at at: it starts
// its run of failures, and disables it when gone (it answered 410 Gone) or
// when the run has lasted disableAfter. It reports whether the endpoint
// is disabled.
func (s *Store) EndpointFailed(ctx context.Context, ws uuid.UUID, id string, at time.Time, gone bool, disableAfter time.Duration) (bool, error) {
	const reasonGone, reasonFailing = "The endpoint answered 410 Gone.", "Every delivery failed for %d days."
	since := "COALESCE(failing_since, ?)"
	var disabled []bool
	q := s.idb.NewUpdate().Model((*WebhookEndpoint)(nil)).
		Set("failing_since = "+since, at).
		Set("disabled_reason = CASE WHEN disabled_at IS NOT NULL THEN disabled_reason WHEN ? THEN ? WHEN "+since+" <= ? THEN ? END",
			gone, reasonGone, at, at.Add(-disableAfter), fmt.Sprintf(reasonFailing, int(disableAfter.Hours()/24))).
		Set("disabled_at = CASE WHEN disabled_at IS NOT NULL THEN disabled_at WHEN ? OR "+since+" <= ? THEN ?::timestamptz END",
			gone, at, at.Add(-disableAfter), at).
		Where("workspace_id = ?", ws).Where("id = ?", id).
		Returning("disabled_at IS NOT NULL")
	err := s.inWorkspace(ctx, ws, func(conn bun.IConn) error {
		return q.Conn(conn).Scan(ctx, &disabled)
	})
	if err != nil {
		return false, fmt.Errorf("webhook endpoint failed: %w", err)
	}
	return len(disabled) == 1 && disabled[0], nil
}

// ClaimPendingDeliveries returns the keys of up to limit deliveries, of
// every workspace, that wait for the job queue, oldest first, and marks
// them handed over, in tx: its caller queues their jobs in the same
// transaction. Deliveries another transaction claims are skipped, so
// relays in many processes never hand one over twice.
func ClaimPendingDeliveries(ctx context.Context, tx bun.Tx, limit int) ([]Key, error) {
	if _, err := tx.ExecContext(ctx, "SET LOCAL "+relaySetting+" = 'on'"); err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	var pending []Key
	err := tx.NewRaw(`UPDATE webhook_deliveries wd SET enqueued = true
		FROM (SELECT workspace_id, id FROM webhook_deliveries WHERE NOT enqueued
		      ORDER BY created_at LIMIT ? FOR UPDATE SKIP LOCKED) claimed
		WHERE wd.workspace_id = claimed.workspace_id AND wd.id = claimed.id
		RETURNING wd.workspace_id, wd.id`, limit).Scan(ctx, &pending)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	return pending, nil
}
