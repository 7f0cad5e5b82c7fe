#!/usr/bin/env bash
# What every kubernetes-cluster check starts with: check helpers, the Kubernetes utilities, the config;
# a target without a cluster skips. Sourced, never run.
# shellcheck source=test-infra/utils/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../test-infra/utils/check.sh"
# shellcheck source=test-infra/utils/facts.sh
source "$CC_UTILS/facts.sh"
# shellcheck source=test-infra/utils/k8s-utils.sh
source "$CC_UTILS/k8s-utils.sh"
check::init
k8s::require "a Kubernetes cluster"
