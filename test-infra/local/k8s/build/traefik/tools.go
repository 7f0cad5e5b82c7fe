//go:build tools

// Package tools pins Traefik, the local cluster's ingress controller (it serves the Ingress API); `go
// build` takes it from here.
package tools

import _ "github.com/traefik/traefik/v3/cmd/traefik"
