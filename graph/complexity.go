package graph

import (
	"math"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/service"
)

// unboundedListSize is the size assumed of a list that has neither a page
// size nor a bound in the service's rules: the default page size.
const unboundedListSize = service.DefaultPageSize

// complexityRoot prices the fields for the complexity limit and the cost
// budget. A field costs 1 plus the cost of what is selected under it,
// except a list of records, which costs its largest size times that: a
// page its first argument (100 by default), a bulk mutation its inputs,
// a contact's phones and accounts the most a contact may have.
func complexityRoot() ComplexityRoot {
	var c ComplexityRoot
	c.Query.Contacts = func(child int, first *int, _ *string, last *int, _ *string, _ *db.ContactFilter, _ []*db.ContactOrder) int {
		return pageCost(child, first, last)
	}
	c.Query.Accounts = func(child int, first *int, _ *string, last *int, _ *string, _ *db.AccountFilter, _ []*db.AccountOrder) int {
		return pageCost(child, first, last)
	}
	c.Account.Contacts = func(child int, first *int, _ *string, last *int, _ *string, _ *db.ContactFilter, _ []*db.ContactOrder) int {
		return pageCost(child, first, last)
	}
	c.Query.PortalRoles = listCost(unboundedListSize)
	c.Query.APIKeys = listCost(unboundedListSize)
	c.Contact.Phones = listCost(service.MaxPhones)
	c.Contact.Accounts = listCost(service.MaxAccountsPerContact)
	c.Mutation.BulkUpsertContacts = func(child int, inputs []*service.UpsertContactInput, _ bool) int {
		return bulkCost(child, len(inputs))
	}
	c.Mutation.BulkUpsertAccounts = func(child int, inputs []*service.UpsertAccountInput, _ bool) int {
		return bulkCost(child, len(inputs))
	}
	return c
}

// pageCost prices a page of a connection at its size (first or last)
// times its children. A size out of range is priced at the nearest allowed
// one: the resolver refuses it anyway.
func pageCost(child int, first, last *int) int {
	size := service.DefaultPageSize
	for _, n := range []*int{first, last} {
		if n != nil {
			size = min(max(*n, 1), service.MaxPageSize)
		}
	}
	return mulCost(size, child)
}

// listCost prices a list of at most size records.
func listCost(size int) func(child int) int {
	return func(child int) int { return mulCost(size, child) }
}

// bulkCost prices a bulk mutation of n inputs. A call over the bulk limit
// is priced at the limit: the service refuses it without doing its work.
func bulkCost(child, n int) int {
	return mulCost(min(max(n, 1), service.MaxBulkItems), child)
}

// AddCost adds two costs, saturating rather than overflowing.
func AddCost(a, b int) int {
	if a > maxCost-b {
		return maxCost
	}
	return a + b
}

// mulCost multiplies two costs, saturating rather than overflowing.
func mulCost(a, b int) int {
	if a != 0 && b > maxCost/a {
		return maxCost
	}
	return a * b
}

// maxCost is the cost that stands for any more.
const maxCost = math.MaxInt
