// Package phone reads phone numbers as people write them and formats
// stored ones for display, with libphonenumber's metadata (the Go port,
// github.com/nyaruka/phonenumbers). Numbers are stored in E.164 form.
package phone

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// MaxLength bounds a number as written, in characters: room for a number
// with its separators, far below what libphonenumber would scan.
const MaxLength = 40

// RegionLength is the length of a region: an ISO 3166-1 alpha-2 code.
const RegionLength = 2

// ErrNeedsRegion refuses a number in national form (no leading +) when no
// region says which country it belongs to.
var ErrNeedsRegion = errors.New("give the number in international form (+, then the country calling code, such as +1 415 555 0199), or a region that says which country it belongs to")

// ErrTooLong refuses a number longer than MaxLength characters.
var ErrTooLong = fmt.Errorf("a phone number is at most %d characters", MaxLength)

// InvalidError is a number that is not a valid phone number, with why.
type InvalidError struct {
	// Reason says why, as a sentence fragment such as "is too short".
	Reason string
}

func (e *InvalidError) Error() string { return "the number " + e.Reason }

func invalid(format string, args ...any) error {
	return &InvalidError{Reason: fmt.Sprintf(format, args...)}
}

// ValidRegion reports whether region is an ISO 3166-1 alpha-2 code, in
// capitals, that libphonenumber has numbering rules for.
func ValidRegion(region string) bool {
	return len(region) == RegionLength && phonenumbers.GetSupportedRegions()[region]
}

// Parse reads number as written (spaces, dots, dashes, parentheses, an
// international prefix such as 00) and returns it in E.164 form. A number
// without a leading + is read as a number of region, which may be "" when
// no region is known. The number must be a valid number of its country;
// an extension is refused, as E.164 has no room for one.
func Parse(number, region string) (string, error) {
	if utf8.RuneCountInString(number) > MaxLength {
		return "", ErrTooLong
	}
	n, err := phonenumbers.Parse(number, region)
	if err != nil {
		return "", parseError(number, region, err)
	}
	if n.GetExtension() != "" {
		return "", invalid("has an extension (%s), which cannot be stored: give the number without it", n.GetExtension())
	}
	if err := check(n); err != nil {
		return "", err
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// parseError explains why libphonenumber could not read number.
func parseError(number, region string, err error) error {
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode) && region == "" && !strings.HasPrefix(strings.TrimSpace(number), "+"):
		return ErrNeedsRegion
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return invalid("starts with a country calling code that no country uses")
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return invalid("is too short")
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return invalid("is too long")
	case digits(number) == 0:
		return invalid("is not a phone number: use digits, spaces and + ( ) - . /")
	}
	// libphonenumber refuses a string with too few digits to be a number
	// (+12) with the error it gives a string of letters.
	return invalid("is too short")
}

func digits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// check refuses a parsed number that is not a valid number of its country,
// with libphonenumber's reason.
func check(n *phonenumbers.PhoneNumber) error {
	cc := int(n.GetCountryCode())
	country := countryName(cc)
	switch phonenumbers.IsPossibleNumberWithReason(n) {
	case phonenumbers.INVALID_COUNTRY_CODE:
		return invalid("starts with +%d, a country calling code that no country uses", cc)
	case phonenumbers.TOO_SHORT:
		return invalid("is too short for a number of %s", country)
	case phonenumbers.TOO_LONG:
		return invalid("is too long for a number of %s", country)
	case phonenumbers.INVALID_LENGTH:
		return invalid("has a length that no number of %s has", country)
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return invalid("can only be dialled locally: add the area code")
	}
	if !phonenumbers.IsValidNumber(n) {
		return invalid("is not a valid number of %s", country)
	}
	return nil
}

// countryName names the country (or the countries) of a calling code for
// messages, such as "+44 (GB)" or "+1 (US and 24 other regions)".
func countryName(cc int) string {
	regions := phonenumbers.GetRegionCodesForCountryCode(cc)
	if len(regions) <= 1 {
		return fmt.Sprintf("+%d (%s)", cc, strings.Join(regions, ""))
	}
	return fmt.Sprintf("+%d (%s and %d other regions)", cc, phonenumbers.GetRegionCodeForCountryCode(cc), len(regions)-1)
}

// Details are what a stored number shows besides its E.164 form.
type Details struct {
	// CountryCode is the country calling code, such as 44.
	CountryCode int
	// Region is the ISO 3166-1 alpha-2 code of the number's country, or ""
	// for a number of no single country (such as +800 numbers).
	Region string
	// National is the number as it is dialled within its country.
	National string
	// International is the number as it is dialled from abroad.
	International string
}

// described caches the results of Describe, by number: the four computed
// fields of a page's 200 phones would otherwise parse each number four
// times, at some 17 µs each. At most maxDescribed numbers are kept (a few
// MB); the cache is emptied when it is full.
var (
	described      sync.Map
	describedCount atomic.Int64
)

const maxDescribed = 1 << 15

type description struct {
	details Details
	ok      bool
}

// Describe returns the details of a stored E.164 number, or false when it
// is not a valid number (one stored before numbers were checked).
func Describe(e164 string) (Details, bool) {
	if v, ok := described.Load(e164); ok {
		d := v.(description)
		return d.details, d.ok
	}
	details, ok := describe(e164)
	if describedCount.Add(1) > maxDescribed {
		described.Clear()
		describedCount.Store(0)
	}
	described.Store(e164, description{details, ok})
	return details, ok
}

func describe(e164 string) (Details, bool) {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return Details{}, false
	}
	region := phonenumbers.GetRegionCodeForNumber(n)
	if !ValidRegion(region) {
		region = ""
	}
	return Details{
		CountryCode:   int(n.GetCountryCode()),
		Region:        region,
		National:      phonenumbers.Format(n, phonenumbers.NATIONAL),
		International: phonenumbers.Format(n, phonenumbers.INTERNATIONAL),
	}, true
}
