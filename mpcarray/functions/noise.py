"""The joint differential-privacy noise draw behind ``SharedArray.reveal(noise=...)``."""

from ..array import SharedArray
from ..array.dispatch import implements_hook
from ..array.lineage import of_elementwise, stamped
from ..array.primitives import sum_of_private_draws


@implements_hook("joint_noise")
@stamped(of_elementwise)
def joint_noise(x: SharedArray, mechanism) -> SharedArray:
    """Shared noise of ``mechanism`` shaped like ``x``, to add before opening ``x``.

    Steps: each party draws one component ``mechanism.component(rng, shape, n)``
    from its private generator (the components of the ``n`` parties sum to one
    draw of the mechanism's distribution) and shares it implicitly as its own
    share, re-randomised by a zero sharing.
    Cost: no communication; the dealer sends party 0 ``8`` bytes per element.
    Security: no party learns the noise while fewer than all parties collude.
    """
    n_parties = len(x.parties)
    return sum_of_private_draws(x, lambda rng: mechanism.component(rng, x.shape, n_parties))
