"""The Pinglu Canal's lock hubs, as the model package knows them.

The lock pass is model-free arithmetic on the drawn canal entries and lives in
:mod:`portsim.canal_locks` (the demand stage computes it: the locks shape the arrival
process at the canal mouth, see that module's docstring for why). This module keeps the
names the model and older code import.
"""

from portsim.canal_locks import FILL_EPS, LockPassage, lock_through, through_locks

__all__ = ["FILL_EPS", "LockPassage", "lock_through", "through_locks"]
