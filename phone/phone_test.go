package phone_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/contacts-api/contacts/phone"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, number, region string
		want                 string
		// wantReason is a part of the reason an invalid number gives.
		wantReason string
		needRegion bool
	}{
		{"the + form needs no region", "+1 (415) 555-0199", "", "+14155550199", "", false},
		{"E.164 stays as it is", "+14155550199", "", "+14155550199", "", false},
		{"the + form ignores the region", "+44 20 7946 0958", "US", "+442079460958", "", false},
		{"a national number with its region", "4155550199", "US", "+14155550199", "", false},
		{"a national number with a trunk prefix", "020 7946 0958", "GB", "+442079460958", "", false},
		{"dots and dashes", "415.555.0199", "US", "+14155550199", "", false},
		{"the international prefix of the region", "0044 20 7946 0958", "GB", "+442079460958", "", false},
		{"the international prefix of another region", "011 44 20 7946 0958", "US", "+442079460958", "", false},
		{"a mobile of France", "06 12 34 56 78", "FR", "+33612345678", "", false},
		{"an Italian landline keeps its leading zero", "06 123456", "IT", "+3906123456", "", false},
		{"a national number without a region", "4155550199", "", "", "", true},
		{"00 without a region", "0044 20 7946 0958", "", "", "", true},
		{"+12 is too short", "+12", "", "", "is too short", false},
		{"too short for its country", "+123", "", "", "too short for a number of +1 (US", false},
		{"too short for France", "+33 6 12 34 56 7", "", "", "too short for a number of +33 (FR)", false},
		{"a local number without its area code", "555 0199", "US", "", "can only be dialled locally", false},
		{"a calling code no country uses", "+999 123 456", "", "", "country calling code that no country uses", false},
		{"not a valid number of its country", "+1 123 456 7890", "", "", "is not a valid number of +1 (US", false},
		{"too long", "+1 415 555 0199 1234567890123", "", "", "too long", false},
		{"letters", "call me", "US", "", "is not a phone number", false},
		{"an extension is refused", "(415) 555-0199 ext. 12", "US", "", "has an extension (12)", false},
	}
	if _, err := phone.Parse("+1 "+strings.Repeat("4", phone.MaxLength), ""); !errors.Is(err, phone.ErrTooLong) {
		t.Errorf("a number longer than %d characters: %v; want ErrTooLong", phone.MaxLength, err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := phone.Parse(tt.number, tt.region)
			var invalid *phone.InvalidError
			switch {
			case tt.needRegion:
				if !errors.Is(err, phone.ErrNeedsRegion) {
					t.Errorf("Parse(%q, %q) = %q, %v; want ErrNeedsRegion", tt.number, tt.region, got, err)
				}
			case tt.wantReason != "":
				if !errors.As(err, &invalid) || !strings.Contains(invalid.Reason, tt.wantReason) {
					t.Errorf("Parse(%q, %q) = %q, %v; want an InvalidError whose reason has %q", tt.number, tt.region, got, err, tt.wantReason)
				}
			case err != nil || got != tt.want:
				t.Errorf("Parse(%q, %q) = %q, %v; want %q", tt.number, tt.region, got, err, tt.want)
			}
		})
	}
}

func TestValidRegion(t *testing.T) {
	for region, want := range map[string]bool{"US": true, "GB": true, "DE": true, "us": false, "UK": false, "ZZ": false, "001": false, "": false, "USA": false} {
		if got := phone.ValidRegion(region); got != want {
			t.Errorf("ValidRegion(%q) = %v; want %v", region, got, want)
		}
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		number string
		want   phone.Details
		ok     bool
	}{
		{"+14155550199", phone.Details{CountryCode: 1, Region: "US", National: "(415) 555-0199", International: "+1 415-555-0199"}, true},
		{"+442079460958", phone.Details{CountryCode: 44, Region: "GB", National: "020 7946 0958", International: "+44 20 7946 0958"}, true},
		{"+33612345678", phone.Details{CountryCode: 33, Region: "FR", National: "06 12 34 56 78", International: "+33 6 12 34 56 78"}, true},
		{"+16135550123", phone.Details{CountryCode: 1, Region: "CA", National: "(613) 555-0123", International: "+1 613-555-0123"}, true},
		{"+80012345678", phone.Details{CountryCode: 800, Region: "", National: "1234 5678", International: "+800 1234 5678"}, true},
		// Numbers stored before numbers were checked.
		{"+12", phone.Details{}, false},
		{"+123", phone.Details{}, false},
	}
	// The second round reads what the first cached.
	for range 2 {
		for _, tt := range tests {
			got, ok := phone.Describe(tt.number)
			if ok != tt.ok || got != tt.want {
				t.Errorf("Describe(%q) = %+v, %v; want %+v, %v", tt.number, got, ok, tt.want, tt.ok)
			}
		}
	}
}

// The cost of a number: Parse on every write of a number, Describe on
// every read of a computed field.
func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := phone.Parse("+1 (415) 555-0199", ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDescribe describes numbers it has not described before, as a
// page of new numbers would.
func BenchmarkDescribe(b *testing.B) {
	i := 0
	for b.Loop() {
		i++
		if _, ok := phone.Describe(fmt.Sprintf("+1415%07d", 2_000_000+i%8_000_000)); !ok {
			b.Fatal("not valid")
		}
	}
}
