package graph

import (
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
