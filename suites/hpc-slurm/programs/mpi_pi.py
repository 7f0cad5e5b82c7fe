"""pi by the midpoint rule on 4 / (1 + x^2) over [0, 1], the intervals dealt round-robin to the ranks
and the partial sums reduced on rank 0. Argument: the number of intervals."""
import sys

from mpi4py import MPI

comm = MPI.COMM_WORLD
n = int(sys.argv[1])
h = 1.0 / n
part = 0.0
for i in range(comm.rank, n, comm.size):
    x = h * (i + 0.5)
    part += 4.0 / (1.0 + x * x)
pi = comm.reduce(part * h, op=MPI.SUM, root=0)
if comm.rank == 0:
    print(f"pi {pi:.15f} ranks {comm.size}", flush=True)
