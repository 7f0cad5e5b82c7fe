//go:build tools

// Package tools pins CoreDNS, the local cluster's DNS; `go build` takes it from here.
package tools

import _ "github.com/coredns/coredns"
