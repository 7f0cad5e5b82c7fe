//go:build tools

// Package tools pins KServe's controller (the InferenceService, ServingRuntime and webhook manager)
// for test-infra/local/k8s/build-kserve.sh.
package tools

import _ "github.com/kserve/kserve/cmd/manager"
