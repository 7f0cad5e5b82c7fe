"""Reference implementation of the ai-how cluster CLI contract on libvirt.

It is the system under test on the local target. Checks never import it: they look at libvirt and
the state file, exactly as they do with the real platform's CLI.
"""
