package graph

import (
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/phone"
)

// The fields of Phone computed from its stored number, for the resolvers
// and so for the fast path (graph/fastpath) alike. A number that is not valid
// (stored before numbers were checked) has no country and shows as
// stored.

func phoneCountryCode(p *db.Phone) *int {
	d, ok := phone.Describe(p.Number)
	if !ok {
		return nil
	}
	return &d.CountryCode
}

func phoneRegion(p *db.Phone) *string {
	d, ok := phone.Describe(p.Number)
	if !ok || d.Region == "" {
		return nil
	}
	return &d.Region
}

func phoneNational(p *db.Phone) string {
	if d, ok := phone.Describe(p.Number); ok {
		return d.National
	}
	return p.Number
}

func phoneInternational(p *db.Phone) string {
	if d, ok := phone.Describe(p.Number); ok {
		return d.International
	}
	return p.Number
}
