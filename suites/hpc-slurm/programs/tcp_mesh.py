"""One task per node: listen, publish the node's address (its NodeAddr, from the file the check wrote)
and port in the shared directory, then connect to every other task and exchange names. Prints
"ok ME PEER" or "fail ME PEER REASON" per peer, and "peers ME N".
Arguments: the shared directory, the number of tasks, seconds to wait for the others."""
import os
import socket
import sys
import threading
import time

shared, count, wait_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
me = os.environ.get("SLURMD_NODENAME", socket.gethostname())
addrs = dict(line.split() for line in open(os.path.join(shared, "nodeaddr")) if line.strip())
addr = addrs[me]

server = socket.socket()
server.bind(("", 0))
server.listen(count)
server.settimeout(wait_s)


def answer() -> None:
    try:
        for _ in range(count - 1):
            conn, _peer = server.accept()
            with conn:
                name = conn.recv(256).decode()
                conn.sendall(f"hello {name} from {me}".encode())
    except OSError:
        pass


threading.Thread(target=answer, daemon=True).start()
with open(os.path.join(shared, f"{me}.addr.tmp"), "w") as f:
    f.write(f"{addr} {server.getsockname()[1]}\n")
os.rename(os.path.join(shared, f"{me}.addr.tmp"), os.path.join(shared, f"{me}.addr"))

deadline = time.monotonic() + wait_s
peers: dict[str, tuple[str, int]] = {}
while time.monotonic() < deadline and len(peers) < count - 1:
    for entry in os.listdir(shared):
        if entry.endswith(".addr") and entry[:-5] != me and entry[:-5] not in peers:
            host, port = open(os.path.join(shared, entry)).read().split()
            peers[entry[:-5]] = (host, int(port))
    time.sleep(0.1)
for name, (host, port) in sorted(peers.items()):
    try:
        with socket.create_connection((host, port), timeout=3) as s:
            s.sendall(me.encode())
            reply = s.recv(256).decode()
        print(f"ok {me} {name}" if reply == f"hello {me} from {name}" else f"fail {me} {name} unexpected reply {reply!r}", flush=True)
    except OSError as e:
        print(f"fail {me} {name} {host}:{port} {e.strerror or e}", flush=True)
print(f"peers {me} {len(peers)}", flush=True)
# Stay until the others had the time to reach this node.
time.sleep(min(wait_s, 4.0))
