package graph

import (
	"strings"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/events"
	"github.com/contacts-api/contacts/graph/model"
	"github.com/contacts-api/contacts/service"
)

// eventConnection is the connection of a page of events.
func eventConnection(page *service.EventPage, err error) (*model.EventConnection, error) {
	if err != nil {
		return nil, err
	}
	return &model.EventConnection{EventPage: page}, nil
}

// webhookSecretPayload is the payload of a mutation that hands out an
// endpoint's new secret.
func webhookSecretPayload(created *service.NewWebhookSecret, userErrors []*service.UserError, err error) (*model.CreateWebhookEndpointPayload, error) {
	payload := &model.CreateWebhookEndpointPayload{UserErrors: userErrors}
	if created != nil {
		payload.WebhookEndpoint, payload.Secret = created.Endpoint, &created.Secret
	}
	return payload, err
}

// deliveryStatus is the stored status of a WebhookDeliveryStatus; "" for
// none.
func deliveryStatus(status *model.WebhookDeliveryStatus) string {
	if status == nil {
		return ""
	}
	return strings.ToLower(string(*status))
}

// statusOfDelivery is a delivery's status as the schema names it.
func statusOfDelivery(d *db.WebhookDelivery) model.WebhookDeliveryStatus {
	return model.WebhookDeliveryStatus(strings.ToUpper(d.Status))
}

// eventTypes are stored event type names as EventType values.
func eventTypes(names []string) []events.Type {
	types := make([]events.Type, len(names))
	for i, n := range names {
		types[i] = events.Type(n)
	}
	return types
}
