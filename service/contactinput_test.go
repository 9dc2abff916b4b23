package service

import (
	"reflect"
	"testing"
)

// TestCreateCarriesEveryField: a create is an update of an empty contact
// (asUpdate), so every field of CreateContactInput must reach the field of
// UpdateContactInput of the same name, or a new field is accepted on
// create and silently dropped.
func TestCreateCarriesEveryField(t *testing.T) {
	var in CreateContactInput
	v := reflect.ValueOf(&in).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
		default:
			t.Fatalf("CreateContactInput.%s is a %s: teach this test to give it a value", v.Type().Field(i).Name, f.Kind())
		}
	}
	update := reflect.ValueOf(in.asUpdate())
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		got := update.FieldByName(name)
		if !got.IsValid() {
			t.Errorf("UpdateContactInput has no field %s: a create's rules are an update's", name)
			continue
		}
		if isSet, ok := got.Interface().(interface{ IsSet() bool }); ok {
			if !isSet.IsSet() {
				t.Errorf("asUpdate drops CreateContactInput.%s", name)
			}
		} else if got.IsZero() {
			t.Errorf("asUpdate drops CreateContactInput.%s", name)
		}
	}
}
