"""IR -> IR: forward mode, reverse mode, nested derivatives, inlining, rewrites before them."""
