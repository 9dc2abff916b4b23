// Package clientaddr finds the address of the client of a request: the
// peer of its connection, or, when that peer is a proxy the operator
// trusts, the address the proxies recorded in X-Forwarded-For. A client
// can write any X-Forwarded-For it likes, so the header is believed only
// as far as it was written by trusted proxies: read from the right, the
// first address that is not one of theirs is the client's.
package clientaddr

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the networks of the trusted proxies. The zero value trusts
// none: the client is the connection's peer.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of addresses and networks,
// such as 10.0.0.0/8, 192.168.1.7 or fd00::/8.
func ParseProxies(list string) (Proxies, error) {
	var proxies Proxies
	for entry := range strings.SplitSeq(list, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		if !strings.Contains(entry, "/") {
			addr, err := netip.ParseAddr(entry)
			if err != nil {
				return nil, fmt.Errorf("%q is neither an address nor a network such as 10.0.0.0/8", entry)
			}
			proxies = append(proxies, netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()))
			continue
		}
		network, err := netip.ParsePrefix(entry)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a network such as 10.0.0.0/8", entry)
		}
		proxies = append(proxies, network.Masked())
	}
	return proxies, nil
}

func (p Proxies) trusts(addr netip.Addr) bool {
	for _, network := range p {
		if network.Contains(addr) {
			return true
		}
	}
	return false
}

// Of returns the address of r's client; the zero Addr when r's
// RemoteAddr is not an address, as in some tests.
func (p Proxies) Of(r *http.Request) netip.Addr {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	client := peer.Addr().Unmap()
	if !p.trusts(client) {
		return client
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// Not an address: the hops beyond were not written by a
			// trusted proxy, so the last trusted one is the client.
			return client
		}
		client = hop.Unmap()
		if !p.trusts(client) {
			return client
		}
	}
	return client
}

// Network returns the network that stands for addr's client: addr itself
// for IPv4, its /64 for IPv6, where one client commonly has a whole /64.
func Network(addr netip.Addr) netip.Prefix {
	if addr.Is4() {
		return netip.PrefixFrom(addr, 32)
	}
	network, _ := addr.Prefix(64)
	return network
}
