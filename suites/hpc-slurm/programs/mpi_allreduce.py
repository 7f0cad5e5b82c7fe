"""Every rank reports its rank, the world size and its node; rank 0 reports the allreduce of rank + 1."""
import socket

from mpi4py import MPI

comm = MPI.COMM_WORLD
total = comm.allreduce(comm.rank + 1, op=MPI.SUM)
print(f"rank {comm.rank} of {comm.size} on {socket.gethostname()}", flush=True)
if comm.rank == 0:
    print(f"sum {total}", flush=True)
