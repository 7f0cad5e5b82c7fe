"""clustercheck: validate GPU ML infrastructure end to end and report as JUnit XML."""

__version__ = "0.1.0"
