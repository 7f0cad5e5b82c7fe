"""The cloud and HPC clusters side by side on one host: resource sums and cluster states."""
