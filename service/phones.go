package service

import (
	"reflect"
	"slices"

	"github.com/contacts-api/contacts/db"
)

// phonePlan is what a mutation does to a contact's phones.
type phonePlan struct {
	contact *db.Contact
	inserts []*db.Phone
	updates []*db.Phone
	deletes []string
	// written lists the added and changed phones with the index of their
	// change, in input order, for reporting duplicate numbers.
	written []writtenPhone
}

type writtenPhone struct {
	phone *db.Phone
	index int
}

// planPhones checks changes against the contact's current phones and
// works out the writes, reporting every problem in ps. With mode "" the
// changes follow the update rules strictly; MERGE and REPLACE are the
// upsert modes. Numbers are compared in E.164 form, so that a number
// written another way is the same number; those in national form are read
// as numbers of their change's region, else of defaultRegion.
func planPhones(c *db.Contact, current []*db.Phone, changes []PhoneChange, mode PhonesMode, defaultRegion string, at path, ps *problems) *phonePlan {
	plan := &phonePlan{contact: c}
	byID := make(map[string]*db.Phone, len(current))
	byNumber := make(map[string]*db.Phone, len(current))
	for _, p := range current {
		byID[p.ID] = p
		byNumber[p.Number] = p
	}
	touched := make(map[string]bool)
	for i, ch := range changes {
		at := at.at("phones", i)
		if ch.Number != nil {
			number, ok := checkPhoneNumber(ps, at, *ch.Number, ch.Region, defaultRegion)
			if !ok {
				continue
			}
			ch.Number = &number
		}
		if ch.ID != nil && mode == PhonesReplace {
			ps.add(at.at("id"), Invalid, "Phone ids are not used with phonesMode REPLACE; give the numbers.")
			continue
		}
		if ch.ID == nil && mode != "" && ch.Number != nil && byNumber[*ch.Number] != nil {
			ch.ID = &byNumber[*ch.Number].ID
		}
		if ch.ID == nil {
			plan.planAdd(ch, at, ps, i)
			continue
		}
		phone, ok := byID[*ch.ID]
		switch {
		case !ok:
			ps.add(at.at("id"), NotFound, "The contact has no phone with this id.")
		case touched[*ch.ID]:
			ps.add(at.at("id"), Invalid, "Each phone may be changed once per mutation.")
		case ch.Destroy != nil && *ch.Destroy:
			plan.deletes = append(plan.deletes, phone.ID)
			delete(byID, phone.ID)
		default:
			plan.planUpdate(phone, ch, at, ps, i)
		}
		if ok {
			touched[*ch.ID] = true
		}
	}
	if mode == PhonesReplace {
		for id := range byID {
			if !touched[id] {
				plan.deletes = append(plan.deletes, id)
				delete(byID, id)
			}
		}
	}
	if len(byID)+len(plan.inserts) > MaxPhones {
		ps.add(at.at("phones"), LimitExceeded, "A contact may have at most %d phones.", MaxPhones)
	}
	plan.checkDuplicates(byID, at, ps)
	return plan
}

func (plan *phonePlan) planAdd(ch PhoneChange, at path, ps *problems, index int) {
	if ch.Destroy != nil && *ch.Destroy {
		ps.add(at.at("destroy"), Invalid, "Only an existing phone, named by id, can be destroyed.")
		return
	}
	if ch.Number == nil {
		ps.add(at.at("number"), Required, "A new phone needs a number.")
		return
	}
	phone := &db.Phone{
		Key:       db.Key{WorkspaceID: plan.contact.WorkspaceID, ID: db.NewID(db.PhonePrefix)},
		ContactID: plan.contact.ID, Number: *ch.Number, Type: ch.Type.Value(),
	}
	plan.inserts = append(plan.inserts, phone)
	plan.written = append(plan.written, writtenPhone{phone, index})
}

// planUpdate changes the phone; a change to what it already is writes
// nothing, so a sync that sends the same numbers again changes nothing.
func (plan *phonePlan) planUpdate(phone *db.Phone, ch PhoneChange, at path, ps *problems, index int) {
	changed := false
	if ch.Number != nil && *ch.Number != phone.Number {
		phone.Number, changed = *ch.Number, true
	}
	if t, ok := ch.Type.ValueOK(); ok && !reflect.DeepEqual(t, phone.Type) {
		phone.Type, changed = t, true
	}
	if changed {
		plan.updates = append(plan.updates, phone)
	}
	plan.written = append(plan.written, writtenPhone{phone, index})
}

// numbers are the contact's numbers once the plan is carried out, sorted;
// current are its phones, which the plan's updates changed in place.
func (plan *phonePlan) numbers(current []*db.Phone) []string {
	kept := slices.DeleteFunc(slices.Clone(current), func(p *db.Phone) bool { return slices.Contains(plan.deletes, p.ID) })
	return phoneNumbers(slices.Concat(kept, plan.inserts))
}

// phoneNumbers are the numbers of phones, sorted.
func phoneNumbers(phones []*db.Phone) []string {
	numbers := make([]string, len(phones))
	for i, p := range phones {
		numbers[i] = p.Number
	}
	slices.Sort(numbers)
	return numbers
}

// empty says the plan changes no phone.
func (plan *phonePlan) empty() bool {
	return plan == nil || len(plan.inserts)+len(plan.updates)+len(plan.deletes) == 0
}

// checkDuplicates reports every added or changed phone whose number another
// of the contact's phones will have.
func (plan *phonePlan) checkDuplicates(kept map[string]*db.Phone, at path, ps *problems) {
	count := make(map[string]int)
	for _, p := range kept {
		count[p.Number]++
	}
	for _, p := range plan.inserts {
		count[p.Number]++
	}
	for _, w := range plan.written {
		if count[w.phone.Number] > 1 {
			ps.add(at.at("phones", w.index, "number"), AlreadyExists, "The contact already has this number.")
		}
	}
}
