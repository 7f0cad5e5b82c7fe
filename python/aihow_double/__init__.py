"""The double of the platform's cluster CLI: ai-how's contract (files, names, messages, exit codes) on
libvirt. It is the system under test on the local target, so it lives beside the harness package, not
inside it; it reads the platform's files through clustercheck.aihow, the one model of their format.

Checks never import it: they look at libvirt and the state file, exactly as they do with the real platform's CLI.
"""
