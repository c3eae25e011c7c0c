"""Reading the user's function: its source or bytecode, its signature, the names it reads."""
