"""SPP-net detector: proposals, scales, features, head, box coding, post-processing."""
