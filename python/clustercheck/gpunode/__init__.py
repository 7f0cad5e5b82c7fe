"""GPU node acceptance: probe each node's GPUs once, judge every node's probe one check at a time."""
