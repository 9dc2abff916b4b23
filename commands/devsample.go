package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/service"
)

// sampleAccount is a company the development workspace starts with.
type sampleAccount struct {
	name, domain string
}

// sampleContact is a person the development workspace starts with.
type sampleContact struct {
	first, last, email string
	// account is the name of one of sampleAccounts, or "".
	account string
	// portalRole is a built-in role's slug, or "" for the default role.
	portalRole string
	phones     []service.PhoneInput
}

var sampleAccounts = []sampleAccount{
	{"Acme Corporation", "acme.example.com"},
	{"Globex", "globex.example.com"},
	{"Initech", "initech.example.com"},
}

var sampleContacts = []sampleContact{
	{"Ada", "Lovelace", "ada@acme.example.com", "Acme Corporation", "admin", phones("+14155550101", "MOBILE", "+14155550102", "WORK")},
	{"Grace", "Hopper", "grace@acme.example.com", "Acme Corporation", "", phones("+14155550103", "WORK")},
	{"Alan", "Turing", "alan@globex.example.com", "Globex", "member", phones("+442079460101", "MOBILE")},
	{"Katherine", "Johnson", "katherine@globex.example.com", "Globex", "admin", phones("+17575550104", "WORK", "+17575550105", "HOME")},
	{"Edsger", "Dijkstra", "edsger@initech.example.com", "Initech", "no_access", phones("+31205550106", "OTHER")},
	{"Barbara", "Liskov", "barbara@example.com", "", "", phones("+16175550107", "MOBILE")},
}

// phones pairs numbers with their types: phones(number, type, …).
func phones(numberAndType ...string) []service.PhoneInput {
	var list []service.PhoneInput
	for i := 0; i+1 < len(numberAndType); i += 2 {
		t := db.PhoneType(numberAndType[i+1])
		list = append(list, service.PhoneInput{Number: numberAndType[i], Type: &t})
	}
	return list
}

// addSampleData fills an empty development workspace with sample
// accounts and contacts, through the service as a client would, so that
// the playground's first query shows something. It returns how many
// contacts it added: none when the workspace already has contacts.
func addSampleData(ctx context.Context, svc *service.Service, ws uuid.UUID) (int, error) {
	ctx = auth.WithPrincipal(ctx, &auth.Principal{WorkspaceID: ws, Subject: "dev-sample-data", Scopes: []string{auth.ScopeWrite}})
	if err := svc.Provision(ctx, ws); err != nil {
		return 0, err
	}
	one := 1
	existing, err := svc.Contacts(ctx, service.PageArgs{First: &one}, nil, nil, db.AllColumns)
	if err != nil || len(existing.Items) > 0 {
		return 0, err
	}
	accountIDs := map[string]*string{}
	for _, a := range sampleAccounts {
		account, err := written(svc.CreateAccount(ctx, service.CreateAccountInput{Name: a.name, Domain: &a.domain}))
		if err != nil {
			return 0, fmt.Errorf("sample account %s: %w", a.name, err)
		}
		accountIDs[a.name] = &account.ID
	}
	for i, c := range sampleContacts {
		in := service.CreateContactInput{
			FirstName: &c.first, LastName: &c.last, Email: &c.email,
			AccountID: accountIDs[c.account], Phones: c.phones,
		}
		if c.portalRole != "" {
			in.PortalRole = &c.portalRole
		}
		if _, err := written(svc.CreateContact(ctx, in)); err != nil {
			return i, fmt.Errorf("sample contact %s %s: %w", c.first, c.last, err)
		}
	}
	return len(sampleContacts), nil
}

// written turns a mutation's user errors into an error: sample data
// that the service refuses is a bug in the sample.
func written[T any](record T, problems []*service.UserError, err error) (T, error) {
	if err == nil && len(problems) > 0 {
		err = fmt.Errorf("refused at %s: %s", strings.Join(problems[0].Field, "."), problems[0].Message)
	}
	return record, err
}
