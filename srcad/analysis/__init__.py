"""Facts about the IR that the transforms and code generation read."""
