// Package webhooks delivers change events to the HTTPS endpoints that
// workspaces register, as the Standard Webhooks specification describes
// them: signed with a per-endpoint secret, retried with exponential
// backoff, refused at private addresses.
package webhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SecretPrefix starts every signing secret, as in the specification.
const SecretPrefix = "whsec_"

// secretBytes is the length of a signing secret's key: 24 to 64 bytes,
// the specification says.
const secretBytes = 32

// NewSecret returns a new signing secret: whsec_ and its key in base64.
func NewSecret() string {
	key := make([]byte, secretBytes)
	rand.Read(key)
	return SecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// errBadSecret says a stored secret is not one NewSecret made.
var errBadSecret = errors.New("not a whsec_ signing secret")

// secretKey returns the key of a secret.
func secretKey(secret string) ([]byte, error) {
	encoded, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, errBadSecret
	}
	key, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil || len(key) == 0 {
		return nil, errBadSecret
	}
	return key, nil
}

// Signature returns the webhook-signature header of a message: for each
// secret, v1, a comma and the base64 HMAC-SHA256 of "id.timestamp.body"
// with the secret's key, separated by spaces. A receiver accepts the
// message when one of them verifies: during a rotation, one with the old
// secret and one with the new.
func Signature(secrets []string, id string, at time.Time, body []byte) (string, error) {
	signed := make([]string, 0, len(secrets))
	for _, secret := range secrets {
		key, err := secretKey(secret)
		if err != nil {
			return "", err
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id + "." + strconv.FormatInt(at.Unix(), 10) + "."))
		mac.Write(body)
		signed = append(signed, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(signed, " "), nil
}

// SetHeaders sets the headers of the specification on a delivery's
// request: its message id, its time in Unix seconds and its signatures.
func SetHeaders(h http.Header, secrets []string, id string, at time.Time, body []byte) error {
	signature, err := Signature(secrets, id, at, body)
	if err != nil {
		return err
	}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	h.Set("webhook-signature", signature)
	h.Set("Content-Type", "application/json")
	return nil
}
