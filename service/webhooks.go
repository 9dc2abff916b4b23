package service

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/events"
	"github.com/contacts-api/contacts/webhooks"
)

// secretOverlap is how long a rotated secret keeps signing beside the
// new one.
const secretOverlap = 24 * time.Hour

// CreateWebhookEndpointInput is a new webhook endpoint.
type CreateWebhookEndpointInput struct {
	URL         string
	EventTypes  []events.Type
	Description *string
}

// UpdateWebhookEndpointInput are changes to a webhook endpoint; absent
// fields stay as they are.
type UpdateWebhookEndpointInput struct {
	URL         *string
	EventTypes  []events.Type
	Description *string
	Enabled     *bool
}

// NewWebhookSecret is an endpoint with its signing secret, just made: the
// one moment the secret leaves the server.
type NewWebhookSecret struct {
	Endpoint *db.WebhookEndpoint
	Secret   string
}

// AllowPrivateWebhooks lets endpoints have plain http loopback URLs
// (WEBHOOK_ALLOW_PRIVATE), for tests and development. Call it before the
// service serves.
func (s *Service) AllowPrivateWebhooks(allow bool) { s.webhooksAllowPrivate = allow }

// CreateWebhookEndpoint registers an endpoint with a new signing secret.
func (s *Service) CreateWebhookEndpoint(ctx context.Context, in CreateWebhookEndpointInput) (*NewWebhookSecret, []*UserError, error) {
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (*NewWebhookSecret, error) {
		e := &db.WebhookEndpoint{
			Key: db.Key{WorkspaceID: ws, ID: db.NewID(db.WebhookEndpointPrefix)}, URL: in.URL,
			EventTypes: typeNames(in.EventTypes), Secret: webhooks.NewSecret(),
		}
		if in.Description != nil {
			e.Description = nfc(*in.Description)
		}
		if s.checkWebhookURL(ps, e.URL); len(*ps) > 0 {
			return nil, nil
		}
		return &NewWebhookSecret{Endpoint: e, Secret: e.Secret}, db.Insert(ctx, tx, e)
	})
}

// UpdateWebhookEndpoint changes an endpoint.
func (s *Service) UpdateWebhookEndpoint(ctx context.Context, id string, in UpdateWebhookEndpointInput) (*db.WebhookEndpoint, []*UserError, error) {
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (*db.WebhookEndpoint, error) {
		e, err := webhookEndpoint(ctx, tx, ws, id, ps)
		if err != nil || e == nil {
			return nil, err
		}
		if in.URL != nil {
			e.URL = *in.URL
			s.checkWebhookURL(ps, e.URL)
		}
		if in.EventTypes != nil {
			e.EventTypes = typeNames(in.EventTypes)
		}
		if in.Description != nil {
			e.Description = nfc(*in.Description)
		}
		if in.Enabled != nil {
			setEnabled(e, *in.Enabled)
		}
		if len(*ps) > 0 {
			return nil, nil
		}
		return e, tx.UpdateWebhookEndpoint(ctx, e)
	})
}

// setEnabled enables or disables an endpoint by the caller's choice.
func setEnabled(e *db.WebhookEndpoint, enabled bool) {
	switch {
	case enabled:
		e.DisabledAt, e.DisabledReason, e.FailingSince = nil, nil, nil
	case e.DisabledAt == nil:
		now, reason := writeTime(), "Disabled by a caller."
		e.DisabledAt, e.DisabledReason = &now, &reason
	}
}

// DeleteWebhookEndpoint deletes an endpoint with its deliveries.
func (s *Service) DeleteWebhookEndpoint(ctx context.Context, id string) (string, []*UserError, error) {
	return deleteByID(ctx, s, id, db.WebhookEndpointPrefix, db.DeleteByID[db.WebhookEndpoint])
}

// RotateWebhookSecret gives an endpoint a new secret; the old one signs
// beside it for secretOverlap.
func (s *Service) RotateWebhookSecret(ctx context.Context, id string) (*NewWebhookSecret, []*UserError, error) {
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (*NewWebhookSecret, error) {
		e, err := webhookEndpoint(ctx, tx, ws, id, ps)
		if err != nil || e == nil {
			return nil, err
		}
		expires := writeTime().Add(secretOverlap)
		e.PreviousSecret, e.PreviousSecretExpiresAt = &e.Secret, &expires
		e.Secret = webhooks.NewSecret()
		return &NewWebhookSecret{Endpoint: e, Secret: e.Secret}, tx.UpdateWebhookEndpoint(ctx, e)
	})
}

