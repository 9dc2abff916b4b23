package main

import (
	"context"
	"fmt"
	"net"
	"time"
)

// slowSenders is how many connections declare a large body and send one
// byte of it.
const slowSenders = 1000

// bodyFlood opens many connections that each declare a 2 MiB body and
// send one byte, without credentials and then with a valid token, and
// watches the server's memory and a normal request meanwhile.
func bodyFlood(ctx context.Context, t *target) []finding {
	var fs []finding
	for _, who := range []struct{ name, token string }{{"anonymous", ""}, {"authenticated", t.readA}} {
		before := t.rssMB()
		conns := openSlowSenders(t.Addr, who.token, slowSenders)
		time.Sleep(2 * time.Second)
		during := t.rssMB()
		normal := bestOf(5, func() answer { return t.post(t.readA, firstPage, nil) })
		for _, c := range conns {
			c.Close()
		}
		fs = append(fs,
			held(who.name+": memory of 1,000 slow 2 MiB bodies", during-before < 64, "RSS %.0f → %.0f MB with %d connections open", before, during, len(conns)),
			held(who.name+": a normal request meanwhile", normal.status == 200 && normal.elapsed < 100*time.Millisecond, "%v, %s", normal.elapsed.Round(time.Millisecond), shortStatus(normal)))
	}
	return fs
}

func openSlowSenders(addr, token string, n int) []net.Conn {
	header := "POST /graphql HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n"
	if token != "" {
		header += "Authorization: Bearer " + token + "\r\n"
	}
	header += "\r\n{"
	var conns []net.Conn
	for i := 0; i < n; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Write([]byte(header))
		conns = append(conns, c)
	}
	return conns
}

func shortStatus(a answer) string {
	if a.status == 200 {
		return "HTTP 200"
	}
	return fmt.Sprint(a)
}
