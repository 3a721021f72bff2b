"""Each name generated code calls as ``_rt.<name>`` comes from one runtime area: two
areas exporting one name (np.convolve's ``convolve_vjp_a`` and scipy.signal's, once)
would let the later import decide which rule's helper runs."""
import collections

from s2sad import runtime
from s2sad.runtime import containers


def test_no_two_areas_export_one_name():
    owners = collections.defaultdict(list)
    for area in runtime.AREAS + (containers,):
        for name in getattr(area, "__all__", ()):
            owners[name].append(area.__name__)
    assert {n: o for n, o in owners.items() if len(o) > 1} == {}


def test_every_area_says_what_it_exports():
    assert all(hasattr(area, "__all__") for area in runtime.AREAS)
