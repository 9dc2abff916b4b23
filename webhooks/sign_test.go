package webhooks_test

import (
	"net/http"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/contacts-api/contacts/webhooks"
)

// TestSignaturesVerifyWithTheStandardWebhooksLibrary checks the headers
// with the specification's own Go library, not with this package.
func TestSignaturesVerifyWithTheStandardWebhooksLibrary(t *testing.T) {
	t.Parallel()
	old, current := webhooks.NewSecret(), webhooks.NewSecret()
	body := []byte(`{"type":"contact.updated","data":{"recordId":"contact_01"}}`)
	tests := []struct {
		name    string
		signers []string
		verify  string
		want    bool
	}{
		{"the endpoint's secret verifies", []string{current}, current, true},
		{"during a rotation the old secret verifies", []string{old, current}, old, true},
		{"during a rotation the new secret verifies", []string{old, current}, current, true},
		{"another secret does not", []string{current}, webhooks.NewSecret(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if err := webhooks.SetHeaders(h, tt.signers, "evt_01JABCDEF", time.Now(), body); err != nil {
				t.Fatal(err)
			}
			wh, err := standardwebhooks.NewWebhook(tt.verify)
			if err != nil {
				t.Fatal(err)
			}
			err = wh.Verify(body, h)
			if (err == nil) != tt.want {
				t.Errorf("Verify = %v, want verified %v (signature %q)", err, tt.want, h.Get("webhook-signature"))
			}
		})
	}
}

// TestSignatureOfTheSpecificationsExample signs the example of the
// specification's libraries and compares it with their published value.
func TestSignatureOfTheSpecificationsExample(t *testing.T) {
	t.Parallel()
	const (
		secret  = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		id      = "msg_p5jXN8AQM9LWM0D4loKWxJek"
		payload = `{"test": 2432232314}`
		want    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	)
	got, err := webhooks.Signature([]string{secret}, id, time.Unix(1614265330, 0), []byte(payload))
	if err != nil || got != want {
		t.Errorf("Signature = %q, %v; want %q", got, err, want)
	}
}