// WebhookEndpoints lists the workspace's endpoints, oldest first.
func (s *Service) WebhookEndpoints(ctx context.Context) ([]*db.WebhookEndpoint, error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.WebhookEndpoints(ctx, ws, nil)
}

// DeliveryPage is a page of webhook deliveries.
type DeliveryPage struct {
	Items           []*db.WebhookDelivery
	HasNextPage     bool
	HasPreviousPage bool
}

// Cursor returns the cursor of one of the page's deliveries.
func (p *DeliveryPage) Cursor(d *db.WebhookDelivery) string {
	return base64.RawURLEncoding.EncodeToString([]byte(d.ID))
}

// WebhookDeliveries lists an endpoint's deliveries, newest first; status
// ("" for all) keeps those of one status.
func (s *Service) WebhookDeliveries(ctx context.Context, endpointID, status string, first *int, after *string) (*DeliveryPage, error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	q := db.DeliveryQuery{EndpointID: endpointID, Status: status, Limit: DefaultPageSize + 1}
	if first != nil {
		if *first < 1 || *first > MaxPageSize {
			return nil, badInput("first must be from 1 to %d, not %d.", MaxPageSize, *first)
		}
		q.Limit = *first + 1
	}
	if after != nil {
		raw, err := base64.RawURLEncoding.DecodeString(*after)
		if err != nil || !db.IsWebhookDeliveryID(string(raw)) {
			return nil, badInput("The cursor %q is not valid.", *after)
		}
		q.After = string(raw)
	}
	items, err := s.store.WebhookDeliveries(ctx, ws, q)
	if err != nil {
		return nil, err
	}
	page := &DeliveryPage{Items: items, HasPreviousPage: after != nil}
	if len(items) == q.Limit {
		page.Items, page.HasNextPage = items[:q.Limit-1], true
	}
	return page, nil
}

// RedeliverWebhook sends a delivery again as a new series of attempts.
func (s *Service) RedeliverWebhook(ctx context.Context, deliveryID string) (*db.WebhookDelivery, []*UserError, error) {
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (*db.WebhookDelivery, error) {
		var d *db.WebhookDelivery
		var err error
		if db.IsWebhookDeliveryID(deliveryID) {
			d, err = tx.WebhookDelivery(ctx, ws, deliveryID)
		}
		if err != nil || d == nil {
			ps.add(path{"deliveryId"}, NotFound, "No webhook delivery of this workspace has this id.")
			return nil, err
		}
		d.Status, d.Enqueued = db.DeliveryPending, false
		return d, tx.UpdateWebhookDelivery(ctx, d)
	})
}

// webhookEndpoint returns the workspace's endpoint with id, locked, or
// reports NOT_FOUND at ["id"].
func webhookEndpoint(ctx context.Context, tx *db.Store, ws uuid.UUID, id string, ps *problems) (*db.WebhookEndpoint, error) {
	e, err := oneByID(ctx, ws, id, db.WebhookEndpointPrefix, tx.WebhookEndpoints)
	if err == nil && e == nil {
		ps.add(path{"id"}, NotFound, "No webhook endpoint of this workspace has this id.")
	}
	return e, err
}

// checkWebhookURL reports a URL that deliveries may not be sent to.
func (s *Service) checkWebhookURL(ps *problems, url string) {
	if err := webhooks.CheckURL(url, s.webhooksAllowPrivate); err != nil {
		ps.add(inputPath.at("url"), Invalid, "%s.", strings.TrimSuffix(capitalize(err.Error()), "."))
	}
}

// capitalize starts a sentence with a capital letter.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// typeNames returns the names of event types, each once, in their order.
func typeNames(types []events.Type) []string {
	names := make([]string, 0, len(types))
	for _, t := range types {
		if !slices.Contains(names, string(t)) {
			names = append(names, string(t))
		}
	}
	return names
}
