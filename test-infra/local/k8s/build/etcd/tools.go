//go:build tools

// Package tools pins etcd, the local cluster's store; `go build` takes it from here.
package tools

import _ "go.etcd.io/etcd/server/v3"
