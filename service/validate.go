package service

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/mail"
	"net/url"
	"regexp"
	"strings"

	"github.com/contacts-api/contacts/phone"
)

// Limits of the input rules. The lengths of texts are the schema's
// (@maxLength), checked before the service is called.
const (
	maxTags          = 50
	maxMetadataBytes = 16 << 10
)

// MaxPhones bounds a contact's phones.
const MaxPhones = 20

// checkName reports a problem when a name is blank.
func checkName(ps *problems, at path, name string) { checkTitle(ps, at, "Name", name) }

// checkTitle reports a problem when a display text (what noun names) is
// blank.
func checkTitle(ps *problems, at path, noun, text string) {
	if strings.TrimSpace(text) == "" {
		ps.add(at, Required, "%s must not be blank.", noun)
	}
}

// checkExternalID reports an empty external id, or one with an invisible
// character.
func checkExternalID(ps *problems, at path, id string) {
	if id == "" {
		ps.add(at, Invalid, "External id must not be empty.")
		return
	}
	checkIdentifier(ps, at, "External id", id)
}

// normalizeEmail accepts one bare address, such as ada@example.com, and
// refuses display names, lists, invisible characters and anything else
// net/mail would rewrite; it returns the address in its canonical form
// (canonicalEmail).
func normalizeEmail(ps *problems, at path, email string) string {
	if checkIdentifier(ps, at, "Email", email) {
		return email
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		ps.add(at, Invalid, "Email must be a single address such as ada@example.com.")
		return email
	}
	canonical, ok := canonicalEmail(email)
	if !ok {
		ps.add(at, Invalid, "Email must have a valid domain name.")
		return email
	}
	return canonical
}

// checkAvatarURL accepts absolute http(s) URLs of PNG or JPEG images. The
// image itself is not fetched: fetching user-supplied URLs invites SSRF.
func checkAvatarURL(ps *problems, at path, raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		ps.add(at, Invalid, "Avatar URL must be an absolute http or https URL.")
		return
	}
	p := strings.ToLower(u.Path)
	if !strings.HasSuffix(p, ".png") && !strings.HasSuffix(p, ".jpg") && !strings.HasSuffix(p, ".jpeg") {
		ps.add(at, Invalid, "Avatar URL must point to a .png, .jpg or .jpeg image.")
	}
}

var domainPattern = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`)

// checkDomain accepts a host name such as acme.com.
func checkDomain(ps *problems, at path, domain string) {
	if !domainPattern.MatchString(domain) {
		ps.add(at, Invalid, "Domain must be a host name such as acme.com.")
	}
}

// normalizeTags trims tags and drops duplicates, keeping the first
// occurrence's place.
func normalizeTags(ps *problems, at path, tags []string) []string {
	if len(tags) > maxTags {
		ps.add(at, LimitExceeded, "At most %d tags are allowed.", maxTags)
		return nil
	}
	out := make([]string, 0, len(tags))
	seen := make(map[string]bool, len(tags))
	for i, tag := range tags {
		tag = nfc(strings.TrimSpace(tag))
		switch {
		case tag == "":
			ps.add(at.at(i), Invalid, "Tags must not be blank.")
		case !seen[tag]:
			seen[tag] = true
			out = append(out, tag)
		}
	}
	return out
}

// emptyObject is the metadata of a record that has none.
var emptyObject = json.RawMessage(`{}`)

// normalizeMetadata accepts a JSON object of at most 16 KiB, compacted.
func normalizeMetadata(ps *problems, at path, raw json.RawMessage) json.RawMessage {
	if raw == nil {
		return emptyObject
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil || buf.Len() == 0 || buf.Bytes()[0] != '{' {
		ps.add(at, Invalid, "Metadata must be a JSON object.")
		return nil
	}
	if buf.Len() > maxMetadataBytes {
		ps.add(at, TooLong, "Metadata must be at most %d bytes encoded.", maxMetadataBytes)
		return nil
	}
	return buf.Bytes()
}

// checkPhoneRegion accepts an ISO 3166-1 alpha-2 code of a country with
// phone numbers, in any case, and returns it in capitals.
func checkPhoneRegion(ps *problems, at path, region string) (string, bool) {
	upper := strings.ToUpper(region)
	if !phone.ValidRegion(upper) {
		ps.add(at, Invalid, "Region must be an ISO 3166-1 alpha-2 country code, such as US or GB.")
		return "", false
	}
	return upper, true
}

// checkPhoneNumber reads a phone change's number as people write it and
// returns it in E.164 form: a number in national form is read as one of
// the change's region, else of the workspace's default region (which may
// be ""). ok is false when a problem was reported at at.
func checkPhoneNumber(ps *problems, at path, number string, region *string, defaultRegion string) (e164 string, ok bool) {
	if region != nil {
		if defaultRegion, ok = checkPhoneRegion(ps, at.at("region"), *region); !ok {
			return "", false
		}
	}
	e164, err := phone.Parse(number, defaultRegion)
	var invalid *phone.InvalidError
	switch {
	case errors.Is(err, phone.ErrTooLong):
		ps.add(at.at("number"), TooLong, "Phone number must be at most %d characters.", phone.MaxLength)
	case errors.Is(err, phone.ErrNeedsRegion):
		ps.add(at.at("number"), Invalid, "The number has no country: give it in international form, + and the country calling code (such as +1 415 555 0199), or give its region, or set the workspace's defaultPhoneRegion.")
	case errors.As(err, &invalid):
		ps.add(at.at("number"), Invalid, "The phone number %s.", invalid.Reason)
	case err != nil:
		ps.add(at.at("number"), Invalid, "The phone number is not valid.")
	}
	return e164, err == nil
}

var slugPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// checkSlug accepts a lowercase letter then lowercase letters, digits or
// underscores (as many as the schema allows).
func checkSlug(ps *problems, at path, slug string) {
	if !slugPattern.MatchString(slug) {
		ps.add(at, Invalid, "Slug must be a lowercase letter, then lowercase letters, digits or underscores.")
	}
}
