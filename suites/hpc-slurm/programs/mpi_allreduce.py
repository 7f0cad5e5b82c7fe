"""Every rank reports its rank, the world size and its node; rank 0 reports the allreduce of rank + 1
and the PMIx version its PMIx server announced (none when the job was not started through PMIx)."""
import os
import socket

from mpi4py import MPI

comm = MPI.COMM_WORLD
total = comm.allreduce(comm.rank + 1, op=MPI.SUM)
print(f"rank {comm.rank} of {comm.size} on {socket.gethostname()}", flush=True)
if comm.rank == 0:
    print(f"sum {total}", flush=True)
    print(f"pmix_version {os.environ.get('PMIX_VERSION') or 'none'}", flush=True)
