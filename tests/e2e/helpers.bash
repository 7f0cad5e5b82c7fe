# Shared by the end-to-end tests: the local target, its config, libvirt lookups.
ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
export PATH="$ROOT/.venv/bin:$PATH" NO_COLOR=1
FW=$ROOT/frameworks/test-cloud-vm-framework.sh
CFG=$ROOT/test-infra/configs/local.yaml
STATE=$ROOT/.local-target/ai-how/state.json
export AI_HOW_STATE_FILE=$STATE

virsh_q() { virsh -q -c qemu:///system "$@"; }

# broken_config FILE: local.yaml with absolute paths and the broken CLI from tests/fixtures.
broken_config() {
  sed -e "s#\.\./\.\./#$ROOT/#g" -e "s#^  cli: .*#  cli: $ROOT/tests/fixtures/broken-ai-how#" "$CFG" >"$1"
}

junit_status() { # junit_status FILE CHECK -> passed|failure|error|skipped
  python3 - "$1" "$2" <<'PY'
import sys, xml.etree.ElementTree as ET
case = next(c for c in ET.parse(sys.argv[1]).iter("testcase") if c.get("name") == sys.argv[2])
kids = [k.tag for k in case if k.tag in ("failure", "error", "skipped")]
print(kids[0] if kids else "passed")
PY
}
