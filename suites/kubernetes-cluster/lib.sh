#!/usr/bin/env bash
# What every kubernetes-cluster check starts with: check helpers, the Kubernetes utilities, the config;
# a target without a cluster skips. Sourced, never run.
# shellcheck source=test-infra/checks/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../test-infra/checks/check.sh"
# shellcheck source=test-infra/checks/facts.sh
source "$CC_CHECKS/facts.sh"
# shellcheck source=test-infra/checks/k8s.sh
source "$CC_CHECKS/k8s.sh"
check::init
k8s::require "a Kubernetes cluster"
