"""clustercheck: validate GPU ML infrastructure end to end and report as JUnit XML.

Imports stand at the top of each module, with two exceptions, both for the time a helper call takes
to start (a check calls the helper many times; `clustercheck --help` must stay instant):
- the heavy clients - kubernetes, boto3/botocore, mlflow, torch, pynvml, sklearn, numpy, uvloop, and
  requests, aiohttp and jsonschema (each costs 0.1-0.5 s to import here) - are imported inside the
  function that uses them;
- a command module imports the module that implements a subcommand when that subcommand runs, as
  clustercheck.cli does for the command groups.
tests/python/test_package_structure.py holds the rule.
"""

__version__ = "0.1.0"
