package clientaddr_test

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/contacts-api/contacts/httpapi/clientaddr"
)

func TestOf(t *testing.T) {
	t.Parallel()
	proxies, err := clientaddr.ParseProxies("10.0.0.0/8, 192.168.1.7, fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		proxies   clientaddr.Proxies
		peer      string
		forwarded []string
		want      string
	}{
		{"no trusted proxy: the peer, whatever the header says", nil, "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"an untrusted peer's header is ignored", proxies, "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"a trusted proxy names the client", proxies, "10.1.2.3:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"addresses the client wrote before the proxies are ignored", proxies, "10.1.2.3:5000", []string{"1.1.1.1, 198.51.100.1, 192.168.1.7"}, "198.51.100.1"},
		{"several headers read as one list", proxies, "10.1.2.3:5000", []string{"1.1.1.1", "198.51.100.1"}, "198.51.100.1"},
		{"garbage at the right stops at the last trusted hop", proxies, "10.1.2.3:5000", []string{"1.1.1.1, bogus"}, "10.1.2.3"},
		{"a trusted proxy without the header is the client", proxies, "10.1.2.3:5000", nil, "10.1.2.3"},
		{"IPv4 in IPv6 is IPv4", proxies, "[::ffff:10.1.2.3]:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"IPv6 proxies", proxies, "[fd00::1]:5000", []string{"2001:db8::1"}, "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for _, v := range tt.forwarded {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := tt.proxies.Of(r); got != netip.MustParseAddr(tt.want) {
				t.Fatalf("client of %s with X-Forwarded-For %q = %s; want %s", tt.peer, tt.forwarded, got, tt.want)
			}
		})
	}
}

func TestParseProxiesRefusesWhatIsNoAddress(t *testing.T) {
	t.Parallel()
	for _, list := range []string{"10.0.0.0/33", "proxy.internal", "10.0.0.1/8/8"} {
		if _, err := clientaddr.ParseProxies(list); err == nil {
			t.Errorf("ParseProxies(%q): no error; want one", list)
		}
	}
}

func TestNetwork(t *testing.T) {
	t.Parallel()
	if got := clientaddr.Network(netip.MustParseAddr("2001:db8:1:2:3:4:5:6")); got != netip.MustParsePrefix("2001:db8:1:2::/64") {
		t.Errorf("network of an IPv6 address = %s; want its /64", got)
	}
	if got := clientaddr.Network(netip.MustParseAddr("198.51.100.1")); got != netip.MustParsePrefix("198.51.100.1/32") {
		t.Errorf("network of an IPv4 address = %s; want the address alone", got)
	}
}
