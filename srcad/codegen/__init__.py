"""IR -> Python source -> code object."""
