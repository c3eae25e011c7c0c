"""Names in generated code: deterministic, from the math, uniquified with counters.

User names are kept (`x`, `h`); a re-assigned name gets a suffix (`h_1`); adjoints are `b` +
the primal's name (`bx`), tangents `d` + the name (`dx`); temporaries are `v1`, `v2`, ... in
order of appearance. Nothing depends on ids or hash order, so the same function always gives
byte-identical source.
"""

import keyword

RESERVED = {"np", "math", "tape", "record"}


class Namer:
    def __init__(self, taken=()):
        self.names = {}              # Var -> name
        self.used = set(RESERVED) | set(taken)
        self.temp_counter = 0

    def fresh(self, base):
        """An unused name derived from `base`."""
        if base is None:
            return self.temp()
        base = base if base.isidentifier() and not keyword.iskeyword(base) else "v"
        if base not in self.used:
            self.used.add(base)
            return base
        n = 1
        while f"{base}_{n}" in self.used:
            n += 1
        name = f"{base}_{n}"
        self.used.add(name)
        return name

    def temp(self):
        while True:
            self.temp_counter += 1
            name = f"v{self.temp_counter}"
            if name not in self.used:
                self.used.add(name)
                return name

    def name(self, var):
        """The name of `var`, choosing one the first time it is seen."""
        if var not in self.names:
            self.names[var] = self.fresh(var.hint)
        return self.names[var]

    def alias(self, var, name):
        """Give `var` an existing name (a loop-carried slot shares one name)."""
        self.names[var] = name

    def has(self, var):
        return var in self.names
