"""C = A x B for n x n integer matrices A[i][j] = (i + j) % 7 and B[i][j] = (i * j) % 5, the rows of C
split across the ranks and gathered on rank 0, which prints the sum of C's entries. Argument: n."""
import sys

from mpi4py import MPI

comm = MPI.COMM_WORLD
n = int(sys.argv[1])
b = [[(i * j) % 5 for j in range(n)] for i in range(n)]
rows = {}
for i in range(comm.rank, n, comm.size):
    a_row = [(i + k) % 7 for k in range(n)]
    rows[i] = [sum(a_row[k] * b[k][j] for k in range(n)) for j in range(n)]
parts = comm.gather(rows, root=0)
if comm.rank == 0:
    c = {}
    for p in parts:
        c.update(p)
    print(f"rows {len(c)} checksum {sum(sum(r) for r in c.values())} ranks {comm.size}", flush=True)
