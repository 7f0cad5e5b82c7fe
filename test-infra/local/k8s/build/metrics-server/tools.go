//go:build tools

// Package tools pins metrics-server, which serves metrics.k8s.io; `go build` takes it from here.
package tools

import _ "sigs.k8s.io/metrics-server/cmd/metrics-server"
